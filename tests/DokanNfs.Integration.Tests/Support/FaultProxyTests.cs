using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DokanNfs.TestSupport.Faults;

namespace DokanNfs.Integration.Tests.Support;

/// <summary>
/// Proves each <see cref="FaultProxy"/> mode against <see cref="RpcEchoServer"/>, a record-marking
/// echo backend (RFC 5531 §11), so the proxy is trusted before any NFS test leans on it. Timing rules:
/// "should arrive" waits are generous (a loaded 2-core CI box), "should not arrive" windows are short,
/// and elapsed times are only ever bounded from below.
/// </summary>
[TestClass]
public sealed class FaultProxyTests
{
    private static readonly TimeSpan Arrives = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(400);

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestMethod]
    public async Task PassThrough_RoundTripsCallsAndCountsThem()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, IPAddress.Loopback, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);

        for (uint xid = 1; xid <= 3; xid++)
        {
            await RoundTripAsync(client, xid, Payload(xid, 100));
        }

        Assert.AreEqual(1, proxy.ConnectionsAccepted);
        Assert.AreEqual(1, proxy.UpstreamConnections);
        Assert.AreEqual(3L, proxy.CallsSeen);
        Assert.AreEqual(3L, proxy.RepliesSeen);
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3 }, proxy.GetCallXids().ToArray());
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3 }, server.GetReceivedXids().ToArray());
    }

    [TestMethod]
    public async Task PassThrough_MultiFragmentRecord_ArrivesWholeAndXidIsParsedAcrossFragments()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        var payload = Payload(7, 5000);

        // 3-byte fragments split the XID and msg_type across fragment boundaries.
        await client.SendCallAsync(0xCAFE_F00D, payload, maxFragmentLength: 3, Cancel);

        await ExpectReplyAsync(client, 0xCAFE_F00D, payload);
        CollectionAssert.AreEqual(new uint[] { 0xCAFE_F00D }, proxy.GetCallXids().ToArray());
    }

    [TestMethod]
    public async Task PassThrough_ManyRecordsInOneWrite_AllRoundTripInOrder()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        const int Count = 100;
        var batch = new List<byte>();
        for (uint xid = 1; xid <= Count; xid++)
        {
            var body = RpcRecordMarking.BuildMessage(xid, RpcRecordMarking.CallMessageType, Payload(xid, (int)xid * 7));
            batch.AddRange(RpcRecordMarking.Encode(body, maxFragmentLength: xid % 2 == 0 ? 5 : int.MaxValue));
        }

        await client.SendRawAsync(batch.ToArray(), Cancel);

        for (uint xid = 1; xid <= Count; xid++)
        {
            await ExpectReplyAsync(client, xid, Payload(xid, (int)xid * 7));
        }

        Assert.AreEqual((long)Count, proxy.CallsSeen);
        CollectionAssert.AreEqual(Enumerable.Range(1, Count).Select(i => (uint)i).ToArray(), proxy.GetCallXids().ToArray());
    }

    [TestMethod]
    public async Task PassThrough_RecordsSplitIntoSingleByteWrites_RoundTrip()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);

        for (uint xid = 41; xid <= 42; xid++)
        {
            // Empty fragments and a 1-byte fragment too: every header and body boundary lands mid-chunk.
            var body = RpcRecordMarking.BuildMessage(xid, RpcRecordMarking.CallMessageType, Payload(xid, 20));
            var framed = Fragment(body, 0, 1, 5, 0, 9);
            foreach (var b in framed)
            {
                await client.SendRawAsync(new[] { b }, Cancel);

                // NoDelay plus a pause makes each byte its own segment, so the proxy reads them one by one.
                await Task.Delay(1, Cancel);
            }

            await ExpectReplyAsync(client, xid, Payload(xid, 20));
        }

        CollectionAssert.AreEqual(new uint[] { 41, 42 }, proxy.GetCallXids().ToArray());
    }

    [TestMethod]
    public async Task CutAll_ResetsEveryConnection_AndProxyAcceptsAFreshOne()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var first = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await using var second = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(first, 1, Payload(1, 10));
        await RoundTripAsync(second, 2, Payload(2, 10));

        proxy.CutAll();

        Assert.IsNotNull(await ExpectClosedAsync(first), "a cut is a reset (RST), not a FIN");
        Assert.IsNotNull(await ExpectClosedAsync(second), "a cut is a reset (RST), not a FIN");
        await WaitUntilAsync(() => proxy.ActiveConnections == 0, "cut connections are forgotten");
        await using var fresh = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(fresh, 3, Payload(3, 10));
        Assert.AreEqual(3, proxy.ConnectionsAccepted);
        Assert.AreEqual(3, server.ConnectionsAccepted);
    }

    [TestMethod]
    public async Task Blackhole_HoldsACallUntilEnded_ThenDeliversIt()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(client, 1, Payload(1, 10));

        proxy.Blackhole();
        await client.SendCallAsync(2, Payload(2, 10), cancellationToken: Cancel);

        await WaitUntilAsync(() => proxy.CallsSeen == 2, "the proxy still reads and counts during a blackhole");
        await ExpectSilenceAsync(client);
        Assert.AreEqual(1, server.CallsReceived, "nothing reaches the server during a blackhole");
        Assert.IsTrue(proxy.IsBlackholed);

        proxy.EndBlackhole();

        await ExpectReplyAsync(client, 2, Payload(2, 10));
        Assert.AreEqual(1, proxy.ConnectionsAccepted, "the connection survived the blackhole");
    }

    [TestMethod]
    public async Task Blackhole_WithDuration_EndsByItselfNoSoonerThanTheDuration()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(client, 1, Payload(1, 10));
        var duration = TimeSpan.FromSeconds(1);

        var clock = Stopwatch.StartNew();
        proxy.Blackhole(duration);
        await client.SendCallAsync(2, Payload(2, 10), cancellationToken: Cancel);

        await ExpectReplyAsync(client, 2, Payload(2, 10));
        Assert.IsGreaterThanOrEqualTo(duration, clock.Elapsed);
        Assert.IsFalse(proxy.IsBlackholed);
    }

    [TestMethod]
    public async Task Blackhole_DropAndCut_DiscardsHeldCallAndResetsConnection()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(client, 1, Payload(1, 10));

        proxy.Blackhole(end: BlackholeEnd.DropAndCut);
        await client.SendCallAsync(2, Payload(2, 10), cancellationToken: Cancel);
        await WaitUntilAsync(() => proxy.CallsSeen == 2, "the proxy read the call it will drop");
        await ExpectSilenceAsync(client);

        proxy.EndBlackhole();

        await ExpectClosedAsync(client);
        CollectionAssert.AreEqual(new uint[] { 1 }, server.GetReceivedXids().ToArray(), "the held call was dropped");
        await using var fresh = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(fresh, 3, Payload(3, 10));
    }

    [TestMethod]
    public async Task Blackhole_NewConnection_ServerSeesNoConnectionUntilItEnds()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        proxy.Blackhole();

        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await client.SendCallAsync(1, Payload(1, 10), cancellationToken: Cancel);
        await WaitUntilAsync(() => proxy.CallsSeen == 1, "the proxy accepted and read the client");
        await ExpectSilenceAsync(client);
        Assert.AreEqual(1, proxy.ConnectionsAccepted);
        Assert.AreEqual(0, proxy.UpstreamConnections);
        Assert.AreEqual(0, server.ConnectionsAccepted, "the server sees nothing during a blackhole");

        proxy.EndBlackhole();

        await ExpectReplyAsync(client, 1, Payload(1, 10));
        Assert.AreEqual(1, proxy.UpstreamConnections);
        Assert.AreEqual(1, server.ConnectionsAccepted);
    }

    [TestMethod]
    public async Task Delay_AddsAtLeastTheDelayInEachDirection()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(client, 1, Payload(1, 10));
        var delay = TimeSpan.FromMilliseconds(250);

        proxy.Delay(delay);
        var clock = Stopwatch.StartNew();
        await RoundTripAsync(client, 2, Payload(2, 10));

        // The call and the reply are each held for the delay: a round trip takes at least twice it.
        Assert.IsGreaterThanOrEqualTo(delay * 2, clock.Elapsed);
        Assert.AreEqual(delay, proxy.CurrentDelay);

        proxy.Delay(TimeSpan.Zero);
        await RoundTripAsync(client, 3, Payload(3, 10));
    }

    [TestMethod]
    public async Task Delay_LoweredAtRunTime_ReleasesChunksAlreadyWaiting()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);

        proxy.Delay(TimeSpan.FromHours(1));
        await client.SendCallAsync(1, Payload(1, 10), cancellationToken: Cancel);
        await ExpectSilenceAsync(client);

        proxy.Delay(TimeSpan.Zero);

        await ExpectReplyAsync(client, 1, Payload(1, 10));
    }

    [TestMethod]
    public async Task DropReplyToCall_Third_ServerGetsTheCallButTheClientGetsNoReplyAndAReset()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        var dropped = proxy.DropReplyToCall(3);

        await RoundTripAsync(client, 101, Payload(1, 10));
        await RoundTripAsync(client, 102, Payload(2, 10));
        await client.SendCallAsync(103, Payload(3, 10), cancellationToken: Cancel);

        await server.WaitForCallsAsync(3, Cancel).WaitAsync(Arrives, Cancel);
        await ExpectClosedAsync(client);
        Assert.AreEqual(103u, await dropped.WaitAsync(Arrives, Cancel));
        CollectionAssert.AreEqual(new uint[] { 101, 102, 103 }, server.GetReceivedXids().ToArray());
        Assert.AreEqual(3L, proxy.RepliesSeen, "the dropped reply was seen, not forwarded");
    }

    [TestMethod]
    public async Task DropReplyToCall_CountsFromArming_AndFindsTheReplyAmongPipelinedOnes()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(client, 1, Payload(1, 10));
        await RoundTripAsync(client, 2, Payload(2, 10));

        var dropped = proxy.DropReplyToCall(2);
        var batch = new List<byte>();
        foreach (var xid in new uint[] { 10, 11, 12 })
        {
            batch.AddRange(RpcRecordMarking.Encode(RpcRecordMarking.BuildMessage(xid, RpcRecordMarking.CallMessageType, Payload(xid, 10)), 6));
        }

        await client.SendRawAsync(batch.ToArray(), Cancel);

        // Replies before the dropped one still arrive; the dropped one and everything after never do.
        await ExpectReplyAsync(client, 10, Payload(10, 10));
        await ExpectClosedAsync(client);
        Assert.AreEqual(11u, await dropped.WaitAsync(Arrives, Cancel));
    }

    [TestMethod]
    public async Task DropCall_Second_ServerNeverSeesItAndTheClientIsReset()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        var dropped = proxy.DropCall(2);

        await RoundTripAsync(client, 201, Payload(1, 10));
        await client.SendCallAsync(202, Payload(2, 3000), maxFragmentLength: 1000, Cancel);

        await ExpectClosedAsync(client);
        Assert.AreEqual(202u, await dropped.WaitAsync(Arrives, Cancel));
        Assert.AreEqual(2L, proxy.CallsSeen);
        CollectionAssert.AreEqual(new uint[] { 201 }, server.GetReceivedXids().ToArray());
    }

    [TestMethod]
    public async Task DropCall_CountsCallsAcrossConnections_AndCutsOnlyTheOneCarryingIt()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var a = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await using var b = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        var dropped = proxy.DropCall(3);

        await RoundTripAsync(a, 1, Payload(1, 10));
        await RoundTripAsync(b, 2, Payload(2, 10));
        await a.SendCallAsync(3, Payload(3, 10), cancellationToken: Cancel);

        await ExpectClosedAsync(a);
        Assert.AreEqual(3u, await dropped.WaitAsync(Arrives, Cancel));
        await RoundTripAsync(b, 4, Payload(4, 10));
        CollectionAssert.AreEqual(new uint[] { 1, 2, 4 }, server.GetReceivedXids().ToArray());
    }

    [TestMethod]
    public async Task RpcFault_ConnectionCutBeforeTheFaultTookEffect_FailsItsTask()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        proxy.Blackhole();
        var dropped = proxy.DropReplyToCall(1);
        await client.SendCallAsync(1, Payload(1, 10), cancellationToken: Cancel);
        await WaitUntilAsync(() => proxy.CallsSeen == 1, "the call was picked");

        proxy.CutAll();

        await Assert.ThrowsExactlyAsync<IOException>(() => dropped.WaitAsync(Arrives, Cancel));
    }

    [TestMethod]
    public async Task PassThrough_DisarmsFaultsNotYetTriggered_AndLiftsDelayAndBlackhole()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        var dropped = proxy.DropCall(1);
        proxy.Delay(TimeSpan.FromHours(1));
        proxy.Blackhole();

        proxy.PassThrough();

        await Assert.ThrowsAsync<OperationCanceledException>(() => dropped);
        await RoundTripAsync(client, 1, Payload(1, 10));
        Assert.IsFalse(proxy.IsBlackholed);
        Assert.AreEqual(TimeSpan.Zero, proxy.CurrentDelay);
    }

    [TestMethod]
    public async Task Counters_TrackConnectionsCallsAndReplies()
    {
        await using var server = RpcEchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        var a = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        var b = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await using (a)
        await using (b)
        {
            await RoundTripAsync(a, 1, Payload(1, 10));
            await RoundTripAsync(b, 2, Payload(2, 10));
            await RoundTripAsync(a, 3, Payload(3, 10));

            Assert.AreEqual(2, proxy.ConnectionsAccepted);
            Assert.AreEqual(2, proxy.UpstreamConnections);
            Assert.AreEqual(2, proxy.ActiveConnections);
            Assert.AreEqual(3L, proxy.CallsSeen);
            Assert.AreEqual(3L, proxy.RepliesSeen);
        }

        // Clients closing cleanly let each connection finish: the FIN travels through to the server and back.
        await WaitUntilAsync(() => proxy.ActiveConnections == 0, "closed connections are forgotten");
        Assert.AreEqual(2, proxy.ConnectionsAccepted);
    }

    [TestMethod]
    public async Task TargetDown_ClientIsReset_AndNoUpstreamConnectionIsCounted()
    {
        IPEndPoint deadTarget;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            // Bound but never listening: connections to it are refused.
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            deadTarget = (IPEndPoint)probe.LocalEndPoint!;
            await using var proxy = await FaultProxy.StartAsync(deadTarget, cancellationToken: Cancel);
            try
            {
                await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
                await ExpectClosedAsync(client);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // The proxy's reset can land before the client's connect() has even reported success.
            }

            await WaitUntilAsync(() => proxy.ActiveConnections == 0, "the refused connection is forgotten");
            Assert.AreEqual(1, proxy.ConnectionsAccepted);
            Assert.AreEqual(0, proxy.UpstreamConnections);
        }
    }

    [TestMethod]
    public async Task Dispose_ResetsConnections_StopsListening_AndCancelsArmedFaults()
    {
        await using var server = RpcEchoServer.Start();
        var proxy = await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Cancel);
        await using var client = await RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel);
        await RoundTripAsync(client, 1, Payload(1, 10));
        var armed = proxy.DropCall(5);
        proxy.Blackhole(TimeSpan.FromHours(1));

        await proxy.DisposeAsync();
        await proxy.DisposeAsync();

        await ExpectClosedAsync(client);
        await Assert.ThrowsAsync<OperationCanceledException>(() => armed);
        await Assert.ThrowsAsync<SocketException>(() => RpcRecordClient.ConnectAsync(proxy.EndPoint, Cancel));
        Assert.ThrowsExactly<ObjectDisposedException>(() => proxy.Delay(TimeSpan.Zero));
    }

    /// <summary>A payload that differs per call, so an echo of the wrong call cannot pass.</summary>
    private static byte[] Payload(uint seed, int length)
    {
        var payload = new byte[length];
        for (var i = 0; i < length; i++)
        {
            payload[i] = (byte)((seed * 31) + (uint)i);
        }

        return payload;
    }

    /// <summary>Frames <paramref name="body"/> with the given fragment lengths, the last fragment taking the rest.</summary>
    private static byte[] Fragment(byte[] body, params int[] lengths)
    {
        var output = new List<byte>();
        var position = 0;
        var header = new byte[4];
        foreach (var length in lengths)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)length);
            output.AddRange(header);
            output.AddRange(body.AsSpan(position, length).ToArray());
            position += length;
        }

        // RFC 5531 §11: the top bit marks the last fragment.
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x8000_0000u | (uint)(body.Length - position));
        output.AddRange(header);
        output.AddRange(body.AsSpan(position).ToArray());
        return [.. output];
    }

    private async Task RoundTripAsync(RpcRecordClient client, uint xid, byte[] payload)
    {
        await client.SendCallAsync(xid, payload, cancellationToken: Cancel);
        await ExpectReplyAsync(client, xid, payload);
    }

    private async Task ExpectReplyAsync(RpcRecordClient client, uint xid, byte[] payload)
    {
        var receipt = await client.ReceiveAsync(Arrives, Cancel);
        Assert.AreEqual(RpcReceiptKind.Record, receipt.Kind, $"expected the reply to XID {xid}; close error: {receipt.CloseError}");
        var (replyXid, messageType) = RpcRecordMarking.ReadMessageHeader(receipt.Body);
        Assert.AreEqual(xid, replyXid);
        Assert.AreEqual(RpcRecordMarking.ReplyMessageType, messageType);
        CollectionAssert.AreEqual(payload, receipt.Body![8..]);
    }

    /// <summary>The connection ends, by FIN or RST, with no record arriving first. Returns the reset, if any.</summary>
    private async Task<Exception?> ExpectClosedAsync(RpcRecordClient client)
    {
        var receipt = await client.ReceiveAsync(Arrives, Cancel);
        Assert.AreEqual(RpcReceiptKind.Closed, receipt.Kind);
        return receipt.CloseError;
    }

    private async Task ExpectSilenceAsync(RpcRecordClient client)
    {
        var receipt = await client.ReceiveAsync(Silence, Cancel);
        Assert.AreEqual(RpcReceiptKind.TimedOut, receipt.Kind);
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Arrives)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(10, Cancel);
        }
    }
}
