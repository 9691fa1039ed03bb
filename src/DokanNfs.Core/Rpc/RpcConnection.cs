using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Rpc;

/// <summary>
/// One TCP connection carrying many calls at once (RFC 5531 §11). Writers take a lock only for the time
/// it takes to put one record on the socket; replies are matched to calls by XID in a pending table, so no
/// lock is held across a round trip and no thread waits per call. <see cref="Break"/> is the single place a
/// connection dies: every pending call fails at once with <see cref="RpcConnectionLostException"/>.
/// Replies are read by a thread of the connection's own, blocking in the socket (see <see cref="RecordReader"/>);
/// records are sent with blocking sends by the caller that holds the send lock.
/// </summary>
public sealed class RpcConnection : IAsyncDisposable
{
    /// <summary>Records this small may be sent from the receive thread when the socket is writable (see SendRecordAsync).</summary>
    private const int SmallRecord = 4096;

    private readonly Socket _socket;
    private readonly ConcurrentDictionary<uint, PendingCall> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _fragmentHeader = new byte[RecordMarking.HeaderSize];
    private readonly List<ArraySegment<byte>> _gather = new(3);
    private readonly RecordReader _recordReader;
    private readonly int _maxFragmentSize;
    private readonly bool _inlineReplies;
    private readonly ILogger _logger;
    private readonly string _server;
    private readonly TaskCompletionSource _receiveLoopEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _receiveThread;
    private readonly Timer _timeoutSweep;
    private readonly Lock _sweepLock = new();
    private Exception? _breakReason;
    private IRpcCallHandler? _callHandler;
    private int _peakInFlight;
    private long _sweepPeriodMs;

    private RpcConnection(Socket socket, RpcClientOptions options, long generation, ILogger logger)
    {
        _socket = socket;
        _maxFragmentSize = options.MaxFragmentSize;
        _inlineReplies = options.InlineReplyContinuations;
        _logger = logger;
        _server = socket.RemoteEndPoint?.ToString() ?? "?";
        Generation = generation;
        _recordReader = new RecordReader(socket, options.MaxRecordSize, placementFor: xid => _pending.TryGetValue(xid, out var call) ? call.Placement : null);
        _receiveThread = new Thread(static s => ((RpcConnection)s!).ReceiveLoop())
        {
            IsBackground = true,
            Name = "DokanNfs RPC receive",
        };
        _receiveThread.UnsafeStart(this);
        _sweepPeriodMs = SweepPeriodMs(options.CallTimeout);
        _timeoutSweep = new Timer(static s => ((RpcConnection)s!).SweepTimeouts(), this, _sweepPeriodMs, _sweepPeriodMs);
    }

