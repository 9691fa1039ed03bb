using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DokanNfs.TestSupport.Faults;

/// <summary>
/// A fault-injecting TCP proxy on loopback that sits between an ONC RPC client and its server
/// (RFC 5531 §11, ONC RPC over TCP with record marking). Every mode switches at run time and applies
/// at once to every current and future connection through the proxy.
/// </summary>
/// <remarks>
/// <para>Pass-through is the default. <see cref="CutAll"/>, <see cref="Blackhole"/> and <see cref="Delay"/>
/// act on the byte stream; <see cref="DropCall"/> and <see cref="DropReplyToCall"/> parse record marking
/// in both directions to pick out one call by its ordinal and its reply by XID.</para>
/// <para>Nothing the proxy does in the background ever throws: a dying socket only ends its own
/// connection (the other side is reset so the failure propagates the way it would through a router).</para>
/// </remarks>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int ListenBacklog = 128;

    private readonly Socket _listener;
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly Lock _lock = new();
    private readonly HashSet<FaultProxyConnection> _connections = [];
    private readonly List<ArmedRpcFault> _armedFaults = [];
    private readonly List<uint> _callXids = [];
    private TaskCompletionSource _stateChanged = NewSignal();
    private Task _acceptLoop = Task.CompletedTask;
    private bool _blackholed;
    private BlackholeEnd _blackholeEnd;
    private long _blackholeGeneration;
    private TimeSpan _delay;
    private bool _disposed;
    private int _connectionsAccepted;
    private int _upstreamConnections;
    private long _callsSeen;
    private long _repliesSeen;

    private FaultProxy(Socket listener, IPEndPoint target)
    {
        _listener = listener;
        Target = target;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Where clients connect: the listening address with the port actually bound.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The server every accepted connection is forwarded to.</summary>
    public IPEndPoint Target { get; }

    /// <summary>Client connections the proxy has accepted, ever.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Connections the proxy has opened to <see cref="Target"/>, ever: what the server saw.</summary>
    public int UpstreamConnections => Volatile.Read(ref _upstreamConnections);

    /// <summary>Client connections currently open through the proxy.</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>CALL records (msg_type 0) the proxy has read from clients, forwarded or not.</summary>
    public long CallsSeen => Interlocked.Read(ref _callsSeen);

    /// <summary>REPLY records (msg_type 1) the proxy has read from the server, forwarded or not.</summary>
    public long RepliesSeen => Interlocked.Read(ref _repliesSeen);

    public bool IsBlackholed
    {
        get
        {
            lock (_lock)
            {
                return _blackholed;
            }
        }
    }

    public TimeSpan CurrentDelay
    {
        get
        {
            lock (_lock)
            {
                return _delay;
            }
        }
    }

    /// <summary>
    /// Starts listening on <paramref name="listenAddress"/> (loopback by default) at
    /// <paramref name="listenPort"/> (0: any free port; read <see cref="EndPoint"/>) and forwards
    /// every accepted connection to <paramref name="target"/>.
    /// </summary>
    public static Task<FaultProxy> StartAsync(
        IPEndPoint target,
        IPAddress? listenAddress = null,
        int listenPort = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        cancellationToken.ThrowIfCancellationRequested();
        listenAddress ??= IPAddress.Loopback;
        var listener = new Socket(listenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(listenAddress, listenPort));
            listener.Listen(ListenBacklog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var proxy = new FaultProxy(listener, target);
        proxy._acceptLoop = proxy.AcceptLoopAsync(proxy._disposeCts.Token);
        return Task.FromResult(proxy);
    }

    /// <summary>Every CALL XID the proxy has read from clients, in arrival order.</summary>
    public IReadOnlyList<uint> GetCallXids()
    {
        lock (_lock)
        {
            return [.. _callXids];
        }
    }

    /// <summary>
    /// Back to plain forwarding: no delay, the blackhole (if any) ends as it was configured to, and
    /// RPC faults not yet triggered are disarmed (their tasks are cancelled).
    /// </summary>
    public void PassThrough()
    {
        ArmedRpcFault[] disarmed;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _delay = TimeSpan.Zero;
            disarmed = [.. _armedFaults];
            _armedFaults.Clear();
            SignalStateChangedLocked();
        }

        foreach (var fault in disarmed)
        {
            fault.Completion.TrySetCanceled();
        }

        EndBlackhole();
    }

    /// <summary>
    /// Resets every open connection now, both the client side and the server side (SO_LINGER 0, so
    /// each peer sees RST rather than FIN). Bytes still held or delayed are lost. The proxy keeps
    /// listening, so the next connection attempt succeeds.
    /// </summary>
    public void CutAll()
    {
        FaultProxyConnection[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Abort();
        }
    }

    /// <summary>
    /// Stops forwarding in both directions on every connection while keeping all sockets open. The
    /// proxy keeps reading (so calls sent during the blackhole are counted) and holds what it reads.
    /// New connections are accepted but the proxy does not connect them to the server until the
    /// blackhole ends, so the server sees nothing at all. The blackhole ends after
    /// <paramref name="duration"/>, or at <see cref="EndBlackhole"/> when no duration is given; then
    /// <paramref name="end"/> decides whether held bytes are delivered or dropped with the connections.
    /// Calling this again while blackholed replaces the duration and the ending.
    /// </summary>
    public void Blackhole(TimeSpan? duration = null, BlackholeEnd end = BlackholeEnd.Deliver)
    {
        if (duration is { } length)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(length, TimeSpan.Zero, nameof(duration));
        }

        long generation;
        CancellationToken disposing;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            disposing = _disposeCts.Token;
            _blackholed = true;
            _blackholeEnd = end;
            generation = ++_blackholeGeneration;
            SignalStateChangedLocked();
        }

        if (duration is { } timeout)
        {
            _ = EndBlackholeAfterAsync(generation, timeout, disposing);
        }
    }

    /// <summary>Ends the blackhole now (no-op if none): see <see cref="BlackholeEnd"/>.</summary>
    public void EndBlackhole() => EndBlackhole(generation: null);

    /// <summary>
    /// Holds every chunk the proxy reads, in each direction, until <paramref name="delay"/> after it
    /// arrived. Latency, not a bandwidth limit: chunks queue behind each other but their waits overlap.
    /// A round trip therefore takes at least twice the delay. Changing the delay applies to chunks
    /// already waiting; <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public void Delay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _delay = delay;
            SignalStateChangedLocked();
        }
    }

    /// <summary>
    /// Arms a fault on the <paramref name="n"/>th CALL record (1-based) that any client sends after
    /// this call: the call is forwarded to the server, the server's REPLY carrying its XID is discarded,
    /// and that connection is then reset on both sides. The task yields the call's XID once the reply
    /// has been dropped and the connection cut; it fails with <see cref="IOException"/> if the
    /// connection ends first, and is cancelled if the fault is disarmed or the proxy disposed first.
    /// </summary>
    /// <remarks>
    /// With <paramref name="holdAfter"/> the proxy also starts a blackhole (no duration, <see cref="BlackholeEnd.Deliver"/>)
    /// just before it cuts the connection, so whatever the client sends next waits until <see cref="EndBlackhole"/>: the
    /// test can act on the server (with another client) between the lost reply and the client's next call.
    /// </remarks>
    public Task<uint> DropReplyToCall(int n, bool holdAfter = false) => Arm(RpcFaultKind.DropReply, n, holdAfter);

    /// <summary>
    /// Arms a fault on the <paramref name="n"/>th CALL record (1-based) that any client sends after
    /// this call: the record is read in full but never forwarded, then that connection is reset on
    /// both sides once everything before it has been forwarded (so replies to earlier calls may or may
    /// not make it back). The task yields the call's XID once the connection has been cut; it is
    /// cancelled if the fault is disarmed or the proxy disposed before any call picks it up.
    /// </summary>
    /// <remarks>With <paramref name="holdAfter"/>, as for <see cref="DropReplyToCall"/>: a blackhole begins just before the cut.</remarks>
    public Task<uint> DropCall(int n, bool holdAfter = false) => Arm(RpcFaultKind.DropCall, n, holdAfter);

    /// <summary>Stops listening, resets every connection, and cancels faults not yet triggered.</summary>
    public async ValueTask DisposeAsync()
    {
        ArmedRpcFault[] disarmed;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            disarmed = [.. _armedFaults];
            _armedFaults.Clear();
        }

        await _disposeCts.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        FaultProxyConnection[] connections;
        lock (_lock)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Abort();
        }

        await Task.WhenAll(connections.Select(c => c.Completion)).ConfigureAwait(false);
        foreach (var fault in disarmed)
        {
            fault.Completion.TrySetCanceled();
        }

        _disposeCts.Dispose();
    }

    internal void OnUpstreamConnected() => Interlocked.Increment(ref _upstreamConnections);

    internal void OnReplySeen() => Interlocked.Increment(ref _repliesSeen);

    internal void OnConnectionFinished(FaultProxyConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
    }

    /// <summary>
    /// Counts a CALL read from a client and decides whether it is forwarded. Faults count calls
    /// proxy-wide, from when each was armed, so "the 3rd call" means the same thing however many
    /// connections the client opens.
    /// </summary>
    internal RecordVerdict OnCallSeen(FaultProxyConnection connection, uint xid)
    {
        var verdict = RecordVerdict.Forward;
        List<PendingRpcFault>? triggered = null;
        lock (_lock)
        {
            _callsSeen++;
            _callXids.Add(xid);
            for (var i = 0; i < _armedFaults.Count; i++)
            {
                var fault = _armedFaults[i];
                if (--fault.Remaining > 0)
                {
                    continue;
                }

                _armedFaults.RemoveAt(i--);
                (triggered ??= []).Add(new PendingRpcFault(fault.Kind, xid, fault.Completion) { HoldAfter = fault.HoldAfter });
                if (fault.Kind == RpcFaultKind.DropCall)
                {
                    verdict = RecordVerdict.DropAndCut;
                }
            }
        }

        // Outside the proxy lock: the connection takes its own lock and may complete tasks.
        foreach (var pending in triggered ?? [])
        {
            // A dropped call has taken effect the moment it is chosen: no byte of it is ever forwarded.
            pending.Effective = pending.Kind == RpcFaultKind.DropCall;
            connection.AddPendingFault(pending);
        }

        return verdict;
    }

    /// <summary>
    /// Waits until a chunk read at <paramref name="receivedTimestamp"/> may be forwarded: not while
    /// blackholed, and (when <paramref name="applyDelay"/>) not before the current delay has passed
    /// since it arrived. Re-evaluates whenever a mode changes.
    /// </summary>
    internal async Task WaitUntilDueAsync(long receivedTimestamp, bool applyDelay, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            bool blackholed;
            TimeSpan delay;
            lock (_lock)
            {
                changed = _stateChanged.Task;
                blackholed = _blackholed;
                delay = _delay;
            }

            if (blackholed)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var remaining = applyDelay ? delay - Stopwatch.GetElapsedTime(receivedTimestamp) : TimeSpan.Zero;
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            // Timers may fire a little early; the loop re-checks the clock rather than trusting them.
            await Task.WhenAny(changed, Task.Delay(remaining, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void SignalStateChangedLocked()
    {
        var previous = _stateChanged;
        _stateChanged = NewSignal();
        previous.TrySetResult();
    }

    private Task<uint> Arm(RpcFaultKind kind, int n, bool holdAfter)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        var fault = new ArmedRpcFault(kind, n) { HoldAfter = holdAfter };
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _armedFaults.Add(fault);
        }

        return fault.Completion.Task;
    }

    private void EndBlackhole(long? generation)
    {
        FaultProxyConnection[] toCut = [];
        lock (_lock)
        {
            if (!_blackholed || (generation is not null && generation != _blackholeGeneration))
            {
                return;
            }

            if (_blackholeEnd == BlackholeEnd.DropAndCut)
            {
                // Mark before lifting the blackhole: a writer that sees it lifted must also see that its
                // connection is doomed, or it could deliver held bytes in the gap before the reset.
                toCut = [.. _connections];
                foreach (var connection in toCut)
                {
                    connection.MarkClosing();
                }
            }

            _blackholed = false;
            SignalStateChangedLocked();
        }

        foreach (var connection in toCut)
        {
            connection.Abort();
        }
    }

    private async Task EndBlackholeAfterAsync(long generation, TimeSpan duration, CancellationToken disposing)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Timers may fire a little early; tests assert "held for at least the duration".
            for (var remaining = duration; remaining > TimeSpan.Zero; remaining = duration - Stopwatch.GetElapsedTime(started))
            {
                await Task.Delay(remaining, disposing).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Disposed while waiting: there is no blackhole left to end, and this task is never observed.
            return;
        }

        EndBlackhole(generation);
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // E.g. a client that gave up before accept (ECONNABORTED): keep listening, but never spin.
                try
                {
                    await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            Interlocked.Increment(ref _connectionsAccepted);
            var connection = new FaultProxyConnection(this, client);
            bool tracked;
            lock (_lock)
            {
                tracked = !_disposed;
                if (tracked)
                {
                    _connections.Add(connection);
                }
            }

            if (!tracked)
            {
                connection.Abort();
                return;
            }

            connection.Start();
        }
    }

    private sealed class ArmedRpcFault(RpcFaultKind kind, int remaining)
    {
        public RpcFaultKind Kind { get; } = kind;

        /// <summary>Start a blackhole just before the connection is cut.</summary>
        public bool HoldAfter { get; init; }

        /// <summary>Calls still to be seen before the fault fires; the one that brings it to 0 is hit.</summary>
        public int Remaining { get; set; } = remaining;

        public TaskCompletionSource<uint> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
