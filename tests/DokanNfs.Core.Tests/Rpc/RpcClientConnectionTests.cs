using DokanNfs.TestSupport.Logging;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>
/// The connection's life: when it dies every pending call fails at once and the next call reconnects; a
/// malformed record kills it the same way; a stray reply does not; failed connects back off up to a cap.
/// </summary>
[TestClass]
public sealed class RpcClientConnectionTests
{
    /// <summary>Far beyond any test's patience: a call that fails did not fail by timing out.</summary>
    private static readonly RpcClientOptions NoTimeout = new() { CallTimeout = TimeSpan.FromMinutes(10) };

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task ServerDropsTheConnection_EveryPendingCallFails_AndTheNextCallReconnects(bool reset)
    {
        // The first connection answers nothing; later ones echo.
        await using var server = await FakeRpcServer.StartAsync(call => call.Connection.Id == 1 ? FakeReply.Never : Echo(call));
        await using var client = NewClient(server, NoTimeout);

        var pending = Enumerable.Range(0, 10).Select(i => client.CallUInt32Async((uint)i).AsTask()).ToArray();
        await server.WaitForCallsAsync(10);
        Assert.AreEqual(10, client.Connection!.InFlight);
        if (reset)
        {
            server.ResetAllConnections();
        }
        else
        {
            server.CloseAllConnections();
        }

        foreach (var call in pending)
        {
            await FailsWith<RpcConnectionLostException>(() => call);
        }

        Assert.AreEqual(42u, await client.CallUInt32Async(42).Within(Generous));
        Assert.AreEqual(2, server.AcceptedConnections);
        Assert.AreEqual(2, client.ConnectionCount);
        Assert.AreEqual(2, client.Connection!.Generation);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task ScriptDropsTheConnection_UnderPendingCalls(bool reset)
    {
        // Calls 0..9 wait forever; call 10 is answered by closing or resetting the connection.
        await using var server = await FakeRpcServer.StartAsync(call => call.Connection.Id switch
        {
            1 when call.ArgsUInt32() == 10 => reset ? FakeReply.ResetConnection() : FakeReply.CloseConnection(),
            1 => FakeReply.Never,
            _ => Echo(call),
        });
        await using var client = NewClient(server, NoTimeout);

        var pending = Enumerable.Range(0, 10).Select(i => client.CallUInt32Async((uint)i).AsTask()).ToArray();
        await server.WaitForCallsAsync(10);
        var trigger = client.CallUInt32Async(10).AsTask();

        foreach (var call in pending.Append(trigger))
        {
            await FailsWith<RpcConnectionLostException>(() => call);
        }

        Assert.AreEqual(11u, await client.CallUInt32Async(11).Within(Generous));
        Assert.AreEqual(2, client.ConnectionCount);
    }

    [TestMethod]
    public async Task ReplyThenClose_DeliversTheReply_ThenReconnects()
    {
        await using var server = await FakeRpcServer.StartAsync(call => Echo(call).ThenClose());
        await using var client = NewClient(server, NoTimeout);

        Assert.AreEqual(1u, await client.CallUInt32Async(1).Within(Generous));
        await WaitUntil(() => client.Connection!.IsBroken);
        Assert.AreEqual(2u, await client.CallUInt32Async(2).Within(Generous));
        Assert.AreEqual(2, server.AcceptedConnections);
        Assert.AreEqual(2, client.ConnectionCount);
    }

    [TestMethod]
    public async Task ConnectionClosedInsideARecord_FailsThePendingCalls()
    {
        // A header promising 100 bytes, 10 of them, then FIN.
        var cut = new byte[14];
        RecordMarking.WriteHeader(cut, 100, isLast: true);
        await using var server = await FakeRpcServer.StartAsync(call => call.Connection.Id switch
        {
            1 when call.ArgsUInt32() == 2 => FakeReply.Raw(cut).ThenClose(),
            1 => FakeReply.Never,
            _ => Echo(call),
        });
        await using var client = NewClient(server, NoTimeout);

        var pending = new[] { client.CallUInt32Async(0).AsTask(), client.CallUInt32Async(1).AsTask() };
        await server.WaitForCallsAsync(2);
        var trigger = client.CallUInt32Async(2).AsTask();

        foreach (var call in pending.Append(trigger))
        {
            await FailsWith<RpcConnectionLostException>(() => call);
        }

        Assert.AreEqual(3u, await client.CallUInt32Async(3).Within(Generous));
        Assert.AreEqual(2, client.ConnectionCount);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task HugeFragmentHeader_BreaksTheConnection_AndTheNextCallReconnects(bool isLast)
    {
        await using var server = await StartBreakingOnCall2(FakeReply.HugeFragment(isLast));
        await using var client = NewClient(server, NoTimeout);

        await AssertAllPendingCallsLost(server, client);
    }

    [TestMethod]
    public async Task RecordOverMaxRecordSize_BreaksTheConnection()
    {
        // Each fragment is small; the record they add up to is not.
        await using var server = await StartBreakingOnCall2(FakeReply.Success(Pattern(5000)).InFragments(50));
        await using var client = NewClient(server, NoTimeout with { MaxRecordSize = 4096 });

        await AssertAllPendingCallsLost(server, client);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(4)]
    [DataRow(7)]
    public async Task RuntRecord_BreaksTheConnection(int length)
    {
        // Bug fixed: a record too short to hold an XID was logged and dropped, so the call it answered hung
        // until its timeout (60 s by default) on a connection whose peer had already shown it was broken.
        await using var server = await StartBreakingOnCall2(FakeReply.Runt(length));
        var logger = new RecordingLogger();
        await using var client = NewClient(server, NoTimeout, logger);

        await AssertAllPendingCallsLost(server, client);
        Assert.AreEqual(length, (int)logger.WithId(1004).Single().Values["Length"]!);
    }

    [TestMethod]
    public async Task ReplyWithAnUnknownXid_IsDropped_AndTheRealReplyIsDelivered()
    {
        await using var server = await FakeRpcServer.StartAsync(call =>
            ReplyUInt32(999).WithXid(call.Xid ^ 0x8000_0000).Then(Echo(call)));
        var logger = new RecordingLogger();
        await using var client = NewClient(server, NoTimeout, logger);

        Assert.AreEqual(1u, await client.CallUInt32Async(1).Within(Generous));
        Assert.AreEqual(2u, await client.CallUInt32Async(2).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
        Assert.AreEqual(1, server.AcceptedConnections);

        // Each stray reply was logged (event 1003) with its XID before the real reply behind it was read.
        var strays = logger.WithId(1003).Select(e => (uint)e.Values["Xid"]!).ToArray();
        CollectionAssert.AreEqual(server.Calls.Select(c => c.Xid ^ 0x8000_0000).ToArray(), strays);
    }

    [TestMethod]
    public async Task CallMessageFromTheServer_IsDropped_AndTheRealReplyIsDelivered()
    {
        // A CALL on the client's connection (an NFSv4.1 backchannel call we do not serve) carrying our XID.
        await using var server = await FakeRpcServer.StartAsync(call =>
        {
            var backchannelCall = new byte[24];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(backchannelCall, call.Xid);
            return FakeReply.Record(backchannelCall).Then(Echo(call));
        });
        await using var client = NewClient(server, NoTimeout);

        Assert.AreEqual(5u, await client.CallUInt32Async(5).Within(Generous));
        Assert.AreEqual(1, client.ConnectionCount);
    }

    [TestMethod]
    public async Task Disconnect_FailsPendingCalls_AndTheNextCallReconnects()
    {
        await using var server = await FakeRpcServer.StartAsync(call => call.Connection.Id == 1 ? FakeReply.Never : Echo(call));
        await using var client = NewClient(server, NoTimeout);

        var pending = client.CallUInt32Async(0).AsTask();
        await server.WaitForCallsAsync(1);
        client.Disconnect(new TimeoutException("hard mount gave up"));

        var ex = await FailsWith<RpcConnectionLostException>(() => pending);
        Assert.IsInstanceOfType<TimeoutException>(ex.InnerException);
        Assert.AreEqual(1u, await client.CallUInt32Async(1).Within(Generous));
        Assert.AreEqual(2, server.AcceptedConnections);
    }

    [TestMethod]
    public async Task DisposingTheClient_FailsPendingCalls()
    {
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.Never);
        var client = NewClient(server, NoTimeout);

        var pending = client.CallUInt32Async(0).AsTask();
        await server.WaitForCallsAsync(1);
        await client.DisposeAsync();

        await FailsWith<RpcConnectionLostException>(() => pending);
        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => client.CallUInt32Async(1).AsTask());
    }

    [TestMethod]
    public async Task NoServer_ConnectFailuresBackOff_GrowingUpToTheCap()
    {
        var min = TimeSpan.FromMilliseconds(50);
        var cap = TimeSpan.FromMilliseconds(200);
        var options = new RpcClientOptions { ReconnectDelayMin = min, ReconnectDelayMax = cap, ConnectTimeout = TimeSpan.FromSeconds(10) };
        var logger = new RecordingLogger();
        // Fix (CI, 2026-11-21: "no exception was thrown"): a port found free and let go could be taken by a test
        // running beside this one; a port held bound but not listening refuses every attempt.
        using var refusing = RefusingLoopbackPort();
        await using var client = new RpcClient((IPEndPoint)refusing.LocalEndPoint!, options, logger);

        // Nothing listens, so each attempt is refused at once. Nine attempts: without the cap the last gap
        // would be 6.4 s, far over the generous bound below.
        const int Attempts = 9;
        for (var i = 0; i < Attempts; i++)
        {
            var ex = await FailsWith<RpcConnectException, uint>(client.CallUInt32Async((uint)i));
            Assert.IsInstanceOfType<SocketException>(ex.InnerException);
        }

        // The client logs each failed attempt (event 1001) with the backoff it chose, right as the attempt fails.
        var failures = logger.WithId(1001);
        Assert.HasCount(Attempts, failures);
        var backoffs = failures.Select(f => (TimeSpan)f.Values["Backoff"]!).ToArray();
        var expected = new[] { 50, 100, 200, 200, 200, 200, 200, 200, 200 }.Select(ms => TimeSpan.FromMilliseconds(ms)).ToArray();
        CollectionAssert.AreEqual(expected, backoffs);

        // And it really waits that long before the next attempt. Lower bounds are tight (less a coarse-clock
        // slack); the upper bound is loose, because a loaded machine may always be late.
        var gaps = failures.Zip(failures.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp)).ToArray();
        var report = string.Join(", ", gaps.Select(g => $"{g.TotalMilliseconds:F0} ms"));
        var slack = TimeSpan.FromMilliseconds(40);
        for (var i = 0; i < gaps.Length; i++)
        {
            Assert.IsGreaterThanOrEqualTo(expected[i] - slack, gaps[i], $"gap {i} too short: {report}");
            Assert.IsLessThanOrEqualTo(cap + TimeSpan.FromSeconds(2), gaps[i], $"gap {i} not capped: {report}");
        }

        Assert.AreEqual(0, client.ConnectionCount);
        Assert.IsNull(client.Connection);
    }

