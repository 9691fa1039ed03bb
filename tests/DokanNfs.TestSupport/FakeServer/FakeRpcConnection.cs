using System.Buffers.Binary;
using System.Net.Sockets;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeServer;

/// <summary>
/// One accepted connection of a <see cref="FakeRpcServer"/>: reads CALL records (RFC 5531 §11 record
/// marking, reassembling fragments), hands each call to the server's script on its own task so many are
/// outstanding at once, and writes replies one whole record at a time.
/// </summary>
public sealed class FakeRpcConnection
{
    /// <summary>Bigger calls are a client bug; refusing them keeps a broken client from exhausting memory.</summary>
    private const int MaxCallRecordSize = 64 * 1024 * 1024;

    private static readonly TimeSpan HandlerGrace = TimeSpan.FromSeconds(5);

    private readonly FakeRpcServer _server;
    private readonly Socket _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<ReceivedCall> _unanswered = [];
    private readonly List<Task> _handlers = [];
    private readonly CancellationTokenSource _closing;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<uint, TaskCompletionSource<byte[]>> _callsToClient = new();
    private int _nextCallbackXid = 0x5EC0_0000;
    private int _closed;

    internal FakeRpcConnection(FakeRpcServer server, Socket socket, int id, CancellationToken serverStopping)
    {
        _server = server;
        _socket = socket;
        _closing = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
        Closing = _closing.Token;
        Id = id;
    }

