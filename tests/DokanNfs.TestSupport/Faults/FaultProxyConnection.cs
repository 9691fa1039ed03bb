using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DokanNfs.TestSupport.Faults;

/// <summary>
/// One client connection through a <see cref="FaultProxy"/> and its connection to the server. Each
/// direction has a reader (socket to queue, parsing record marking on the way) and a writer (queue to
/// socket, honouring blackhole and delay), so holding or delaying bytes never stops the proxy from
/// reading and counting what arrives. Every pump swallows its own failures and turns them into a reset
/// of the whole connection, which is how a peer's RST or a dead socket propagates to the other side.
/// </summary>
internal sealed class FaultProxyConnection
{
    private const int BufferSize = 64 * 1024;

    private readonly FaultProxy _proxy;
    private readonly Socket _client;
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _lock = new();
    private readonly List<PendingRpcFault> _pendingFaults = [];
    private readonly Channel<Outbound> _toServer = NewQueue();
    private readonly Channel<Outbound> _toClient = NewQueue();
    private Socket? _upstream;
    private volatile bool _closing;
    private bool _closed;

    public FaultProxyConnection(FaultProxy proxy, Socket client)
    {
        _proxy = proxy;
        _client = client;
        try
        {
            // Small RPC records must not sit in Nagle's buffer: the proxy should add no latency of its own.
            _client.NoDelay = true;
        }
        catch (SocketException)
        {
            // The client already reset the connection; the first read will find out and end it.
        }
    }

    private enum OutboundKind
    {
        Data,

        /// <summary>The source sent FIN: pass it on as a half-close.</summary>
        EndOfStream,

        /// <summary>A dropped record has ended: reset the connection once everything before it is out.</summary>
        Cut,
    }

    /// <summary>Completes when both sockets are closed and every pump has stopped; never faults.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>
    /// From now on nothing more is written to either socket. Cheap and callback-free, so it may be
    /// called under the proxy's lock ahead of <see cref="Abort"/>.
    /// </summary>
    public void MarkClosing() => _closing = true;

    /// <summary>Resets both sockets (RST, via SO_LINGER 0) and stops every pump. Idempotent.</summary>
    public void Abort()
    {
        MarkClosing();
        Socket? upstream;
        bool hold;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            upstream = _upstream;
            hold = _pendingFaults.Exists(f => f is { Effective: true, HoldAfter: true });
        }

        if (hold)
        {
            // Before the reset: the client's next connection must find the proxy already holding.
            try
            {
                _proxy.Blackhole();
            }
            catch (ObjectDisposedException)
            {
                // The proxy is going away: there is nothing left to hold.
            }
        }

        Reset(_client);
        if (upstream is not null)
        {
            Reset(upstream);
        }

        try
        {
            _cts.Cancel();
        }
        catch (AggregateException)
        {
            // Only runtime callbacks are registered; none should throw, and a reset must not fail.
        }

