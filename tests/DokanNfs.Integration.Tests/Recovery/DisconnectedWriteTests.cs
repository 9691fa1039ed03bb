using System.Diagnostics;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// Disconnected operation against Ganesha (issue 8 §5): while the fault proxy blackholes the connection (or the server
/// is killed), writes to an open file go to the client's journal on local disk; when the server answers again they
/// reach the file through the rules for lost UNSTABLE data — byte-identical over a version of ours, else a conflict
/// copy beside the file with the other client's bytes untouched. A full journal on a soft mount fails the write with
/// the soft timeout error and keeps what it holds; a client process that ends with data in the journal (abandoned as a
/// crash would) leaves it to the next one with the same identity, which replays it before serving — even past a torn tail.
/// Under NFSv4.1 as under 4.0 (DataRow): the session gives a WRITE the journal can take back instead of waiting the
/// outage out, and the replay goes through the session.
/// </summary>
[TestClass]
public sealed class DisconnectedWriteTests(TestContext testContext) : RecoveryProxyTestBase(testContext)
{
    private static readonly TimeSpan Replayed = TimeSpan.FromSeconds(45);

    /// <summary>A lease that outlasts the outages here, so the opens are still ours when the server answers again.</summary>
    private static GaneshaOptions LongLease { get; } = new() { LeaseLifetimeSeconds = 60, Graceless = false, GracePeriodSeconds = 3 };

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task Writes_during_an_outage_go_to_the_journal_and_reach_the_file_byte_identical_after_the_server_returns(NfsVersion version)
    {
        var server = await StartServerAsync(LongLease);
        var original = Pattern(600_000, 1);
        File.WriteAllBytes(server.PathInExport("doc.bin"), original);
        var proxy = await StartProxyAsync(server.EndPoint);
        var client = ConnectLogged(proxy.EndPoint, "client", Journaled(NewStateDirectory(), version));
        var file = Track(await client.OpenAsync(Nfs("doc.bin"), OpenRequest.ForReadWrite, Ct));
        var early = Pattern(10_000, 2);
        await file.WriteAsync(0, early, StableHow4.Unstable, Ct);

        proxy.Blackhole(end: BlackholeEnd.DropAndCut);
        Note("blackhole: the server can no longer be reached");
        var writes = new (long Offset, byte[] Data)[]
        {
            (100_000, Pattern(50_000, 3)),
            (500_000, Pattern(2_500_000, 4)), // past the end, in three records
            (120_000, Pattern(10_000, 5)), // over part of the first
        };
        var took = new List<TimeSpan>();
        foreach (var (offset, data) in writes)
        {
            var stopwatch = Stopwatch.StartNew();
            await file.WriteAsync(offset, data, StableHow4.Unstable, Ct);
            took.Add(stopwatch.Elapsed);
        }

        Note($"writes returned after {string.Join(", ", took.Select(t => $"{t.TotalSeconds:F2} s"))}");
        Assert.IsTrue(client.IsServerUnreachable);
        Assert.IsLessThan(TimeSpan.FromSeconds(1), took[1] + took[2], "once the outage is known, writes go to the journal without waiting");
        Assert.AreEqual(writes.Sum(w => (long)w.Data.Length), file.JournaledBytes);
        Assert.AreEqual(5, client.JournalRecords, "one record per MiB of each write");
        StringAssert.StartsWith(client.JournalPath, Path.Combine(client.Options.JournalDirectory!, client.Identity.Uuid.ToString("N")));
        var onServer = await File.ReadAllBytesAsync(server.PathInExport("doc.bin"), Ct);
        Assert.AreEqual(original.Length, onServer.Length, "nothing of the outage's writes reached the server");
        CollectionAssert.AreEqual(original[100_000..150_000], onServer[100_000..150_000]);

        // The handle reads its own journaled bytes, without the server.
        var read = new byte[20_000];
        var reading = Stopwatch.StartNew();
        Assert.AreEqual(20_000, await file.ReadAsync(115_000, read, Ct));
        Assert.IsLessThan(TimeSpan.FromSeconds(1), reading.Elapsed);
        var expected = Apply(original, 3_000_000, [(0, early), .. writes]);
        CollectionAssert.AreEqual(expected[115_000..135_000], read);
        Assert.AreEqual(2_000, await file.ReadAsync(2_998_000, new byte[8_192], Ct), "the file's end as our writes left it");

        proxy.EndBlackhole();
        Note("blackhole over");
        await WaitUntilAsync(() => file.JournaledBytes == 0 && client.JournalRecords == 0, Replayed, "the journal replayed");
        await file.CloseAsync(Ct);

        Assert.IsTrue((await File.ReadAllBytesAsync(server.PathInExport("doc.bin"), Ct)).AsSpan().SequenceEqual(expected), "every journaled byte is on the server");
        Assert.AreEqual(NfsFileVersionCheck.Unchanged, file.VersionCheck);
        Assert.IsNull(file.Conflict);
        Assert.IsFalse(client.IsServerUnreachable);
        Assert.AreEqual((long)JournalFrame.FileHeaderLength, new FileInfo(client.JournalPath!).Length, "nothing left in the journal file");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task Writes_while_the_server_is_killed_are_journaled_and_written_after_its_restart_and_reclaim(NfsVersion version)
    {
        var server = await StartServerAsync(LongLease);
        var original = Pattern(100_000, 6);
        File.WriteAllBytes(server.PathInExport("restart.bin"), original);
        var client = ConnectLogged(server.EndPoint, "client", Journaled(NewStateDirectory(), version));
        var file = Track(await client.OpenAsync(Nfs("restart.bin"), OpenRequest.ForReadWrite, Ct));

        await server.KillAsync(Ct);
        Note("server killed");
        var ours = Pattern(300_000, 7);
        await file.WriteAsync(50_000, ours, StableHow4.Unstable, Ct);
        Assert.AreEqual(300_000L, file.JournaledBytes);

        await server.RestartAsync(Ct);
        Note("server restarted");
        await WaitUntilAsync(() => file.JournaledBytes == 0, Replayed, "the journal replayed");

        Assert.IsTrue((await File.ReadAllBytesAsync(server.PathInExport("restart.bin"), Ct)).AsSpan().SequenceEqual(Apply(original, 350_000, [(50_000, ours)])));
        Assert.IsNull(file.Conflict);
        Assert.IsNull(file.Lost, "the open was reclaimed in the grace period");
        Assert.AreEqual(1, client.RecoveryEvents.Single().OpensReclaimed);
        await file.CloseAsync(Ct);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task A_second_client_writing_during_the_outage_keeps_its_bytes_and_ours_go_to_a_conflict_copy(NfsVersion version)
    {
        var server = await StartServerAsync(LongLease);
        File.WriteAllBytes(server.PathInExport("report.txt"), Pattern(256 * 1024, 8));
        var proxy = await StartProxyAsync(server.EndPoint);
        var client = ConnectLogged(proxy.EndPoint, "ours", Journaled(NewStateDirectory(), version));
        var file = Track(await client.OpenAsync(Nfs("report.txt"), OpenRequest.ForReadWrite, Ct));

        proxy.Blackhole(end: BlackholeEnd.DropAndCut);
        var ours = Pattern(100_000, 9);
        await file.WriteAsync(10_000, ours, StableHow4.Unstable, Ct);
        Assert.AreEqual(100_000L, file.JournaledBytes);

        // Meanwhile another client, which reaches the server, writes over part of our range.
        var other = ConnectLogged(server.EndPoint, "other");
        await using (var writer = await other.OpenAsync(Nfs("report.txt"), OpenRequest.ForReadWrite, Ct))
        {
            await writer.WriteAsync(50_000, Pattern(30_000, 10), StableHow4.FileSync, Ct);
        }

        var theirs = await File.ReadAllBytesAsync(server.PathInExport("report.txt"), Ct);
        proxy.EndBlackhole();
        await WaitUntilAsync(() => file.Conflict is not null && client.JournalRecords == 0, Replayed, "the conflict found and our data saved");

        CollectionAssert.AreEqual(theirs, await File.ReadAllBytesAsync(server.PathInExport("report.txt"), Ct), "their bytes untouched: nothing of ours written over them");
        var conflict = file.Conflict!;
        Assert.AreEqual(NfsFileVersionCheck.ChangedElsewhere, file.VersionCheck);
        Assert.IsFalse(conflict.CopyIsLocal);
        StringAssert.StartsWith(conflict.ConflictCopyPath, "/export/report (conflict ");
        StringAssert.EndsWith(conflict.ConflictCopyPath, " from testhost).txt");
        CollectionAssert.AreEqual(Apply(theirs, theirs.Length, [(10_000, ours)]), await File.ReadAllBytesAsync(server.PathInExport(Path.GetFileName(conflict.ConflictCopyPath!)), Ct), "the copy is their file with our bytes over it");

        // The handle's next I/O reports it, once; then it goes on with the file as it is.
        await Assert.ThrowsExactlyAsync<NfsWriteConflictException>(async () => await file.ReadAsync(0, new byte[10], Ct));
        Assert.AreEqual(10, await file.ReadAsync(0, new byte[10], Ct));
        await file.CloseAsync(Ct);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task A_full_journal_on_a_soft_mount_fails_the_write_with_the_timeout_error_and_what_it_holds_is_still_replayed(NfsVersion version)
    {
        var server = await StartServerAsync(LongLease);
        var original = Pattern(400_000, 11);
        File.WriteAllBytes(server.PathInExport("full.bin"), original);
        var proxy = await StartProxyAsync(server.EndPoint);
        var options = Journaled(NewStateDirectory(), version) with { Mount = NfsMountType.Soft, SoftTimeout = TimeSpan.FromSeconds(2), JournalMaxBytes = 300_000 };
        var client = ConnectLogged(proxy.EndPoint, "soft", options);
        var file = Track(await client.OpenAsync(Nfs("full.bin"), OpenRequest.ForReadWrite, Ct));

        proxy.Blackhole(end: BlackholeEnd.DropAndCut);
        var first = Pattern(120_000, 12);
        var second = Pattern(120_000, 13);
        await file.WriteAsync(0, first, StableHow4.Unstable, Ct);
        await file.WriteAsync(200_000, second, StableHow4.Unstable, Ct);
        Assert.AreEqual(240_000L, file.JournaledBytes);

        var waited = Stopwatch.StartNew();
        var error = await Assert.ThrowsExactlyAsync<RpcTimeoutException>(async () => await file.WriteAsync(300_000, Pattern(120_000, 14), StableHow4.Unstable, Ct));
        Note($"the write that did not fit failed after {waited.Elapsed.TotalSeconds:F1} s: {error.Message}");
        StringAssert.Contains(error.Message, "soft mount");
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9), waited.Elapsed, "it waited the soft timeout for room");
        Assert.AreEqual(240_000L, file.JournaledBytes, "nothing of the refused write was journaled");

        proxy.EndBlackhole();
        await WaitUntilAsync(() => file.JournaledBytes == 0 && client.JournalRecords == 0, Replayed, "the journal replayed");
        CollectionAssert.AreEqual(Apply(original, original.Length, [(0, first), (200_000, second)]), await File.ReadAllBytesAsync(server.PathInExport("full.bin"), Ct));
        await file.CloseAsync(Ct);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task A_handle_closed_while_the_server_cannot_be_reached_leaves_its_journaled_writes_to_the_client_which_replays_them(NfsVersion version)
    {
        var server = await StartServerAsync(LongLease);
        var original = Pattern(50_000, 15);
        File.WriteAllBytes(server.PathInExport("closed.bin"), original);
        var proxy = await StartProxyAsync(server.EndPoint);
        var options = Journaled(NewStateDirectory(), version) with { Mount = NfsMountType.Soft, SoftTimeout = TimeSpan.FromSeconds(2) };
        var client = ConnectLogged(proxy.EndPoint, "soft", options);
        var file = await client.OpenAsync(Nfs("closed.bin"), OpenRequest.ForReadWrite, Ct);

        proxy.Blackhole(end: BlackholeEnd.DropAndCut);
        var ours = Pattern(30_000, 16);
        await file.WriteAsync(40_000, ours, StableHow4.Unstable, Ct);

        // The close cannot COMMIT: on a soft mount it fails, and the handle is gone — its data is not.
        await Assert.ThrowsExactlyAsync<RpcTimeoutException>(async () => await file.CloseAsync(Ct));
        Assert.IsTrue(file.IsClosed);
        Assert.AreEqual(1, client.JournalRecords);

        proxy.EndBlackhole();
        // The replay's outcome is recorded right after its records are released: wait for both, not only the first.
        await WaitUntilAsync(() => client.JournalRecords == 0 && client.JournalReplays.Count > 0, Replayed, "the client replayed the closed handle's writes");

        Assert.IsTrue((await File.ReadAllBytesAsync(server.PathInExport("closed.bin"), Ct)).AsSpan().SequenceEqual(Apply(original, 70_000, [(40_000, ours)])));
        var replay = client.JournalReplays.Single();
        Assert.AreEqual(NfsJournalReplayOutcome.Written, replay.Outcome, replay.ToString());
        Assert.AreEqual(30_000L, replay.Bytes);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task A_client_that_crashes_with_data_in_the_journal_leaves_it_to_the_next_run_which_replays_it_before_serving(NfsVersion version)
    {
        var (server, proxy, state, expected) = await CrashWithJournaledWritesAsync("crash.bin", tear: false, version);

        using var identity = ClientIdentity.Acquire(state);
        var client = ConnectLogged(proxy.EndPoint, "second run", Journaled(journalDirectory: null, version) with { Identity = identity });
        Assert.AreEqual(2, client.JournalRecords, "found at start");
        Assert.IsEmpty(client.JournalDamage);

        // The first call is served only after the replay: it already sees the file as our writes left it.
        var node = await client.GetAttrAsync(Nfs("crash.bin"), Ct);
        Assert.AreEqual((ulong)expected.Length, node.Attributes.Size);
        Assert.IsTrue((await File.ReadAllBytesAsync(server.PathInExport("crash.bin"), Ct)).AsSpan().SequenceEqual(expected));
        var replay = client.JournalReplays.Single();
        Assert.AreEqual(NfsJournalReplayOutcome.Written, replay.Outcome, replay.ToString());
        Assert.AreEqual("/export/crash.bin", replay.Path);
        Assert.AreEqual(0, client.JournalRecords);
        Assert.IsEmpty(Directory.GetFiles(server.ExportPath, "*conflict*"));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task A_torn_journal_tail_is_reported_and_the_intact_records_still_replay(NfsVersion version)
    {
        var (server, proxy, state, expected) = await CrashWithJournaledWritesAsync("torn.bin", tear: true, version);

        using var identity = ClientIdentity.Acquire(state);
        var client = ConnectLogged(proxy.EndPoint, "second run", Journaled(journalDirectory: null, version) with { Identity = identity });
        var damage = client.JournalDamage.Single();
        Note($"reported: {damage}");
        Assert.IsTrue(damage.AtTail);
        Assert.AreEqual(2, client.JournalRecords, "the intact records");

        await client.ReplayJournalAsync(Ct);

        Assert.IsTrue((await File.ReadAllBytesAsync(server.PathInExport("torn.bin"), Ct)).AsSpan().SequenceEqual(expected));
        Assert.AreEqual(NfsJournalReplayOutcome.Written, client.JournalReplays.Single().Outcome);
        Assert.AreEqual(0, client.JournalRecords);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task A_file_renamed_while_the_client_was_down_is_reached_by_its_filehandle_and_our_data_goes_to_a_conflict_copy(NfsVersion version)
    {
        var (server, proxy, state, _) = await CrashWithJournaledWritesAsync("moved.bin", tear: false, version);

        // While no client of ours runs, someone renames the file: the path names nothing now, the filehandle still
        // names the file — at another version (the rename changed its ctime).
        var other = ConnectLogged(server.EndPoint, "other");
        await other.RenameAsync(Nfs("moved.bin"), Nfs("elsewhere.bin"), Ct);
        var theirs = await File.ReadAllBytesAsync(server.PathInExport("elsewhere.bin"), Ct);

        using var identity = ClientIdentity.Acquire(state);
        var client = ConnectLogged(proxy.EndPoint, "second run", Journaled(journalDirectory: null, version) with { Identity = identity });
        await client.ReplayJournalAsync(Ct);

        var replay = client.JournalReplays.Single();
        Assert.AreEqual(NfsJournalReplayOutcome.ConflictCopy, replay.Outcome, replay.ToString());
        StringAssert.StartsWith(replay.ConflictCopyPath, "/export/moved (conflict ");
        CollectionAssert.AreEqual(theirs, await File.ReadAllBytesAsync(server.PathInExport("elsewhere.bin"), Ct), "the renamed file is untouched");
        Assert.IsFalse(File.Exists(server.PathInExport("moved.bin")), "nothing is created at the old name");
        var copy = await File.ReadAllBytesAsync(server.PathInExport(Path.GetFileName(replay.ConflictCopyPath!)), Ct);
        CollectionAssert.AreEqual(Apply(theirs, 250_000, [(1_000, Pattern(40_000, 21)), (190_000, Pattern(60_000, 22))]), copy, "the file as it is, read by its filehandle, with our bytes over it");
        Assert.AreEqual(0, client.JournalRecords);
    }

    /// <summary>
    /// A client with a persistent identity writes twice while the server cannot be reached and is then abandoned
    /// (no COMMIT, no CLOSE, the journal as it is); with <paramref name="tear"/> the journal also gets the start of a
    /// frame whose append a crash cut short. The blackhole ends and the identity is free again. Returns what the file
    /// should hold once the journal is replayed.
    /// </summary>
    private async Task<(GaneshaServer Server, FaultProxy Proxy, string State, byte[] Expected)> CrashWithJournaledWritesAsync(string name, bool tear, NfsVersion version)
    {
        var server = await StartServerAsync(LongLease);
        var original = Pattern(200_000, 20);
        File.WriteAllBytes(server.PathInExport(name), original);
        var proxy = await StartProxyAsync(server.EndPoint);
        var state = NewStateDirectory();
        var writes = new (long Offset, byte[] Data)[] { (1_000, Pattern(40_000, 21)), (190_000, Pattern(60_000, 22)) };
        using (var identity = ClientIdentity.Acquire(state))
        {
            var client = ConnectLogged(proxy.EndPoint, "first run", Journaled(journalDirectory: null, version) with { Identity = identity });
            var file = await client.OpenAsync(Nfs(name), OpenRequest.ForReadWrite, Ct);
            proxy.Blackhole(end: BlackholeEnd.DropAndCut);
            foreach (var (offset, data) in writes)
            {
                await file.WriteAsync(offset, data, StableHow4.Unstable, Ct);
            }

            Assert.AreEqual(Path.Combine(state, "journal"), Path.GetDirectoryName(client.JournalPath), "by default the journal is kept in the identity's state directory");
            await client.AbandonAsync();
            Note("first run abandoned as a crash would");
            if (tear)
            {
                var journal = await File.ReadAllBytesAsync(client.JournalPath!, Ct);
                await using var append = new FileStream(client.JournalPath!, FileMode.Append, FileAccess.Write);
                append.Write(journal.AsSpan(JournalFrame.FileHeaderLength, 100));
            }
        }

        proxy.EndBlackhole();
        CollectionAssert.AreEqual(original, await File.ReadAllBytesAsync(server.PathInExport(name), Ct), "nothing reached the server before the crash");
        return (server, proxy, state, Apply(original, 250_000, writes));
    }

    private static NfsClientOptions Journaled(string? journalDirectory, NfsVersion version = NfsVersion.V40) => new()
    {
        Version = version,
        JournalDirectory = journalDirectory,
        CallTimeout = TimeSpan.FromSeconds(2),
        ConnectTimeout = TimeSpan.FromSeconds(1),
        RetryDelayMin = TimeSpan.FromMilliseconds(50),
        RetryDelayMax = TimeSpan.FromMilliseconds(500),
        MaxWriteSize = 256 * 1024,
        ConflictHostName = "testhost",
    };

    private static byte[] Apply(byte[] original, int size, IEnumerable<(long Offset, byte[] Data)> writes)
    {
        var result = new byte[size];
        original.AsSpan(0, Math.Min(size, original.Length)).CopyTo(result);
        foreach (var (offset, data) in writes)
        {
            data.CopyTo(result, offset);
        }

        return result;
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
