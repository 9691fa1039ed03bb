using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>
/// Every reply_stat / accept_stat / reject_stat of RFC 5531 §9 becomes a typed exception for its own call
/// only: the connection stays up and the next call on it succeeds.
/// </summary>
[TestClass]
public sealed class RpcClientReplyErrorTests
{
    [TestMethod]
    [DataRow(RpcAcceptStat.ProgUnavail)]
    [DataRow(RpcAcceptStat.ProcUnavail)]
    [DataRow(RpcAcceptStat.GarbageArgs)]
    [DataRow(RpcAcceptStat.SystemErr)]
    [DataRow((RpcAcceptStat)42)]
    public async Task AcceptedError_IsTyped(RpcAcceptStat acceptStat)
    {
        await using var server = await StartFailingFirst(FakeReply.Accepted(acceptStat));
        await using var client = NewClient(server);

        var ex = await FailsWith<RpcAcceptedErrorException, uint>(client.CallUInt32Async(0));
        Assert.AreEqual(acceptStat, ex.AcceptStat);
        Assert.AreEqual(0u, ex.MismatchLow);
        Assert.AreEqual(0u, ex.MismatchHigh);
        await AssertConnectionStillServes(server, client);
    }

    [TestMethod]
    public async Task ProgMismatch_CarriesLowAndHigh()
    {
        await using var server = await StartFailingFirst(FakeReply.ProgMismatch(2, 4));
        await using var client = NewClient(server);

        var ex = await FailsWith<RpcAcceptedErrorException, uint>(client.CallUInt32Async(0));
        Assert.AreEqual(RpcAcceptStat.ProgMismatch, ex.AcceptStat);
        Assert.AreEqual(2u, ex.MismatchLow);
        Assert.AreEqual(4u, ex.MismatchHigh);
        await AssertConnectionStillServes(server, client);
    }

    [TestMethod]
    [DataRow("ProgUnavail", RpcAcceptStat.ProgUnavail)]
    [DataRow("ProcUnavail", RpcAcceptStat.ProcUnavail)]
    [DataRow("GarbageArgs", RpcAcceptStat.GarbageArgs)]
    [DataRow("SystemErr", RpcAcceptStat.SystemErr)]
    public async Task NamedAcceptedErrors_SendTheirStat(string factory, RpcAcceptStat expected)
    {
        var reply = factory switch
        {
            "ProgUnavail" => FakeReply.ProgUnavail(),
            "ProcUnavail" => FakeReply.ProcUnavail(),
            "GarbageArgs" => FakeReply.GarbageArgs(),
            _ => FakeReply.SystemErr(),
        };
        await using var server = await StartFailingFirst(reply);
        await using var client = NewClient(server);

        var ex = await FailsWith<RpcAcceptedErrorException, uint>(client.CallUInt32Async(0));
        Assert.AreEqual(expected, ex.AcceptStat);
    }

    [TestMethod]
    public async Task RpcMismatch_IsDenied_WithLowAndHigh()
    {
        await using var server = await StartFailingFirst(FakeReply.RpcMismatch(3, 5));
        await using var client = NewClient(server);

        var ex = await FailsWith<RpcDeniedException, uint>(client.CallUInt32Async(0));
        Assert.AreEqual(RpcRejectStat.RpcMismatch, ex.RejectStat);
        Assert.AreEqual(3u, ex.MismatchLow);
        Assert.AreEqual(5u, ex.MismatchHigh);
        await AssertConnectionStillServes(server, client);
    }

    [TestMethod]
    [DataRow(RpcAuthStat.AuthBadCred)]
    [DataRow(RpcAuthStat.AuthRejectedCred)]
    [DataRow(RpcAuthStat.AuthTooWeak)]
    [DataRow(RpcAuthStat.RpcsecGssCtxProblem)]
    public async Task AuthError_IsDenied_WithTheAuthStat(RpcAuthStat authStat)
    {
        await using var server = await StartFailingFirst(FakeReply.AuthError(authStat));
        await using var client = NewClient(server);

        var ex = await FailsWith<RpcDeniedException, uint>(client.CallUInt32Async(0));
        Assert.AreEqual(RpcRejectStat.AuthError, ex.RejectStat);
        Assert.AreEqual(authStat, ex.AuthStat);
        await AssertConnectionStillServes(server, client);
    }

    [TestMethod]
    public async Task UnknownRejectStat_IsMalformed()
    {
        await using var server = await StartFailingFirst(FakeReply.Denied((RpcRejectStat)9));
        await using var client = NewClient(server);

        await FailsWith<RpcMalformedReplyException, uint>(client.CallUInt32Async(0));
        await AssertConnectionStillServes(server, client);
    }

    [TestMethod]
    public async Task GarbageAfterAValidHeader_IsMalformed()
    {
        await using var server = await StartFailingFirst(FakeReply.Garbage());
        await using var client = NewClient(server);

        var ex = await FailsWith<RpcMalformedReplyException, uint>(client.CallUInt32Async(0));
        StringAssert.Contains(ex.Message, "reply_stat");
        await AssertConnectionStillServes(server, client);
    }

    [TestMethod]
    public async Task ResultsThatFailToDecode_AreMalformed_WithTheXdrErrorInside()
    {
        // The reply header is fine; its results hold one word where the decoder reads two.
        await using var server = await StartFailingFirst(ReplyUInt32(7));
        await using var client = NewClient(server);

        var ex = await FailsWith<RpcMalformedReplyException, (uint, uint)>(
            client.CallAsync(TestProgram, TestVersion, EchoProcedure, new UInt32Args(0), static (ref XdrReader r) => (r.ReadUInt32(), r.ReadUInt32()), CancellationToken.None));
        Assert.IsInstanceOfType<XdrException>(ex.InnerException);
        await AssertConnectionStillServes(server, client);
    }

    [TestMethod]
    public async Task ADecoderThatThrowsSomethingElse_IsNotDisguised()
    {
        // Only XdrException means "the server sent garbage"; anything else is a bug in the decoder and stays visible.
        await using var server = await StartFailingFirst(ReplyUInt32(7));
        await using var client = NewClient(server);

        await FailsWith<InvalidOperationException, uint>(
            client.CallAsync<UInt32Args, uint>(TestProgram, TestVersion, EchoProcedure, new UInt32Args(0), static (ref XdrReader r) => throw new InvalidOperationException("decoder bug"), CancellationToken.None));
        await AssertConnectionStillServes(server, client);
    }

    /// <summary>A server that answers the call carrying 0 with <paramref name="first"/> and echoes every other.</summary>
    private static Task<FakeRpcServer> StartFailingFirst(FakeReply first) =>
        FakeRpcServer.StartAsync(call => call.ArgsUInt32() == 0 ? first : Echo(call));

    private static async Task AssertConnectionStillServes(FakeRpcServer server, RpcClient client)
    {
        Assert.AreEqual(77u, await client.CallUInt32Async(77).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
        Assert.AreEqual(1, server.AcceptedConnections);
        Assert.IsEmpty(server.Errors);
    }
}
