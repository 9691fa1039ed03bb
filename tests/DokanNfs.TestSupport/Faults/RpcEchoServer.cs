using System.Net;
using System.Net.Sockets;

namespace DokanNfs.TestSupport.Faults;

/// <summary>
/// A tiny loopback server that speaks RFC 5531 §11 record marking and nothing more: it answers every
/// CALL record with one REPLY record carrying the same XID and echoing the call's payload (the bytes
/// after XID and msg_type). Enough to exercise <see cref="FaultProxy"/> or an RPC transport without NFS.
/// </summary>
public sealed class RpcEchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<uint> _xids = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private readonly List<Task> _connections = [];
    private Task _acceptLoop = Task.CompletedTask;
    private int _connectionsAccepted;
    private bool _disposed;

    private RpcEchoServer(Socket listener)
    {
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>CALL records received, counted before each is answered.</summary>
    public int CallsReceived
    {
        get
        {
            lock (_lock)
            {
                return _xids.Count;
            }
        }
    }

    /// <summary>Listens on <paramref name="address"/> (loopback by default) at a free port.</summary>
    public static RpcEchoServer Start(IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, 0));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new RpcEchoServer(listener);
        server._acceptLoop = server.AcceptLoopAsync(server._stop.Token);
        return server;
    }

    /// <summary>XIDs of every CALL received, in arrival order.</summary>
    public IReadOnlyList<uint> GetReceivedXids()
    {
        lock (_lock)
        {
            return [.. _xids];
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> calls have been received.</summary>
    public Task WaitForCallsAsync(int count, CancellationToken cancellationToken)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_xids.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, signal));
        }

        return signal.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Task[] connections;
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
        lock (_lock)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
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
                continue;
            }

            Interlocked.Increment(ref _connectionsAccepted);
            var connection = ServeAsync(socket, cancellationToken);
            lock (_lock)
            {
                _connections.Add(connection);
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            socket.NoDelay = true;
            var stream = new NetworkStream(socket, ownsSocket: true);
            await using (stream.ConfigureAwait(false))
            {
                while (await RpcRecordMarking.ReadRecordAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false) is { } call)
                {
                    if (call.Length < 8)
                    {
                        continue;
                    }

                    var (xid, messageType) = RpcRecordMarking.ReadMessageHeader(call);
                    if (messageType != RpcRecordMarking.CallMessageType)
                    {
                        continue;
                    }

                    Record(xid);
                    var reply = RpcRecordMarking.BuildMessage(xid, RpcRecordMarking.ReplyMessageType, call.AsSpan(8));
                    await stream.WriteAsync(RpcRecordMarking.Encode(reply), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception)
        {
            // Resets, cuts and shutdown are the point of the tests this server serves; never fault.
            socket.Dispose();
        }
    }

    private void Record(uint xid)
    {
        List<TaskCompletionSource> ready = [];
        lock (_lock)
        {
            _xids.Add(xid);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= _xids.Count)
                {
                    ready.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var signal in ready)
        {
            signal.TrySetResult();
        }
    }
}
