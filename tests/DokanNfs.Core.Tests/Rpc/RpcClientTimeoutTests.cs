using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>
/// A call that times out or is cancelled fails alone: the connection stays up, the next call on it succeeds,
/// and a reply that arrives afterwards is dropped by XID.
/// </summary>
[TestClass]
public sealed class RpcClientTimeoutTests
{
    private static readonly RpcClientOptions ShortTimeout = new() { CallTimeout = TimeSpan.FromMilliseconds(200) };

    [TestMethod]
    public async Task UnansweredCall_TimesOut_AndTheConnectionStaysUp()
    {
        await using var server = await FakeRpcServer.StartAsync(call => call.ArgsUInt32() == 0 ? FakeReply.Never : Echo(call));
        await using var client = NewClient(server, ShortTimeout);

        await FailsWith<RpcTimeoutException, uint>(client.CallUInt32Async(0));

        Assert.AreEqual(5u, await client.CallUInt32Async(5).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
        Assert.AreEqual(1, server.AcceptedConnections);
        Assert.AreEqual(0, client.Connection!.InFlight);
    }

    [TestMethod]
    public async Task LateReply_ToATimedOutCall_IsDropped()
    {
        // The reply to call 0 is held until the client has given up on it: no race between the two.
        var gaveUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await FakeRpcServer.StartAsync(async call =>
        {
            if (call.ArgsUInt32() == 0)
            {
                await gaveUp.Task.WaitAsync(call.Connection.Closing);
                return ReplyUInt32(999);
            }

            return Echo(call);
        });
        await using var client = NewClient(server, ShortTimeout);

        await FailsWith<RpcTimeoutException, uint>(client.CallUInt32Async(0));
        gaveUp.SetResult();
        var late = (await server.WaitForCallsAsync(1))[0];
        Assert.IsTrue(await late.Answered.Within(Generous), "the late reply was written");

        // The late reply is ahead of this one on the same stream; it must not be taken for it.
        Assert.AreEqual(6u, await client.CallUInt32Async(6).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
        Assert.AreEqual(1, server.AcceptedConnections);
    }

    [TestMethod]
    public async Task TimeoutOfOneCall_DoesNotHoldUpTheOthers()
    {
        await using var server = await FakeRpcServer.StartAsync(call => call.ArgsUInt32() == 0 ? FakeReply.Never : Echo(call));
        await using var client = NewClient(server, new RpcClientOptions { CallTimeout = TimeSpan.FromSeconds(2) });

        var doomed = client.CallUInt32Async(0).AsTask();
        await server.WaitForCallsAsync(1);
        var others = Enumerable.Range(1, 4).Select(i => client.CallUInt32Async((uint)i).AsTask()).ToArray();
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 4 }, await Task.WhenAll(others).WaitAsync(Generous));

        await FailsWith<RpcTimeoutException>(() => doomed);
        Assert.AreEqual(5u, await client.CallUInt32Async(5).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
    }

    [TestMethod]
    public void SweepPeriod_IsATwentiethOfTheTimeout_Between50MsAndASecond()
    {
        Assert.AreEqual(1000L, RpcConnection.SweepPeriodMs(TimeSpan.FromSeconds(30)), "the client's default timeout");
        Assert.AreEqual(500L, RpcConnection.SweepPeriodMs(TimeSpan.FromSeconds(10)));
        Assert.AreEqual(50L, RpcConnection.SweepPeriodMs(TimeSpan.FromMilliseconds(200)));
        Assert.AreEqual(50L, RpcConnection.SweepPeriodMs(TimeSpan.Zero));
        Assert.AreEqual(1000L, RpcConnection.SweepPeriodMs(Timeout.InfiniteTimeSpan));
    }

    [TestMethod]
    public async Task Connection_SweepsAsOftenAsItsTimeoutNeeds()
    {
        // Bug fixed: every connection swept every 50 ms whatever its timeout, waking a thread-pool worker 20 times a
        // second (a profile of a sequential read showed the workers' spinning after each wake-up).
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var usual = NewClient(server, new RpcClientOptions { CallTimeout = TimeSpan.FromSeconds(30) });
        await using var hasty = NewClient(server, ShortTimeout);

        Assert.AreEqual(1u, await usual.CallUInt32Async(1).Within(Generous));
        Assert.AreEqual(2u, await hasty.CallUInt32Async(2).Within(Generous));

        Assert.AreEqual(TimeSpan.FromSeconds(1), usual.Connection!.TimeoutSweepInterval);
        Assert.AreEqual(TimeSpan.FromMilliseconds(50), hasty.Connection!.TimeoutSweepInterval);
    }

    [TestMethod]
    public async Task InfiniteCallTimeout_MeansNoTimeout()
    {
        // Bug fixed: Timeout.InfiniteTimeSpan (-1 ms) gave every call a deadline in the past, so the first
        // sweep (50 ms later) failed every call that took longer than that.
        await using var server = await FakeRpcServer.StartAsync(call => Echo(call).After(TimeSpan.FromMilliseconds(400)));
        await using var client = NewClient(server, new RpcClientOptions { CallTimeout = Timeout.InfiniteTimeSpan });

        Assert.AreEqual(3u, await client.CallUInt32Async(3).Within(Generous));
    }

    [TestMethod]
    public async Task CancelledCall_ThrowsOperationCanceled_AndTheConnectionStaysUp()
    {
        await using var server = await FakeRpcServer.StartAsync(call => call.ArgsUInt32() == 0 ? FakeReply.Never : Echo(call));
        await using var client = NewClient(server);
        using var cts = new CancellationTokenSource();

        var cancelled = client.CallUInt32Async(0, cts.Token).AsTask();
        await server.WaitForCallsAsync(1);
        await cts.CancelAsync();

        var ex = await FailsWith<OperationCanceledException>(() => cancelled);
        Assert.AreEqual(cts.Token, ex.CancellationToken);
        Assert.AreEqual(8u, await client.CallUInt32Async(8).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
        Assert.AreEqual(1, server.AcceptedConnections);
        Assert.AreEqual(0, client.Connection!.InFlight);
    }

    [TestMethod]
    public async Task LateReply_ToACancelledCall_IsDropped()
    {
        var gaveUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await FakeRpcServer.StartAsync(async call =>
        {
            if (call.ArgsUInt32() == 0)
            {
                await gaveUp.Task.WaitAsync(call.Connection.Closing);
                return ReplyUInt32(999);
            }

            return Echo(call);
        });
        await using var client = NewClient(server);
        using var cts = new CancellationTokenSource();

        var cancelled = client.CallUInt32Async(0, cts.Token).AsTask();
        var late = (await server.WaitForCallsAsync(1))[0];
        await cts.CancelAsync();
        await FailsWith<OperationCanceledException>(() => cancelled);
        gaveUp.SetResult();
        Assert.IsTrue(await late.Answered.Within(Generous));

        Assert.AreEqual(9u, await client.CallUInt32Async(9).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
    }

    [TestMethod]
    public async Task AlreadyCancelledToken_SendsNothing()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server);
        Assert.AreEqual(1u, await client.CallUInt32Async(1).Within(Generous));

        await FailsWith<OperationCanceledException, uint>(client.CallUInt32Async(2, new CancellationToken(canceled: true)));

        Assert.AreEqual(3u, await client.CallUInt32Async(3).Within(Generous));
        CollectionAssert.AreEqual(new uint[] { 1, 3 }, server.Calls.Select(c => c.ArgsUInt32()).ToArray());
    }

    [TestMethod]
    public async Task CancellingOneCall_LeavesTheOthersPending()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await FakeRpcServer.StartAsync(async call =>
        {
            await release.Task.WaitAsync(call.Connection.Closing);
            return Echo(call);
        });
        await using var client = NewClient(server);
        using var cts = new CancellationTokenSource();

        var victim = client.CallUInt32Async(0, cts.Token).AsTask();
        var others = Enumerable.Range(1, 4).Select(i => client.CallUInt32Async((uint)i).AsTask()).ToArray();
        await server.WaitForCallsAsync(5);
        await cts.CancelAsync();
        await FailsWith<OperationCanceledException>(() => victim);
        Assert.AreEqual(4, client.Connection!.InFlight);

        release.SetResult();
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3, 4 }, await Task.WhenAll(others).WaitAsync(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
    }
}
