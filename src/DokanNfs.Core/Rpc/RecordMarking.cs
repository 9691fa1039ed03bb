using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

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

/// <summary>
/// A whole record in a buffer rented from <see cref="ReplyBufferPool"/> (or, small, from the shared pool, which either
/// pool takes back); whoever holds it returns it once. <see cref="Placed"/>: the bulk data of this reply went to that
/// placement's destination instead (its length in the record patched to 0).
/// </summary>
internal readonly record struct ReceivedRecord(byte[] Buffer, int Length, ReplyPlacement? Placed = null)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);

    public void Return() => ReplyBufferPool.Shared.Return(Buffer);
}

/// <summary>
/// Reads whole records from a socket with blocking receives, on the connection's own receive thread: small fragments
/// come out of one receive buffer, large fragment bodies are received straight into the record's own buffer. A
/// record larger than the configured maximum is refused before its buffer is grown, so a hostile length costs nothing.
/// </summary>
/// <remarks>
/// Blocking, not async: an async receive on Linux completes on the socket engine's thread and hops to a thread-pool
/// worker for every partial receive — several per 1 MiB READ reply — and those hops (wake-ups, and the workers'
/// spinning while they wait for more) cost more client CPU than the bytes themselves (docs/PERFORMANCE.md). A thread
/// that sleeps in recv() wakes once per arrival and nothing else. The thread ends when the socket is shut down.
/// </remarks>
internal sealed class RecordReader : IDisposable
{
    /// <summary>Replies smaller than this are not worth placing: their copy costs less than finding their data.</summary>
    internal const int PlacementMinimum = 64 * 1024;

    /// <summary>How much of a reply is looked at to find its data (RPC header, COMPOUND header, SEQUENCE, PUTFH, READ).</summary>
    private const int PlacementHead = 512;

    /// <summary>
    /// How much a receive asks for after a large fragment (<see cref="PlacementMinimum"/> or more): the next one is likely
    /// large too (a sequential read), and what a receive buffers of its body is copied twice, into the receive buffer and
    /// out of it. A profile of a 512 MiB read showed that second copy (64 KiB of every MiB) as 3 % of the client's CPU.
    /// After a small fragment a receive fills the whole buffer: many small replies in one system call.
    /// </summary>
    internal const int AfterLargeFragmentFill = 4096;

    private readonly Socket _socket;
    private readonly int _maxRecordSize;
    private readonly Func<uint, ReplyPlacement?>? _placementFor;
    private readonly byte[] _padding = new byte[4];
    private byte[] _receiveBuffer;
    private int _start;
    private int _end;
    private int _fillLimit = int.MaxValue;

    /// <param name="placementFor">The placement the call with a given XID carries, if any (<see cref="ReplyPlacement"/>).</param>
    public RecordReader(Socket socket, int maxRecordSize, int receiveBufferSize = 64 * 1024, Func<uint, ReplyPlacement?>? placementFor = null)
    {
        _socket = socket;
        _maxRecordSize = maxRecordSize;
        _placementFor = placementFor;
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(receiveBufferSize);
    }

    /// <summary>Bytes copied out of the receive buffer into records (the second copy; for tests).</summary>
    internal long BufferedBytesCopied { get; private set; }

