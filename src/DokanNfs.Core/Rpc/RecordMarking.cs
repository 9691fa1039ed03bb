using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace DokanNfs.Core.Rpc;

/// <summary>
/// RFC 5531 §11 record marking: a record is one or more fragments, each preceded by a four-byte header
/// whose top bit says "last fragment" and whose low 31 bits give the fragment's length.
/// </summary>
public static class RecordMarking
{
    public const int HeaderSize = 4;

    public const uint LastFragmentBit = 0x8000_0000;

    public const int MaxFragmentLength = 0x7FFF_FFFF;

    public static uint EncodeHeader(int fragmentLength, bool isLast)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fragmentLength);
        return (uint)fragmentLength | (isLast ? LastFragmentBit : 0);
    }

    public static void WriteHeader(Span<byte> destination, int fragmentLength, bool isLast) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, EncodeHeader(fragmentLength, isLast));

    public static (int FragmentLength, bool IsLast) DecodeHeader(uint header) =>
        ((int)(header & ~LastFragmentBit), (header & LastFragmentBit) != 0);

    public static (int FragmentLength, bool IsLast) ReadHeader(ReadOnlySpan<byte> source) =>
        DecodeHeader(BinaryPrimitives.ReadUInt32BigEndian(source));
}

/// <summary>A whole record in a buffer rented from the shared pool; whoever holds it returns it once.</summary>
internal readonly record struct ReceivedRecord(byte[] Buffer, int Length)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
}

/// <summary>
/// Reads whole records from a socket: small fragments come out of one receive buffer, large fragment
/// bodies are received straight into the record's own buffer. A record larger than the configured
/// maximum is refused before its buffer is grown, so a hostile length costs nothing.
/// </summary>
internal sealed class RecordReader : IDisposable
{
    private readonly Socket _socket;
    private readonly int _maxRecordSize;
    private byte[] _receiveBuffer;
    private int _start;
    private int _end;

    public RecordReader(Socket socket, int maxRecordSize, int receiveBufferSize = 64 * 1024)
    {
        _socket = socket;
        _maxRecordSize = maxRecordSize;
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(receiveBufferSize);
    }

    /// <summary>The next record, or null when the peer closed the connection cleanly between records.</summary>
    // Pooled: one state machine per call would otherwise be boxed whenever the call waits (bench/README.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReceivedRecord?> ReadRecordAsync(CancellationToken cancellationToken)
    {
        byte[]? record = null;
        var total = 0;
        try
        {
            while (true)
            {
                if (!await FillAsync(RecordMarking.HeaderSize, cancellationToken).ConfigureAwait(false))
                {
                    if (total == 0 && _end == _start)
                    {
                        return null;
                    }

                    throw new RpcConnectionLostException("The server closed the connection in the middle of a record.");
                }

                var (length, isLast) = RecordMarking.ReadHeader(_receiveBuffer.AsSpan(_start, RecordMarking.HeaderSize));
                _start += RecordMarking.HeaderSize;
                if ((long)total + length > _maxRecordSize)
                {
                    throw new RpcMalformedReplyException(
                        $"Record of at least {(long)total + length} bytes exceeds the {_maxRecordSize}-byte maximum.");
                }

                record = EnsureCapacity(record, total, total + length, isLast);
                await ReadExactlyAsync(record.AsMemory(total, length), cancellationToken).ConfigureAwait(false);
                total += length;
                if (isLast)
                {
                    var done = new ReceivedRecord(record, total);
                    record = null;
                    return done;
                }
            }
        }
        finally
        {
            if (record is not null)
            {
                ArrayPool<byte>.Shared.Return(record);
            }
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _receiveBuffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private byte[] EnsureCapacity(byte[]? record, int used, int needed, bool isLast)
    {
        if (record is not null && record.Length >= needed)
        {
            return record;
        }

        // A record still growing gets headroom so a many-fragment record is not copied per fragment.
        var size = isLast ? needed : (int)Math.Min(needed * 2L, _maxRecordSize);
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(size, 16));
        if (record is not null)
        {
            record.AsSpan(0, used).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(record);
        }

        return larger;
    }

    // Pooled: one state machine per call would otherwise be boxed whenever the call waits (bench/README.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(_end - _start, destination.Length);
        _receiveBuffer.AsSpan(_start, buffered).CopyTo(destination.Span);
        _start += buffered;
        destination = destination[buffered..];
        if (destination.IsEmpty)
        {
            return;
        }

        if (destination.Length >= _receiveBuffer.Length / 2)
        {
            // A large body goes straight from the socket into the record: one copy fewer.
            while (!destination.IsEmpty)
            {
                var n = await _socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new RpcConnectionLostException("The server closed the connection in the middle of a record.");
                }

                destination = destination[n..];
            }

            return;
        }

        if (!await FillAsync(destination.Length, cancellationToken).ConfigureAwait(false))
        {
            throw new RpcConnectionLostException("The server closed the connection in the middle of a record.");
        }

        _receiveBuffer.AsSpan(_start, destination.Length).CopyTo(destination.Span);
        _start += destination.Length;
    }

    /// <summary>Buffers at least <paramref name="count"/> bytes; false on a clean end of stream.</summary>
    // Pooled: one state machine per call would otherwise be boxed whenever the call waits (bench/README.md).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_start > 0)
        {
            _receiveBuffer.AsSpan(_start, _end - _start).CopyTo(_receiveBuffer);
            _end -= _start;
            _start = 0;
        }

        while (_end < count)
        {
            var n = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            _end += n;
        }

        return true;
    }
}
