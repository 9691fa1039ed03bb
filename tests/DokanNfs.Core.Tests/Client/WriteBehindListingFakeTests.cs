using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// Write-behind and the listing of the file's directory: the sizes READDIR reports must include our own WRITEs still in
/// flight, however late the server gets to them.
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
}
