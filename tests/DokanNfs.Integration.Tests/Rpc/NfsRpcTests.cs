using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Rpc;

/// <summary>The RPC stack end to end against a real NFS-Ganesha: NULL, a first COMPOUND, and pipelining.</summary>
[TestClass]
public sealed class NfsRpcTests(TestContext testContext) : GaneshaTestBase(testContext)
{
    [TestMethod]
    public async Task Null_procedure_of_nfs_version_4_answers()
    {
        var server = await Servers.StartAsync(cancellationToken: Ct);
        await using var client = new RpcClient(server.EndPoint, new RpcClientOptions { Credential = RpcCredential.Sys(0, 0) });

        Assert.IsTrue(await client.NullAsync(NfsProgram.Program, NfsProgram.Version4, Ct));
        Assert.AreEqual(1, client.ConnectionCount);
    }

    [TestMethod]
    public async Task Compound_putrootfh_getattr_decodes_supported_attrs_and_lease_time_over_auth_sys()
    {
        var server = await Servers.StartAsync(new GaneshaOptions { LeaseLifetimeSeconds = 7 }, Ct);
        var credential = RpcCredential.Sys(1000, 1000, [1000, 27, 100], "dokannfs-test");
        await using var client = new RpcClient(server.EndPoint, new RpcClientOptions { Credential = credential });

        var root = await RootAttributes.FetchAsync(client, minorVersion: 0, Ct);

        Assert.AreEqual(7u, root.LeaseTimeSeconds, "lease_time is the server's Lease_Lifetime");
        foreach (var required in new[] { FAttr4.SupportedAttrs, FAttr4.Type, FAttr4.FhExpireType, FAttr4.Change, FAttr4.Size, FAttr4.LinkSupport, FAttr4.SymlinkSupport, FAttr4.NamedAttr, FAttr4.FsId, FAttr4.UniqueHandles, FAttr4.LeaseTime, FAttr4.RdAttrError, FAttr4.FileHandle })
        {
            // RFC 7530 §5.6: the REQUIRED attributes every server supports.
            Assert.IsTrue(root.SupportedAttrs.Contains(required), $"supported_attrs lacks REQUIRED attribute {required}: {root.SupportedAttrs}");
        }

        Assert.IsFalse(root.SupportedAttrs.Contains(95), "no attribute beyond NFSv4.2's is claimed");
    }

    [TestMethod]
    public async Task Minor_version_3_is_refused_with_a_typed_nfs_error()
    {
        var server = await Servers.StartAsync(cancellationToken: Ct);
        await using var client = new RpcClient(server.EndPoint);

        var error = await Assert.ThrowsExactlyAsync<NfsException>(async () => await RootAttributes.FetchAsync(client, minorVersion: 3, Ct));

        Assert.AreEqual(NfsStat4.MinorVersMismatch, error.Status);
    }

    [TestMethod]
    public async Task A_program_the_server_does_not_serve_is_a_typed_rpc_error()
    {
        var server = await Servers.StartAsync(cancellationToken: Ct);
        await using var client = new RpcClient(server.EndPoint);

        // NFS version 9 does not exist: RFC 5531 says PROG_MISMATCH with the supported range.
        var error = await Assert.ThrowsExactlyAsync<RpcAcceptedErrorException>(async () => await client.NullAsync(NfsProgram.Program, 9, Ct));

        Assert.AreEqual(RpcAcceptStat.ProgMismatch, error.AcceptStat);
        Assert.IsTrue(error.MismatchLow <= 4 && error.MismatchHigh >= 4, $"version 4 lies in {error.MismatchLow}..{error.MismatchHigh}");
    }

    [TestMethod]
    public async Task Sixty_four_concurrent_calls_share_one_connection_and_overlap()
    {
        var server = await Servers.StartAsync(cancellationToken: Ct);

        // Fix (CI, 2026-11-21: a peak of 1): left to timing, a loaded machine could answer each call before the next
        // was sent. Through a proxy that holds every byte until all 64 are out, they are surely in flight together.
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Ct);
        await using var client = new RpcClient(proxy.EndPoint, new RpcClientOptions { Credential = RpcCredential.Sys(0, 0) });
        await client.NullAsync(NfsProgram.Program, NfsProgram.Version4, Ct);
        proxy.Blackhole();

        var calls = Enumerable.Range(0, 64).Select(async i =>
        {
            // Alternate procedures so replies differ in size and come back in the server's own order.
            if (i % 2 == 0)
            {
                return (await RootAttributes.FetchAsync(client, 0, Ct)).LeaseTimeSeconds > 0;
            }

            return await client.NullAsync(NfsProgram.Program, NfsProgram.Version4, Ct);
        }).ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (client.Connection!.InFlight < 64 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, Ct);
        }

        proxy.EndBlackhole();
        var results = await Task.WhenAll(calls);

        Assert.IsTrue(results.All(ok => ok), "every call got its own reply");
        Assert.AreEqual(1, client.ConnectionCount, "all calls went over one connection");
        Assert.AreEqual(64, client.Connection!.PeakInFlight, "all 64 calls were in flight at once");
        Assert.AreEqual(0, client.Connection.InFlight, "nothing is left pending");
    }

    [TestMethod]
    public async Task After_the_server_restarts_the_next_call_reconnects()
    {
        var server = await Servers.StartAsync(cancellationToken: Ct);
        await using var client = new RpcClient(server.EndPoint, new RpcClientOptions { ReconnectDelayMin = TimeSpan.FromMilliseconds(20) });
        await client.NullAsync(NfsProgram.Program, NfsProgram.Version4, Ct);

        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);

        // The old connection is dead; the first call on it may fail as lost, the next one reconnects.
        var ok = false;
        for (var attempt = 0; attempt < 50 && !ok; attempt++)
        {
            try
            {
                ok = await client.NullAsync(NfsProgram.Program, NfsProgram.Version4, Ct);
            }
            catch (RpcException ex) when (ex is RpcConnectionLostException or RpcConnectException)
            {
                await Task.Delay(50, Ct);
            }
        }

        Assert.IsTrue(ok, "a call succeeded after the restart");
        Assert.AreEqual(2, client.ConnectionCount, "exactly one reconnect");
    }

    [TestMethod]
    public async Task A_bad_compound_argument_is_reported_by_the_server_not_crashing_the_client()
    {
        var server = await Servers.StartAsync(cancellationToken: Ct);
        await using var client = new RpcClient(server.EndPoint);

        // A COMPOUND whose argarray count claims more operations than are sent: the server must answer
        // GARBAGE_ARGS or NFS4ERR_BADXDR, and the connection must stay usable.
        var garbage = new RawArgs([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        var error = await Assert.ThrowsAsync<Exception>(async () =>
            await client.CallAsync(NfsProgram.Program, NfsProgram.Version4, NfsProgram.ProcCompound, garbage, static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                return results.Status == NfsStat4.Ok ? true : throw new NfsException(results.Status, NfsOpnum4.Illegal);
            }, Ct));

        Assert.IsTrue(
            error is RpcAcceptedErrorException { AcceptStat: RpcAcceptStat.GarbageArgs } or NfsException { Status: NfsStat4.BadXdr },
            $"got {error.GetType().Name}: {error.Message}");
        Assert.IsTrue(await client.NullAsync(NfsProgram.Program, NfsProgram.Version4, Ct), "the connection still works");
    }

    private readonly struct RawArgs(byte[] bytes) : IRpcArgs
    {
        public void Encode(XdrWriter writer) => writer.WriteFixedOpaque(bytes);
    }
}
