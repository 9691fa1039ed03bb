using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// A restarted server that refuses to give state back (its client records are gone, so a reclaim gets
/// NFS4ERR_NO_GRACE or NFS4ERR_RECLAIM_BAD): each such open and lock is marked lost, its handle fails with a
/// clear error until closed and opened again, nothing re-takes the lock behind the caller's back, and
/// handles opened afterwards work. Under NFSv4.1 the refusals come to the reclaims the session's hook sends after the new
/// client id, before RECLAIM_COMPLETE (RFC 8881 §8.4.2).
/// </summary>
[TestClass]
public sealed class ReclaimRefusedTests(TestContext testContext) : RecoveryTestBase(testContext)
{
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Refused_reclaim_marks_the_handles_lost_until_closed_and_new_opens_work(NfsVersion version)
    {
        var server = await StartServerAsync(WithGrace(leaseSeconds: 3, graceSeconds: 3));
        File.WriteAllBytes(server.PathInExport("locked.bin"), Pattern(4096, 6));
        File.WriteAllBytes(server.PathInExport("plain.txt"), "plain"u8.ToArray());
        var (client, log) = ConnectLogged(server.EndPoint, Vers(version, Fast));
        var locked = Track(await client.OpenAsync(Nfs("locked.bin"), OpenRequest.ForReadWrite, Ct));
        var plain = Track(await client.OpenAsync(Nfs("plain.txt"), OpenRequest.ForRead, Ct));
        Assert.IsNull(await locked.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));

        // The server comes back without its records of this client: to it, every reclaim is unfounded.
        await server.KillAsync(Ct);
        foreach (var entry in new DirectoryInfo(server.RecoveryPath).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }

        await server.RestartAsync(Ct);
        Assert.Contains("clid count(0)", server.LogTextSinceStart());

        var lost = await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await locked.ReadAsync(0, new byte[10], Ct));
        Assert.IsTrue(lost.Status is NfsStat4.NoGrace or NfsStat4.ReclaimBad, $"refused with {lost.Status}");
        Assert.AreEqual("/export/locked.bin", lost.Path);
        Assert.Contains("close the file and open it again", lost.Message);
        Assert.Contains("refused to give the open back", lost.Message);

        // It stays lost: every use fails the same way, and nothing is sent to take the state again.
        Assert.AreSame(lost, await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await locked.WriteAsync(0, new byte[10], StableHow4.FileSync, Ct)));
        Assert.AreSame(lost, await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await locked.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct)));
        Assert.IsNotNull(plain.Lost, "the other open was refused too");
        await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await plain.ReadAsync(0, new byte[5], Ct));
        var recovery = client.RecoveryEvents.Single();
        Assert.AreEqual((0, 0, 2, 1), (recovery.OpensReclaimed, recovery.LocksReclaimed, recovery.OpensLost, recovery.LocksLost));

        // Nothing re-took the lock: another client gets it.
        var (otherClient, _) = ConnectLogged(server.EndPoint, Vers(version, Fast));
        var other = Track(await otherClient.OpenAsync(Nfs("locked.bin"), OpenRequest.ForReadWrite, Ct));
        Assert.IsNull(await other.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct), "the lost lock is free for others");

        // A handle opened after the restart works, and so does the lost file once closed and opened again.
        var fresh = Track(await client.OpenAsync(Nfs("plain.txt"), OpenRequest.ForRead, Ct));
        Assert.AreEqual(5, await fresh.ReadAsync(0, new byte[5], Ct));
        await locked.CloseAsync(Ct);
        var reopened = Track(await client.OpenAsync(Nfs("locked.bin"), OpenRequest.ForReadWrite, Ct));
        await reopened.WriteAsync(200, "again"u8.ToArray(), StableHow4.FileSync, Ct);
        Assert.IsNotNull(await reopened.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct), "an ordinary conflict with the other client's lock");
        Assert.IsNull(await reopened.LockAsync(NfsLockType4.Write, 200, 5, wait: false, Ct));

        // Logged: the recovery at info level with the counts, each lost open as a warning naming the file.
        var done = AssertOneRecoveryLogged(log, client, "the server restarted");
        Assert.Contains("0 opens and 0 locks reclaimed, 2 opens and 1 locks lost", done.Message);
        var lostLines = log.WithId(StateLostEvent);
        Assert.HasCount(2, lostLines);
        Assert.IsTrue(lostLines.All(e => e.Level == LogLevel.Warning && e.Message.StartsWith(client.ServerName + ":", StringComparison.Ordinal)));
        Assert.IsTrue(lostLines.Any(e => e.Message.Contains("/export/locked.bin", StringComparison.Ordinal)), string.Join("\n", lostLines));
        Assert.IsTrue(lostLines.Any(e => e.Message.Contains("/export/plain.txt", StringComparison.Ordinal)), string.Join("\n", lostLines));
    }
}
