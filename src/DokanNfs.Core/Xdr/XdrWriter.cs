using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace DokanNfs.Core.Xdr;

/// <summary>
/// XDR encoder (RFC 4506) into a growable buffer rented from <see cref="ArrayPool{T}"/>. One writer is
/// reused call after call (<see cref="Reset"/>), so encoding allocates nothing once the buffer has grown
/// to the largest message. Passing a value the protocol cannot carry (a string over its maximum, say) is a
/// programming error and raises <see cref="ArgumentException"/>, never <see cref="XdrException"/>.
/// </summary>
public sealed class XdrWriter : IBufferWriter<byte>, IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ArrayPool<byte> _pool;
    private byte[] _buffer;
    private int _length;
    private int _spliceAt = -1;
    private ArraySegment<byte> _splice;

    public XdrWriter(int initialCapacity = 1024, ArrayPool<byte>? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        _pool = pool ?? ArrayPool<byte>.Shared;
        _buffer = _pool.Rent(initialCapacity);
    }

    /// <summary>Bytes in the writer's own buffer (a spliced opaque's data not included: <see cref="TotalLength"/>).</summary>
    public int Length => _length;

    /// <summary>The encoded length, a spliced opaque's data included.</summary>
    public int TotalLength => _length + (HasSplice ? _splice.Count : 0);

    /// <summary>Whether an opaque's data is spliced in rather than copied (<see cref="WriteOpaqueSpliced"/>).</summary>
    public bool HasSplice => _spliceAt >= 0;

    /// <summary>Where in the writer's buffer the spliced data belongs (it goes before the byte at this position).</summary>
    public int SpliceAt => _spliceAt;

    /// <summary>The spliced data (the caller's array, not copied).</summary>
    public ArraySegment<byte> Splice => _splice;

    /// <summary>The encoded bytes; with a splice in place the bytes are not contiguous, so asking is a programming error.</summary>
    public ReadOnlySpan<byte> WrittenSpan => HasSplice ? throw SpliceInTheWay() : _buffer.AsSpan(0, _length);

    /// <summary>The encoded bytes (see <see cref="WrittenSpan"/>).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => HasSplice ? throw SpliceInTheWay() : _buffer.AsMemory(0, _length);

    /// <summary>Forgets what was written (and any splice) and keeps the buffer for the next message.</summary>
    public void Reset()
    {
        _length = 0;
        _spliceAt = -1;
        _splice = default;
    }

    public void WriteInt32(int value) => WriteUInt32((uint)value);

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);
        _length += 4;
    }

    public void WriteInt64(long value) => WriteUInt64((ulong)value);

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(Grow(8), value);
        _length += 8;
    }

    public void WriteBool(bool value) => WriteUInt32(value ? 1u : 0u);

    public void WriteEnum<T>(T value)
        where T : unmanaged, Enum
    {
        if (Unsafe.SizeOf<T>() != 4)
        {
            throw new ArgumentException($"{typeof(T).Name} is not a 32-bit enum.");
        }

        WriteInt32(Unsafe.As<T, int>(ref value));
    }

    /// <summary>An optional-data discriminant (RFC 4506 §4.19); the caller writes the value after true.</summary>
    public void WriteOptional(bool present) => WriteBool(present);

    /// <summary>Fixed-length opaque data followed by zero padding (RFC 4506 §4.9).</summary>
    public void WriteFixedOpaque(ReadOnlySpan<byte> data)
    {
        var padded = (int)XdrReader.PaddedLength(data.Length);
        var span = Grow(padded);
        data.CopyTo(span);
        span[data.Length..padded].Clear();
        _length += padded;
    }

    /// <summary>
    /// Variable-length opaque data (RFC 4506 §4.10) whose bytes are not copied: the length and the padding go into the
    /// buffer and the data is sent from <paramref name="data"/> itself, in its place (a WRITE's payload, so that the bytes
    /// of an upload are not copied into every request). One splice per message; <paramref name="data"/> must stay
    /// unchanged until the message is sent. Returns false, having written nothing, when the data is not in an array or
    /// a splice is already in place: the caller then writes it with <see cref="WriteOpaque"/>.
    /// </summary>
    public bool WriteOpaqueSpliced(ReadOnlyMemory<byte> data)
    {
        if (HasSplice || !System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment))
        {
            return false;
        }

        WriteUInt32((uint)data.Length);
        _spliceAt = _length;
        _splice = segment;
        var padding = (int)XdrReader.PaddedLength(data.Length) - data.Length;
        Grow(padding)[..padding].Clear();
        _length += padding;
        return true;
    }

    /// <summary>The writer's own buffer, for a send that gathers it around the splice (only the first <see cref="Length"/> bytes count).</summary>
    internal byte[] GetBufferForSend() => _buffer;

    private static InvalidOperationException SpliceInTheWay() =>
        new("The message has spliced data: its bytes are the buffer up to SpliceAt, the splice, then the rest of the buffer.");

    /// <summary>Variable-length opaque data (RFC 4506 §4.10).</summary>
    public void WriteOpaque(ReadOnlySpan<byte> data, int maxLength = int.MaxValue)
    {
        if (data.Length > maxLength)
        {
            throw new ArgumentException($"Opaque of {data.Length} bytes exceeds its maximum of {maxLength}.", nameof(data));
        }

        WriteUInt32((uint)data.Length);
        WriteFixedOpaque(data);
    }

    /// <summary>A string (RFC 4506 §4.11) encoded as UTF-8 straight into the buffer.</summary>
    public void WriteString(ReadOnlySpan<char> value, int maxLength = int.MaxValue)
    {
        var byteCount = StrictUtf8.GetByteCount(value);
        if (byteCount > maxLength)
        {
            throw new ArgumentException($"String of {byteCount} UTF-8 bytes exceeds its maximum of {maxLength}.", nameof(value));
        }

        var padded = (int)XdrReader.PaddedLength(byteCount);
        var span = Grow(4 + padded);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)byteCount);
        StrictUtf8.GetBytes(value, span[4..]);
        span[(4 + byteCount)..(4 + padded)].Clear();
        _length += 4 + padded;
    }

    /// <summary>The element count of a variable-length array (RFC 4506 §4.13); the elements follow.</summary>
    public void WriteArrayCount(int count, int maxCount = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, maxCount);
        WriteUInt32((uint)count);
    }

    /// <summary>Reserves four bytes to fill in later (a length or count known only after its contents).</summary>
    public int ReserveUInt32()
    {
        var position = _length;
        WriteUInt32(0);
        return position;
    }

    public void PatchUInt32(int position, uint value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, _length - 4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(position, 4), value);
    }

    /// <summary>Pads what was written through <see cref="GetSpan"/> / <see cref="Advance"/> to four bytes.</summary>
    public void Align()
    {
        var pad = (int)XdrReader.PaddedLength(_length) - _length;
        if (pad > 0)
        {
            Grow(pad)[..pad].Clear();
            _length += pad;
        }
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _length);
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0) => Grow(Math.Max(sizeHint, 1));

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = Array.Empty<byte>();
        _length = 0;
        _spliceAt = -1;
        _splice = default;
        if (buffer.Length > 0)
        {
            _pool.Return(buffer);
        }
    }

    /// <summary>Makes room for <paramref name="count"/> more bytes and returns the free span.</summary>
    private Span<byte> Grow(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Resize(count);
        }

        return _buffer.AsSpan(_length);
    }

    private void Resize(int count)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var needed = (long)_length + count;
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"XDR message would exceed {Array.MaxLength} bytes.");
        }

        var size = (int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_buffer.Length * 2));
        var larger = _pool.Rent(size);
        _buffer.AsSpan(0, _length).CopyTo(larger);
        _pool.Return(_buffer);
        _buffer = larger;
    }

    private bool IsDisposed => ReferenceEquals(_buffer, Array.Empty<byte>());
}
