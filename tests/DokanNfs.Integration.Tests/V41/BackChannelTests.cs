using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Recovery;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// The NFSv4.1 back channel against Ganesha (issue 10 §6): asked for with CREATE_SESSION4_FLAG_CONN_BACK_CHAN on the
/// fore channel's connection, granted, kept up (no SEQ4_STATUS_CB_PATH_DOWN*) across a reconnect that binds the new
/// connection to both channels. Ganesha 4.3's VFS FSAL grants no delegations (its fsinfo says delegations = 0, so
/// OPEN answers OPEN_DELEGATE_NONE even with Delegations on): recalls, DELEGRETURN and what a read delegation serves are
/// tested against Linux knfsd (KernelDelegationTests, KernelDelegationCacheTests) and the scripted server (Core.Tests,
/// BackChannelFakeTests).
/// </summary>
[TestClass]
public sealed class BackChannelTests(TestContext testContext) : RecoveryTestBase(testContext)
{
    private const SequenceStatusFlags CallbackPathDown = SequenceStatusFlags.CbPathDown | SequenceStatusFlags.CbPathDownSession;

    [TestMethod]
    public async Task The_back_channel_is_granted_on_the_fore_connection_and_stays_up_across_a_reconnect()
    {
        var server = await StartServerAsync(new GaneshaOptions { Delegations = true });
        File.WriteAllText(server.PathInExport("f.txt"), "data");
        var (client, _) = ConnectLogged(server.EndPoint, Vers(NfsVersion.V41, Fast));

        await ReadBackAsync(client, "f.txt", "data");

        var session = client.Session;
        Assert.IsNotNull(session);
        Assert.AreEqual(CreateSessionFlags.ConnBackChan, session.SessionFlags & CreateSessionFlags.ConnBackChan);
        Assert.AreEqual(SequenceStatusFlags.None, session.StatusFlags & CallbackPathDown, $"flags {session.StatusFlags}");

        client.Rpc.Disconnect(new IOException("test: connection dropped"));
        await ReadBackAsync(client, "f.txt", "data");

        Assert.IsGreaterThanOrEqualTo(1L, session.BindCount, "the new connection was bound (BIND_CONN_TO_SESSION, both channels)");
        Assert.AreEqual(SequenceStatusFlags.None, session.StatusFlags & CallbackPathDown, $"flags {session.StatusFlags}");
        Assert.AreEqual(0, client.Delegations.Count);
    }

    [TestMethod]
    public async Task With_delegations_off_no_back_channel_is_asked_for()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("f.txt"), "data");
        var (client, _) = ConnectLogged(server.EndPoint, Vers(NfsVersion.V41, Fast) with { Delegations = false });

        await ReadBackAsync(client, "f.txt", "data");

        Assert.IsNotNull(client.Session);
        Assert.AreEqual(CreateSessionFlags.None, client.Session.SessionFlags & CreateSessionFlags.ConnBackChan);
        Assert.IsNull(client.Callbacks);
    }

    private async Task ReadBackAsync(NfsClient client, string name, string expected)
    {
        await using var file = await client.OpenAsync(Nfs(name), new OpenRequest { Access = OpenShareAccess.Read }, Ct);
        var buffer = new byte[64];
        var read = await file.ReadAsync(0, buffer, Ct);
        Assert.AreEqual(expected, System.Text.Encoding.ASCII.GetString(buffer, 0, read));
    }
}
