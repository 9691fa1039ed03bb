using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Core.Rpc;

/// <summary>
/// An ONC RPC client (RFC 5531) for one server over TCP. Calls share one connection and run concurrently.
/// When the connection dies, the calls on it fail with <see cref="RpcConnectionLostException"/> and the
/// next call connects again, after a backoff that doubles per failed attempt up to a cap. Whether to
/// re-send a failed call is the caller's decision: only it knows whether that is safe.
/// </summary>
public sealed class RpcClient : IAsyncDisposable
{
    private readonly EndPoint _endPoint;
    private readonly RpcClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ConcurrentQueue<XdrWriter> _writers = new();
    private RpcConnection? _connection;
    private IRpcCallHandler? _callHandler;
    private long _generation;
    private int _failedConnects;
    private long _nextConnectTicks;
    private uint _nextXid = (uint)Random.Shared.Next();
    private bool _disposed;

    public RpcClient(EndPoint endPoint, RpcClientOptions? options = null, ILogger? logger = null)
    {
        _endPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
        _options = options ?? new RpcClientOptions();
        RpcConnection.ValidateOptions(_options);
        _logger = logger ?? NullLogger.Instance;
    }

    public EndPoint EndPoint => _endPoint;

    public RpcClientOptions Options => _options;

    /// <summary>The current connection, if any (for statistics and tests).</summary>
    public RpcConnection? Connection => Volatile.Read(ref _connection);

    /// <summary>How many connections this client has made; grows by one per reconnect.</summary>
    public long ConnectionCount => Interlocked.Read(ref _generation);

    /// <summary>
    /// Who answers the calls the server makes on this client's connections (the NFSv4.1 back channel, RFC 8881
    /// §2.10.3.1): given to the current connection and to every one made later.
    /// </summary>
    internal IRpcCallHandler? CallHandler
    {
        get => Volatile.Read(ref _callHandler);
        set
        {
            Volatile.Write(ref _callHandler, value);
            if (Volatile.Read(ref _connection) is { } connection)
            {
                connection.CallHandler = value;
            }
        }
    }

    /// <summary>Calls a remote procedure and decodes its results with <paramref name="decodeResults"/>.</summary>
    // Pooled: one state machine per call would otherwise be boxed whenever the call waits (bench/README.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<TResult> CallAsync<TArgs, TResult>(
        uint program, uint version, uint procedure, TArgs args, RpcResultDecoder<TResult> decodeResults, CancellationToken cancellationToken, RpcCredential? credential = null)
        where TArgs : IRpcArgs
    {
        ArgumentNullException.ThrowIfNull(decodeResults);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        var xid = Interlocked.Increment(ref _nextXid);
        var writer = RentWriter();
        ReceivedRecord record;
        try
        {
            record = await connection.CallAsync(
                xid, program, version, procedure, credential ?? _options.Credential, args, writer, _options.CallTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ReturnWriter(writer);
        }

        // The decoder may keep the reply's buffer (RpcReplyBuffer.TryTake): then it is the decoder's to return.
        RpcReplyBuffer.BeginDecoding(record);
        try
        {
            return RpcMessage.DecodeReply(record.Span, decodeResults);
        }
        finally
        {
            if (!RpcReplyBuffer.EndDecoding())
            {
                record.Return();
            }
        }
    }

    /// <summary>The NULL procedure (RFC 5531 §12): a round trip that proves the server serves this program.</summary>
    public ValueTask<bool> NullAsync(uint program, uint version, CancellationToken cancellationToken) =>
        CallAsync(program, version, 0, default(RpcVoidArgs), static (ref XdrReader r) => true, cancellationToken);

    /// <summary>
    /// Makes sure a connection is up, connecting if none is (after the reconnect backoff, like a call): for a
    /// caller that waits for the server to be reachable again without sending anything. Fails as a call's
    /// connect would, with <see cref="RpcConnectException"/>.
    /// </summary>
    public async ValueTask ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the current connection on purpose (e.g. after a call timed out on a hard mount).</summary>
    public void Disconnect(Exception reason) => Volatile.Read(ref _connection)?.Break(reason);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        while (_writers.TryDequeue(out var writer))
        {
            writer.Dispose();
        }

        // _connectLock is not disposed, for the reason RpcConnection keeps its send lock: a call still
        // connecting would throw ObjectDisposedException on release instead of failing as disposed.
    }

    private async ValueTask<RpcConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is { IsBroken: false })
        {
            return connection;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            connection = _connection;
            if (connection is { IsBroken: false })
            {
                return connection;
            }

            if (connection is not null)
            {
                _connection = null;
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            var wait = _nextConnectTicks - Environment.TickCount64;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken).ConfigureAwait(false);
            }

            var generation = Interlocked.Read(ref _generation) + 1;
            try
            {
                connection = await RpcConnection.ConnectAsync(_endPoint, _options, generation, _logger, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _failedConnects++;
                var backoff = Backoff(_failedConnects);
                _nextConnectTicks = Environment.TickCount64 + (long)backoff.TotalMilliseconds;
                RpcLog.ConnectFailed(_logger, _endPoint.ToString() ?? "?", backoff, ex);
                var what = ex is SocketException se ? se.SocketErrorCode.ToString() : "connect timed out";
                throw new RpcConnectException($"Cannot connect to {_endPoint}: {what}.", ex);
            }

            if (_disposed)
            {
                // DisposeAsync ran while we were connecting: nobody would ever close this socket.
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(RpcClient));
            }

            connection.CallHandler = CallHandler;
            _failedConnects = 0;
            _nextConnectTicks = 0;
            Interlocked.Exchange(ref _generation, generation);
            Volatile.Write(ref _connection, connection);
            RpcLog.Connected(_logger, _endPoint.ToString() ?? "?", generation);
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var delay = _options.ReconnectDelayMin * factor;
        return delay < _options.ReconnectDelayMax ? delay : _options.ReconnectDelayMax;
    }

    private XdrWriter RentWriter() => _writers.TryDequeue(out var writer) ? writer : new XdrWriter(4096);

    private void ReturnWriter(XdrWriter writer)
    {
        // Keep a handful; a burst of large writes should not pin megabytes forever.
        if (_writers.Count < 16 && writer.Length <= 1024 * 1024 + 4096)
        {
            // Let go of any spliced data (a WRITE's payload, the caller's buffer) now the call is over.
            writer.Reset();
            _writers.Enqueue(writer);
        }
        else
        {
            writer.Dispose();
        }
    }
}
