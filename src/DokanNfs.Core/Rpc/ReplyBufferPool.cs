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
/// later still"). Any other size goes to the shared pool, and either pool takes the other's arrays back.
/// </summary>
internal static class ReplyBufferPool
{
    /// <summary>The smallest buffer kept here, 256 KiB: below it the shared pool's per-thread slots serve as well.</summary>
    public const int MinLength = 1 << MinShift;

    /// <summary>The largest, 16 MiB: as large as a record may be (RpcClientOptions.MaxRecordSize is 4 MiB by default).</summary>
    public const int MaxLength = 1 << MaxShift;

    /// <summary>Buffers kept per size: a handle's read-ahead window (at most 4) and a reader's lease, for a few handles.</summary>
    public const int PerSize = 8;

    private const int MinShift = 18;
    private const int MaxShift = 24;

    private static readonly Bucket[] Buckets = CreateBuckets();

    /// <summary>A buffer of at least <paramref name="length"/> bytes; its contents are undefined.</summary>
    public static byte[] Rent(int length)
    {
        if (length <= MinLength / 2 || length > MaxLength)
        {
            return ArrayPool<byte>.Shared.Rent(length);
        }

        var shift = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length));
        return Buckets[shift - MinShift].TryPop() ?? GC.AllocateUninitializedArray<byte>(1 << shift);
    }

    /// <summary>Gives back a buffer from <see cref="Rent"/> or from the shared pool.</summary>
    public static void Return(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var length = buffer.Length;
        if (length < MinLength || length > MaxLength || !BitOperations.IsPow2(length) || !Buckets[BitOperations.Log2((uint)length) - MinShift].TryPush(buffer))
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Bucket[] CreateBuckets()
    {
        var buckets = new Bucket[MaxShift - MinShift + 1];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = new Bucket();
        }

        return buckets;
    }

    private sealed class Bucket
    {
        private readonly byte[]?[] _stack = new byte[PerSize][];
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
