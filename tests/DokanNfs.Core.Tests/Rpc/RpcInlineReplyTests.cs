using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>RpcClientOptions.InlineReplyContinuations: callers resumed on the receive loop still get their own replies, and chains of calls go on.</summary>
[TestClass]
public sealed class RpcInlineReplyTests
{
    private static readonly RpcClientOptions Inline = new() { CallTimeout = Generous, InlineReplyContinuations = true };

    [TestMethod]
    public async Task Concurrent_calls_answered_in_reverse_reach_their_own_callers()
    {
        const int Calls = 32;
        await using var server = await FakeRpcServer.StartAsync(FakeScripts.ReverseOrder(Calls, call => ReplyUInt32((call.ArgsUInt32() * 7) + 2)));
        await using var client = NewClient(server, Inline);

        var results = await Task.WhenAll(Enumerable.Range(0, Calls).Select(i => client.CallUInt32Async((uint)i).AsTask())).WaitAsync(Generous);

        for (var i = 0; i < Calls; i++)
        {
            Assert.AreEqual((uint)((i * 7) + 2), results[i]);
        }
    }

    [TestMethod]
    public async Task A_caller_resumed_on_the_receive_loop_can_make_its_next_calls_from_there()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server, Inline);

        // Each call is made from the previous reply's continuation (the receive loop's thread): it must not wait for itself.
        var sum = 0u;
        for (var i = 0u; i < 200; i++)
        {
            sum += await client.CallUInt32Async(i).Within(Generous);
        }

        Assert.AreEqual(199u * 200 / 2, sum);
    }
}
