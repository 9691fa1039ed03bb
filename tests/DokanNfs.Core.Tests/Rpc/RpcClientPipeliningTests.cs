using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>Many calls in flight on one connection, matched to their replies by XID (RFC 5531 §9), in any order.</summary>
[TestClass]
public sealed class RpcClientPipeliningTests
{
    [TestMethod]
    public async Task RepliesInReverseOrder_ReachTheirOwnCallers()
    {
        const int Calls = 16;
        await using var server = await FakeRpcServer.StartAsync(
            FakeScripts.ReverseOrder(Calls, call => ReplyUInt32((call.ArgsUInt32() * 3) + 1)));
        await using var client = NewClient(server);

        var calls = Enumerable.Range(0, Calls).Select(i => client.CallUInt32Async((uint)i).AsTask()).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(Generous);

        for (var i = 0; i < Calls; i++)
        {
            Assert.AreEqual((uint)((i * 3) + 1), results[i]);
        }

        Assert.AreEqual(Calls, server.MaxConcurrentUnanswered);
        Assert.AreEqual(1, server.AcceptedConnections);
        Assert.IsEmpty(server.Errors);
    }

    [TestMethod]
    public async Task SixtyFourConcurrentCalls_AreAllInFlightAtOnce()
    {
        // The server answers nothing until all 64 calls have arrived: a client that waits for one reply
        // before sending the next call would hang here.
        const int Calls = 64;
        await using var server = await FakeRpcServer.StartAsync(
            FakeScripts.WhenCallsArrived(Calls, call => ReplyUInt32(call.ArgsUInt32() + 1000)));
        await using var client = NewClient(server);

        var calls = Enumerable.Range(0, Calls).Select(i => client.CallUInt32Async((uint)i).AsTask()).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(Generous);

        for (var i = 0; i < Calls; i++)
        {
            Assert.AreEqual((uint)(i + 1000), results[i]);
        }

        Assert.IsGreaterThan(1, server.MaxConcurrentUnanswered);
        Assert.AreEqual(Calls, server.MaxConcurrentUnanswered);
        Assert.IsGreaterThan(1, client.Connection!.PeakInFlight);
        Assert.AreEqual(Calls, client.Connection.PeakInFlight);
        Assert.AreEqual(0, client.Connection.InFlight);
        Assert.AreEqual(1, server.AcceptedConnections);
        Assert.AreEqual(1, client.ConnectionCount);
        Assert.AreEqual(Calls, server.Calls.Select(c => c.Xid).Distinct().Count(), "every call has its own XID");
    }

    [TestMethod]
    public async Task RepliesWithMixedDelays_ReachTheirOwnCallers()
    {
        // Call i is answered after (i * 7) mod 11 time units, so replies overtake each other in a scrambled order.
        await using var server = await FakeRpcServer.StartAsync(call =>
        {
            var value = call.ArgsUInt32();
            return ReplyUInt32(~value).After(TimeSpan.FromMilliseconds(value * 7 % 11 * 5));
        });
        await using var client = NewClient(server);

        var calls = Enumerable.Range(0, 40).Select(i => client.CallUInt32Async((uint)i).AsTask()).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(Generous);

        for (var i = 0; i < results.Length; i++)
        {
            Assert.AreEqual(~(uint)i, results[i]);
        }
    }

    [TestMethod]
    public async Task XidsAreConsecutiveOnOneClient()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server);

        for (uint i = 0; i < 5; i++)
        {
            Assert.AreEqual(i, await client.CallUInt32Async(i).Within(Generous));
        }

        var xids = server.Calls.Select(c => c.Xid).ToArray();
        for (var i = 1; i < xids.Length; i++)
        {
            Assert.AreEqual(unchecked(xids[i - 1] + 1), xids[i]);
        }
    }
}
