using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The close of a handle with UNSTABLE data: COMMIT and CLOSE in one COMPOUND (issue 9), and the two ways that COMMIT
/// can find a new write verifier — the CLOSE ran (a verifier changed without a restart) or it failed (a restart) — in
/// both of which the lost data still reaches the server through an open (NfsOpenFile.CommitClose.cs).
/// </summary>
[TestClass]
public sealed class CommitCloseTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task Close_after_writes_is_one_COMPOUND_of_COMMIT_and_CLOSE_and_each_WRITE_carries_only_a_GETATTR_after_it()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var mark = server.RecordCount;
        for (var i = 0; i < 3; i++)
        {
            await file.WriteAsync(i * 1000L, Pattern(1000, i), StableHow4.Unstable, Ct);
        }

        await file.CloseAsync(Ct);

        var sent = server.RecordsSince(mark).Where(r => r.Request.Tag != "fsinfo").Select(r => $"{r.Request.Tag}: {string.Join(" ", r.Request.Ops.Select(o => o.Op))}").ToList();
        CollectionAssert.AreEqual(
            new[] { "write: PutFh Write GetAttr", "write: PutFh Write GetAttr", "write: PutFh Write GetAttr", "commit_close: PutFh Commit Close GetAttr" }, // GETATTR: the attributes after the close, for the cache
            sent,
            string.Join("\n", sent));
        CollectionAssert.AreEqual(Pattern(1000, 0).Concat(Pattern(1000, 1)).Concat(Pattern(1000, 2)).ToArray(), server.ReadFile("/export/f"));
        Assert.AreEqual(0L, file.UncommittedBytes);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task A_new_verifier_answered_with_the_CLOSE_opens_the_file_again_and_writes_the_data_again_through_that_open()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var data = Pattern(5000, 7);
        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
        var closedStateId = file.StateId;

        // The server changes its write verifier without restarting (RFC 7530 §16.36.4): its state stays, so the CLOSE
        // in the COMMIT's COMPOUND runs. Both COMMITs (with the CLOSE, and after the new OPEN) say so.
        server.InterceptEvery(NfsOpnum4.Commit, FakeNfsFault.WriteVerifier(new Verifier4(server.WriteVerifier.Value ^ 0xFFFF)), times: 2);
        var mark = server.RecordCount;
        await file.CloseAsync(Ct);

        var records = server.RecordsSince(mark);
        var tags = records.Select(r => r.Request.Tag).ToList();
        var trace = string.Join(",", tags);
        Assert.AreEqual("commit_close", tags[0], trace);
        Assert.AreEqual(NfsStat4.Ok, records[0].Status, "the CLOSE ran: " + trace);
        var reopen = tags.IndexOf("open");
        Assert.IsGreaterThan(0, reopen, "opened again: " + trace);
        Assert.IsLessThan(tags.IndexOf("commit"), reopen, trace);
        var rewrite = records.Single(r => r.Request.Tag == "rewrite").Request.Find<WriteArgs>()!;
        Assert.AreEqual(StableHow4.FileSync, rewrite.Stable);
        CollectionAssert.AreEqual(data, rewrite.Data);
        Assert.AreNotEqual(closedStateId, rewrite.StateId, "through the new open, not the closed one");
        Assert.AreEqual("close", tags[^1], "and that open closed: " + trace);
        Assert.AreEqual(NfsStat4.Ok, records[^1].Status);
        CollectionAssert.AreEqual(data, server.ReadFile("/export/f"));
        Assert.AreEqual(NfsFileVersionCheck.Unchanged, file.VersionCheck);
        Assert.IsNull(file.Conflict);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task A_restart_before_the_close_fails_its_CLOSE_and_the_data_is_written_again_before_the_file_is_closed()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        var file = await client.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var data = Pattern(5000, 8);
        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);

        server.RebootWithGrace();
        var mark = server.RecordCount;
        await file.CloseAsync(Ct);

        var records = server.RecordsSince(mark).ToList();
        var trace = string.Join(",", records.Select(r => $"{r.Request.Tag}={r.Status}"));
        Assert.AreEqual("commit_close", records[0].Request.Tag, trace);
        Assert.AreNotEqual(NfsStat4.Ok, records[0].Status, "the CLOSE of the old instance's stateid failed: " + trace);
        var rewrite = records.Last(r => r.Request.Tag == "rewrite");
        Assert.AreEqual(NfsStat4.Ok, rewrite.Status, trace);
        Assert.IsLessThan(records.IndexOf(records.Last(r => r.Request.Tag == "close")), records.IndexOf(rewrite), "written again before the CLOSE: " + trace);
        Assert.AreEqual(NfsStat4.Ok, records[^1].Status, trace);
        Assert.AreEqual(1, records.Count(r => r.Request.Ops.Any(o => o.Op == NfsOpnum4.Close) && r.Status == NfsStat4.Ok), "closed once: " + trace);
        CollectionAssert.AreEqual(data, server.ReadFile("/export/f"));
        Assert.IsNull(file.Conflict);
    }

    /// <summary>
    /// WriteVersionRule (NfsOpenFile.Versions.cs): no GETATTR before a WRITE, so a version someone else made between
    /// our OPEN and our first WRITE is not taken as ours. When a crash then loses our writes and leaves that version,
    /// our data goes to a conflict copy (issue 8's safe side) instead of being written over it.
    /// </summary>
    [TestMethod]
    public async Task A_foreign_change_before_our_first_WRITE_is_not_taken_as_ours_and_a_crash_that_leaves_it_gives_a_conflict_copy()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/data.bin", Pattern(3000, 1));
        var directory = Directory.CreateTempSubdirectory("dokannfs-conflicts-").FullName;
        try
        {
            await using var client = Connect(server, FastOptions with { ConflictDirectory = directory, ConflictHostName = "testhost" });
            await using var file = await client.OpenAsync("/export/data.bin", OpenRequest.ForReadWrite, Ct);
            server.WriteFileElsewhere("/export/data.bin", 0, Pattern(100, 2));
            var theirs = server.ReadFile("/export/data.bin");
            var theirChange = server.ChangeOf("/export/data.bin");
            await file.WriteAsync(2800, Pattern(500, 3), StableHow4.Unstable, Ct);

            server.RebootWithGrace();
            server.RollBackFile("/export/data.bin", theirs, theirChange);
            var mark = server.RecordCount;
            var conflict = await Assert.ThrowsExactlyAsync<NfsWriteConflictException>(async () => await file.CommitAsync(Ct));

            Assert.AreEqual(NfsFileVersionCheck.ChangedElsewhere, file.VersionCheck);
            Assert.IsTrue(conflict.CopyIsLocal);
            CollectionAssert.AreEqual(theirs, server.ReadFile("/export/data.bin"), "their version stays as it is");
            Assert.IsFalse(server.RecordsSince(mark).Any(r => r.Request.Tag == "rewrite"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
