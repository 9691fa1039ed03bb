using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.Integration.Tests.Recovery;
using DokanNfs.TestSupport.FakeNfs;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// <see cref="NfsClient"/> speaking NFSv4.1 against Ganesha (issue 10 §2, §5): the version chosen per server
/// (<c>vers=auto</c>), the lease kept by SEQUENCE with no RENEW, owners without seqids and no OPEN_CONFIRM, and the
/// session and client id destroyed when the client is disposed. What is checked on the wire goes through an
/// <see cref="RpcTap"/> that decodes every request.
/// </summary>
[TestClass]
public sealed class ClientVersionTests(TestContext testContext) : RecoveryTestBase(testContext)
{
    [TestMethod]
    public async Task Auto_speaks_4_1_to_a_server_that_does_and_4_0_to_one_that_serves_only_4_0()
    {
        var modern = await StartServerAsync();
        var legacy = await StartServerAsync(new GaneshaOptions { MinorVersions = [0] });
        var modernTap = Tap(modern, decodeRequests: true);
        var legacyTap = Tap(legacy, decodeRequests: true);
        var (toModern, _) = ConnectLogged(modernTap.EndPoint, Vers(NfsVersion.Auto, Fast));
        var (toLegacy, _) = ConnectLogged(legacyTap.EndPoint, Vers(NfsVersion.Auto, Fast));
        Assert.AreEqual(0u, toModern.MinorVersion, "nothing settled before the first call");

        foreach (var client in new[] { toModern, toLegacy })
        {
            await using var file = await client.OpenAsync(Nfs("hello.txt"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct);
            await file.WriteAsync(0, "hello"u8.ToArray(), StableHow4.FileSync, Ct);
        }

        Assert.AreEqual(1u, toModern.MinorVersion);
        Assert.IsNotNull(toModern.Session);
        Assert.AreEqual(toModern.Session.ClientId, toModern.ClientId);
        Assert.AreEqual(0u, toLegacy.MinorVersion);
        Assert.IsNull(toLegacy.Session);
        Assert.AreEqual("hello", File.ReadAllText(modern.PathInExport("hello.txt")));
        Assert.AreEqual("hello", File.ReadAllText(legacy.PathInExport("hello.txt")));

        // To the 4.1 server: EXCHANGE_ID, then every COMPOUND of minor version 1, with SEQUENCE first after the session.
        var modernCalls = modernTap.Calls;
        Assert.AreEqual("exchange_id", modernCalls[0].Tag, Describe(modernTap));
        Assert.IsTrue(modernCalls.All(c => c.MinorVersion == 1), Describe(modernTap));
        Assert.IsTrue(
            modernCalls.Where(c => c.Tag is not ("exchange_id" or "create_session")).All(c => c.FirstOp == NfsOpnum4.Sequence),
            Describe(modernTap));
        Assert.IsEmpty(modernCalls.Where(c => c.Tag is "setclientid" or "setclientid_confirm" or "renew"), Describe(modernTap));

        // To the 4.0-only server: one EXCHANGE_ID refused with NFS4ERR_MINOR_VERS_MISMATCH, then NFSv4.0 throughout.
        var legacyCalls = legacyTap.Calls;
        Assert.AreEqual("exchange_id", legacyCalls[0].Tag, Describe(legacyTap));
        Assert.AreEqual(1u, legacyCalls[0].MinorVersion);
        Assert.AreEqual("setclientid", legacyCalls[1].Tag, Describe(legacyTap));
        Assert.IsTrue(legacyCalls.Skip(1).All(c => c.MinorVersion == 0 && c.FirstOp != NfsOpnum4.Sequence), Describe(legacyTap));
    }

    [TestMethod]
    public async Task Explicit_4_1_against_a_server_that_serves_only_4_0_fails_saying_what_to_use()
    {
        var legacy = await StartServerAsync(new GaneshaOptions { MinorVersions = [0] });
        var (client, _) = ConnectLogged(legacy.EndPoint, Vers(NfsVersion.V41, Fast));

        var error = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.GetAttrAsync(Export, Ct));

        Assert.AreEqual(NfsStat4.MinorVersMismatch, error.Status);
        Assert.Contains("does not speak NFSv4.1", error.Message);
        Assert.Contains("vers=4.0", error.Message);
    }

