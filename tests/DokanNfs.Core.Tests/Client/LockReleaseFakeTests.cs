using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The close of a handle that locked (NfsOpenFile.Locks.cs, NFSv4.0): every range is unlocked, then RELEASE_LOCKOWNER
/// (RFC 7530 §16.37), which the server refuses with NFS4ERR_LOCKS_HELD while any lock of the owner is left.
/// </summary>
[TestClass]
public sealed class LockReleaseFakeTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_range_whose_unlock_failed_is_given_back_by_a_whole_file_unlock_and_the_close_goes_through()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", new byte[100]);
        await using var client = Connect(server);
        var file = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 20, 10, wait: false, Ct));

        // The close's first LOCKU is refused: [0, 10) stays locked on the server.
        server.Intercept(NfsOpnum4.LockU, FakeNfsFault.Error(NfsStat4.LockRange));
        var mark = server.RecordCount;

        await file.CloseAsync(Ct);

        var unlocks = server.Sent<LockUArgs>(mark);
        Assert.HasCount(3, unlocks, "each range, then the whole file");
        Assert.AreEqual(0ul, unlocks[2].Offset);
        Assert.AreEqual(ulong.MaxValue, unlocks[2].Length, "to the end of the file (RFC 7530 §16.12)");
        var releases = server.RecordsSince(mark).Where(r => r.Request.Find<ReleaseLockOwnerArgs>() is not null).ToList();
        Assert.HasCount(2, releases);
        Assert.AreEqual(NfsStat4.LocksHeld, releases[0].Status);
        Assert.AreEqual(NfsStat4.Ok, releases[1].Status);
        var close = server.RecordsSince(mark).Single(r => r.Request.Find<CloseArgs>() is not null);
        Assert.AreEqual(NfsStat4.Ok, close.Status);
        Assert.AreEqual(0, server.OpenStateCount, "nothing left open on the server");
        Assert.IsTrue(file.IsClosed);
    }
}
