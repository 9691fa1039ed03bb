using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DokanNfs.TestSupport.FakeServer;

/// <summary>
/// A scripted ONC RPC server on 127.0.0.1 at a free port, for what a real server will not do on demand:
/// every RFC 5531 §9 error reply, replies that are late, out of order, fragmented or malformed, and
/// connections that close or reset under pending calls. It decodes calls and encodes replies with the
/// production codec (<see cref="Core.Xdr.XdrReader"/>, <see cref="Core.Xdr.XdrWriter"/>,
/// <see cref="Core.Rpc.RecordMarking"/>), so the tests exercise the client against the same wire format it
/// implements. Each call is handed to the script on its own task, so many calls are outstanding at once.
/// <code>
/// await using var server = await FakeRpcServer.StartAsync(call => FakeReply.Success());
/// </code>
/// </summary>
public sealed class FakeRpcServer : IAsyncDisposable
{
    /// <summary>How long the waits of this class give by default: long, because they are for things that should happen.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(30);

    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<ReceivedCall> _calls = [];
    private readonly List<FakeRpcConnection> _connections = [];
    private readonly List<Task> _connectionTasks = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Signal)> _waiters = [];
    private readonly ConcurrentQueue<Exception> _errors = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _unanswered;
    private int _maxUnanswered;
    private bool _disposed;

    private FakeRpcServer(Socket listener, Func<ReceivedCall, ValueTask<FakeReply>> handler)
    {
        _listener = listener;
        Handler = handler;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>How many connections the server has accepted so far.</summary>
    public int AcceptedConnections
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Calls received whose scripted reply has not yet been fully written.</summary>
    public int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>The most calls that were ever received and not yet answered at the same time, over all connections.</summary>
    public int MaxConcurrentUnanswered => Volatile.Read(ref _maxUnanswered);

    /// <summary>Every call received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<FakeRpcConnection> Connections
    {
        get
        {
            lock (_lock)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>Script failures and malformed calls; a test that expects a clean run asserts this is empty.</summary>
    public IReadOnlyCollection<Exception> Errors => [.. _errors];

    internal Func<ReceivedCall, ValueTask<FakeReply>> Handler { get; }

    /// <summary>Starts a server whose script decides, call by call and possibly asynchronously, what to do.</summary>
    public static Task<FakeRpcServer> StartAsync(Func<ReceivedCall, ValueTask<FakeReply>> handler) => StartAsync(handler, null);

    /// <summary>
    /// As <see cref="StartAsync(Func{ReceivedCall, ValueTask{FakeReply}})"/>, listening on <paramref name="bindTo"/>
    /// (127.0.0.1 on a free port when null). Referral tests need several servers on one port, told apart by
    /// address (127.0.0.N, [::1]), because fs_locations name servers without a port.
    /// </summary>
    public static Task<FakeRpcServer> StartAsync(Func<ReceivedCall, ValueTask<FakeReply>> handler, IPEndPoint? bindTo)
    {
        ArgumentNullException.ThrowIfNull(handler);
        bindTo ??= new IPEndPoint(IPAddress.Loopback, 0);
        var listener = new Socket(bindTo.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(bindTo);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new FakeRpcServer(listener, handler);
        server._acceptLoop = Task.Run(server.AcceptLoopAsync);
        return Task.FromResult(server);
    }

    /// <summary>Starts a server whose script answers each call at once.</summary>
    public static Task<FakeRpcServer> StartAsync(Func<ReceivedCall, FakeReply> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(call => ValueTask.FromResult(handler(call)));
    }

    /// <summary>Completes with the calls so far once at least <paramref name="count"/> have been received.</summary>
    public async Task<IReadOnlyList<ReceivedCall>> WaitForCallsAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await WaitUntilAsync(() => _calls.Count >= count, $"{count} calls", timeout, cancellationToken).ConfigureAwait(false);
        return Calls;
    }

    /// <summary>Completes once at least <paramref name="count"/> connections have been accepted.</summary>
    public Task WaitForConnectionsAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        WaitUntilAsync(() => _connections.Count >= count, $"{count} connections", timeout, cancellationToken);

    /// <summary>Closes every open connection gracefully (FIN).</summary>
    public void CloseAllConnections()
    {
        foreach (var connection in Connections)
        {
            connection.Close();
        }
    }

    /// <summary>Resets every open connection (RST).</summary>
    public void ResetAllConnections()
    {
        foreach (var connection in Connections)
        {
            connection.Reset();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        CloseAllConnections();
        Task[] connectionTasks;
        lock (_lock)
        {
            connectionTasks = [.. _connectionTasks];
            foreach (var (_, signal) in _waiters)
            {
                signal.TrySetException(new ObjectDisposedException(nameof(FakeRpcServer)));
            }

            _waiters.Clear();
        }

        await Task.WhenAll(connectionTasks).ConfigureAwait(false);
        _stop.Dispose();
    }

    internal ReceivedCall OnCallReceived(FakeRpcConnection connection, byte[] record, List<int> fragmentLengths)
    {
        ReceivedCall call;
        lock (_lock)
        {
            call = ReceivedCall.Parse(this, connection, _calls.Count, record, fragmentLengths);
            _calls.Add(call);
            var unanswered = ++_unanswered;
            _maxUnanswered = Math.Max(_maxUnanswered, unanswered);
            SignalWaiters();
        }

        return call;
    }

    internal void OnCallFinished()
    {
        lock (_lock)
        {
            _unanswered--;
        }
    }

    internal void RecordError(Exception error) => _errors.Enqueue(error);

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_lock)
            {
                if (_disposed)
                {
                    socket.Dispose();
                    return;
                }

                var connection = new FakeRpcConnection(this, socket, _connections.Count + 1, _stop.Token);
                _connections.Add(connection);
                _connectionTasks.Add(Task.Run(connection.RunAsync));
                SignalWaiters();
            }
        }
    }

    private async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (condition())
            {
                return;
            }

            _waiters.Add((condition, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout ?? DefaultWaitTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Signal == signal);
                throw new TimeoutException(
                    $"The fake RPC server waited in vain for {what}: it has {_calls.Count} calls on {_connections.Count} connections.");
            }
        }
    }

    private void SignalWaiters()
    {
        // Called with _lock held, after the state a waiter's condition reads has changed.
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Condition())
            {
                _waiters[i].Signal.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }
}
