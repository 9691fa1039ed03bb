using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace DokanNfs.TestSupport.Faults;

/// <summary>How a <see cref="RpcRecordClient.ReceiveAsync"/> ended.</summary>
public enum RpcReceiptKind
{
    /// <summary>A whole record arrived.</summary>
    Record,

    /// <summary>The connection ended (FIN or reset) and every record before that has been received.</summary>
    Closed,

    /// <summary>Nothing arrived within the timeout; the connection is still open.</summary>
    TimedOut,
}

/// <summary>
/// The outcome of one receive: the record's body for <see cref="RpcReceiptKind.Record"/>; for
/// <see cref="RpcReceiptKind.Closed"/>, the error that ended the connection (null after a clean FIN).
/// </summary>
public readonly record struct RpcReceipt(RpcReceiptKind Kind, byte[]? Body, Exception? CloseError);

/// <summary>
/// A test-side RPC peer over RFC 5531 §11 record marking. A background reader parses records as they
/// arrive and queues them, so a receive that times out never loses a partly read record and a test can
/// ask "did anything arrive in 300 ms?" and later "now wait for it".
/// </summary>
public sealed class RpcRecordClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<byte[]> _records = Channel.CreateUnbounded<byte[]>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private Task _reader = Task.CompletedTask;
    private Exception? _closeError;

    private RpcRecordClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RpcRecordClient> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new RpcRecordClient(socket);
        client._reader = client.ReadLoopAsync(client._stop.Token);
        return client;
    }

    /// <summary>Writes bytes exactly as given, in one send: already framed records, or any fragment of them.</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);

    /// <summary>Sends one CALL record (XID, msg_type CALL, payload) split into fragments of at most <paramref name="maxFragmentLength"/>.</summary>
    public Task SendCallAsync(
        uint xid,
        ReadOnlyMemory<byte> payload,
        int maxFragmentLength = RpcRecordMarking.MaxFragmentLength,
        CancellationToken cancellationToken = default)
    {
        var body = RpcRecordMarking.BuildMessage(xid, RpcRecordMarking.CallMessageType, payload.Span);
        return SendRawAsync(RpcRecordMarking.Encode(body, maxFragmentLength), cancellationToken);
    }

    /// <summary>
    /// The next record, or <see cref="RpcReceiptKind.Closed"/> once the connection has ended, or
    /// <see cref="RpcReceiptKind.TimedOut"/> if neither happened within <paramref name="timeout"/>.
    /// </summary>
    public async Task<RpcReceipt> ReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (await _records.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false)
                && _records.Reader.TryRead(out var body))
            {
                return new RpcReceipt(RpcReceiptKind.Record, body, null);
            }

            // Completed and drained: the reader has stored why before completing the channel.
            return new RpcReceipt(RpcReceiptKind.Closed, null, Volatile.Read(ref _closeError));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new RpcReceipt(RpcReceiptKind.TimedOut, null, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the test: nothing to shut down.
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await RpcRecordMarking.ReadRecordAsync(_stream, cancellationToken: cancellationToken).ConfigureAwait(false) is { } record)
            {
                _records.Writer.TryWrite(record);
            }
        }
        catch (Exception e)
        {
            Volatile.Write(ref _closeError, e);
        }
        finally
        {
            _records.Writer.TryComplete();
        }
    }
}
