using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// Connection loss without a server restart (issue "Leases and recovery", item 6): the client reconnects, sends
/// what was in flight again, and re-sends an owner's state-changing call with the SAME seqid, so the server's
/// replay cache answers it (RFC 7530 §9.1.8) — the caller sees neither an error nor a self-inflicted
/// NFS4ERR_BAD_SEQID, EXIST or NOENT.
/// </summary>
[TestClass]
public sealed class ConnectionLossTests(TestContext testContext) : RecoveryProxyTestBase(testContext)
{
    /// <summary>Long enough that no RENEW slips between the calls a test counts to pick the one whose reply it drops.</summary>
    private static readonly GaneshaOptions NoRenewals = new() { LeaseLifetimeSeconds = 60 };

    private static readonly NfsStat4[] SelfInflicted = [NfsStat4.BadSeqId, NfsStat4.Exist, NfsStat4.NoEnt];

    /// <summary>
    /// client → recorder → proxy → server: the recorder in front sees every call the client sent and whether its
    /// reply came back, so the test can tell exactly which calls were in flight when the proxy cut the connection.
    /// </summary>
    [TestMethod]
    public async Task Connection_cut_during_a_large_write_and_a_large_read_is_invisible_to_the_caller()
    {
        const int size = 32 << 20;
        var server = await StartServerAsync();
        var proxy = await StartProxyAsync(server.EndPoint);
        var seen = Track(ServerCallRecorder.Start(proxy.EndPoint));
        var client = ConnectLogged(seen.EndPoint, "client");
        var data = new byte[size];
        new Random(4).NextBytes(data);
        await using var file = await client.OpenAsync(Nfs("big.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);

        // Latency keeps several calls in flight, so the cut always catches some, and makes the transfer last
        // (8 rounds of 4 MiB, 100 ms each) well past the moment the test sees the first WRITEs.
        proxy.Delay(TimeSpan.FromMilliseconds(50));
        var write = file.WriteAsync(0, data, StableHow4.Unstable, Ct).AsTask();
        await WaitUntilAsync(() => seen.CallsOf(NfsOpnum4.Write).Count >= 4, TimeSpan.FromSeconds(30), "WRITEs on the wire");
        Assert.IsFalse(write.IsCompleted, "the cut must come while the transfer runs");
        proxy.CutAll();
        Note("cut during the write");
        await write;
        await file.CommitAsync(Ct);
        CollectionAssert.AreEqual(data, File.ReadAllBytes(server.PathInExport("big.bin")), "the file is byte-identical");
        AssertInFlightCallsWereSentAgain(seen, NfsOpnum4.Write, c => c.Request.Find<WriteArgs>()!.Offset);

        var back = new byte[size];
        var readsBefore = seen.CallsOf(NfsOpnum4.Read).Count;
        var read = file.ReadAsync(0, back, Ct).AsTask();
        await WaitUntilAsync(() => seen.CallsOf(NfsOpnum4.Read).Count >= readsBefore + 4, TimeSpan.FromSeconds(30), "READs on the wire");
        Assert.IsFalse(read.IsCompleted, "the cut must come while the transfer runs");
        proxy.CutAll();
        Note("cut during the read");
        Assert.AreEqual(size, await read);
        CollectionAssert.AreEqual(data, back, "the read is byte-identical");
        AssertInFlightCallsWereSentAgain(seen, NfsOpnum4.Read, c => c.Request.Find<ReadArgs>()!.Offset);

        Assert.IsGreaterThanOrEqualTo(3, proxy.ConnectionsAccepted, "the client reconnected after each cut");
        Assert.AreEqual(1, client.ClientIdGeneration, "a lost connection is not a lost lease: no recovery");
        Assert.IsEmpty(client.RecoveryEvents);
    }

    /// <summary>
    /// A new owner's OPEN (seqid 0) and its OPEN_CONFIRM, and a confirmed owner's OPEN, each reply dropped by the
    /// proxy with the connection; the creates are GUARDED, so a second execution of the same create would fail with
    /// EXIST. proxy → recorder → server: the recorder behind the proxy sees what the server executed and answered.
    /// </summary>
    /// <remarks>
    /// A new owner's first OPEN is the one call no server answers from its replay cache: NFS-Ganesha takes seqid 0
    /// on an owner it knows as a fresh start and runs the OPEN again (so does Linux nfsd for any unconfirmed
    /// owner). The client therefore sends a new owner's GUARDED create as EXCLUSIVE4, whose second execution with
    /// the same verifier succeeds; a confirmed owner's GUARDED create goes as GUARDED and its re-send is answered
    /// from the replay cache.
    /// </remarks>
    [TestMethod]
    public async Task Guarded_open_and_open_confirm_whose_replies_are_lost_succeed_when_sent_again_with_the_same_seqid()
    {
        var server = await StartServerAsync(NoRenewals);
        var recorder = Record(server);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        // noac: every OPEN walks to its directory first, which the call numbers below count on.
        var client = ConnectLogged(proxy.EndPoint, "client", new NfsClientOptions().WithAttributeCacheTimeout(TimeSpan.Zero));
        await client.EnsureClientIdAsync(Ct);
        var guarded = new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded, CreateAttributes = new SetAttributes { Mode = 0x180 } };

        // A new owner: path walk, OPEN (seqid 0) — its reply lost —, OPEN_CONFIRM (seqid 1).
        var droppedOpen = proxy.DropReplyToCall(2);
        await using var first = await client.OpenAsync(Nfs("first.txt"), guarded, Ct);
        var newOwner = AssertAnsweredAgain(recorder, await droppedOpen, NfsOpnum4.Open);
        var newOwnerOpens = recorder.CallsOf(NfsOpnum4.Open).Select(c => c.Request.Find<OpenArgs>()!).ToList();
        Assert.AreEqual(0u, newOwner.SeqId);
        Assert.IsTrue(newOwnerOpens.All(o => o.CreateMode == CreateMode4.Exclusive && o.CreateVerifier == newOwnerOpens[0].CreateVerifier), "sent as EXCLUSIVE4, both times with one verifier");
        Assert.HasCount(1, recorder.CallsOf(NfsOpnum4.OpenConfirm), recorder.Describe());

        // A second handle of first.txt needs an owner that holds no open of it, a new one: walk, OPEN (seqid 0),
        // OPEN_CONFIRM (seqid 1) — its reply lost.
        var droppedConfirm = proxy.DropReplyToCall(3);
        await using var second = await client.OpenAsync(Nfs("first.txt"), OpenRequest.ForRead, Ct);
        AssertAnsweredAgain(recorder, await droppedConfirm, NfsOpnum4.OpenConfirm);

        // A confirmed owner reused for another file: walk, OPEN with its next seqid, GUARDED — its reply lost.
        var droppedReuse = proxy.DropReplyToCall(2);
        await using var third = await client.OpenAsync(Nfs("third.txt"), guarded, Ct);
        var reused = AssertAnsweredAgain(recorder, await droppedReuse, NfsOpnum4.Open);
        Assert.IsGreaterThan(0u, reused.SeqId!.Value, "an owner that had opened before");
        Assert.AreEqual(CreateMode4.Exclusive, reused.Request.Find<OpenArgs>()!.CreateMode, "a confirmed owner's create-new goes as EXCLUSIVE4 too (issue 8), and is answered from the replay cache");

        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, HostMode(server.PathInExport("first.txt")), "the create's attributes were applied");
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, HostMode(server.PathInExport("third.txt")));
        Assert.AreEqual(4, proxy.ConnectionsAccepted, "one connection, and one more after each dropped reply");
        AssertNothingSelfInflicted(recorder);
    }

    [TestMethod]
    public async Task Lock_locku_and_close_whose_replies_are_lost_are_answered_from_the_replay_cache()
    {
        var server = await StartServerAsync(NoRenewals);
        var recorder = Record(server);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var client = ConnectLogged(proxy.EndPoint, "client");
        var other = ConnectLogged(server.EndPoint, "other");
        File.WriteAllBytes(server.PathInExport("locked.bin"), new byte[4096]);
        var file = Track(await client.OpenAsync(Nfs("locked.bin"), OpenRequest.ForReadWrite, Ct));
        var otherFile = await other.OpenAsync(Nfs("locked.bin"), OpenRequest.ForReadWrite, Ct);

        // The first LOCK of the handle (a new lock-owner, sequenced by the open-owner's seqid).
        var droppedFirstLock = proxy.DropReplyToCall(1);
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));
        AssertAnsweredAgain(recorder, await droppedFirstLock, NfsOpnum4.Lock);

        // A LOCK of the existing lock-owner.
        var droppedLock = proxy.DropReplyToCall(1);
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 200, 100, wait: false, Ct));
        AssertAnsweredAgain(recorder, await droppedLock, NfsOpnum4.Lock);

        // LOCKU.
        var droppedUnlock = proxy.DropReplyToCall(1);
        await file.UnlockAsync(0, 100, Ct);
        AssertAnsweredAgain(recorder, await droppedUnlock, NfsOpnum4.LockU);

        Assert.IsNull(await otherFile.TestLockAsync(NfsLockType4.Write, 0, 100, Ct), "0..99 was unlocked");
        Assert.IsNotNull(await otherFile.TestLockAsync(NfsLockType4.Write, 200, 100, Ct), "200..299 is still held");
        await otherFile.CloseAsync(Ct);
        await file.UnlockAsync(200, 100, Ct);

        // CLOSE: LOCKs are all gone, so RELEASE_LOCKOWNER goes first, then CLOSE — its reply lost.
        var droppedClose = proxy.DropReplyToCall(2);
        await file.CloseAsync(Ct);
        AssertAnsweredAgain(recorder, await droppedClose, NfsOpnum4.Close);

        await using var exclusive = await other.OpenAsync(Nfs("locked.bin"), new OpenRequest { Access = OpenShareAccess.Both, Deny = OpenShareDeny.Both }, Ct);
        Assert.IsNull(await exclusive.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct), "the first client holds nothing any more");
        AssertNothingSelfInflicted(recorder);
        Assert.IsEmpty(client.RecoveryEvents);
    }

    /// <summary>
    /// A partition shorter than the lease. With <see cref="BlackholeEnd.Deliver"/> the calls made during it stall
    /// on the same connection and complete when it ends; with <see cref="BlackholeEnd.DropAndCut"/> they are lost
    /// with the connection and sent again on a new one — including a LOCK, which the server never saw and which
    /// therefore goes again with the same seqid as the next one it expects.
    /// </summary>
    [TestMethod]
    [DataRow(BlackholeEnd.Deliver)]
    [DataRow(BlackholeEnd.DropAndCut)]
    public async Task Partition_shorter_than_the_lease_only_stalls_the_calls_made_during_it(BlackholeEnd end)
    {
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = 5 });
        var recorder = Record(server);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var client = ConnectLogged(proxy.EndPoint, "client");
        var other = ConnectLogged(server.EndPoint, "other");
        var hostFile = server.PathInExport("stall.bin");
        File.WriteAllBytes(hostFile, new byte[64]);
        await using var file = await client.OpenAsync(Nfs("stall.bin"), OpenRequest.ForReadWrite, Ct);
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 32, wait: false, Ct));

        proxy.Blackhole(TimeSpan.FromSeconds(3), end);
        var write = file.WriteAsync(0, "written in the partition"u8.ToArray(), StableHow4.FileSync, Ct).AsTask();
        var secondLock = file.LockAsync(NfsLockType4.Write, 40, 8, wait: false, Ct).AsTask();
        var stat = client.GetAttrAsync(Nfs("stall.bin"), Ct).AsTask();
        await Task.Delay(1000, Ct);
        Assert.IsFalse(write.IsCompleted || secondLock.IsCompleted || stat.IsCompleted, "nothing gets through the partition");

        await write;
        Assert.IsNull(await secondLock);
        Assert.AreEqual(64UL, (await stat).Attributes.Size);
        Note($"after the partition: {proxy.ConnectionsAccepted} connections");

        Assert.AreEqual("written in the partition", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(hostFile), 0, 24));
        Assert.IsNull(file.Lost);
        Assert.AreEqual(1, client.ClientIdGeneration, "the lease outlived the partition: no recovery");
        Assert.IsEmpty(client.RecoveryEvents);
        await using var otherFile = await other.OpenAsync(Nfs("stall.bin"), OpenRequest.ForReadWrite, Ct);
        Assert.IsNotNull(await otherFile.LockAsync(NfsLockType4.Write, 0, 1, wait: false, Ct), "the first lock still holds");
        Assert.IsNotNull(await otherFile.LockAsync(NfsLockType4.Write, 40, 1, wait: false, Ct), "and so does the one taken in the partition");
        if (end == BlackholeEnd.Deliver)
        {
            Assert.AreEqual(1, proxy.ConnectionsAccepted, "the connection survived");
        }
        else
        {
            Assert.IsGreaterThanOrEqualTo(2, proxy.ConnectionsAccepted, "the client reconnected");
        }

        // Closed here, not at dispose, so what the close sent is checked too. This test flaked with NFS4ERR_LOCKS_HELD
        // from the close's RELEASE_LOCKOWNER: a LOCKU refused (its error was swallowed) would leave a lock; every LOCKU
        // must be answered OK. (A refused RELEASE_LOCKOWNER is now followed by a whole-file LOCKU: NfsOpenFile.Locks.cs.)
        await otherFile.CloseAsync(Ct);
        await file.CloseAsync(Ct);
        AssertNothingSelfInflicted(recorder);
        Assert.HasCount(2, recorder.CallsOf(NfsOpnum4.Lock).Where(c => c.Status == NfsStat4.Ok), recorder.Describe());
        var unlocks = recorder.CallsOf(NfsOpnum4.LockU).ToList();
        Assert.IsGreaterThanOrEqualTo(2, unlocks.Count, recorder.Describe());
        Assert.IsTrue(unlocks.All(c => c.Status == NfsStat4.Ok), recorder.Describe());
    }

    /// <summary>
    /// The call with <paramref name="droppedXid"/> reached the server, which executed it (answered OK, though the
    /// reply never came back); the client then sent it again, with the same seqid, on a later connection, and the
    /// server answered that from its replay cache with OK too. Returns the dropped call.
    /// </summary>
    private RecordedCall AssertAnsweredAgain(ServerCallRecorder recorder, uint droppedXid, NfsOpnum4 op)
    {
        var dropped = recorder.Find(droppedXid);
        Assert.IsNotNull(dropped, $"the server never got xid {droppedXid:x8}:\n{recorder.Describe()}");
        Assert.AreEqual(op, dropped.MainOp, $"the dropped reply was to another call than meant:\n{recorder.Describe()}");
        Assert.AreEqual(NfsStat4.Ok, dropped.Status, recorder.Describe());
        var again = recorder.Calls.Where(c => c.Connection > dropped.Connection && c.MainOp == op).ToList();
        Assert.IsNotEmpty(again, $"{op} was not sent again:\n{recorder.Describe()}");
        Assert.AreEqual(dropped.SeqId, again[0].SeqId, $"{op} must go again with the same seqid:\n{recorder.Describe()}");
        Assert.AreEqual(NfsStat4.Ok, again[0].Status, $"the replay cache answers:\n{recorder.Describe()}");
        Note($"dropped reply to {dropped}; sent again as {again[0]}");
        return dropped;
    }

    private static void AssertNothingSelfInflicted(ServerCallRecorder recorder)
    {
        // A walk answered NFS4ERR_NOENT looked at a name not there yet (a create's walk looks at the name too, for the
        // replay log): a negative lookup, not an error.
        var bad = recorder.Calls.Where(c => c.Status is { } status && SelfInflicted.Contains(status) && !(c.Request.Tag == "walk" && status == NfsStat4.NoEnt)).ToList();
        Assert.IsEmpty(bad, $"self-inflicted errors:\n{recorder.Describe()}");
    }

    /// <summary>
    /// Every <paramref name="op"/> the client sent whose reply never came back (in flight at a cut) was sent again
    /// for the same offset and answered; and there was at least one.
    /// </summary>
    private void AssertInFlightCallsWereSentAgain(ServerCallRecorder seen, NfsOpnum4 op, Func<RecordedCall, ulong> offset)
    {
        var calls = seen.CallsOf(op);
        var unanswered = calls.Where(c => c.Status is null).ToList();
        Note($"{op}: {calls.Count} sent, {unanswered.Count} in flight at the cut");
        Assert.IsNotEmpty(unanswered, $"no {op} was in flight at the cut:\n{seen.Describe()}");
        foreach (var lost in unanswered)
        {
            Assert.IsTrue(
                calls.Any(c => c.Connection > lost.Connection && offset(c) == offset(lost) && c.Status == NfsStat4.Ok),
                $"{lost} was not sent again:\n{seen.Describe()}");
        }
    }
}
