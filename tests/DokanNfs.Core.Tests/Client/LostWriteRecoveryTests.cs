using System.Buffers.Binary;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using DokanNfs.TestSupport.Logging;
using Microsoft.Extensions.Logging;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// UNSTABLE data a restarted server lost, and files in use after a restart (issue 8 §3, §4), against the fake
/// server, whose restart keeps the tree and changes the write verifier; a test rolls a file back (what a crash
/// leaves) or changes it "elsewhere" (another client) while the server is down. Asserted on what was sent.
/// </summary>
[TestClass]
public sealed class LostWriteRecoveryTests
{
    private const string Host = "testhost";

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task Restart_that_kept_the_file_as_we_left_it_writes_the_lost_ranges_again_each_verified_first()
    {
        await using var server = await FakeNfsServer.StartAsync();
        var log = new RecordingLogger();
        await using var client = ConnectLogged(server, log);
        await using var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var (a, b) = (Pattern(3000, 1), Pattern(2000, 2));
        await file.WriteAsync(0, a, StableHow4.Unstable, Ct);
        await file.WriteAsync(10_000, b, StableHow4.Unstable, Ct);
        var latest = file.LatestVersion;
        Assert.AreEqual(new NfsFileVersion(server.ChangeOf("/export/f"), 12_000), latest, "WRITE's GETATTR gave the version it left");

        server.RebootWithGrace();
        var mark = server.RecordCount;
        await file.CommitAsync(Ct);

        var rewrites = server.RecordsSince(mark).Where(r => r.Request.Tag == "rewrite" && r.Status == NfsStat4.Ok).ToList();
        CollectionAssert.AreEquivalent(new[] { "0:3000", "10000:2000" }, rewrites.Select(r => $"{r.Request.Find<WriteArgs>()!.Offset}:{r.Request.Find<WriteArgs>()!.Data.Length}").ToArray());
        Assert.IsTrue(rewrites.All(r => r.Request.Find<WriteArgs>()!.Stable == StableHow4.FileSync));
        foreach (var rewrite in rewrites)
        {
            var ops = rewrite.Request.Ops.Select(o => o.Op).ToArray();
            CollectionAssert.AreEqual(new[] { NfsOpnum4.PutFh, NfsOpnum4.Verify, NfsOpnum4.Write, NfsOpnum4.GetAttr }, ops, "the server checks the version before it writes");
            var verify = rewrite.Request.Find<VerifyArgs>()!;
            Assert.AreEqual(NfsFileVersion.Mask, verify.Mask);
        }

        // The first rewrite verifies the version found after the restart, each next one the version the previous left.
        var verified = rewrites.Select(r => Version(r.Request.Find<VerifyArgs>()!)).ToList();
        Assert.AreEqual(latest, verified[0]);
        Assert.AreEqual(verified[0].Change + 1, verified[1].Change);
        Assert.AreEqual(0L, file.UncommittedBytes);
        Assert.AreEqual(NfsFileVersionCheck.Unchanged, file.VersionCheck);
        Assert.IsNull(file.Conflict);
        var expected = new byte[12_000];
        a.CopyTo(expected, 0);
        b.CopyTo(expected, 10_000);
        CollectionAssert.AreEqual(expected, server.ReadFile("/export/f"));
        Assert.HasCount(1, log.WithId(2014), "the rewrite is logged");
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Crash_that_lost_our_unstable_writes_finds_the_version_we_opened_and_writes_them_again_byte_identical()
    {
        await using var server = await FakeNfsServer.StartAsync();
        var original = Pattern(5000, 9);
        server.CreateFile("/export/f", original);
        await using var client = Connect(server);
        await using var file = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        var opened = server.ChangeOf("/export/f");
        var (a, b) = (Pattern(1000, 3), Pattern(2000, 4));
        await file.WriteAsync(100, a, StableHow4.Unstable, Ct);
        await file.WriteAsync(4000, b, StableHow4.Unstable, Ct);

        // The server came back with the file as it was on disk before our writes: bytes and change attribute.
        server.RebootWithGrace();
        server.RollBackFile("/export/f", original, opened);
        await file.CommitAsync(Ct);

        var expected = new byte[6000];
        original.CopyTo(expected, 0);
        a.CopyTo(expected, 100);
        b.CopyTo(expected, 4000);
        CollectionAssert.AreEqual(expected, server.ReadFile("/export/f"));
        Assert.AreEqual(NfsFileVersionCheck.OwnEarlierVersion, file.VersionCheck);
        Assert.IsNull(file.Conflict);
        Assert.AreEqual(0L, file.UncommittedBytes);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task File_changed_elsewhere_while_the_server_was_down_keeps_our_data_in_a_conflict_copy_beside_it()
    {
        await using var server = await FakeNfsServer.StartAsync();
        var original = Pattern(4000, 5);
        server.CreateFile("/export/doc.txt", original);
        var log = new RecordingLogger();
        await using var client = ConnectLogged(server, log);
        await using var file = await client.OpenAsync("/export/doc.txt", OpenRequest.ForReadWrite, Ct);
        var ours = Pattern(1000, 6);
        await file.WriteAsync(1000, ours, StableHow4.Unstable, Ct);

        // While the server was down (after it lost our write) another client wrote the file: 5000 bytes of theirs.
        server.RebootWithGrace();
        var theirs = Pattern(5000, 7);
        server.RollBackFile("/export/doc.txt", theirs, change: 1000);
        var mark = server.RecordCount;
        var committing = file.CommitAsync(Ct).AsTask();

        // The copy is a new file: its OPEN waits for the grace period to end.
        await WaitUntilAsync(() => server.RecordsSince(mark).Any(r => r.Request.Find<OpenArgs>() is { Claim.Type: OpenClaimType4.Null } && r.Status == NfsStat4.Grace));
        server.EndGrace();
        var conflict = await Assert.ThrowsExactlyAsync<NfsWriteConflictException>(() => committing.WaitAsync(Generous, Ct));

        Assert.IsFalse(conflict.CopyIsLocal);
        Assert.IsNotNull(conflict.ConflictCopyPath);
        StringAssert.StartsWith(conflict.ConflictCopyPath, "/export/doc (conflict ");
        StringAssert.EndsWith(conflict.ConflictCopyPath, $" from {Host}).txt");
        Assert.AreEqual("/export/doc.txt", conflict.Path);
        Assert.AreEqual(1000L, conflict.Bytes);
        StringAssert.Contains(conflict.Message, conflict.ConflictCopyPath);
        StringAssert.Contains(conflict.Reason, "ChangedElsewhere");

        // Their file is untouched: nothing of ours was written to it after the restart.
        CollectionAssert.AreEqual(theirs, server.ReadFile("/export/doc.txt"));
        Assert.IsFalse(server.RecordsSince(mark).Any(r => r.Request.Tag == "rewrite"), "no rewrite was even tried");

        // The copy is the file as our writes left it: theirs, cut to our size, with our bytes over it.
        var expected = theirs[..4000];
        ours.CopyTo(expected, 1000);
        CollectionAssert.AreEqual(expected, server.ReadFile(conflict.ConflictCopyPath));
        Assert.AreEqual(NfsFileVersionCheck.ChangedElsewhere, file.VersionCheck);
        Assert.AreSame(conflict, file.Conflict);
        Assert.AreEqual(0L, file.UncommittedBytes);

        // Reported once; the handle goes on with the file as it is now.
        Assert.AreEqual(10, await file.ReadAsync(0, new byte[10], Ct));
        await file.WriteAsync(0, "ours again"u8.ToArray(), StableHow4.FileSync, Ct);
        var saved = log.WithId(2015).Single();
        Assert.AreEqual(LogLevel.Warning, saved.Level);
        StringAssert.Contains(saved.Message, conflict.ConflictCopyPath);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task With_a_conflict_directory_the_copy_is_a_local_file_and_nothing_is_made_on_the_server()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/data.bin", Pattern(3000, 1));
        var directory = Directory.CreateTempSubdirectory("dokannfs-conflicts-").FullName;
        try
        {
            await using var client = Connect(server, FastOptions with { ConflictDirectory = directory, ConflictHostName = Host });
            await using var file = await client.OpenAsync("/export/data.bin", OpenRequest.ForReadWrite, Ct);
            var ours = Pattern(500, 2);
            await file.WriteAsync(2800, ours, StableHow4.Unstable, Ct);

            server.RebootWithGrace();
            var theirs = Pattern(3000, 3);
            server.RollBackFile("/export/data.bin", theirs, change: 500);
            var mark = server.RecordCount;
            var conflict = await Assert.ThrowsExactlyAsync<NfsWriteConflictException>(async () => await file.CommitAsync(Ct));

            Assert.IsTrue(conflict.CopyIsLocal);
            Assert.AreEqual(directory, Path.GetDirectoryName(conflict.ConflictCopyPath));
            StringAssert.StartsWith(Path.GetFileName(conflict.ConflictCopyPath), "data (conflict ");
            StringAssert.Contains(conflict.Message, "the local file " + conflict.ConflictCopyPath);

            // Theirs, extended to the size our write left, with our bytes over it.
            var expected = new byte[3300];
            theirs.CopyTo(expected, 0);
            ours.CopyTo(expected, 2800);
            CollectionAssert.AreEqual(expected, await File.ReadAllBytesAsync(conflict.ConflictCopyPath!, Ct));
            CollectionAssert.AreEqual(theirs, server.ReadFile("/export/data.bin"));
            Assert.IsFalse(server.RecordsSince(mark).Any(r => r.Request.Find<OpenArgs>() is { Claim.Type: OpenClaimType4.Null }), "nothing was created on the server");
            Assert.AreEqual(1, Directory.GetFiles(directory).Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_change_racing_in_between_fails_the_verify_and_our_data_goes_to_a_conflict_copy()
    {
        await using var server = await FakeNfsServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("dokannfs-conflicts-").FullName;
        try
        {
            await using var client = Connect(server, FastOptions with { ConflictDirectory = directory, ConflictHostName = Host });
            await using var file = await client.OpenAsync("/export/race", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
            var ours = Pattern(2000, 8);
            await file.WriteAsync(0, ours, StableHow4.Unstable, Ct);

            // The file is found as we left it, but between that GETATTR and the rewrite someone writes: the
            // server answers the rewrite's VERIFY with NFS4ERR_NOT_SAME.
            server.RebootWithGrace();
            server.Intercept(NfsOpnum4.Verify, FakeNfsFault.Error(NfsStat4.NotSame));
            var mark = server.RecordCount;
            var conflict = await Assert.ThrowsExactlyAsync<NfsWriteConflictException>(async () => await file.CommitAsync(Ct));

            var refused = server.RecordsSince(mark).Single(r => r.Request.Tag == "rewrite");
            Assert.AreEqual(NfsStat4.NotSame, refused.Status, "the WRITE behind the VERIFY did not run");
            CollectionAssert.AreEqual(ours, await File.ReadAllBytesAsync(conflict.ConflictCopyPath!, Ct));
            Assert.AreEqual(NfsFileVersionCheck.ChangedElsewhere, file.VersionCheck);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public async Task Data_written_after_the_restart_is_not_overwritten_by_the_lost_data_written_again()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await using var file = await client.OpenAsync("/export/order", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var opened = server.ChangeOf("/export/order");
        var first = Enumerable.Repeat((byte)'A', 100).ToArray();
        await file.WriteAsync(0, first, StableHow4.Unstable, Ct);

        // The crash lost the first write; the second, over half of it, goes to the restarted server.
        server.RebootWithGrace();
        server.RollBackFile("/export/order", [], opened);
        var mark = server.RecordCount;
        var second = Enumerable.Repeat((byte)'B', 100).ToArray();
        await file.WriteAsync(50, second, StableHow4.Unstable, Ct);
        await file.CommitAsync(Ct);

        CollectionAssert.AreEqual(first[..50].Concat(second).ToArray(), server.ReadFile("/export/order"));
        var rewrite = server.RecordsSince(mark).Where(r => r.Request.Tag == "rewrite" && r.Status == NfsStat4.Ok).Select(r => r.Request.Find<WriteArgs>()!).Single();
        Assert.AreEqual((0UL, 50), (rewrite.Offset, rewrite.Data.Length), "only the part no later write covers");
        Assert.IsNull(file.Conflict);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task After_a_restart_files_in_use_are_checked_and_one_that_went_back_or_changed_is_reported_not_patched()
    {
        await using var server = await FakeNfsServer.StartAsync();
        var v0 = Pattern(1000, 1);
        server.CreateFile("/export/back", v0);
        server.CreateFile("/export/changed", Pattern(1000, 2));
        server.CreateFile("/export/same", Pattern(1000, 3));
        var log = new RecordingLogger();
        await using var client = ConnectLogged(server, log);
        await using var back = await client.OpenAsync("/export/back", OpenRequest.ForReadWrite, Ct);
        await using var changed = await client.OpenAsync("/export/changed", OpenRequest.ForRead, Ct);
        await using var same = await client.OpenAsync("/export/same", OpenRequest.ForRead, Ct);
        var opened = server.ChangeOf("/export/back");
        await back.WriteAsync(0, Pattern(100, 4), StableHow4.FileSync, Ct);
        var committed = back.StableVersion;
        Assert.AreEqual(server.ChangeOf("/export/back"), committed.Change, "a FILE_SYNC WRITE's version is stable");

        // The server comes back without our committed write; another client changed a second file.
        server.RebootWithGrace();
        server.RollBackFile("/export/back", v0, opened);
        server.WriteFileElsewhere("/export/changed", 1000, Pattern(24, 5));
        var read = new byte[100];
        Assert.AreEqual(100, await back.ReadAsync(0, read, Ct));

        CollectionAssert.AreEqual(v0[..100], read, "the handle reads what the server has: nothing is patched");
        Assert.AreEqual(NfsFileVersionCheck.WentBack, back.VersionCheck);
        Assert.AreEqual(NfsFileVersionCheck.ChangedElsewhere, changed.VersionCheck);
        Assert.AreEqual(NfsFileVersionCheck.Unchanged, same.VersionCheck);
        Assert.AreEqual((ulong?)1024, changed.Attributes.Size, "the cached attributes are the server's current ones");
        Assert.AreEqual((ulong?)opened, back.Attributes.Change);
        var recovery = client.RecoveryEvents.Single();
        Assert.AreEqual((3, 1, 1, 0), (recovery.OpensReclaimed, recovery.FilesWentBack, recovery.FilesChanged, recovery.FilesGone));
        var lines = log.WithId(2013);
        Assert.HasCount(2, lines, string.Join("\n", log.Events));
        Assert.IsTrue(lines.All(l => l.Level == LogLevel.Warning));
        Assert.IsTrue(lines.Any(l => l.Message.Contains("/export/back", StringComparison.Ordinal) && l.Message.Contains("WentBack", StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.IsTrue(lines.Any(l => l.Message.Contains("/export/changed", StringComparison.Ordinal) && l.Message.Contains("ChangedElsewhere", StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.IsNull(back.Lost);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task After_a_restart_cached_directory_handles_are_dropped_and_walks_start_from_the_root_again()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateDirectory("/export/dir");
        server.CreateFile("/export/dir/a", "a"u8);
        server.CreateFile("/export/dir/b", "b"u8);
        await using var client = Connect(server);
        await using var file = await client.OpenAsync("/export/dir/a", OpenRequest.ForRead, Ct);
        var mark = server.RecordCount;
        await client.GetAttrAsync("/export/dir/b", Ct);
        Assert.AreEqual(NfsOpnum4.PutFh, Walks(server, mark).Single().Ops[0].Op, "before the restart a walk starts at the cached directory");

        server.RebootWithGrace();
        Assert.AreEqual(1, await file.ReadAsync(0, new byte[1], Ct));
        mark = server.RecordCount;
        await client.GetAttrAsync("/export/dir/b", Ct);

        Assert.AreEqual(NfsOpnum4.PutRootFh, Walks(server, mark).Single().Ops[0].Op, "after it, from the root: every binding is looked up again");
        Assert.HasCount(1, client.RecoveryEvents);
    }

    [TestMethod]
    public async Task Handle_whose_reclaim_was_refused_saves_its_uncommitted_data_when_closed()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = ConnectLogged(server, new RecordingLogger());
        var file = await client.OpenAsync("/export/gone-state", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var ours = Pattern(700, 11);
        await file.WriteAsync(300, ours, StableHow4.Unstable, Ct);

        // No grace period: the reclaim is refused and the handle is lost.
        server.Reboot();
        await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await file.ReadAsync(0, new byte[1], Ct));
        var lost = await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await file.CloseAsync(Ct));

        StringAssert.Contains(lost.Message, "700 bytes written but not committed were saved to /export/gone-state (conflict ");
        var copy = lost.Reason[(lost.Reason.IndexOf("/export/", StringComparison.Ordinal))..];
        var saved = server.ReadFile(copy);
        CollectionAssert.AreEqual(ours, saved[300..]);
        Assert.IsTrue(saved[..300].All(b => b == 0));
    }

    private static NfsClient ConnectLogged(FakeNfsServer server, RecordingLogger log) =>
        new(server.EndPoint, FastOptions with { Identity = ClientIdentity.Create(), ConflictHostName = Host }, log);

    private static List<CompoundRequest> Walks(FakeNfsServer server, int mark) =>
        [.. server.RecordsSince(mark).Where(r => r.Request.Tag == "walk").Select(r => r.Request)];

    private static NfsFileVersion Version(VerifyArgs verify) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(verify.Values), BinaryPrimitives.ReadUInt64BigEndian(verify.Values.AsSpan(8)));

    private async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "waited in vain");
            await Task.Delay(10, Ct);
        }
    }
}
