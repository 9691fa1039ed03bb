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

        // 1: the walk to the name, 2: OPEN — its reply lost; then the server restarts.
        var dropped = proxy.DropReplyToCall(2, holdAfter: true);
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

    private async Task<(GaneshaServer Server, ServerCallRecorder Recorder, TestSupport.Faults.FaultProxy Proxy, NfsClient Client, NfsClient Other)> SetUpAsync(NfsVersion version)
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
}
