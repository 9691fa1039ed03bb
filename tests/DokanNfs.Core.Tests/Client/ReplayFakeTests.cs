using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// Version-carrying replay against the fake server (issue 8 §2): each row of the decision table — applied, moot,
/// replayed behind VERIFY, conflict — for REMOVE, RENAME, CREATE, LINK and SETATTR, with the connection closed
/// before or after the server executed the call, another client's change landing between the lost reply and the
/// resolution, and a VERIFY that fails with NFS4ERR_NOT_SAME at replay time.
/// </summary>
[TestClass]
public sealed class ReplayFakeTests
{
    private const string Dir = "/export/d";

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task Remove_whose_reply_is_lost_is_applied_and_not_sent_again()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8);
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Remove, FakeNfsFault.CloseConnection(afterExecuting: true));

        await client.RemoveAsync(Dir + "/f", Ct);

        Assert.IsFalse(server.Exists(Dir + "/f"));
        Assert.HasCount(1, server.Sent<RemoveArgs>(), "executed once, never re-sent");
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Remove_whose_reply_is_lost_leaves_a_file_another_client_created_under_the_name_and_succeeds()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "old"u8);
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Remove, FakeNfsFault.CloseConnection(afterExecuting: true));
        BeforeFirst(server, "replay-probe", () => server.CreateFile(Dir + "/f", "new"u8));

        await client.RemoveAsync(Dir + "/f", Ct);

        CollectionAssert.AreEqual("new"u8.ToArray(), server.ReadFile(Dir + "/f"), "the other client's file survives");
        Assert.HasCount(1, server.Sent<RemoveArgs>());
        AssertResolved(client, NfsReplayOutcome.Moot);
    }

    [TestMethod]
    public async Task Remove_whose_request_is_lost_is_sent_again_behind_verify_of_the_version_it_was_based_on()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8);
        await using var client = Connect(server);
        var (fileId, change, _) = server.VersionOf(Dir + "/f")!.Value;
        server.Intercept(NfsOpnum4.Remove, FakeNfsFault.CloseConnection());
        var mark = server.RecordCount;

        await client.RemoveAsync(Dir + "/f", Ct);

        Assert.IsFalse(server.Exists(Dir + "/f"));
        var replay = server.RecordsSince(mark).Single(r => r.Request.Tag == "remove-replay");
        Assert.AreEqual(NfsStat4.Ok, replay.Status);
        var verifies = replay.Request.OpsOf<VerifyArgs>().ToList();
        Assert.HasCount(2, verifies, "the directory's identity, then the target's version: " + replay.Request);
        Assert.AreEqual(Bitmap4.Of(FAttr4.Change, FAttr4.FileId), verifies[1].Mask);
        CollectionAssert.AreEqual(Be(change, fileId), verifies[1].Values, "VERIFY carries the change and fileid the REMOVE was based on");
        Assert.IsLessThan(replay.Request.Ops.ToList().FindIndex(o => o.Op == NfsOpnum4.Remove), replay.Request.Ops.ToList().FindLastIndex(o => o.Op == NfsOpnum4.Verify), "VERIFY comes before REMOVE");
        AssertResolved(client, NfsReplayOutcome.Replayed);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Remove_whose_request_is_lost_is_a_conflict_when_another_client_wrote_the_file_meanwhile()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8);
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Remove, FakeNfsFault.CloseConnection());
        BeforeFirst(server, "replay-probe", () => server.WriteFile(Dir + "/f", "their change"u8));

        var conflict = await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(async () => await client.RemoveAsync(Dir + "/f", Ct));

        CollectionAssert.AreEqual("their change"u8.ToArray(), server.ReadFile(Dir + "/f"), "nothing removed");
        Assert.HasCount(1, server.Sent<RemoveArgs>(), "nothing re-sent");
        Assert.AreEqual(NfsStat4.NotSame, conflict.Status);
        Assert.AreEqual(ReplayOperation.Remove, conflict.ReplayOperation);
        Assert.AreEqual(Dir + "/f", conflict.Path);
        Assert.Contains("target " + Dir + "/f", conflict.Basis);
        Assert.Contains("changed by someone else", conflict.Message);
        AssertResolved(client, NfsReplayOutcome.Conflict);
    }

    [TestMethod]
    public async Task Remove_whose_request_is_lost_leaves_a_file_that_replaced_the_one_meant_and_succeeds()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "old"u8);
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Remove, FakeNfsFault.CloseConnection());
        BeforeFirst(server, "replay-probe", () =>
        {
            server.Remove(Dir + "/f");
            server.CreateFile(Dir + "/f", "replacement"u8);
        });

        await client.RemoveAsync(Dir + "/f", Ct);

        CollectionAssert.AreEqual("replacement"u8.ToArray(), server.ReadFile(Dir + "/f"));
        AssertResolved(client, NfsReplayOutcome.Moot);
    }

    [TestMethod]
    public async Task Replay_whose_verify_fails_with_not_same_is_a_conflict_and_removes_nothing()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8);
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Remove, FakeNfsFault.CloseConnection());

        // A change that races in between the probe and the replay: the server's own check catches it.
        server.InterceptEvery(NfsOpnum4.Verify, FakeNfsFault.Error(NfsStat4.NotSame), c => c.Request.Tag == "remove-replay", times: 1);

        var conflict = await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(async () => await client.RemoveAsync(Dir + "/f", Ct));

        Assert.IsTrue(server.Exists(Dir + "/f"), "VERIFY stopped the COMPOUND before the REMOVE");
        Assert.Contains("NFS4ERR_NOT_SAME", conflict.Reason);
        AssertResolved(client, NfsReplayOutcome.Conflict);
    }

    [TestMethod]
    public async Task Remove_bound_to_the_object_the_walk_found_goes_again_when_the_name_was_replaced_before_it_was_sent()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "old"u8);
        await using var client = Connect(server);
        var first = server.VersionOf(Dir + "/f")!.Value.FileId;
        BeforeFirst(server, "remove", () =>
        {
            server.Remove(Dir + "/f");
            server.CreateFile(Dir + "/f", "new"u8);
        });

        await client.RemoveAsync(Dir + "/f", Ct);

        Assert.IsFalse(server.Exists(Dir + "/f"), "the caller asked for the name to go; it went, after a fresh walk");
        var removes = server.Records.Where(r => r.Request.Tag == "remove").ToList();
        Assert.HasCount(2, removes);
        Assert.AreEqual(NfsStat4.NotSame, removes[0].Status, "the first send's VERIFY saw another object than the walk");
        Assert.AreNotEqual(first, server.VersionOf(Dir + "/f")?.FileId);
        Assert.IsEmpty(client.ReplayResolutions, "no outcome was ever unknown");
    }

    [TestMethod]
    public async Task Rename_whose_reply_is_lost_does_not_rename_over_a_new_source_created_meanwhile()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/a", "moved"u8);
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Rename, FakeNfsFault.CloseConnection(afterExecuting: true));
        BeforeFirst(server, "replay-probe", () => server.CreateFile(Dir + "/a", "new source"u8));

        await client.RenameAsync(Dir + "/a", Dir + "/b", Ct);

        CollectionAssert.AreEqual("moved"u8.ToArray(), server.ReadFile(Dir + "/b"));
        CollectionAssert.AreEqual("new source"u8.ToArray(), server.ReadFile(Dir + "/a"), "not renamed over the destination");
        Assert.HasCount(1, server.Sent<RenameArgs>());
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);
    }

    [TestMethod]
    public async Task Rename_whose_request_is_lost_is_replayed_or_refused_as_the_destination_stands()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/a", "a"u8);
        server.CreateFile(Dir + "/c", "c"u8);
        await using var client = Connect(server);

        server.Intercept(NfsOpnum4.Rename, FakeNfsFault.CloseConnection());
        await client.RenameAsync(Dir + "/a", Dir + "/b", Ct);
        CollectionAssert.AreEqual("a"u8.ToArray(), server.ReadFile(Dir + "/b"));
        AssertResolved(client, NfsReplayOutcome.Replayed);

        // Someone creates the destination before the resolution: renaming now would replace their file.
        server.Intercept(NfsOpnum4.Rename, FakeNfsFault.CloseConnection());
        BeforeFirst(server, "replay-probe", () => server.CreateFile(Dir + "/e", "theirs"u8));
        await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(async () => await client.RenameAsync(Dir + "/c", Dir + "/e", Ct));
        CollectionAssert.AreEqual("theirs"u8.ToArray(), server.ReadFile(Dir + "/e"));
        Assert.IsTrue(server.Exists(Dir + "/c"));
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Create_whose_reply_is_lost_returns_what_it_created_and_one_whose_request_is_lost_is_replayed()
    {
        await using var server = await StartAsync();
        await using var client = Connect(server);

        server.Intercept(NfsOpnum4.Create, FakeNfsFault.CloseConnection(afterExecuting: true));
        var made = await client.CreateDirectoryAsync(Dir + "/sub", new SetAttributes { Mode = 0x1C0 }, Ct);
        Assert.IsTrue(made.IsDirectory);
        Assert.AreEqual(server.VersionOf(Dir + "/sub")!.Value.FileId, made.Attributes.FileId);
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);

        server.Intercept(NfsOpnum4.Create, FakeNfsFault.CloseConnection(afterExecuting: true));
        var link = await client.CreateSymlinkAsync(Dir + "/ln", "sub/x", null, Ct);
        Assert.AreEqual(NfsFtype4.Lnk, link.Type);
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);

        server.Intercept(NfsOpnum4.Create, FakeNfsFault.CloseConnection());
        await client.CreateDirectoryAsync(Dir + "/other", null, Ct);
        Assert.IsTrue(server.Exists(Dir + "/other"));
        AssertResolved(client, NfsReplayOutcome.Replayed);
        Assert.HasCount(4, server.Sent<CreateArgs>(), "one each, and the lost request once more");

        // A name taken before the CREATE is sent fails as the server would answer, without sending it.
        var mark = server.RecordCount;
        var exists = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.CreateDirectoryAsync(Dir + "/sub", null, Ct));
        Assert.AreEqual(NfsStat4.Exist, exists.Status);
        Assert.IsEmpty(server.Sent<CreateArgs>(mark));
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Create_whose_request_is_lost_is_a_conflict_when_another_object_took_the_name()
    {
        await using var server = await StartAsync();
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Create, FakeNfsFault.CloseConnection());
        BeforeFirst(server, "replay-probe", () => server.CreateFile(Dir + "/sub", "a file"u8));

        await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(async () => await client.CreateDirectoryAsync(Dir + "/sub", null, Ct));

        CollectionAssert.AreEqual("a file"u8.ToArray(), server.ReadFile(Dir + "/sub"));
        AssertResolved(client, NfsReplayOutcome.Conflict);
    }

    [TestMethod]
    public async Task Link_whose_reply_or_request_is_lost_ends_with_exactly_one_new_name()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8);
        await using var client = Connect(server);

        server.Intercept(NfsOpnum4.Link, FakeNfsFault.CloseConnection(afterExecuting: true));
        await client.LinkAsync(Dir + "/f", Dir + "/g", Ct);
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);

        server.Intercept(NfsOpnum4.Link, FakeNfsFault.CloseConnection());
        await client.LinkAsync(Dir + "/f", Dir + "/h", Ct);
        AssertResolved(client, NfsReplayOutcome.Replayed);

        var id = server.VersionOf(Dir + "/f")!.Value.FileId;
        Assert.AreEqual(id, server.VersionOf(Dir + "/g")!.Value.FileId);
        Assert.AreEqual(id, server.VersionOf(Dir + "/h")!.Value.FileId);
        Assert.AreEqual(3u, (await client.GetAttrAsync(Dir + "/f", Ct)).Attributes.NumLinks);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Setattr_whose_reply_is_lost_is_applied_once_and_never_clobbers_another_clients_change()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8, mode: 0x1A4);
        await using var client = Connect(server);

        // Lost reply: the mode asked for holds.
        server.Intercept(NfsOpnum4.SetAttr, FakeNfsFault.CloseConnection(afterExecuting: true));
        var attrs = await client.SetAttrAsync(Dir + "/f", new SetAttributes { Mode = 0x180 }, Ct);
        Assert.AreEqual(0x180u, attrs.Mode);
        Assert.HasCount(1, server.Sent<SetAttrArgs>());
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);

        // Lost request: the object is unchanged, so the SETATTR goes again behind VERIFY of its version.
        server.Intercept(NfsOpnum4.SetAttr, FakeNfsFault.CloseConnection());
        await client.SetAttrAsync(Dir + "/f", new SetAttributes { Mode = 0x1C0 }, Ct);
        Assert.AreEqual(0x1C0u, server.VersionOf(Dir + "/f")!.Value.Mode);
        AssertResolved(client, NfsReplayOutcome.Replayed);

        // Lost reply, then another client sets another mode: theirs stays, and the caller is told.
        server.Intercept(NfsOpnum4.SetAttr, FakeNfsFault.CloseConnection(afterExecuting: true));
        BeforeFirst(server, "replay-probe", () => server.SetMode(Dir + "/f", 0x1ED));
        await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(async () => await client.SetAttrAsync(Dir + "/f", new SetAttributes { Mode = 0x100 }, Ct));
        Assert.AreEqual(0x1EDu, server.VersionOf(Dir + "/f")!.Value.Mode, "not clobbered");
        Assert.HasCount(4, server.Sent<SetAttrArgs>(), "the replayed one twice, no other re-sent");
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Calls_on_the_objects_of_an_unresolved_call_wait_for_its_resolution_and_others_do_not()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8);
        server.CreateDirectory("/export/elsewhere");
        await using var client = Connect(server);
        server.Intercept(NfsOpnum4.Remove, FakeNfsFault.CloseConnection());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.InterceptWhere(c => c.Index == 0 && c.Request.Tag == "replay-probe", FakeNfsFault.Held(release.Task), times: 1);

        var remove = client.RemoveAsync(Dir + "/f", Ct).AsTask();
        await WaitForAsync(() => client.UnresolvedCallCount == 1);
        var stat = client.GetAttrAsync(Dir + "/f", Ct).AsTask();
        var listing = client.GetAttrAsync(Dir, Ct).AsTask();
        Assert.IsTrue((await client.GetAttrAsync("/export/elsewhere", Ct)).IsDirectory, "an unrelated path goes on");
        await Task.Delay(200, Ct);
        Assert.IsFalse(stat.IsCompleted || listing.IsCompleted, "the object and its directory wait for the resolution");

        release.SetResult();
        await remove;
        var notFound = await Assert.ThrowsExactlyAsync<NfsException>(() => stat);
        Assert.AreEqual(NfsStat4.NoEnt, notFound.Status, "the waiting call saw the resolved state");
        Assert.IsTrue((await listing).IsDirectory);
        Assert.AreEqual(0, client.UnresolvedCallCount);
        Assert.AreEqual(0, client.ReplayLogCount, "entries leave the log once final");
    }

    [TestMethod]
    public async Task Versions_come_with_the_walk_each_call_needed_anyway_so_no_call_costs_another_round_trip()
    {
        await using var server = await StartAsync();
        server.CreateFile(Dir + "/f", "x"u8);
        await using var client = Connect(server);
        await client.GetAttrAsync(Dir, Ct);

        async Task<int> CompoundsOf(Func<Task> call)
        {
            var mark = server.RecordCount;
            await call();
            return server.RecordCount - mark;
        }

        Assert.AreEqual(2, await CompoundsOf(async () => await client.SetAttrAsync(Dir + "/f", new SetAttributes { Mode = 0x180 }, Ct)), "walk, SETATTR");
        Assert.AreEqual(3, await CompoundsOf(async () => await client.LinkAsync(Dir + "/f", Dir + "/g", Ct)), "walk to the file, walk to the name, LINK");
        Assert.AreEqual(3, await CompoundsOf(async () => await client.RenameAsync(Dir + "/g", Dir + "/h", Ct)), "two walks, RENAME");
        Assert.AreEqual(2, await CompoundsOf(async () => await client.RemoveAsync(Dir + "/h", Ct)), "walk, REMOVE");
        Assert.AreEqual(2, await CompoundsOf(async () => await client.CreateDirectoryAsync(Dir + "/sub", null, Ct)), "walk, CREATE");
        var walk = server.Records[^2].Request;
        Assert.AreEqual("sub", walk.OpsOf<LookupArgs>().Last().Name, "the walk looked at the name too: " + walk);
        Assert.AreEqual(0, client.ReplayLogCount);
        Assert.IsEmpty(client.ReplayResolutions);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task An_open_that_may_create_is_in_the_log_while_in_flight_with_the_versions_it_is_based_on()
    {
        await using var server = await StartAsync();
        await using var client = Connect(server);
        await client.EnsureClientIdAsync(Ct);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Intercept(NfsOpnum4.Open, FakeNfsFault.Held(release.Task));

        var open = client.OpenAsync(Dir + "/new", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct).AsTask();
        await WaitForAsync(() => client.ReplayLogCount == 1);
        var entry = client.ReplayLog.Snapshot().Single();
        Assert.AreEqual(ReplayOperation.Open, entry.Operation);
        Assert.AreEqual(server.VersionOf(Dir)!.Value.FileId, entry["directory"].Before!.Value.FileId);
        Assert.IsNull(entry["file"].Before, "the name was free");
        Assert.AreEqual(0, client.UnresolvedCallCount, "in flight is not unknown: nothing waits");

        release.SetResult();
        await using var file = await open;
        Assert.AreEqual(0, client.ReplayLogCount);
        Assert.IsNotNull(entry["directory"].ChangeAfter, "the versions after came with the reply");
        Assert.IsNotNull(entry["file"].ChangeAfter, "and the file's, from the GETATTR after the OPEN");
    }

    private static async Task<FakeNfsServer> StartAsync()
    {
        var server = await FakeNfsServer.StartAsync();
        server.CreateDirectory(Dir);
        return server;
    }

    /// <summary>
    /// Runs <paramref name="act"/> inside the server just before it executes the first COMPOUND tagged
    /// <paramref name="tag"/>: another client's change landing between a lost reply and the resolution.
    /// </summary>
    private static void BeforeFirst(FakeNfsServer server, string tag, Action act)
    {
        var done = false;
        server.InterceptWhere(
            c =>
            {
                if (!done && c.Index == 0 && c.Request.Tag == tag)
                {
                    done = true;
                    act();
                }

                return false;
            },
            FakeNfsFault.Error(NfsStat4.ServerFault));
    }

    private static void AssertResolved(NfsClient client, NfsReplayOutcome outcome)
    {
        var last = client.ReplayResolutions.LastOrDefault();
        Assert.IsNotNull(last, "no resolution recorded");
        Assert.AreEqual(outcome, last.Outcome, last.ToString());
        Assert.AreEqual(0, client.ReplayLogCount, "the entry left the log");
    }

    private static byte[] Be(params ulong[] values) => [.. values.SelectMany(v => BitConverter.GetBytes(v).Reverse())];

    private async Task WaitForAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Generous;
        while (!condition())
        {
            Assert.IsLessThan(until, DateTime.UtcNow, "timed out");
            await Task.Delay(10, Ct);
        }
    }
}