    /// <summary>The next record, or null when the peer closed the connection cleanly between records.</summary>
    public ReceivedRecord? ReadRecord()
    {
        byte[]? record = null;
        var total = 0;
        try
        {
            while (true)
            {
                if (!Fill(RecordMarking.HeaderSize))
                {
                    if (total == 0 && _end == _start)
                    {
                        return null;
                    }

                    throw new RpcConnectionLostException("The server closed the connection in the middle of a record.");
                }

                var (length, isLast) = RecordMarking.ReadHeader(_receiveBuffer.AsSpan(_start, RecordMarking.HeaderSize));
                _start += RecordMarking.HeaderSize;
                _fillLimit = length >= PlacementMinimum ? AfterLargeFragmentFill : int.MaxValue;
                if ((long)total + length > _maxRecordSize)
                {
                    throw new RpcMalformedReplyException(
                        $"Record of at least {(long)total + length} bytes exceeds the {_maxRecordSize}-byte maximum.");
                }

                if (total == 0 && isLast && length >= PlacementMinimum && _placementFor is not null && ReadPlaced(length) is { } placed)
                {
                    return placed;
                }

                record = EnsureCapacity(record, total, total + length, isLast);
                ReadExactly(record.AsSpan(total, length));
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
                ReplyBufferPool.Shared.Return(record);
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

    /// <summary>
    /// A one-fragment reply whose call carries a placement with a destination registered: its head and tail go into the
    /// record, its data straight into the destination. Null (nothing consumed but the head buffered) otherwise.
    /// </summary>
    private ReceivedRecord? ReadPlaced(int length)
    {
        if (!Fill(Math.Min(length, PlacementHead)))
        {
            throw new RpcConnectionLostException("The server closed the connection in the middle of a record.");
        }

        var head = _receiveBuffer.AsSpan(_start, Math.Min(_end - _start, length));
        if (!RpcMessage.TryPeekXid(head, out var xid, out var type) || type != RpcMsgType.Reply || _placementFor!(xid) is not { } placement ||
            !placement.TryBegin(head, length, out var dataOffset, out var destination))
        {
            return null;
        }

        // XDR pads opaque data to four bytes (RFC 4506 §4.10); the padding is dropped with the data's length.
        var padding = (4 - (destination.Length % 4)) % 4;
        var tail = length - dataOffset - destination.Length - padding;
        var record = ArrayPool<byte>.Shared.Rent(Math.Max(dataOffset + Math.Max(tail, 0), 16));
        var placed = false;
        try
        {
            if (tail < 0)
            {
                throw new RpcMalformedReplyException($"A READ reply of {length} bytes declares {destination.Length} bytes of data at {dataOffset}.");
            }

            ReadExactly(record.AsSpan(0, dataOffset));
            ReadExactly(destination.Span);
            ReadExactly(_padding.AsSpan(0, padding));
            ReadExactly(record.AsSpan(dataOffset, tail));
            BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(dataOffset - 4), 0);
            placed = true;
            return new ReceivedRecord(record, dataOffset + tail, placement);
        }
        finally
        {
            placement.End(placed ? destination.Length : -1);
            if (!placed)
            {
                ArrayPool<byte>.Shared.Return(record);
            }
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
        var larger = ReplyBufferPool.Shared.Rent(Math.Max(size, 16));
        if (record is not null)
        {
            record.AsSpan(0, used).CopyTo(larger);
            ReplyBufferPool.Shared.Return(record);
        }

        return larger;
    }

    private void ReadExactly(Span<byte> destination)
    {
        var buffered = Math.Min(_end - _start, destination.Length);
        _receiveBuffer.AsSpan(_start, buffered).CopyTo(destination);
        _start += buffered;
        BufferedBytesCopied += buffered;
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
                var n = _socket.Receive(destination, SocketFlags.None);
                if (n == 0)
                {
                    throw new RpcConnectionLostException("The server closed the connection in the middle of a record.");
                }

                destination = destination[n..];
            }

            return;
        }

        if (!Fill(destination.Length))
        {
            throw new RpcConnectionLostException("The server closed the connection in the middle of a record.");
        }

        _receiveBuffer.AsSpan(_start, destination.Length).CopyTo(destination);
        _start += destination.Length;
        BufferedBytesCopied += destination.Length;
    }

    /// <summary>Buffers at least <paramref name="count"/> bytes; false on a clean end of stream.</summary>
    private bool Fill(int count)
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

        // At least count bytes, at most the limit beyond them (or the whole buffer).
        var upTo = (int)Math.Min(_receiveBuffer.Length, Math.Max((long)count, _fillLimit));
        while (_end < count)
        {
            var n = _socket.Receive(_receiveBuffer.AsSpan(_end, upTo - _end), SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            _end += n;
        }

        return true;
    }
}
