using DokanNfs.Core.Client;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Recovery;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// NFSv4.1 delegations against Ganesha with delegations on (issue 10 §6): the back channel on the fore connection
/// (CREATE_SESSION4_FLAG_CONN_BACK_CHAN), a delegation granted with OPEN and kept per file, CB_RECALL answered and the
/// delegation given back with DELEGRETURN when another client's OPEN conflicts, and no delegation under NFSv4.0.
/// </summary>
[TestClass]
public sealed class DelegationTests(TestContext testContext) : RecoveryTestBase(testContext)
{
    private const int RecallEvent = 2242;

    private static GaneshaOptions Delegating { get; } = new() { Delegations = true, LogLevel = "FULL_DEBUG" };

    [TestMethod]
    public async Task Read_delegation_is_recalled_by_another_clients_write_open_and_returned_and_the_writer_proceeds()
    {
        var server = await StartServerAsync(Delegating);
        File.WriteAllText(server.PathInExport("shared.txt"), "before");
        var (reader, readerLog) = ConnectLogged(server.EndPoint, Vers(NfsVersion.V41, Fast));
        var (writer, _) = ConnectLogged(server.EndPoint, Vers(NfsVersion.V41, Fast));
        await ConfirmOwnerAsync(server, reader);

        NfsFh fileHandle;
        await using (var file = await reader.OpenAsync(Nfs("shared.txt"), new OpenRequest { Access = OpenShareAccess.Read }, Ct))
        {
            fileHandle = file.FileHandle;
            File.WriteAllLines("/tmp/deleg-debug.log", server.LogText().Split('\n').Where(l => l.Contains("eleg", StringComparison.OrdinalIgnoreCase) || l.Contains("CB", StringComparison.Ordinal) || l.Contains("allback", StringComparison.Ordinal) || l.Contains("back", StringComparison.Ordinal)));
            Assert.AreEqual(OpenDelegationType4.Read, file.Delegation.Type, "Ganesha grants a read delegation to a lone reader with a back channel");
        }

        Assert.IsNotNull(reader.Session);
        Assert.AreNotEqual(CreateSessionFlags.None, reader.Session.SessionFlags & CreateSessionFlags.ConnBackChan);
        Assert.IsTrue(reader.Delegations.TryGetDelegation(fileHandle, out var held), "kept after the close");
        Assert.AreEqual(OpenDelegationType4.Read, held);

        // The writer's OPEN conflicts: Ganesha recalls the reader's delegation and holds the OPEN (NFS4ERR_DELAY) until
        // it is returned.
        await using (var file = await writer.OpenAsync(Nfs("shared.txt"), new OpenRequest { Access = OpenShareAccess.Both }, Ct))
        {
            await file.WriteAsync(0, "after!"u8.ToArray(), StableHow4.FileSync, Ct);
        }

        await WaitUntilAsync(() => reader.DelegationsReturned == 1, "the reader's DELEGRETURN");
        Assert.AreEqual(0, reader.Delegations.Count);
        Assert.IsFalse(reader.Delegations.TryGetDelegation(fileHandle, out _));
        Assert.IsTrue(readerLog.Events.Any(e => e.EventId == RecallEvent), "CB_RECALL came over the back channel");
        Assert.IsNotNull(reader.Callbacks);
        Assert.IsGreaterThanOrEqualTo(1L, reader.Callbacks.Answered);

        // The reader's next read sees the writer's data.
        await using (var file = await reader.OpenAsync(Nfs("shared.txt"), new OpenRequest { Access = OpenShareAccess.Read }, Ct))
        {
            var buffer = new byte[16];
            var read = await file.ReadAsync(0, buffer, Ct);
            Assert.AreEqual("after!", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        }
    }

    /// <summary>
    /// Ganesha grants no delegation to the first OPEN of an open-owner it has not seen confirmed (should_we_grant_deleg):
    /// one OPEN of another file first, as any client that has opened something before.
    /// </summary>
    private async Task ConfirmOwnerAsync(GaneshaServer server, NfsClient client)
    {
        File.WriteAllText(server.PathInExport("first.txt"), "first");
        await using var file = await client.OpenAsync(Nfs("first.txt"), new OpenRequest { Access = OpenShareAccess.Read }, Ct);
    }

    [TestMethod]
    public async Task A_4_0_client_gets_no_delegation_as_it_names_no_callback_path()
    {
        var server = await StartServerAsync(Delegating);
        File.WriteAllText(server.PathInExport("plain.txt"), "data");
        var (client, _) = ConnectLogged(server.EndPoint, Vers(NfsVersion.V40, Fast));

        await using var file = await client.OpenAsync(Nfs("plain.txt"), new OpenRequest { Access = OpenShareAccess.Read }, Ct);

        Assert.AreEqual(OpenDelegationType4.None, file.Delegation.Type);
        Assert.AreEqual(0, client.Delegations.Count);
    }

    [TestMethod]
    public async Task Delegations_off_asks_for_no_back_channel_and_gets_no_delegation()
    {
        var server = await StartServerAsync(Delegating);
        File.WriteAllText(server.PathInExport("plain.txt"), "data");
        var (client, _) = ConnectLogged(server.EndPoint, Vers(NfsVersion.V41, Fast) with { Delegations = false });

        await using var file = await client.OpenAsync(Nfs("plain.txt"), new OpenRequest { Access = OpenShareAccess.Read }, Ct);

        Assert.AreEqual(OpenDelegationType4.None, file.Delegation.Type);
        Assert.IsNotNull(client.Session);
        Assert.AreEqual(CreateSessionFlags.None, client.Session.SessionFlags & CreateSessionFlags.ConnBackChan);
        Assert.IsNull(client.Callbacks);
    }
}
