using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Recovery;
using DokanNfs.TestSupport.FakeNfs;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Replay;

/// <summary>
/// Version-carrying replay of what goes through OPEN and open files, against NFS-Ganesha with the fault proxy dropping
/// exactly the reply of the call under test (issue 8's last gaps): a GUARDED4 create of a confirmed owner across a
/// server restart, and SETATTR by handle (size, times). client → proxy → recorder → server.
/// </summary>
[TestClass]
public sealed class OpenFileReplayTests(TestContext testContext) : RecoveryProxyTestBase(testContext)
{
    /// <summary>Long enough that no RENEW slips between the calls a test counts to pick the one it drops.</summary>
    private static readonly GaneshaOptions NoRenewals = new() { LeaseLifetimeSeconds = 60 };

    /// <summary>The same with a grace period after a restart, so the open of the file under test is reclaimed.</summary>
    private static readonly GaneshaOptions NoRenewalsWithGrace = NoRenewals with { Graceless = false, GracePeriodSeconds = 3 };

    private static readonly OpenRequest CreateNew = new()
    {
        Access = OpenShareAccess.Both,
        Create = CreateMode4.Guarded,
        CreateAttributes = new SetAttributes { Mode = 0x180 }, // 0600
    };

    /// <summary>
    /// A create-new (GUARDED4 as the caller asks it) by an owner the server already confirmed, whose reply is lost and
    /// whose server restarts before the client can send it again: the replay cache (4.0) or the session (4.1) is gone, so
    /// the OPEN runs a second time. It goes out as an exclusive create, whose verifier makes that second run answer with
    /// the file the first made (RFC 7530 §16.16.5, RFC 8881 §18.16.3) instead of NFS4ERR_EXIST; a file someone else made
    /// still gives NFS4ERR_EXIST.
    /// </summary>
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Create_new_whose_reply_is_lost_across_a_server_restart_succeeds_and_another_clients_file_is_still_exist(NfsVersion version)
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync(version);
        await client.EnsureClientIdAsync(Ct);

        // A confirmed open-owner (and, under 4.1, suppattr_exclcreat read), so the OPEN below is its next call.
        var warm = await client.OpenAsync(Nfs("warm"), CreateNew, Ct);
        await warm.CloseAsync(Ct);

        // The directory's handle is cached since "warm" (no walk first): call 1 is the OPEN — its reply lost; then the
        // server restarts.
        var dropped = proxy.DropReplyToCall(1, holdAfter: true);
        var open = client.OpenAsync(Nfs("new.bin"), CreateNew, Ct).AsTask();
        await dropped;
        Note("OPEN (create new) ran, its reply is lost; the server restarts");
        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        proxy.EndBlackhole();

        await using (var file = await open)
        {
            await file.WriteAsync(0, "ok"u8.ToArray(), StableHow4.FileSync, Ct);
        }

