using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Recovery;
using DokanNfs.TestSupport.FakeNfs;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Replay;

/// <summary>
/// Version-carrying replay against NFS-Ganesha (issue 8 §6, name operations): the fault proxy drops exactly the
/// request or the reply of the call under test and cuts the connection, then holds the client's next calls while a
/// second client acts on the server directly; the held calls then go through and the outcome is checked on the
/// server. client → proxy → recorder → server: the recorder sees what reached the server and what it answered.
/// </summary>
[TestClass]
public sealed class ReplayTests(TestContext testContext) : RecoveryProxyTestBase(testContext)
{
    /// <summary>Long enough that no RENEW slips between the calls a test counts to pick the one it drops.</summary>
    private static readonly GaneshaOptions NoRenewals = new() { LeaseLifetimeSeconds = 60 };

    [TestMethod]
    public async Task Remove_whose_reply_is_lost_succeeds_and_leaves_the_file_another_client_created_under_the_name()
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync();
        await File.WriteAllBytesAsync(server.PathInExport("victim"), "old"u8.ToArray(), Ct);
        await client.GetAttrAsync(Nfs("victim"), Ct);

        // 1: the REMOVE — its reply lost. (The stat cached the name and the file's version: no walk before it, issue 9.)
        var dropped = proxy.DropReplyToCall(1, holdAfter: true);
        var remove = client.RemoveAsync(Nfs("victim"), Ct).AsTask();
        await dropped;
        Note("REMOVE ran, its reply is lost; the other client creates the same name");
        await WriteFileAsync(other, "victim", "new");
        proxy.EndBlackhole();