    /// <summary>1 for the first connection the server accepted, 2 for the next, and so on.</summary>
    public int Id { get; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Cancelled when this connection closes or the server stops; handlers that wait should observe it.</summary>
    public CancellationToken Closing { get; }

    /// <summary>
    /// Calls the client on this connection, as an NFSv4.1 server does over the back channel (RFC 8881 §2.10.3.1):
    /// a CALL with AUTH_NONE and <paramref name="args"/>, and the client's whole REPLY message (header included) back.
    /// </summary>
    public async Task<byte[]> CallClientAsync(uint program, uint version, uint procedure, ReadOnlyMemory<byte> args, CancellationToken cancellationToken)
    {
        var xid = (uint)Interlocked.Increment(ref _nextCallbackXid);
        using var w = new XdrWriter();
        w.WriteUInt32(xid);
        w.WriteEnum(RpcMsgType.Call);
        w.WriteUInt32(RpcLimits.RpcVersion);
        w.WriteUInt32(program);
        w.WriteUInt32(version);
        w.WriteUInt32(procedure);
        w.WriteUInt64(0); // AUTH_NONE credential
        w.WriteUInt64(0); // AUTH_NONE verifier
        w.WriteFixedOpaque(args.Span);
        return await CallClientRawAsync(xid, w.WrittenSpan.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="message"/> (a whole RPC message whose XID is <paramref name="xid"/>) and waits for the REPLY to it.</summary>
    public async Task<byte[]> CallClientRawAsync(uint xid, byte[] message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _callsToClient[xid] = reply;
        var wire = new byte[RecordMarking.HeaderSize + message.Length];
        RecordMarking.WriteHeader(wire, message.Length, isLast: true);
        message.CopyTo(wire, RecordMarking.HeaderSize);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Closing);
        await WriteAsync(wire, 0, linked.Token).ConfigureAwait(false);
        return await reply.Task.WaitAsync(linked.Token).ConfigureAwait(false);
    }

    /// <summary>Closes gracefully: the client reads end-of-stream (FIN).</summary>
    public void Close() => Shutdown(reset: false);

    /// <summary>Aborts: a zero linger time makes the close send RST, so the client sees a connection reset.</summary>
    public void Reset() => Shutdown(reset: true);

    internal async Task RunAsync()
    {
        var cancellationToken = Closing;
        try
        {
            while (await ReadCallAsync(cancellationToken).ConfigureAwait(false) is { } call)
            {
                lock (_lock)
                {
                    _unanswered.Add(call);
                    _handlers.Add(Task.Run(() => HandleAsync(call, cancellationToken), CancellationToken.None));
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The client went away, or the script or the server closed this connection.
        }
        catch (XdrException ex)
        {
            _server.RecordError(new InvalidOperationException($"Connection {Id}: the client sent a malformed CALL: {ex.Message}", ex));
        }
        catch (InvalidDataException ex)
        {
            _server.RecordError(ex);
        }
        finally
        {
            Shutdown(reset: false);
        }

        Task[] handlers;
        lock (_lock)
        {
            handlers = [.. _handlers];
        }

        // The write lock and the token source are left to the GC: Close() may still be running on another
        // thread, and a script may wait on something that never comes, so there is no safe moment to dispose.
        try
        {
            await Task.WhenAll(handlers).WaitAsync(HandlerGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Left running; everything it could touch is closed.
        }
    }

    private async Task HandleAsync(ReceivedCall call, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _server.Handler(call).ConfigureAwait(false);
            var sent = await SendAsync(call, reply, cancellationToken).ConfigureAwait(false);
            Finish(call, sent);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The connection ended while the reply was being sent or delayed.
            Finish(call, answered: false);
        }
#pragma warning disable CA1031 // A failing script must not take the server down; the test sees it in Errors.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _server.RecordError(new InvalidOperationException($"The script failed for {call}: {ex.Message}", ex));
            Finish(call, answered: false);
        }
    }

    /// <summary>Plays one script; true if something was written for the call and the connection was left open.</summary>
    private async Task<bool> SendAsync(ReceivedCall call, FakeReply reply, CancellationToken cancellationToken)
    {
        var wrote = false;
        for (var step = reply; step is not null; step = step.Next)
        {
            if (step.Delay > TimeSpan.Zero)
            {
                await Task.Delay(step.Delay, cancellationToken).ConfigureAwait(false);
            }

            switch (step.Kind)
            {
                case FakeReplyKind.Nothing:
                    break;
                case FakeReplyKind.Close:
                    Close();
                    return false;
                case FakeReplyKind.Reset:
                    Reset();
                    return false;
                default:
                    await WriteAsync(step.EncodeWire(call.Xid), step.WriteChunkSize, cancellationToken).ConfigureAwait(false);
                    wrote = true;
                    break;
            }
        }

        return wrote;
    }

    private async Task WriteAsync(byte[] wire, int chunkSize, CancellationToken cancellationToken)
    {
        // One record at a time: interleaving two replies' bytes would corrupt the stream's framing.
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (chunkSize <= 0)
            {
                await _socket.SendAsync(wire, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                return;
            }

            for (var at = 0; at < wire.Length; at += chunkSize)
            {
                var length = Math.Min(chunkSize, wire.Length - at);
                await _socket.SendAsync(wire.AsMemory(at, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);

                // NoDelay is on, so each piece leaves as its own segment; a short pause lets the client read it alone.
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Finish(ReceivedCall call, bool answered)
    {
        bool wasUnanswered;
        lock (_lock)
        {
            wasUnanswered = _unanswered.Remove(call);
        }

        if (wasUnanswered)
        {
            _server.OnCallFinished();
        }

        call.TrySetAnswered(answered);
    }

    /// <summary>Reads one CALL record; null on a clean end of stream between records.</summary>
    private async Task<ReceivedCall?> ReadCallAsync(CancellationToken cancellationToken)
    {
        var header = new byte[RecordMarking.HeaderSize];
        var body = new MemoryStream();
        var fragmentLengths = new List<int>();
        while (true)
        {
            var got = await ReceiveAsync(header, cancellationToken).ConfigureAwait(false);
            if (got == 0 && fragmentLengths.Count == 0)
            {
                return null;
            }

            if (got < header.Length)
            {
                throw new IOException($"Connection {Id}: the client closed the connection inside a record.");
            }

            var (length, isLast) = RecordMarking.ReadHeader(header);
            if (body.Length + length > MaxCallRecordSize)
            {
                throw new InvalidDataException($"Connection {Id}: a CALL record of more than {MaxCallRecordSize} bytes.");
            }

            var fragment = new byte[length];
            if (await ReceiveAsync(fragment, cancellationToken).ConfigureAwait(false) < length)
            {
                throw new IOException($"Connection {Id}: the client closed the connection inside a fragment.");
            }

            body.Write(fragment);
            fragmentLengths.Add(length);
            if (isLast)
            {
                var record = body.ToArray();
                if (record.Length >= 8
                    && BinaryPrimitives.ReadUInt32BigEndian(record.AsSpan(4)) == (uint)RpcMsgType.Reply
                    && _callsToClient.TryRemove(BinaryPrimitives.ReadUInt32BigEndian(record), out var waiter))
                {
                    // The client's answer to a call of ours (CallClientAsync); any other REPLY is the client's error.
                    waiter.TrySetResult(record);
                    body.SetLength(0);
                    fragmentLengths.Clear();
                    continue;
                }

                return _server.OnCallReceived(this, record, fragmentLengths);
            }
        }
    }

    /// <summary>Fills <paramref name="buffer"/>; returns fewer bytes only at end of stream.</summary>
    private async Task<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await _socket.ReceiveAsync(buffer[total..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private void Shutdown(bool reset)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        try
        {
            if (reset)
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
            else
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer is already gone; closing below is all that is left to do.
        }

        _socket.Close();
        _closing.Cancel();
        ReceivedCall[] abandoned;
        lock (_lock)
        {
            abandoned = [.. _unanswered];
        }

        foreach (var call in abandoned)
        {
            Finish(call, answered: false);
        }
    }
}
