using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace DokanNfs.Core.Xdr;

/// <summary>
/// Span-based XDR decoder (RFC 4506). Every read validates first and advances only on success, so a
/// failed read consumes nothing and the reader can report exactly where the input went wrong. Declared
/// lengths are checked against the bytes remaining and the field's protocol maximum before anything is
/// allocated.
/// </summary>
public ref struct XdrReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public XdrReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool IsAtEnd => _position == _buffer.Length;

    /// <summary>The bytes not yet read.</summary>
    public readonly ReadOnlySpan<byte> Rest => _buffer[_position..];

    public int ReadInt32() => (int)ReadUInt32();

    public uint ReadUInt32()
    {
        Require(4, "unsigned int");
        var value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position, 4));
        _position += 4;
        return value;
    }

    /// <summary>An XDR hyper (RFC 4506 §4.5).</summary>
    public long ReadInt64() => (long)ReadUInt64();

    public ulong ReadUInt64()
    {
        Require(8, "hyper");
        var value = BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>RFC 4506 §4.4: a boolean is an enum of exactly FALSE = 0 and TRUE = 1.</summary>
    public bool ReadBool()
    {
        Require(4, "bool");
        var value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position, 4));
        if (value > 1)
        {
            throw Malformed($"bool has value {value}, not 0 or 1");
        }

        _position += 4;
        return value == 1;
    }

    /// <summary>
    /// An enum (RFC 4506 §4.3) read as its 32-bit value. Whether the value is one the protocol defines is
    /// the caller's decision: NFSv4 adds values across minor versions.
    /// </summary>
    public T ReadEnum<T>()
        where T : unmanaged, Enum
    {
        if (Unsafe.SizeOf<T>() != 4)
        {
            throw new ArgumentException($"{typeof(T).Name} is not a 32-bit enum.");
        }

        var value = ReadInt32();
        return Unsafe.As<int, T>(ref value);
    }

    /// <summary>An optional-data discriminant (RFC 4506 §4.19): true when the value follows.</summary>
    public bool ReadOptional() => ReadBool();

    /// <summary>Fixed-length opaque data (RFC 4506 §4.9); the zero padding to a multiple of four is checked.</summary>
    public ReadOnlySpan<byte> ReadFixedOpaque(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var padded = PaddedLength(length);
        if (padded > Remaining)
        {
            throw Malformed($"fixed opaque needs {padded} bytes but only {Remaining} remain");
        }

        CheckPadding(_position + length, (int)padded - length);
        var data = _buffer.Slice(_position, length);
        _position += (int)padded;
        return data;
    }

    /// <summary>Variable-length opaque data (RFC 4506 §4.10), at most <paramref name="maxLength"/> bytes.</summary>
    public ReadOnlySpan<byte> ReadOpaque(int maxLength = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var length = PeekLength(maxLength, "opaque");
        var padded = PaddedLength(length);
        if (padded + 4 > Remaining)
        {
            throw Malformed($"opaque declares {length} bytes but only {Remaining - 4} remain");
        }

        CheckPadding(_position + 4 + length, (int)padded - length);
        var data = _buffer.Slice(_position + 4, length);
        _position += 4 + (int)padded;
        return data;
    }

    /// <summary>
    /// Skips variable-length opaque data of at most <paramref name="maxLength"/> bytes without checking that its
    /// padding is zero: for the echoed COMPOUND tag, which Linux nfsd (6.1) copies into the reply without zeroing the
    /// residual bytes, and which the client never reads.
    /// </summary>
    public void SkipOpaqueUncheckedPadding(int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var length = PeekLength(maxLength, "opaque");
        var padded = PaddedLength(length);
        if (padded + 4 > Remaining)
        {
            throw Malformed($"opaque declares {length} bytes but only {Remaining - 4} remain");
        }

        _position += 4 + (int)padded;
    }

    /// <summary>A string (RFC 4506 §4.11) of at most <paramref name="maxLength"/> bytes, decoded as strict UTF-8.</summary>
    public string ReadString(int maxLength = int.MaxValue)
    {
        var start = _position;
        var bytes = ReadOpaque(maxLength);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            _position = start;
            throw new XdrException($"string at offset {start} is not valid UTF-8", ex) { Position = start };
        }
    }

    /// <summary>
    /// The element count of a variable-length array (RFC 4506 §4.13). The count is checked against
    /// <paramref name="maxCount"/> and against the bytes remaining, given the smallest encoding an element can
    /// have, so a hostile count cannot make the caller allocate more than the input could ever fill.
    /// </summary>
    public int ReadArrayCount(int maxCount = int.MaxValue, int minElementSize = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        ArgumentOutOfRangeException.ThrowIfNegative(minElementSize);
        var count = PeekLength(maxCount, "array");
        if ((long)count * minElementSize > Remaining - 4)
        {
            throw Malformed($"array declares {count} elements of at least {minElementSize} bytes but only {Remaining - 4} bytes remain");
        }

        _position += 4;
        return count;
    }

    /// <summary>Skips <paramref name="count"/> bytes (already a multiple of four in well-formed XDR).</summary>
    public void Skip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Require(count, "skipped data");
        _position += count;
    }

    /// <summary>Throws unless every byte has been read: trailing garbage is as malformed as a short buffer.</summary>
    public readonly void ExpectEnd()
    {
        if (!IsAtEnd)
        {
            throw Malformed($"{Remaining} unexpected bytes after the end of the message");
        }
    }

    internal static long PaddedLength(int length) => ((long)length + 3) & ~3L;

    private readonly int PeekLength(int max, string what)
    {
        // Not Require(4, what + " length"): that would build the message string on every successful read.
        if (Remaining < 4)
        {
            throw Malformed($"{what} length needs 4 bytes but only {Remaining} remain");
        }

        var declared = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position, 4));
        if (declared > (uint)max)
        {
            throw Malformed($"{what} declares length {declared}, more than its maximum {max}");
        }

        return (int)declared;
    }

    private readonly void Require(int count, string what)
    {
        if (count > Remaining)
        {
            throw Malformed($"{what} needs {count} bytes but only {Remaining} remain");
        }
    }

    private readonly void CheckPadding(int start, int count)
    {
        // RFC 4506 §3: the residual bytes are zero. A sender that puts anything else there is broken.
        foreach (var b in _buffer.Slice(start, count))
        {
            if (b != 0)
            {
                throw Malformed("padding bytes are not zero");
            }
        }
    }

    private readonly XdrException Malformed(string message) =>
        new($"Malformed XDR at offset {_position}: {message}.") { Position = _position };
}