        CompletePendingFaults();
    }

    public void AddPendingFault(PendingRpcFault fault)
    {
        lock (_lock)
        {
            if (!_closed)
            {
                _pendingFaults.Add(fault);
                return;
            }
        }

        fault.Complete();
    }

    private static Channel<Outbound> NewQueue() =>
        Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private static void Reset(Socket socket)
    {
        try
        {
            // RFC 793 abort: close with linger 0 sends RST and discards unsent data.
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already dead: disposing it is all that is left to do.
        }

        socket.Dispose();
    }

    private async Task RunAsync()
    {
        var cancellationToken = _cts.Token;

        // Read from the client at once, even while a blackhole defers the server connection, so calls
        // sent into the blackhole are seen and counted.
        var clientScanner = new RecordMarkingScanner(start =>
            start is { MessageType: 0, Xid: { } xid } ? _proxy.OnCallSeen(this, xid) : RecordVerdict.Forward);
        var fromClient = PumpReadAsync(_client, _toServer.Writer, clientScanner, cancellationToken);
        try
        {
            await ConnectAndPumpAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Connection refused, cancelled by a cut, or anything else: the client sees a reset.
            Abort();
        }

        await fromClient.ConfigureAwait(false);
        CloseGracefully();
        _proxy.OnConnectionFinished(this);
    }

    private async Task ConnectAndPumpAsync(CancellationToken cancellationToken)
    {
        // A blackholed proxy does not even connect: the server must see nothing during a partition.
        await _proxy.WaitUntilDueAsync(Stopwatch.GetTimestamp(), applyDelay: false, cancellationToken).ConfigureAwait(false);
        if (_closing)
        {
            return;
        }

        var upstream = new Socket(_proxy.Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        lock (_lock)
        {
            if (_closed)
            {
                upstream.Dispose();
                return;
            }

            _upstream = upstream;
        }

        await upstream.ConnectAsync(_proxy.Target, cancellationToken).ConfigureAwait(false);
        _proxy.OnUpstreamConnected();
        var serverScanner = new RecordMarkingScanner(start =>
            start is { MessageType: 1, Xid: { } xid } ? OnReplySeen(xid) : RecordVerdict.Forward);
        await Task.WhenAll(
            PumpReadAsync(upstream, _toClient.Writer, serverScanner, cancellationToken),
            PumpWriteAsync(_toServer.Reader, upstream, cancellationToken),
            PumpWriteAsync(_toClient.Reader, _client, cancellationToken)).ConfigureAwait(false);
    }

    private RecordVerdict OnReplySeen(uint xid)
    {
        _proxy.OnReplySeen();
        lock (_lock)
        {
            foreach (var fault in _pendingFaults)
            {
                if (fault is { Kind: RpcFaultKind.DropReply, Effective: false } && fault.Xid == xid)
                {
                    fault.Effective = true;
                    return RecordVerdict.DropAndCut;
                }
            }
        }

        return RecordVerdict.Forward;
    }

    private async Task PumpReadAsync(
        Socket source,
        ChannelWriter<Outbound> sink,
        RecordMarkingScanner scanner,
        CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        var forward = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var read = await source.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                var receivedAt = Stopwatch.GetTimestamp();
                if (read == 0)
                {
                    sink.TryWrite(new Outbound(OutboundKind.EndOfStream, null, receivedAt));
                    return;
                }

                forward.ResetWrittenCount();
                var cut = scanner.Feed(buffer.AsSpan(0, read), forward);
                if (forward.WrittenCount > 0)
                {
                    sink.TryWrite(new Outbound(OutboundKind.Data, forward.WrittenSpan.ToArray(), receivedAt));
                }

                if (cut)
                {
                    // Stop reading: whatever the peer sends after the dropped record dies with the connection.
                    sink.TryWrite(new Outbound(OutboundKind.Cut, null, receivedAt));
                    return;
                }
            }
        }
        catch (Exception)
        {
            Abort();
        }
    }

    private async Task PumpWriteAsync(ChannelReader<Outbound> source, Socket destination, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var item = await source.ReadAsync(cancellationToken).ConfigureAwait(false);
                await _proxy.WaitUntilDueAsync(item.ReceivedAt, applyDelay: true, cancellationToken).ConfigureAwait(false);
                if (_closing)
                {
                    return;
                }

                switch (item.Kind)
                {
                    case OutboundKind.Data:
                        var remaining = item.Bytes.AsMemory();
                        while (!remaining.IsEmpty)
                        {
                            var sent = await destination.SendAsync(remaining, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                            remaining = remaining[sent..];
                        }

                        break;
                    case OutboundKind.EndOfStream:
                        destination.Shutdown(SocketShutdown.Send);
                        return;
                    default:
                        Abort();
                        return;
                }
            }
        }
        catch (Exception)
        {
            Abort();
        }
    }

    /// <summary>
    /// Both directions ended in FIN (or the connection was already reset): close what is left and
    /// settle the faults that were waiting on this connection.
    /// </summary>
    private void CloseGracefully()
    {
        Socket? upstream;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            upstream = _upstream;
        }

        MarkClosing();
        _client.Dispose();
        upstream?.Dispose();
        CompletePendingFaults();
    }

    private void CompletePendingFaults()
    {
        PendingRpcFault[] faults;
        lock (_lock)
        {
            faults = [.. _pendingFaults];
            _pendingFaults.Clear();
        }

        foreach (var fault in faults)
        {
            fault.Complete();
        }
    }

    private readonly record struct Outbound(OutboundKind Kind, byte[]? Bytes, long ReceivedAt);
}