    [TestMethod]
    public async Task Idle_4_1_client_keeps_its_open_and_lock_by_sequence_with_no_renew_on_the_wire()
    {
        // Ganesha's smallest lease, as in LeaseRenewalTests: counted in whole seconds.
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = 2 });
        File.WriteAllBytes(server.PathInExport("idle.bin"), Pattern(4096, 4));
        var tap = Tap(server, decodeRequests: true);
        var (holder, _) = ConnectLogged(tap.EndPoint, Vers(NfsVersion.V41, Fast));
        var file = Track(await holder.OpenAsync(Nfs("idle.bin"), OpenRequest.ForReadWrite, Ct));
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));
        Assert.AreEqual(TimeSpan.FromSeconds(2), holder.LeaseTime, "lease_time read by the session");

        // Idle for three leases and more: only SEQUENCE keeps the lease (RFC 8881 §8.3); NFSv4.1 has no RENEW.
        await Task.Delay(TimeSpan.FromSeconds(7), Ct);

        // RenewCount counts them. The loop counts a renewal before sending it, so one may be counted and not yet
        // through the tap: wait for the two to agree rather than compare one instant (failed CI once, 11 against 10).
        await WaitUntilAsync(() => tap.CallsTagged("sequence").Count == holder.RenewCount, "RenewCount to equal the SEQUENCE-only calls on the wire");
        var leaseOnly = tap.CallsTagged("sequence");
        Assert.IsGreaterThanOrEqualTo(3, leaseOnly.Count, Describe(tap));
        Assert.IsTrue(leaseOnly.All(c => c.OpCount == 1 && c.FirstOp == NfsOpnum4.Sequence), "SEQUENCE alone: " + Describe(tap));
        Assert.IsEmpty(tap.Calls.Where(c => c.Request is null || c.Request.Ops.Any(o => o.Op == NfsOpnum4.Renew) || c.Tag == "renew"), Describe(tap));

        var (otherClient, _) = ConnectLogged(server.EndPoint, Vers(NfsVersion.V41, Fast));
        var other = Track(await otherClient.OpenAsync(Nfs("idle.bin"), OpenRequest.ForReadWrite, Ct));
        var denied = await other.LockAsync(NfsLockType4.Write, 50, 10, wait: false, Ct);
        Assert.IsNotNull(denied, "the idle client's lock still holds");
        Assert.AreEqual(holder.ClientId, denied.Owner.ClientId);
        Assert.AreEqual(1, holder.ClientIdGeneration, "no recovery was needed");
        Assert.AreEqual(0, holder.Session!.ResetCount, "nor a new session");
        Assert.AreEqual(100, await file.ReadAsync(0, new byte[100], Ct), "and its open still works");
    }

    [TestMethod]
    public async Task Opens_locks_and_closes_carry_seqid_0_no_open_confirm_and_ask_for_the_reply_cache()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("a.txt"), "aaaa");
        File.WriteAllText(server.PathInExport("b.txt"), "bbbb");
        var tap = Tap(server, decodeRequests: true);
        var (client, _) = ConnectLogged(tap.EndPoint, Vers(NfsVersion.V41, Fast));

        var a = await client.OpenAsync(Nfs("a.txt"), OpenRequest.ForReadWrite, Ct);
        var b = await client.OpenAsync(Nfs("b.txt"), OpenRequest.ForReadWrite, Ct);
        var created = await client.OpenAsync(Nfs("c.txt"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        Assert.IsNull(await a.LockAsync(NfsLockType4.Write, 0, 2, wait: false, Ct));
        Assert.IsNull(await a.LockAsync(NfsLockType4.Read, 2, 2, wait: false, Ct));
        await a.UnlockAsync(0, 2, Ct);
        await b.DowngradeAsync(OpenShareAccess.Read, OpenShareDeny.None, Ct);
        Assert.AreEqual(4, await a.ReadAsync(0, new byte[4], Ct));
        foreach (var file in new[] { a, b, created })
        {
            await file.CloseAsync(Ct);
        }

        var requests = tap.Calls.Select(c => c.Request).OfType<CompoundRequest>().Where(r => r.Find<SequenceArgs>() is not null).ToList();
        var ownerOps = requests.SelectMany(r => r.Ops).Where(o => o.OwnerSeqId is not null).ToList();
        Assert.IsGreaterThanOrEqualTo(4, ownerOps.OfType<OpenArgs>().Count(), Describe(tap));
        Assert.HasCount(2, ownerOps.OfType<LockArgs>(), Describe(tap));
        Assert.HasCount(2, ownerOps.OfType<LockUArgs>(), "one unlock, and the lock still held at close: " + Describe(tap));
        Assert.HasCount(1, ownerOps.OfType<OpenDowngradeArgs>(), Describe(tap));
        Assert.HasCount(3, ownerOps.OfType<CloseArgs>(), Describe(tap));
        Assert.IsTrue(ownerOps.All(o => o.OwnerSeqId == 0), "RFC 8881 §8.13: no owner seqids in NFSv4.1\n" + Describe(tap));
        Assert.IsTrue(ownerOps.OfType<LockArgs>().All(l => l.OpenSeqId == 0 && l.LockSeqId == 0), Describe(tap));
        Assert.IsEmpty(requests.SelectMany(r => r.Ops).Where(o => o.Op is NfsOpnum4.OpenConfirm or NfsOpnum4.ReleaseLockOwner), Describe(tap));
        Assert.IsEmpty(tap.CallsTagged("open_confirm"));
        Assert.IsTrue(ownerOps.All(o => o is OpenArgs { Owner.ClientId: var id } ? id == client.ClientId : true), "owners carry the session's client id");

        // State-changing requests ask the server to keep their reply for a re-send (sa_cachethis); READ does not.
        bool CacheThis(string tag) => tap.CallsTagged(tag).All(c => c.Request!.Find<SequenceArgs>()!.CacheThis);
        Assert.IsTrue(CacheThis("open") && CacheThis("lock") && CacheThis("locku") && CacheThis("open_downgrade") && CacheThis("close"), Describe(tap));
        Assert.IsFalse(tap.CallsTagged("read").Any(c => c.Request!.Find<SequenceArgs>()!.CacheThis), Describe(tap));
    }

    [TestMethod]
    public async Task Disposing_a_4_1_client_destroys_its_session_and_client_id()
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = new NfsClient(tap.EndPoint, Vers(NfsVersion.V41) with { Identity = ClientIdentity.Create() });
        await client.GetAttrAsync(Export, Ct);
        var sessionId = client.Session!.SessionId;

        await client.DisposeAsync();

        var tags = tap.Calls.Select(c => c.Tag).ToList();
        Assert.AreEqual(1, tags.Count(t => t == "destroy_session"), string.Join(",", tags));
        Assert.AreEqual(1, tags.Count(t => t == "destroy_clientid"), string.Join(",", tags));
        Assert.IsLessThan(tags.IndexOf("destroy_clientid"), tags.IndexOf("destroy_session"), "the session first, then the client id");
        Assert.AreNotEqual(default, sessionId);
    }

    private static string Describe(RpcTap tap) =>
        string.Join('\n', tap.Calls.Select(c => $"{c.Tag} v4.{c.MinorVersion}: {c.Request?.ToString() ?? $"{c.OpCount} ops, first {c.FirstOp}"}"));
}
