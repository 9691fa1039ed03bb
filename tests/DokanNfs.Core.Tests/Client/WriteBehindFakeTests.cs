using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>Write-behind (NfsOpenFile.WriteBehind.cs): a WRITE that fails after its writer got control back is reported later, once.</summary>
[TestClass]
public sealed class WriteBehindFakeTests
{
    private static readonly NfsClientOptions Behind = FastOptions with { WriteBehindBytes = NfsClientOptions.DefaultWriteBehindBytes };

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_failed_write_behind_is_reported_by_close_and_the_file_is_still_closed()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server, Behind);
        var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        server.InterceptEvery(NfsOpnum4.Write, FakeNfsFault.Error(NfsStat4.NoSpc));
        var mark = server.RecordCount;

        await file.WriteAsync(0, Pattern(1000, 1), StableHow4.Unstable, Ct);

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await file.CloseAsync(Ct));
        Assert.AreEqual(NfsStat4.NoSpc, ex.Status);
        Assert.IsTrue(file.IsClosed);
        Assert.HasCount(1, server.Sent<CloseArgs>(mark), "CLOSE still went out");
    }

    [TestMethod]
    public async Task A_failed_write_behind_is_reported_by_the_next_read_once_and_the_handle_goes_on()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server, Behind);
        await using var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        server.InterceptEvery(NfsOpnum4.Write, FakeNfsFault.Error(NfsStat4.DQuot), times: 1);

        await file.WriteAsync(0, Pattern(1000, 2), StableHow4.Unstable, Ct);

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await file.ReadAsync(0, new byte[100], Ct));
        Assert.AreEqual(NfsStat4.DQuot, ex.Status);
        await file.WriteAsync(1000, Pattern(500, 3), StableHow4.Unstable, Ct);
        await file.CommitAsync(Ct);
        CollectionAssert.AreEqual(Pattern(500, 3), server.ReadFile("/export/f")[1000..1500]);
    }

    [TestMethod]
    public async Task An_accepted_write_is_reported_by_flush()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server, Behind);
        await using var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        server.InterceptEvery(NfsOpnum4.Write, FakeNfsFault.Error(NfsStat4.NoSpc), times: 1);

        await file.WriteAsync(0, Pattern(1000, 4), StableHow4.Unstable, Ct);

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await file.CommitAsync(Ct));
        Assert.AreEqual(NfsStat4.NoSpc, ex.Status);
        await file.CommitAsync(Ct); // reported once
    }
}
