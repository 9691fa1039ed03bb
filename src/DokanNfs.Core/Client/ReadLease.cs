using System.Buffers;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

/// <summary>
/// Bytes of a file lent to the caller rather than copied into a buffer of its own (<see cref="NfsOpenFile.ReadLeasedAsync"/>):
/// <see cref="Count"/> bytes at <see cref="Memory"/>, in a buffer rented from <see cref="ArrayPool{T}.Shared"/> that
/// <see cref="Dispose"/> gives back. Dispose it exactly once, and use none of its bytes after.
/// </summary>
public readonly struct ReadLease : IDisposable
{
    private readonly byte[]? _buffer;
    private readonly int _start;

    /// <summary>A lease of <paramref name="count"/> bytes at <paramref name="start"/> of a buffer rented from ArrayPool&lt;byte&gt;.Shared.</summary>
    public ReadLease(byte[] pooledBuffer, int start, int count, bool eof)
    {
        ArgumentNullException.ThrowIfNull(pooledBuffer);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, pooledBuffer.Length - start);
        _buffer = pooledBuffer;
        _start = start;
        Count = count;
        Eof = eof;
    }

    /// <summary>How many bytes were read: fewer than asked for at the end of the file, or where a READ came back short.</summary>
    public int Count { get; }

    /// <summary>The server said the file ends right after these bytes.</summary>
    public bool Eof { get; }

    /// <summary>The bytes read.</summary>
    public ReadOnlyMemory<byte> Memory => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(_start, Count);

    /// <summary>Reads into a buffer rented for the lease with <paramref name="read"/> (a read that copies, for the cases that cannot lend).</summary>
    public static async ValueTask<ReadLease> ReadIntoRentedAsync(int maxLength, Func<Memory<byte>, ValueTask<int>> read)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        ArgumentNullException.ThrowIfNull(read);
        var buffer = ArrayPool<byte>.Shared.Rent(maxLength);
        try
        {
            var count = await read(buffer.AsMemory(0, maxLength)).ConfigureAwait(false);

            // ReadAsync comes back short only at the end of the file.
            return new ReadLease(buffer, 0, count, eof: count < maxLength);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Gives the buffer back to the pool.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            ReplyBufferPool.Shared.Return(_buffer);
        }
    }
}
