using System.Diagnostics;
using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.FakeNfs;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// A client cut off from the server for longer than its lease (issue "Leases and recovery", items 4 and 10): the
/// server expires it, another client takes its lock and writes, and when the partition ends the first client
/// learns that its open and lock are lost — it never writes over the other client's data, gets a new client id,
/// and works again once it opens the file afresh.
/// </summary>
[TestClass]
public sealed class PartitionTests(TestContext testContext) : RecoveryProxyTestBase(testContext)
{
    private const int LeaseSeconds = 3;
    private const string FileName = "partitioned.bin";

    /// <summary>
    /// Both ways a partition can end: <see cref="BlackholeEnd.Deliver"/> (TCP outlived it: everything A sent
    /// during it reaches the server late, after B's write) and <see cref="BlackholeEnd.DropAndCut"/> (TCP gave
    /// up: A's calls are lost with the connection and A sends them again on a new one).
    /// </summary>
    [TestMethod]
    [DataRow(BlackholeEnd.Deliver)]
    [DataRow(BlackholeEnd.DropAndCut)]
    public async Task Client_cut_off_past_its_lease_has_its_lock_reported_lost_and_never_writes_over_the_client_that_took_it(BlackholeEnd end)
    {
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = LeaseSeconds });
        var recorder = Record(server);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var clientA = ConnectLogged(proxy.EndPoint, "A");
        var clientB = ConnectLogged(server.EndPoint, "B");
        var hostFile = server.PathInExport(FileName);
        File.WriteAllBytes(hostFile, Fill('.', 64));

        var fileA = await clientA.OpenAsync(Nfs(FileName), OpenRequest.ForReadWrite, Ct);
        Assert.IsNull(await fileA.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct), "A locks the whole file");
        await fileA.WriteAsync(0, Fill('a', 64), StableHow4.FileSync, Ct);
        var generationBefore = clientA.ClientIdGeneration;
        var clientIdBefore = clientA.ClientId;
        var fileB = Track(await clientB.OpenAsync(Nfs(FileName), OpenRequest.ForReadWrite, Ct));
        Assert.IsNotNull(await fileB.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct), "A's lock holds while A's lease is renewed");

        // The partition: nothing A sends reaches the server until it ends.
        var callsBeforePartition = recorder.Calls.Count;
        proxy.Blackhole(end: end);
        Note($"partition starts ({end}); A is client {clientIdBefore:x16}");
        var writeDuringPartition = fileA.WriteAsync(0, Fill('A', 64), StableHow4.FileSync, Ct).AsTask();

        // B gets the lock once the server has expired A's lease (its reaper runs every lease/2 or so).
        var waited = Stopwatch.StartNew();
        var lockAttempts = 1;
        while (await fileB.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct) is not null)
        {
            Assert.IsLessThan(TimeSpan.FromSeconds(LeaseSeconds * 10), waited.Elapsed, "B never got the lock: the server did not expire A");
            lockAttempts++;
            await Task.Delay(200, Ct);
        }

        Note($"B got the lock {waited.Elapsed.TotalSeconds:F1} s into the partition (lease {LeaseSeconds} s), at attempt {lockAttempts}");
        await fileB.WriteAsync(0, Fill('B', 64), StableHow4.FileSync, Ct);
        Assert.IsFalse(writeDuringPartition.IsCompleted, "A's write waits through the partition (hard mount)");

        proxy.EndBlackhole();
        Note("partition ends");

        // A's write from the partition, and every later use of the open or its lock, is refused as lost.
        var lost = await Assert.ThrowsExactlyAsync<NfsStateLostException>(() => writeDuringPartition);
        Note($"A's write from the partition: {lost.Message}");
        StringAssert.Contains(lost.Message, Nfs(FileName));
        StringAssert.Contains(lost.Message, "open it again");
        await Assert.ThrowsExactlyAsync<NfsStateLostException>(() => fileA.WriteAsync(0, Fill('X', 64), StableHow4.FileSync, Ct).AsTask());
        await Assert.ThrowsExactlyAsync<NfsStateLostException>(() => fileA.ReadAsync(0, new byte[64], Ct).AsTask());
        await Assert.ThrowsExactlyAsync<NfsStateLostException>(() => fileA.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct).AsTask());
        await Assert.ThrowsExactlyAsync<NfsStateLostException>(() => fileA.UnlockAsync(0, ulong.MaxValue, Ct).AsTask());
        Assert.IsNotNull(fileA.Lost);
        CollectionAssert.AreEqual(Fill('B', 64), File.ReadAllBytes(hostFile), "B's bytes are intact");

        // Nothing A sent with its old state after the partition began was executed by the server.
        var afterPartition = recorder.Calls.Skip(callsBeforePartition).ToList();
        Note("what the server answered A after the partition began:\n" + string.Join('\n', afterPartition));
        Assert.IsFalse(afterPartition.Any(c => c.MainOp == NfsOpnum4.Write && c.Status == NfsStat4.Ok), "no WRITE of A was executed after the partition began");
        Assert.IsFalse(
            afterPartition.Any(c => c.Request.Find<OpenArgs>() is { Claim.Type: OpenClaimType4.Previous } && c.Status == NfsStat4.Ok),
            "no reclaim of A's open was granted");

        // A has a new client id, and the recovery that got it counted the open and the lock as lost.
        await WaitUntilAsync(() => clientA.ClientIdGeneration > generationBefore && !clientA.IsRecovering, TimeSpan.FromSeconds(20), "A to get a new client id");
        Assert.AreNotEqual(clientIdBefore, clientA.ClientId);
        var recovery = clientA.RecoveryEvents.Single();
        Note($"A's recovery: {recovery}");
        StringAssert.Contains(recovery.Reason, "lease expired");
        Assert.AreEqual(1, recovery.OpensLost, recovery.ToString());
        Assert.AreEqual(1, recovery.LocksLost, recovery.ToString());
        Assert.AreEqual(0, recovery.OpensReclaimed + recovery.LocksReclaimed, recovery.ToString());

        // B finishes; A closes the lost handle, opens again and works.
        await fileB.CloseAsync(Ct);
        await fileA.CloseAsync(Ct);
        await using var again = await clientA.OpenAsync(Nfs(FileName), OpenRequest.ForReadWrite, Ct);
        var read = new byte[64];
        Assert.AreEqual(64, await again.ReadAsync(0, read, Ct));
        CollectionAssert.AreEqual(Fill('B', 64), read, "A reads what B wrote");
        Assert.IsNull(await again.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct), "A can lock again");
        await again.WriteAsync(0, Fill('c', 64), StableHow4.FileSync, Ct);
        CollectionAssert.AreEqual(Fill('c', 64), File.ReadAllBytes(hostFile));
    }

    private static byte[] Fill(char c, int length) => Encoding.ASCII.GetBytes(new string(c, length));
}
