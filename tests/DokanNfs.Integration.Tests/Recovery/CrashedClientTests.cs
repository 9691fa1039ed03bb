using System.Diagnostics;
using System.Globalization;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Cli;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// The persistent client identity (issue "Leases and recovery", item 5): a client process killed with SIGKILL and
/// started again presents the same id string with a new verifier, so the server drops what the dead incarnation
/// held at once instead of after its lease; a fresh identity has to wait the lease out. Two live processes with
/// one identity are refused.
/// </summary>
[TestClass]
public sealed class CrashedClientTests(TestContext testContext) : RecoveryProxyTestBase(testContext)
{
    private const string FileName = "held.bin";

    private static readonly OpenRequest Exclusive = new() { Access = OpenShareAccess.Both, Deny = OpenShareDeny.Both };

    /// <summary>
    /// The lease is long (20 s) so that only the identity can explain the first attempt succeeding: the server
    /// cannot have expired the dead incarnation by then.
    /// </summary>
    /// <remarks>
    /// Under NFSv4.1 the same holds through EXCHANGE_ID: the same co_ownerid with a new verifier is a client restart
    /// (RFC 8881 §18.35.5, case 5), and the server drops the old incarnation's state when the new client id is confirmed.
    /// </remarks>
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Killed_client_started_again_with_its_state_directory_gets_the_deny_both_open_and_the_lock_at_the_first_attempt(NfsVersion version)
    {
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = 20 });
        File.WriteAllBytes(server.PathInExport(FileName), new byte[16]);
        var stateDirectory = NewStateDirectory();
        var holder = await StartHolderAsync(server, stateDirectory, Nfs(FileName), version);
        Assert.IsNotNull(await TryOpenAsync(ConnectLogged(server.EndPoint, "other", Vers(version)), "another client, while the holder lives"), "the holder's deny-both open is in force");

        await holder.KillHardAsync();
        var sinceKill = Stopwatch.StartNew();
        using var identity = ClientIdentity.Acquire(stateDirectory);
        var restarted = ConnectLogged(server.EndPoint, "restarted", new NfsClientOptions { Identity = identity, Version = version });
        var file = Track(await restarted.OpenAsync(Nfs(FileName), Exclusive, Ct));
        var denied = await file.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct);
        Note($"same identity: open (deny both) and whole-file lock granted {sinceKill.Elapsed.TotalSeconds:F2} s after the kill, at the first attempt (lease 20 s)");

        Assert.IsNull(denied, "the lock the killed incarnation held was released with it");
        Assert.AreNotEqual(holder.ClientIdHex, restarted.ClientId.ToString("x16", CultureInfo.InvariantCulture), "a new incarnation gets a new client id");
        Assert.AreEqual(version == NfsVersion.V40 ? 0u : 1u, restarted.MinorVersion);
        await file.WriteAsync(0, "restarted"u8.ToArray(), StableHow4.FileSync, Ct);
    }

    [TestMethod]
    public async Task Killed_client_with_a_throwaway_identity_keeps_its_open_and_lock_until_the_server_expires_its_lease()
    {
        const int leaseSeconds = 3;
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = leaseSeconds });
        File.WriteAllBytes(server.PathInExport(FileName), new byte[16]);
        var holder = await StartHolderAsync(server, "-", Nfs(FileName));

        await holder.KillHardAsync();
        var sinceKill = Stopwatch.StartNew();
        var stranger = ConnectLogged(server.EndPoint, "stranger");
        var first = await TryOpenAsync(stranger, "a fresh identity, right after the kill");
        Assert.IsNotNull(first, "the dead client's deny-both open still stands");
        Assert.AreEqual(NfsStat4.ShareDenied, first.Status);

        var attempts = 1;
        NfsOpenFile? file = null;
        while (file is null)
        {
            Assert.IsLessThan(TimeSpan.FromSeconds(leaseSeconds * 10), sinceKill.Elapsed, "the server never expired the dead client");
            await Task.Delay(200, Ct);
            attempts++;
            try
            {
                file = Track(await stranger.OpenAsync(Nfs(FileName), Exclusive, Ct));
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.ShareDenied)
            {
            }
        }

        var denied = await file.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct);
        Note($"fresh identity: open (deny both) granted {sinceKill.Elapsed.TotalSeconds:F2} s after the kill, at attempt {attempts} (lease {leaseSeconds} s)");
        Assert.IsNull(denied, "the dead client's lock went with its lease");
    }

    [TestMethod]
    public async Task Nothing_to_reset_a_new_state_directory_and_one_whose_last_incarnation_held_nothing_just_work()
    {
        var server = await StartServerAsync();
        File.WriteAllBytes(server.PathInExport(FileName), new byte[16]);
        var stateDirectory = NewStateDirectory();

        // A new state directory: the uuid is created, the client works.
        Guid uuid;
        ulong firstVerifier;
        ulong firstClientId;
        using (var identity = ClientIdentity.Acquire(stateDirectory))
        {
            uuid = identity.Uuid;
            firstVerifier = identity.BootVerifier;
            Assert.IsTrue(File.Exists(Path.Combine(stateDirectory, "client-uuid")), "the uuid is stored");
            await using var client = new NfsClient(server.EndPoint, new NfsClientOptions { Identity = identity });
            firstClientId = await client.EnsureClientIdAsync(Ct);
        }

        // The next incarnation: same uuid, a new verifier; the server had a client id with no state to drop.
        using var again = ClientIdentity.Acquire(stateDirectory);
        Assert.AreEqual(uuid, again.Uuid);
        Assert.AreNotEqual(firstVerifier, again.BootVerifier);
        var client2 = ConnectLogged(server.EndPoint, "second", new NfsClientOptions { Identity = again });
        var file = Track(await client2.OpenAsync(Nfs(FileName), Exclusive, Ct));
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct));
        Assert.AreNotEqual(firstClientId, client2.ClientId);
        Assert.AreEqual(1, client2.ClientIdGeneration, "no recovery was needed");
        Assert.IsEmpty(client2.RecoveryEvents);
    }

    [TestMethod]
    public async Task Second_live_process_with_the_same_identity_is_refused_and_the_cli_falls_back_to_a_throwaway_identity()
    {
        var server = await StartServerAsync();
        File.WriteAllBytes(server.PathInExport(FileName), new byte[16]);
        var stateDirectory = NewStateDirectory();
        await StartHolderAsync(server, stateDirectory, Nfs(FileName));

        var refused = Assert.ThrowsExactly<ClientIdentityInUseException>(() => ClientIdentity.Acquire(stateDirectory));
        Note($"second taker: {refused.Message}");
        Assert.AreEqual(stateDirectory, refused.StateDirectory);
        StringAssert.Contains(refused.Message, stateDirectory);
        StringAssert.Contains(refused.Message, "in use by another running process");

        var listed = await new CliRunner(stateDirectory).RunAsync(Ct, "ls", string.Create(CultureInfo.InvariantCulture, $"nfs://{server.Address}:{server.Port}{server.PseudoPath}"));
        Note($"dokannfs ls beside the holder: {listed}");
        Assert.AreEqual(0, listed.ExitCode, listed.ToString());
        Assert.AreEqual($"{FileName}\n", listed.StdOut);

        var other = await TryOpenAsync(ConnectLogged(server.EndPoint, "other"), "another client, after the refused taker and the CLI");
        Assert.AreEqual(NfsStat4.ShareDenied, other?.Status, "the holder's open was not disturbed");
    }

    /// <summary>One OPEN denying both; the refusal, or null if it was granted (the open is then closed at cleanup).</summary>
    private async Task<NfsException?> TryOpenAsync(NfsClient client, string who)
    {
        try
        {
            Track(await client.OpenAsync(Nfs(FileName), Exclusive, Ct));
            Note($"{who}: open granted");
            return null;
        }
        catch (NfsException ex)
        {
            Note($"{who}: open refused with {ex.Status}");
            return ex;
        }
    }
}