        await remove;
        CollectionAssert.AreEqual("new"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("victim"), Ct), "the new file survives");
        Assert.AreEqual(1, Executed(recorder, NfsOpnum4.Remove), recorder.Describe());
        AssertResolved(client, NfsReplayOutcome.Moot);
    }

    [TestMethod]
    public async Task Remove_whose_request_is_lost_leaves_the_file_another_client_put_in_its_place()
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync();
        await File.WriteAllBytesAsync(server.PathInExport("victim"), "old"u8.ToArray(), Ct);
        await client.GetAttrAsync(Nfs("victim"), Ct);

        var dropped = proxy.DropCall(1, holdAfter: true); // the REMOVE: the name is cached, no walk first
        var remove = client.RemoveAsync(Nfs("victim"), Ct).AsTask();
        await dropped;
        Note("the REMOVE never reached the server; the other client replaces the file");
        await other.RemoveAsync(Nfs("victim"), Ct);
        await WriteFileAsync(other, "victim", "replacement");
        proxy.EndBlackhole();

        await remove;
        CollectionAssert.AreEqual("replacement"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("victim"), Ct));
        Assert.AreEqual(0, Executed(recorder, NfsOpnum4.Remove), "nothing re-sent:\n" + recorder.Describe());
        AssertResolved(client, NfsReplayOutcome.Moot);
    }

    [TestMethod]
    public async Task Remove_whose_request_is_lost_is_a_conflict_when_another_client_wrote_the_file_and_nothing_is_removed()
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync();
        await File.WriteAllBytesAsync(server.PathInExport("victim"), "old"u8.ToArray(), Ct);
        await client.GetAttrAsync(Nfs("victim"), Ct);

        var dropped = proxy.DropCall(1, holdAfter: true); // the REMOVE: the name is cached, no walk first
        var remove = client.RemoveAsync(Nfs("victim"), Ct).AsTask();
        await dropped;
        Note("the REMOVE never reached the server; the other client writes the same file");
        await WriteFileAsync(other, "victim", "their change", create: false);
        proxy.EndBlackhole();

        var conflict = await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(() => remove);
        Note(conflict.Message);
        CollectionAssert.AreEqual("their change"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("victim"), Ct), "nothing removed");
        Assert.AreEqual(0, Executed(recorder, NfsOpnum4.Remove), recorder.Describe());
        Assert.AreEqual(NfsStat4.NotSame, conflict.Status);
        Assert.Contains("change", conflict.Observed);
        AssertResolved(client, NfsReplayOutcome.Conflict);
    }

    [TestMethod]
    public async Task Remove_whose_request_is_lost_is_replayed_when_another_client_only_read_the_file()
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync();
        await File.WriteAllBytesAsync(server.PathInExport("victim"), "read me"u8.ToArray(), Ct);
        await client.GetAttrAsync(Nfs("victim"), Ct);

        var dropped = proxy.DropCall(1, holdAfter: true); // the REMOVE: the name is cached, no walk first
        var remove = client.RemoveAsync(Nfs("victim"), Ct).AsTask();
        await dropped;
        Note("the REMOVE never reached the server; the other client opens, reads and closes the file");
        await using (var reader = await other.OpenAsync(Nfs("victim"), OpenRequest.ForRead, Ct))
        {
            Assert.AreEqual(7, await reader.ReadAsync(0, new byte[16], Ct));
        }

        await other.GetAttrAsync(Nfs("victim"), Ct);
        proxy.EndBlackhole();

        await remove;
        Assert.IsFalse(File.Exists(server.PathInExport("victim")));
        var replays = recorder.Calls.Where(c => c.Request.Tag == "remove-replay").ToList();
        Assert.HasCount(1, replays, recorder.Describe());
        Assert.AreEqual(NfsStat4.Ok, replays[0].Status, "Ganesha checked VERIFY {change, fileid} and removed the file");
        AssertResolved(client, NfsReplayOutcome.Replayed);
    }

    [TestMethod]
    public async Task Rename_whose_reply_is_lost_succeeds_and_does_not_rename_a_new_source_over_the_destination()
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync();
        await File.WriteAllBytesAsync(server.PathInExport("draft"), "mine"u8.ToArray(), Ct);
        await client.GetAttrAsync(Nfs("draft"), Ct);

        // 1: walk to the source name, 2: walk to the destination name, 3: the RENAME — its reply lost.
        var dropped = proxy.DropReplyToCall(3, holdAfter: true);
        var rename = client.RenameAsync(Nfs("draft"), Nfs("final"), Ct).AsTask();
        await dropped;
        Note("RENAME ran, its reply is lost; the other client creates a new draft");
        await WriteFileAsync(other, "draft", "their new draft");
        proxy.EndBlackhole();

        await rename;
        CollectionAssert.AreEqual("mine"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("final"), Ct));
        CollectionAssert.AreEqual("their new draft"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("draft"), Ct), "not renamed over");
        Assert.AreEqual(1, Executed(recorder, NfsOpnum4.Rename), recorder.Describe());
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);
    }

    [TestMethod]
    public async Task Setattr_whose_reply_is_lost_is_applied_exactly_once_and_never_clobbers_another_clients_mode()
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync();
        var hostFile = server.PathInExport("m");
        await File.WriteAllBytesAsync(hostFile, "x"u8.ToArray(), Ct);
        SetHostMode(hostFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await client.GetAttrAsync(Nfs("m"), Ct);

        // 1: the walk, 2: SETATTR — its reply lost; nobody acts in between.
        var dropped = proxy.DropReplyToCall(2, holdAfter: true);
        var set = client.SetAttrAsync(Nfs("m"), new SetAttributes { Mode = 0x180 }, Ct).AsTask(); // 0600
        await dropped;
        proxy.EndBlackhole();
        Assert.AreEqual(0x180u, (await set).Mode);
        Assert.AreEqual(1, Executed(recorder, NfsOpnum4.SetAttr), "applied once, not sent again:\n" + recorder.Describe());
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);

        // Again, with the other client setting another mode between the lost reply and the resolution.
        dropped = proxy.DropReplyToCall(2, holdAfter: true);
        set = client.SetAttrAsync(Nfs("m"), new SetAttributes { Mode = 0x100 }, Ct).AsTask(); // 0400
        await dropped;
        Note("SETATTR 0400 ran, its reply is lost; the other client sets 0640");
        await other.SetAttrAsync(Nfs("m"), new SetAttributes { Mode = 0x1A0 }, Ct);
        proxy.EndBlackhole();

        await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(() => set);
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, HostMode(hostFile), "the other client's mode is not clobbered");
        Assert.AreEqual(2, Executed(recorder, NfsOpnum4.SetAttr), "each SETATTR reached the server once:\n" + recorder.Describe());
        AssertResolved(client, NfsReplayOutcome.Conflict);
    }

    /// <remarks>
    /// Under NFSv4.1 the session sends the CREATE again on the same slot with the same sequence id, and the server answers
    /// it from its reply cache (sa_cachethis, RFC 8881 §2.10.6.1): the outcome is never unknown, nothing to resolve.
    /// </remarks>
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Mkdir_whose_reply_is_lost_returns_the_directory_it_made(NfsVersion version)
    {
        var (server, recorder, proxy, client, _) = await SetUpAsync(version);
        await client.GetAttrAsync(Export, Ct);

        var dropped = proxy.DropReplyToCall(2, holdAfter: true);
        var mkdir = client.CreateDirectoryAsync(Nfs("made"), new SetAttributes { Mode = 0x1C0 }, Ct).AsTask();
        await dropped;
        proxy.EndBlackhole();

        var made = await mkdir;
        Assert.IsTrue(made.IsDirectory);
        Assert.AreEqual(HostInode(server.PathInExport("made")), made.Attributes.FileId);
        if (version == NfsVersion.V40)
        {
            Assert.AreEqual(1, Executed(recorder, NfsOpnum4.Create), "not sent again, so no NFS4ERR_EXIST:\n" + recorder.Describe());
            AssertResolved(client, NfsReplayOutcome.AlreadyApplied);
            return;
        }

        var creates = recorder.Calls.Where(c => c.Request.Find<CreateArgs>() is not null).ToList();
        Assert.HasCount(2, creates, "sent once more after the lost reply:\n" + recorder.Describe());
        Assert.IsTrue(creates.All(c => c.Status == NfsStat4.Ok), "the second answered from the reply cache, not NFS4ERR_EXIST:\n" + recorder.Describe());
        var (first, second) = (creates[0].Request.Find<SequenceArgs>(), creates[1].Request.Find<SequenceArgs>());
        Assert.IsNotNull(first);
        Assert.AreEqual(first, second, "same session, slot and sequence id");
        Assert.IsTrue(first.CacheThis, "CREATE asks the server to cache its reply");
        Assert.IsEmpty(client.ReplayResolutions, "the outcome was never unknown");
        Assert.AreEqual(0, client.ReplayLogCount, "the entry left the log");
    }

    /// <summary>
    /// An EXCLUSIVE4 create whose reply is lost and whose server restarts before the client can send it again: the
    /// replay cache is gone with the server, so the OPEN runs a second time; the same verifier makes that second run
    /// answer with the file the first created (RFC 7530 §16.16.5), not NFS4ERR_EXIST.
    /// </summary>
    [TestMethod]
    public async Task Exclusive_create_whose_reply_is_lost_across_a_server_restart_succeeds_instead_of_failing_with_exist()
    {
        var (server, recorder, proxy, client, _) = await SetUpAsync();
        await client.EnsureClientIdAsync(Ct);

        // A confirmed open-owner, so the OPEN below would be answered from the replay cache within one server life.
        var warm = await client.OpenAsync(Nfs("warm"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct);
        await warm.CloseAsync(Ct);

        var exclusive = new OpenRequest
        {
            Access = OpenShareAccess.Both,
            Create = CreateMode4.Exclusive,
            ExclusiveVerifier = new Verifier4(0x5EED_0000_0000_0001),
            CreateAttributes = new SetAttributes { Mode = 0x180 },
        };

        // 1: OPEN — its reply lost; then the server restarts. (The directory is cached since the warm-up's OPEN, so the
        // create needs no walk before it: issue 9, a create in one COMPOUND.)
        var dropped = proxy.DropReplyToCall(1, holdAfter: true);
        var open = client.OpenAsync(Nfs("exclusive.bin"), exclusive, Ct).AsTask();
        await dropped;
        Note("OPEN EXCLUSIVE4 ran, its reply is lost; the server restarts");
        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        proxy.EndBlackhole();

        await using var file = await open;
        Assert.IsTrue(File.Exists(server.PathInExport("exclusive.bin")));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, HostMode(server.PathInExport("exclusive.bin")), "the attributes set after the create");
        var opens = recorder.Calls.Where(c => c.Request.Find<OpenArgs>() is { CreateMode: CreateMode4.Exclusive }).ToList();
        Assert.IsTrue(opens.All(o => o.Request.Find<OpenArgs>()!.CreateVerifier == exclusive.ExclusiveVerifier), recorder.Describe());
        Assert.IsFalse(recorder.Calls.Any(c => c.Status == NfsStat4.Exist), "no self-inflicted EXIST:\n" + recorder.Describe());
        Assert.IsGreaterThanOrEqualTo(2, opens.Count(o => o.Status == NfsStat4.Ok), "executed before and after the restart:\n" + recorder.Describe());
        await file.WriteAsync(0, "ok"u8.ToArray(), StableHow4.FileSync, Ct);
    }

    /// <summary>Issue 8 §6: WRITE X then WRITE Y on one range with X's reply lost → the final bytes are Y.</summary>
    [TestMethod]
    public async Task Write_whose_reply_is_lost_followed_by_a_second_write_to_the_same_range_leaves_the_second()
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync();
        await using var file = await client.OpenAsync(Nfs("range"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct);
        await file.WriteAsync(0, "0000"u8.ToArray(), StableHow4.FileSync, Ct); // the first WRITE's fsinfo lookup is behind us

        var dropped = proxy.DropReplyToCall(1, holdAfter: true);
        var writeX = file.WriteAsync(0, "XXXX"u8.ToArray(), StableHow4.FileSync, Ct).AsTask();
        await dropped;
        Note("WRITE X ran, its reply is lost; another client only reads the file meanwhile");
        await using (var reader = await other.OpenAsync(Nfs("range"), OpenRequest.ForRead, Ct))
        {
            _ = await reader.ReadAsync(0, new byte[4], Ct);
        }

        proxy.EndBlackhole();
        await writeX;
        await file.WriteAsync(0, "YYYY"u8.ToArray(), StableHow4.FileSync, Ct);
        await file.CloseAsync(Ct);

        CollectionAssert.AreEqual("YYYY"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("range"), Ct), recorder.Describe());
        Assert.IsGreaterThanOrEqualTo(3, Executed(recorder, NfsOpnum4.Write), "0000, X (at least once) and Y reached the server:\n" + recorder.Describe());
        Assert.IsNull(file.Conflict, "a reader in between is no conflict");
    }

    private async Task<(GaneshaServer Server, ServerCallRecorder Recorder, TestSupport.Faults.FaultProxy Proxy, NfsClient Client, NfsClient Other)> SetUpAsync(
        NfsVersion version = NfsVersion.V40)
    {
        var server = await StartServerAsync(NoRenewals);
        var recorder = Record(server);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var client = ConnectLogged(proxy.EndPoint, "client", Vers(version));
        var other = ConnectLogged(server.EndPoint, "other", Vers(version));
        return (server, recorder, proxy, client, other);
    }

    /// <summary>The other client writes <paramref name="text"/> as the whole content of <paramref name="name"/>.</summary>
    private async Task WriteFileAsync(NfsClient client, string name, string text, bool create = true)
    {
        var request = new OpenRequest { Access = OpenShareAccess.Both, Create = create ? CreateMode4.Unchecked : null, Truncate = true };
        await using var file = await client.OpenAsync(Nfs(name), request, Ct);
        await file.WriteAsync(0, System.Text.Encoding.UTF8.GetBytes(text), StableHow4.FileSync, Ct);
    }

    /// <summary>How many COMPOUNDs carrying <paramref name="op"/> the server executed and answered NFS4_OK.</summary>
    private static int Executed(ServerCallRecorder recorder, NfsOpnum4 op) =>
        recorder.Calls.Count(c => c.Status == NfsStat4.Ok && c.Request.Ops.Any(o => o.Op == op));

    private void AssertResolved(NfsClient client, NfsReplayOutcome outcome)
    {
        var resolution = client.ReplayResolutions.LastOrDefault();
        Assert.IsNotNull(resolution, "the outcome was never unknown");
        Note(resolution.ToString());
        Assert.AreEqual(outcome, resolution.Outcome, resolution.ToString());
        Assert.AreEqual(0, client.ReplayLogCount, "the entry left the log");
        Assert.AreEqual(0, client.UnresolvedCallCount);
    }
}
