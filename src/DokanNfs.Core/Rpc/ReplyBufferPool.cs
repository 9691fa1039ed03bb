using System.Buffers;
using System.Numerics;

namespace DokanNfs.Core.Rpc;

/// <summary>
/// The buffers large replies are received into (a READ's record, 1 MiB of data and its header), reused last in, first
/// out by every thread alike. The receive thread rents them and the reader returns them on another thread; the shared
/// <see cref="ArrayPool{T}"/> keeps a returned array in the returning thread's own slot first, so the receive thread
/// went on to the next array of the per-core stacks, and each reply was received into memory last touched several
/// replies ago. Here the buffer the reader gave back last is the next one filled, while it is still in the CPU's caches:
/// the kernel's copy out of the socket is most of a sequential read's client CPU (docs/PERFORMANCE.md, "2026-11-22,
/// later still"). Any other size goes to the shared pool, and either pool takes the other's arrays back. What is kept
/// is bounded (<see cref="DefaultRetainedMax"/>): unlike the shared pool, this one is never trimmed.
/// </summary>
internal sealed class ReplyBufferPool
{
    /// <summary>The smallest buffer kept here, 256 KiB: below it the shared pool's per-thread slots serve as well.</summary>
    public const int MinLength = 1 << MinShift;

    /// <summary>The largest, 16 MiB: as large as a record may be made (RpcClientOptions.MaxRecordSize is 4 MiB by default).</summary>
    public const int MaxLength = 1 << MaxShift;

    /// <summary>
    /// Bytes kept at most, 16 MiB: eight READ buffers of 2 MiB — a handle's read-ahead window (2–4) and its reader's lease,
    /// for a few handles reading at once.
    /// </summary>
    public const long DefaultRetainedMax = 16L * 1024 * 1024;

    private const int MinShift = 18;
    private const int MaxShift = 24;

    private readonly Bucket[] _buckets;
    private readonly long _retainedMax;
    private long _retained;

    internal ReplyBufferPool(long retainedMax = DefaultRetainedMax)
    {
        _retainedMax = retainedMax;
        _buckets = new Bucket[MaxShift - MinShift + 1];
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new Bucket();
        }
    }

    /// <summary>The pool every connection's receive thread rents from.</summary>
    public static ReplyBufferPool Shared { get; } = new();

    /// <summary>Bytes held for reuse now.</summary>
    public long Retained => Interlocked.Read(ref _retained);

    /// <summary>A buffer of at least <paramref name="length"/> bytes; its contents are undefined.</summary>
    public byte[] Rent(int length)
    {
        if (length <= MinLength / 2 || length > MaxLength)
        {
            return ArrayPool<byte>.Shared.Rent(length);
        }

        var shift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length));
        if (_buckets[shift - MinShift].TryPop() is { } buffer)
        {
            Interlocked.Add(ref _retained, -buffer.Length);
            return buffer;
        }

        return GC.AllocateUninitializedArray<byte>(1 << shift);
    }

    /// <summary>Gives back a buffer from <see cref="Rent"/> or from the shared pool.</summary>
    public void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var length = buffer.Length;
        if (length >= MinLength && length <= MaxLength && BitOperations.IsPow2(length))
        {
            if (Interlocked.Add(ref _retained, length) <= _retainedMax && _buckets[BitOperations.Log2((uint)length) - MinShift].TryPush(buffer))
            {
                return;
            }

            Interlocked.Add(ref _retained, -length);
        }

        ArrayPool<byte>.Shared.Return(buffer);
    }

    private sealed class Bucket
    {
        // Eight at most of one size: the byte bound above is what limits the large ones.
        private readonly byte[]?[] _stack = new byte[8][];
        private readonly Lock _lock = new();
        private int _count;

        public byte[]? TryPop()
        {
            lock (_lock)
            {
                if (_count == 0)
                {
                    return null;
                }

                var buffer = _stack[--_count];
                _stack[_count] = null;
                return buffer;
            }
        }

        public bool TryPush(byte[] buffer)
        {
            lock (_lock)
            {
                if (_count == _stack.Length)
                {
                    return false;
                }

                _stack[_count++] = buffer;
                return true;
            }
        }
    }
}