        Assert.IsFalse(recorder.Calls.Any(c => c.Status == NfsStat4.Exist), "no self-inflicted EXIST:\n" + recorder.Describe());
        var creates = recorder.Calls.Where(c => c.Request.Find<OpenArgs>() is { CreateMode: not null } o && o.CreateMode != CreateMode4.Unchecked).ToList();
        Note("sent as " + string.Join(", ", creates.Select(c => c.Request.Find<OpenArgs>()!.CreateMode)));
        Assert.IsTrue(creates.All(c => c.Request.Find<OpenArgs>()!.CreateMode is CreateMode4.Exclusive or CreateMode4.Exclusive41), "sent as exclusive creates:\n" + recorder.Describe());
        Assert.IsGreaterThanOrEqualTo(2, creates.Count(c => c.Status == NfsStat4.Ok && c.Request.Find<OpenArgs>()!.Claim.Name == "new.bin"), "executed before and after the restart:\n" + recorder.Describe());
        CollectionAssert.AreEqual("ok"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("new.bin"), Ct));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, HostMode(server.PathInExport("new.bin")), "the attributes set after the create");
        Assert.AreEqual(0, client.ReplayLogCount, "the entry left the log");

        // A file someone else made has no verifier of ours: create-new of it fails as GUARDED4 would.
        await WriteFileAsync(other, "theirs.bin", "theirs");
        var exist = await Assert.ThrowsAsync<NfsException>(() => client.OpenAsync(Nfs("theirs.bin"), CreateNew, Ct).AsTask());
        Assert.AreEqual(NfsStat4.Exist, exist.Status);
        CollectionAssert.AreEqual("theirs"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("theirs.bin"), Ct));
    }

    /// <summary>
    /// SetLength through an open file (SETATTR size by handle with the open stateid) whose reply is lost and whose server
    /// restarts before the client hears back: the outcome is unknown under both versions (4.0: the connection died; 4.1:
    /// the session's reply cache went with the server). The size asked for holds, so it is applied — once.
    /// </summary>
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Set_length_whose_reply_is_lost_across_a_server_restart_is_applied_once(NfsVersion version)
    {
        var (server, recorder, proxy, client, _) = await SetUpAsync(version, NoRenewalsWithGrace);
        await File.WriteAllBytesAsync(server.PathInExport("len.bin"), "0123456789"u8.ToArray(), Ct);
        await using var file = await client.OpenAsync(Nfs("len.bin"), OpenRequest.ForReadWrite, Ct);

        // 1: SETATTR — its reply lost; then the server restarts.
        var dropped = proxy.DropReplyToCall(1, holdAfter: true);
        var set = file.SetAttrAsync(new SetAttributes { Size = 4 }, Ct).AsTask();
        await dropped;
        Note("SETATTR size 4 ran, its reply is lost; the server restarts");
        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        proxy.EndBlackhole();

        Assert.AreEqual(4UL, (await set).Size);
        CollectionAssert.AreEqual("0123"u8.ToArray(), await File.ReadAllBytesAsync(server.PathInExport("len.bin"), Ct));
        Assert.AreEqual(1, Executed(recorder, NfsOpnum4.SetAttr), "applied once, not sent again:\n" + recorder.Describe());
        AssertResolved(client, NfsReplayOutcome.AlreadyApplied);

        // The handle goes on (its open reclaimed after the restart) and sees the file as it asked for.
        var read = new byte[16];
        Assert.AreEqual(4, await file.ReadAsync(0, read, Ct));
    }

    /// <summary>
    /// The same, with another client writing past the new end between the lost reply and the restart: the file is not
    /// at the size asked for, and not at the version the SETATTR was based on — a conflict. Nothing is re-sent, so the
    /// other client's bytes stay.
    /// </summary>
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Set_length_whose_reply_is_lost_is_a_conflict_when_another_client_wrote_meanwhile_and_its_data_is_kept(NfsVersion version)
    {
        var (server, recorder, proxy, client, other) = await SetUpAsync(version, NoRenewalsWithGrace);
        await File.WriteAllBytesAsync(server.PathInExport("len.bin"), "0123456789"u8.ToArray(), Ct);
        await using var file = await client.OpenAsync(Nfs("len.bin"), OpenRequest.ForReadWrite, Ct);

        var dropped = proxy.DropReplyToCall(1, holdAfter: true);
        var set = file.SetAttrAsync(new SetAttributes { Size = 4 }, Ct).AsTask();
        await dropped;
        Note("SETATTR size 4 ran, its reply is lost; the other client writes past the new end; the server restarts");
        await using (var writer = await other.OpenAsync(Nfs("len.bin"), OpenRequest.ForReadWrite, Ct))
        {
            await writer.WriteAsync(8, "ZZ"u8.ToArray(), StableHow4.FileSync, Ct);
        }

        var theirs = await File.ReadAllBytesAsync(server.PathInExport("len.bin"), Ct);
        CollectionAssert.AreEqual("0123\0\0\0\0ZZ"u8.ToArray(), theirs);
        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        proxy.EndBlackhole();

        var conflict = await Assert.ThrowsExactlyAsync<NfsReplayConflictException>(() => set);
        Note(conflict.Message);
        Assert.AreEqual(ReplayOperation.SetAttr, conflict.ReplayOperation);
        CollectionAssert.AreEqual(theirs, await File.ReadAllBytesAsync(server.PathInExport("len.bin"), Ct), "their bytes kept");
        Assert.AreEqual(1, Executed(recorder, NfsOpnum4.SetAttr), "nothing re-sent:\n" + recorder.Describe());
        AssertResolved(client, NfsReplayOutcome.Conflict);

        // The handle goes on with the file as it is.
        var read = new byte[16];
        Assert.AreEqual(theirs.Length, await file.ReadAsync(0, read, Ct));
        CollectionAssert.AreEqual(theirs, read[..theirs.Length]);
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

    private async Task<(GaneshaServer Server, ServerCallRecorder Recorder, TestSupport.Faults.FaultProxy Proxy, NfsClient Client, NfsClient Other)> SetUpAsync(NfsVersion version, GaneshaOptions? options = null)
    {
        var server = await StartServerAsync(options ?? NoRenewals);
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
}
