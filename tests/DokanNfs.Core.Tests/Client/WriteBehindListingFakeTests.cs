using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// Write-behind and what a listing or a stat by path shows of the file: the sizes the server reports must include our own
/// WRITEs still in flight, however late the server gets to them and in whatever order it answers.
/// </summary>
[TestClass]
public sealed class WriteBehindListingFakeTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_listing_right_after_a_write_behind_shows_its_size_even_when_the_server_is_late_with_it()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/other", "o"u8);
        await using var client = Connect(server, FastOptions with
        {
            WriteBehindBytes = NfsClientOptions.DefaultWriteBehindBytes,
            CallTimeout = TimeSpan.FromSeconds(1),
        });
        await using var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);

        // The server takes the first WRITE and never executes nor answers it: the client sends it again after its
        // call timeout (1 s), so for that long the WRITE is in flight and the server's size is still 0.
        server.Intercept(NfsOpnum4.Write, FakeNfsFault.NoReply());
        await file.WriteAsync(0, new byte[1000], StableHow4.Unstable, Ct);
        Assert.IsTrue(file.HasWritesInFlight);

        var sizes = new Dictionary<string, ulong?>();
        await foreach (var entry in client.ReadDirAsync("/export", cancellationToken: Ct))
        {
            sizes[entry.Name] = entry.Attributes.Size;
        }

        Assert.AreEqual(1000ul, sizes["f"], "listed after our WRITE in flight");
        Assert.AreEqual(1ul, sizes["other"]);
        Assert.IsFalse(file.HasWritesInFlight);
    }

    [TestMethod]
    public async Task A_stat_by_path_asked_while_a_write_behind_was_in_flight_sees_its_size_though_the_write_is_answered_first()
    {
        // The race CI caught once against Ganesha (WriteBehindTests.A_stat_by_path_right_after_a_write_behind_sees_its_size):
        // the stat's GETATTR is executed before our WRITE, but its reply comes back after the WRITE's. When the answer
        // arrives no WRITE is in flight any more, yet the answer predates it.
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server, FastOptions with { WriteBehindBytes = NfsClientOptions.DefaultWriteBehindBytes });
        await using var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var executeWrite = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answerStat = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.DeferExecution(r => r.Ops.Any(o => o.Op == NfsOpnum4.Write), executeWrite.Task);
        var stat = server.InterceptWhere(
            c => c.Args.Op == NfsOpnum4.Lookup && c.Request.Ops.All(o => o.Op is not (NfsOpnum4.Write or NfsOpnum4.Open)),
            FakeNfsFault.Held(answerStat.Task),
            times: 1);

        await file.WriteAsync(0, Pattern(1000, 5), StableHow4.Unstable, Ct);
        Assert.IsTrue(file.HasWritesInFlight);
        var byPath = client.GetAttrAsync("/export/f", Ct).AsTask();
        await WaitUntilAsync(() => stat.Hits == 1);
        Assert.IsEmpty(server.ReadFile("/export/f"), "the stat was executed before the WRITE");

        executeWrite.SetResult();
        await WaitUntilAsync(() => !file.HasWritesInFlight);
        Assert.IsFalse(byPath.IsCompleted);
        answerStat.SetResult();

        Assert.AreEqual(1000ul, (await byPath).Attributes.Size, "a stat asked while our WRITE was in flight");
        AssertNoServerErrors(server);
    }

    private async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Generous);
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
