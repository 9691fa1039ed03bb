using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>What the server decodes of the call header and credential the client sends (RFC 5531 §9, §10, Appendix A).</summary>
[TestClass]
public sealed class RpcClientAuthTests
{
    [TestMethod]
    public async Task DefaultCredential_IsAuthNone()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server);

        Assert.AreEqual(0x1234_5678u, await client.CallUInt32Async(0x1234_5678).Within(Generous));

        var call = server.Calls.Single();
        Assert.AreEqual(2u, call.RpcVersion);
        Assert.AreEqual(TestProgram, call.Program);
        Assert.AreEqual(TestVersion, call.Version);
        Assert.AreEqual(EchoProcedure, call.Procedure);
        Assert.AreEqual(RpcAuthFlavor.AuthNone, call.CredentialFlavor);
        Assert.AreEqual(0, call.CredentialBody.Length);
        Assert.IsNull(call.AuthSys);
        Assert.AreEqual(RpcAuthFlavor.AuthNone, call.VerifierFlavor);
        Assert.AreEqual(0, call.VerifierBody.Length);
        Assert.AreEqual("12345678", ToHex(call.Args.Span));
    }

    [TestMethod]
    public async Task AuthSys_FromTheOptions_ReachesTheServer()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        var credential = RpcCredential.Sys(1000, 100, [4, 24, 27], "client.example", stamp: 42);
        await using var client = NewClient(server, new RpcClientOptions { CallTimeout = Generous, Credential = credential });

        await client.CallUInt32Async(1).Within(Generous);

        var call = server.Calls.Single();
        Assert.AreEqual(RpcAuthFlavor.AuthSys, call.CredentialFlavor);
        var sys = call.AuthSys!;
        Assert.AreEqual(42u, sys.Stamp);
        Assert.AreEqual("client.example", sys.MachineName);
        Assert.AreEqual(1000u, sys.Uid);
        Assert.AreEqual(100u, sys.Gid);
        CollectionAssert.AreEqual(new uint[] { 4, 24, 27 }, sys.Gids.ToArray());
        Assert.AreEqual(RpcAuthFlavor.AuthNone, call.VerifierFlavor);
        Assert.AreEqual(0, call.VerifierBody.Length);
        Assert.AreEqual("00000001", ToHex(call.Args.Span));
    }

    [TestMethod]
    public async Task AuthSys_AtItsLimits_ReachesTheServerIntact()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        var gids = Enumerable.Range(0, 16).Select(i => uint.MaxValue - (uint)i).ToArray();
        var machine = new string('x', 254) + "z";
        var credential = RpcCredential.Sys(uint.MaxValue, 0, gids, machine, stamp: uint.MaxValue);
        await using var client = NewClient(server, new RpcClientOptions { CallTimeout = Generous, Credential = credential });

        await client.CallUInt32Async(1).Within(Generous);

        var sys = server.Calls.Single().AuthSys!;
        Assert.AreEqual(uint.MaxValue, sys.Stamp);
        Assert.AreEqual(machine, sys.MachineName);
        Assert.AreEqual(uint.MaxValue, sys.Uid);
        Assert.AreEqual(0u, sys.Gid);
        CollectionAssert.AreEqual(gids, sys.Gids.ToArray());
    }

    [TestMethod]
    public async Task PerCallCredential_OverridesTheOptions()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server);

        await client.CallUInt32Async(1, credential: RpcCredential.Sys(7, 8, [9], "per-call")).Within(Generous);
        await client.CallUInt32Async(2).Within(Generous);

        var calls = server.Calls;
        Assert.AreEqual(RpcAuthFlavor.AuthSys, calls[0].CredentialFlavor);
        Assert.AreEqual(new AuthSysParameters(0, "per-call", 7, 8, calls[0].AuthSys!.Gids), calls[0].AuthSys);
        CollectionAssert.AreEqual(new uint[] { 9 }, calls[0].AuthSys!.Gids.ToArray());
        Assert.AreEqual(RpcAuthFlavor.AuthNone, calls[1].CredentialFlavor);
    }

    [TestMethod]
    public void AuthSys_WithSeventeenGids_IsRefused() =>
        Assert.ThrowsExactly<ArgumentException>(() => RpcCredential.Sys(1, 1, [.. Enumerable.Range(0, 17).Select(i => (uint)i)], "m"));

    [TestMethod]
    public void AuthSys_WithA256ByteMachineName_IsRefused() =>
        Assert.ThrowsExactly<ArgumentException>(() => RpcCredential.Sys(1, 1, [], new string('m', 256)));

    [TestMethod]
    public async Task NullProcedure_SendsProcedureZeroWithNoArguments()
    {
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.Success());
        await using var client = NewClient(server);

        Assert.IsTrue(await client.NullAsync(TestProgram, TestVersion, CancellationToken.None).Within(Generous));

        var call = server.Calls.Single();
        Assert.AreEqual(0u, call.Procedure);
        Assert.AreEqual(0, call.Args.Length);
        Assert.AreEqual(1, call.FragmentCount);
    }
}