    [TestMethod]
    public async Task ReconnectAfterALostConnection_DoesNotBackOff()
    {
        // Backoff is for failed connects only: a connection that worked and was then lost is re-made at once
        // (with a 5-minute backoff, this test would time out otherwise).
        await using var server = await FakeRpcServer.StartAsync(call => Echo(call).ThenClose());
        var logger = new RecordingLogger();
        await using var client = new RpcClient(server.EndPoint, new RpcClientOptions { ReconnectDelayMin = TimeSpan.FromMinutes(5) }, logger);

        for (uint i = 0; i < 3; i++)
        {
            Assert.AreEqual(i, await client.CallUInt32Async(i).Within(Generous));
            await WaitUntil(() => client.Connection!.IsBroken);
        }

        Assert.AreEqual(3, client.ConnectionCount);
        Assert.IsEmpty(logger.WithId(1001));
    }

    [TestMethod]
    public async Task ConnectionLossUnderLoad_FailsCallsOnlyAsConnectionLost()
    {
        // Every seventh call resets the connection while many others are being sent on it. Bug fixed: the
        // next caller disposed the broken connection, send lock included, while another caller held or waited
        // for that lock: the holder's Release threw ObjectDisposedException and the waiter hung forever. Before
        // the fix about half the runs of this test failed one way or the other.
        await using var server = await FakeRpcServer.StartAsync(call =>
            call.ArgsUInt32() % 7 == 6 ? FakeReply.ResetConnection() : Echo(call));
        await using var client = NewClient(server, NoTimeout);

        var unexpected = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var succeeded = 0;
        var workers = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var value = (uint)((worker * 1000) + i);
                try
                {
                    Assert.AreEqual(value, await client.CallUInt32Async(value));
                    Interlocked.Increment(ref succeeded);
                }
                catch (RpcConnectionLostException)
                {
                }
                catch (Exception ex) when (ex is not AssertFailedException)
                {
                    unexpected.Enqueue(ex);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(Generous);

        Assert.IsEmpty(unexpected, string.Join(Environment.NewLine, unexpected));
        Assert.IsGreaterThan(0, succeeded);
        Assert.IsGreaterThan(1, client.ConnectionCount);
    }

    /// <summary>Connection 1 leaves calls 0 and 1 unanswered and answers call 2 with <paramref name="breaker"/>; later connections echo.</summary>
    private static Task<FakeRpcServer> StartBreakingOnCall2(FakeReply breaker) =>
        FakeRpcServer.StartAsync(call => call.Connection.Id switch
        {
            1 when call.ArgsUInt32() == 2 => breaker,
            1 => FakeReply.Never,
            _ => Echo(call),
        });

    private static async Task AssertAllPendingCallsLost(FakeRpcServer server, RpcClient client)
    {
        var pending = new[] { client.CallUInt32Async(0).AsTask(), client.CallUInt32Async(1).AsTask() };
        await server.WaitForCallsAsync(2);
        var trigger = client.CallUInt32Async(2).AsTask();

        foreach (var call in pending.Append(trigger))
        {
            var ex = await FailsWith<RpcConnectionLostException>(() => call);
            Assert.IsInstanceOfType<RpcMalformedReplyException>(ex.InnerException);
        }

        Assert.AreEqual(3u, await client.CallUInt32Async(3).Within(Generous));
        Assert.AreEqual(2, server.AcceptedConnections);
        Assert.AreEqual(2, client.ConnectionCount);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Generous.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.IsLessThan(deadline, Stopwatch.GetTimestamp(), "condition not met in time");
            await Task.Delay(10);
        }
    }
}