    /// <summary>The finest granularity of per-call timeouts: one sweep of the pending table per interval, not a timer per call.</summary>
    public static TimeSpan MinTimeoutSweepInterval { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The coarsest: a 30 s call timeout is noticed within a second.</summary>
    public static TimeSpan MaxTimeoutSweepInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the pending table is swept now (the shortest timeout seen on this connection decides).</summary>
    public TimeSpan TimeoutSweepInterval => TimeSpan.FromMilliseconds(Interlocked.Read(ref _sweepPeriodMs));

    /// <summary>Counts connections made by one client, so callers can tell a reconnect happened.</summary>
    public long Generation { get; }

    public bool IsBroken => Volatile.Read(ref _breakReason) is not null;

    public int InFlight => _pending.Count;

    /// <summary>The most calls that were ever waiting for replies at once on this connection.</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    public EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    /// <summary>Who answers the server's calls on this connection (the NFSv4.1 back channel); null: they are dropped.</summary>
    internal IRpcCallHandler? CallHandler
    {
        get => Volatile.Read(ref _callHandler);
        set => Volatile.Write(ref _callHandler, value);
    }

    public static async Task<RpcConnection> ConnectAsync(EndPoint endPoint, RpcClientOptions options, long generation, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(options);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // A blocking connect on a pool thread, not Socket.ConnectAsync: on Linux an async connect leaves the socket
            // non-blocking for good, and the receive thread's receives would then go through the socket engine's
            // thread instead of sleeping in the kernel (RecordReader). Disposing the socket ends a connect still waiting.
            var connect = Task.Run(() => socket.Connect(endPoint), CancellationToken.None);
            try
            {
                await connect.WaitAsync(options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                socket.Dispose();
                _ = connect.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw ex as OperationCanceledException ?? new OperationCanceledException($"No connection to {endPoint} within {options.ConnectTimeout}.", ex);
            }

            return new RpcConnection(socket, options, generation, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends one call and waits for its reply record. The reply's buffer belongs to the caller afterwards.
    /// </summary>
    // Pooled: one state machine per call would otherwise be boxed whenever the call waits (bench/README.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<ReceivedRecord> CallAsync<TArgs>(
        uint xid, uint program, uint version, uint procedure, RpcCredential credential, TArgs args, XdrWriter writer, TimeSpan timeout, CancellationToken cancellationToken)
        where TArgs : IRpcArgs
    {
        cancellationToken.ThrowIfCancellationRequested();
        writer.Reset();
        var markAt = writer.ReserveUInt32();
        RpcMessage.WriteCallHeader(writer, xid, program, version, procedure, credential);
        args.Encode(writer);

        // Timeout.InfiniteTimeSpan (-1 ms) means no deadline, not a deadline already past.
        var deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        SweepAtLeastFor(timeout);
        var call = PendingCall.Rent(this, xid, deadline, _inlineReplies, ReplyPlacement.Current);
        var version0 = call.Version;
        if (!_pending.TryAdd(xid, call))
        {
            // Only a wrapped-around XID still in flight could collide: astronomically unlikely, never silent.
            call.SetException(new InvalidOperationException($"XID {xid:x8} is already in flight."));
            await new ValueTask<ReceivedRecord>(call, version0).ConfigureAwait(false);
        }

        UpdatePeak();
        if (Volatile.Read(ref _breakReason) is { } reason)
        {
            TryFail(call, Lost(reason));
        }
        else
        {
            call.RegisterCancellation(cancellationToken);
            try
            {
                await SendRecordAsync(writer, markAt, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException)
            {
                // The call was never (fully) sent: fail it here unless Break or cancellation already did.
                TryFail(call, ex);
            }
        }

        return await new ValueTask<ReceivedRecord>(call, version0).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the reply to a call the server made (<see cref="CallHandler"/>): <paramref name="writer"/> holds a record
    /// mark reserved at <paramref name="markAt"/> and the reply message after it. Fails as a call's send does.
    /// </summary>
    internal ValueTask SendReplyAsync(XdrWriter writer, int markAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return SendRecordAsync(writer, markAt, cancellationToken);
    }

    /// <summary>Kills the connection: closes the socket and fails every pending call. Safe to call many times.</summary>
    public Exception Break(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (Interlocked.CompareExchange(ref _breakReason, reason, null) is null)
        {
            RpcLog.ConnectionLost(_logger, _server, _pending.Count, reason.Message);
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Already reset by the peer: nothing left to shut down.
            }
            catch (ObjectDisposedException)
            {
            }

            _socket.Close();
            foreach (var (xid, call) in _pending)
            {
                if (_pending.TryRemove(new KeyValuePair<uint, PendingCall>(xid, call)))
                {
                    call.SetException(Lost(reason));
                }
            }
        }

        return Lost(Volatile.Read(ref _breakReason)!);
    }

    public async ValueTask DisposeAsync()
    {
        Break(new ObjectDisposedException(nameof(RpcConnection), "The RPC connection was closed by its owner."));
        await _timeoutSweep.DisposeAsync().ConfigureAwait(false);
        await _receiveLoopEnded.Task.ConfigureAwait(false);
        _recordReader.Dispose();
        _socket.Dispose();

        // _sendLock is deliberately not disposed: a caller that took this connection before it broke may still
        // be waiting for it or about to release it. Disposing it made the releaser throw ObjectDisposedException
        // and left the waiter hanging forever; once released, that waiter's send fails on the closed socket and
        // it gets RpcConnectionLostException like every other call. It holds no wait handle, so GC suffices.
    }

    /// <summary>Refuses settings the connection cannot work with.</summary>
    internal static void ValidateOptions(RpcClientOptions options)
    {
        // A fragment must carry at least one byte, or SendRecordAsync would write empty fragments forever.
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFragmentSize, nameof(options.MaxFragmentSize));
    }

    /// <summary>Fails one pending call if it is still pending (it may have just been answered).</summary>
    internal bool TryFail(PendingCall call, Exception exception)
    {
        if (_pending.TryRemove(new KeyValuePair<uint, PendingCall>(call.Xid, call)))
        {
            call.SetException(exception);
            return true;
        }

        return false;
    }

    private static RpcConnectionLostException Lost(Exception reason) =>
        reason as RpcConnectionLostException ?? new RpcConnectionLostException("The RPC connection was lost: " + reason.Message, reason);

    private void UpdatePeak()
    {
        var count = _pending.Count;
        var peak = Volatile.Read(ref _peakInFlight);
        while (count > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakInFlight, count, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }
    }

    // Pooled: one state machine per call would otherwise be boxed whenever the call waits for the lock.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendRecordAsync(XdrWriter writer, int markAt, CancellationToken cancellationToken)
    {
        var bodyLength = writer.TotalLength - markAt - RecordMarking.HeaderSize;
        // Waiting for our turn may be cancelled freely: nothing of this record is on the wire yet.
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Thread.CurrentThread == _receiveThread && !(writer.TotalLength - markAt <= SmallRecord && _socket.Poll(0, SelectMode.SelectWrite)))
            {
                // A reply's continuation runs here (InlineReplyContinuations): a blocking send that waits for the server
                // to read, while the server waits for us to read its replies, would never end. A small record into a
                // writable socket cannot block (Linux reports writable only with a third of the send buffer free, at
                // least several KiB); anything else is sent from the thread pool instead.
                await Task.Yield();
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Cancelled in the middle of a record, the stream is left unframed: cancellation then breaks the connection
            // (which also ends a send blocked on a server that stopped reading).
            using var cancelSend = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static (s, token) => ((RpcConnection)s!).Break(new OperationCanceledException(token)), this)
                : default;
            if (bodyLength <= _maxFragmentSize)
            {
                writer.PatchUInt32(markAt, RecordMarking.EncodeHeader(bodyLength, isLast: true));
                if (writer.HasSplice)
                {
                    SendSpliced(writer, markAt);
                }
                else
                {
                    SendAll(writer.WrittenSpan[markAt..]);
                }

                return;
            }

            // RFC 5531 §11: a record larger than one fragment goes out as several, only the last one marked.
            using var flat = Flatten(writer);
            var body = flat.Memory[(markAt + RecordMarking.HeaderSize)..];
            while (!body.IsEmpty)
            {
                var length = Math.Min(body.Length, _maxFragmentSize);
                RecordMarking.WriteHeader(_fragmentHeader, length, isLast: length == body.Length);
                SendAll(_fragmentHeader);
                SendAll(body.Span[..length]);
                body = body[length..];
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // A record cut off mid-way leaves the stream unframed: the connection cannot be used again.
            var lost = Break(ex);
            cancellationToken.ThrowIfCancellationRequested();
            throw lost;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// A record whose WRITE data is spliced in (XdrWriter.WriteOpaqueSpliced): the buffer up to the data, the data from
    /// the caller's array, the rest of the buffer, gathered into one send (a profile of a 512 MiB upload showed the copy
    /// of every byte into the request as a third of the client's copying).
    /// </summary>
    private void SendSpliced(XdrWriter writer, int markAt)
    {
        var buffer = writer.GetBufferForSend();
        var segments = _gather;
        segments.Clear();
        segments.Add(new ArraySegment<byte>(buffer, markAt, writer.SpliceAt - markAt));
        segments.Add(writer.Splice);
        segments.Add(new ArraySegment<byte>(buffer, writer.SpliceAt, writer.Length - writer.SpliceAt));
        var total = writer.TotalLength - markAt;
        var sent = _socket.Send(segments, SocketFlags.None);
        segments.Clear();
        if (sent < total)
        {
            // A blocking send sends everything; should the platform stop short, the rest goes the plain way.
            SendRemainder(writer, markAt, sent);
        }
    }

    private void SendRemainder(XdrWriter writer, int markAt, int sent)
    {
        var buffer = writer.GetBufferForSend();
        SendPart(buffer.AsSpan(markAt, writer.SpliceAt - markAt), ref sent);
        SendPart(writer.Splice.AsSpan(), ref sent);
        SendPart(buffer.AsSpan(writer.SpliceAt, writer.Length - writer.SpliceAt), ref sent);
    }

    /// <summary>Sends what of <paramref name="part"/> is not among the <paramref name="alreadySent"/> bytes sent before it.</summary>
    private void SendPart(ReadOnlySpan<byte> part, ref int alreadySent)
    {
        var skip = Math.Min(alreadySent, part.Length);
        alreadySent -= skip;
        SendAll(part[skip..]);
    }

    /// <summary>A spliced record made contiguous (for the rare record of several fragments).</summary>
    private static FlatRecord Flatten(XdrWriter writer)
    {
        if (!writer.HasSplice)
        {
            return new FlatRecord(null, writer.WrittenMemory);
        }

        var buffer = writer.GetBufferForSend();
        var flat = ArrayPool<byte>.Shared.Rent(writer.TotalLength);
        buffer.AsSpan(0, writer.SpliceAt).CopyTo(flat);
        writer.Splice.AsSpan().CopyTo(flat.AsSpan(writer.SpliceAt));
        buffer.AsSpan(writer.SpliceAt, writer.Length - writer.SpliceAt).CopyTo(flat.AsSpan(writer.SpliceAt + writer.Splice.Count));
        return new FlatRecord(flat, flat.AsMemory(0, writer.TotalLength));
    }

    private readonly record struct FlatRecord(byte[]? Rented, ReadOnlyMemory<byte> Memory) : IDisposable
    {
        public void Dispose()
        {
            if (Rented is not null)
            {
                ArrayPool<byte>.Shared.Return(Rented);
            }
        }
    }

    private void SendAll(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = _socket.Send(data, SocketFlags.None);
            data = data[sent..];
        }
    }

    private void ReceiveLoop()
    {
        try
        {
            while (true)
            {
                if (_recordReader.ReadRecord() is not { } record)
                {
                    Break(new RpcConnectionLostException($"The server {_server} closed the connection."));
                    return;
                }

                Dispatch(record);
            }
        }
        catch (Exception ex) when (ex is RpcException or SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            Break(ex);
        }
#pragma warning disable CA1031 // The receive loop is an exception barrier: nothing it meets may crash the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Break(new RpcConnectionLostException("The RPC receive loop failed: " + ex.Message, ex));
        }
        finally
        {
            _receiveLoopEnded.TrySetResult();
        }
    }

    private void Dispatch(ReceivedRecord record)
    {
        if (!RpcMessage.TryPeekXid(record.Span, out var xid, out var type))
        {
            // The reply this record stood for can never be matched, so its call would hang until its timeout;
            // a peer that sends such records is broken. Fail everything now and let the next call reconnect.
            RpcLog.RuntRecord(_logger, _server, record.Length);
            var length = record.Length;
            record.Return();
            throw new RpcMalformedReplyException($"Record of {length} bytes from {_server} is too short to hold an XID and msg_type.");
        }

        if (type == RpcMsgType.Call && CallHandler is { } handler)
        {
            handler.HandleCall(this, record);
            return;
        }

        if (type != RpcMsgType.Reply)
        {
            RpcLog.UnexpectedCall(_logger, _server, xid);
            record.Return();
            return;
        }

        if (_pending.TryRemove(xid, out var call))
        {
            call.SetResult(record);
            return;
        }

        RpcLog.UnknownXid(_logger, _server, xid);
        record.Return();
    }

    /// <summary>
    /// A twentieth of the call timeout, within [<see cref="MinTimeoutSweepInterval"/>, <see cref="MaxTimeoutSweepInterval"/>].
    /// Found by a profile of a sequential read: a sweep every 50 ms whatever the timeout woke a thread-pool worker 20
    /// times a second per connection, and each wake-up spun before sleeping again.
    /// </summary>
    internal static long SweepPeriodMs(TimeSpan timeout)
    {
        var min = (long)MinTimeoutSweepInterval.TotalMilliseconds;
        var max = (long)MaxTimeoutSweepInterval.TotalMilliseconds;
        return timeout == Timeout.InfiniteTimeSpan ? max : Math.Clamp((long)timeout.TotalMilliseconds / 20, min, max);
    }

    /// <summary>A call with a shorter timeout than any before makes the sweep finer (never coarser again).</summary>
    private void SweepAtLeastFor(TimeSpan timeout)
    {
        var wanted = SweepPeriodMs(timeout);
        if (wanted >= Interlocked.Read(ref _sweepPeriodMs))
        {
            return;
        }

        lock (_sweepLock)
        {
            // Under the lock, so that of two calls lowering it at once the shorter period is the one the timer keeps.
            if (wanted < _sweepPeriodMs)
            {
                Interlocked.Exchange(ref _sweepPeriodMs, wanted);
                _ = _timeoutSweep.Change(wanted, wanted);
            }
        }
    }

    private void SweepTimeouts()
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var now = Environment.TickCount64;
        foreach (var (xid, call) in _pending)
        {
            // Use the key, not call.Xid: a PendingCall answered meanwhile can be back from the pool under a new
            // XID, and removing by (key, call) only ever removes the rental this entry was made for.
            if (call.DeadlineTicks <= now && _pending.TryRemove(new KeyValuePair<uint, PendingCall>(xid, call)))
            {
                call.SetException(new RpcTimeoutException($"No reply from {_server} to call {xid:x8} within its timeout."));
                RpcLog.CallTimedOut(_logger, _server, xid);
            }
        }
    }
}
