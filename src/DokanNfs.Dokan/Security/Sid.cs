using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace DokanNfs.Dokan.Security;

/// <summary>
/// A security identifier (MS-DTYP §2.4.2): a 48-bit identifier authority and 1 to 15 32-bit sub-authorities.
/// A value type with its sub-authorities stored inline, so making one (for every file whose owner has no
/// configured mapping) allocates nothing. <c>default(Sid)</c> is the Null SID, S-1-0-0.
/// </summary>
public readonly struct Sid : IEquatable<Sid>, ISpanFormattable
{
    /// <summary>MS-DTYP §2.4.2.2: "The maximum number of elements allowed is 15."</summary>
    public const int MaxSubAuthorities = 15;

    /// <summary>Revision, count and authority: the fixed part of the binary form.</summary>
    public const int HeaderLength = 8;

    /// <summary>The binary form of a SID with 15 sub-authorities.</summary>
    public const int MaxBinaryLength = HeaderLength + (4 * MaxSubAuthorities);

    /// <summary>MS-DTYP §2.4.2.2: the Revision field "MUST be set to 0x01".</summary>
    public const byte Revision = 1;

    /// <summary>The identifier authority is 6 bytes.</summary>
    public const ulong MaxIdentifierAuthority = 0xFFFF_FFFF_FFFF;

    /// <summary>"S-1-" + "0x" and 12 hex digits + 15 × ("-" and 10 digits).</summary>
    public const int MaxStringLength = 4 + 14 + (MaxSubAuthorities * 11);

    // Samba's convention for Unix ids that map to no Windows account (MS-DTYP leaves authority 22 unassigned):
    // S-1-22-1-uid for users, S-1-22-2-gid for groups.
    private const ulong UnixAuthority = 22;
    private const uint UnixUserRid = 1;
    private const uint UnixGroupRid = 2;

    private readonly SubAuthorityArray _subAuthorities;
    private readonly ulong _identifierAuthority;

    // Stored minus one so that default(Sid) has one sub-authority (0) and is the valid Null SID.
    private readonly byte _subAuthorityCountMinusOne;

    /// <summary>Makes a SID; throws <see cref="ArgumentOutOfRangeException"/> for an authority over 48 bits or a count outside 1..15.</summary>
    public Sid(ulong identifierAuthority, params ReadOnlySpan<uint> subAuthorities)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(identifierAuthority, MaxIdentifierAuthority);
        if (subAuthorities.Length is < 1 or > MaxSubAuthorities)
        {
            throw new ArgumentOutOfRangeException(nameof(subAuthorities), subAuthorities.Length, "A SID has 1 to 15 sub-authorities (MS-DTYP §2.4.2).");
        }

        _identifierAuthority = identifierAuthority;
        _subAuthorityCountMinusOne = (byte)(subAuthorities.Length - 1);
        for (var i = 0; i < subAuthorities.Length; i++)
        {
            _subAuthorities[i] = subAuthorities[i];
        }
    }

    /// <summary>S-1-0-0, the Null SID (also <c>default(Sid)</c>).</summary>
    public static Sid Null => default;

    /// <summary>S-1-1-0, Everyone (the World authority).</summary>
    public static Sid Everyone { get; } = new(1, 0);

    /// <summary>S-1-5-18, LocalSystem.</summary>
    public static Sid LocalSystem { get; } = new(5, 18);

    /// <summary>S-1-5-11, Authenticated Users.</summary>
    public static Sid AuthenticatedUsers { get; } = new(5, 11);

    /// <summary>S-1-5-32-544, BUILTIN\Administrators.</summary>
    public static Sid BuiltinAdministrators { get; } = new(5, 32, 544);

    public ulong IdentifierAuthority => _identifierAuthority;

    public int SubAuthorityCount => _subAuthorityCountMinusOne + 1;

    /// <summary>The last sub-authority: the relative identifier (RID) of a domain account.</summary>
    public uint Rid => _subAuthorities[_subAuthorityCountMinusOne];

    /// <summary>The length of the binary form (MS-DTYP §2.4.2.2).</summary>
    public int BinaryLength => HeaderLength + (4 * SubAuthorityCount);

    /// <summary>S-1-22-1-<paramref name="uid"/>: a Unix user with no mapped Windows account.</summary>
    public static Sid UnixUser(uint uid) => new(UnixAuthority, UnixUserRid, uid);

    /// <summary>S-1-22-2-<paramref name="gid"/>: a Unix group with no mapped Windows group.</summary>
    public static Sid UnixGroup(uint gid) => new(UnixAuthority, UnixGroupRid, gid);

    public static bool operator ==(Sid left, Sid right) => left.Equals(right);

    public static bool operator !=(Sid left, Sid right) => !left.Equals(right);

    public uint GetSubAuthority(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SubAuthorityCount);
        return _subAuthorities[index];
    }

    /// <summary>True and the uid when this is S-1-22-1-uid.</summary>
    public bool TryGetUnixUid(out uint uid) => TryGetUnixId(UnixUserRid, out uid);

    /// <summary>True and the gid when this is S-1-22-2-gid.</summary>
    public bool TryGetUnixGid(out uint gid) => TryGetUnixId(UnixGroupRid, out gid);

    // ---- binary form (MS-DTYP §2.4.2.2) ----

    /// <summary>
    /// Reads the binary SID at the start of <paramref name="source"/> (bytes after it are ignored). False, with
    /// nothing read, for a wrong revision, a count outside 1..15 or a source shorter than the count says.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out Sid sid, out int bytesConsumed)
    {
        sid = default;
        bytesConsumed = 0;
        if (source.Length < HeaderLength || source[0] != Revision)
        {
            return false;
        }

        int count = source[1];
        if (count is < 1 or > MaxSubAuthorities || source.Length < HeaderLength + (4 * count))
        {
            return false;
        }

        // The identifier authority is a 6-byte big-endian value; the sub-authorities are little-endian.
        ulong authority = 0;
        for (var i = 2; i < HeaderLength; i++)
        {
            authority = (authority << 8) | source[i];
        }

        Span<uint> subAuthorities = stackalloc uint[MaxSubAuthorities];
        for (var i = 0; i < count; i++)
        {
            subAuthorities[i] = BinaryPrimitives.ReadUInt32LittleEndian(source.Slice(HeaderLength + (4 * i), 4));
        }

        sid = new Sid(authority, subAuthorities[..count]);
        bytesConsumed = HeaderLength + (4 * count);
        return true;
    }

    /// <summary>Reads a binary SID; throws <see cref="FormatException"/> when it is malformed.</summary>
    public static Sid Read(ReadOnlySpan<byte> source)
    {
        if (TryRead(source, out var sid, out _))
        {
            return sid;
        }

        throw new FormatException(DescribeBinaryError(source));
    }

    /// <summary>Writes the binary form; false (nothing written) when <paramref name="destination"/> is shorter than <see cref="BinaryLength"/>.</summary>
    public bool TryWrite(Span<byte> destination, out int bytesWritten)
    {
        var length = BinaryLength;
        if (destination.Length < length)
        {
            bytesWritten = 0;
            return false;
        }

        destination[0] = Revision;
        destination[1] = (byte)SubAuthorityCount;
        for (var i = 0; i < 6; i++)
        {
            destination[2 + i] = (byte)(_identifierAuthority >> (8 * (5 - i)));
        }

        for (var i = 0; i < SubAuthorityCount; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(HeaderLength + (4 * i), 4), _subAuthorities[i]);
        }

        bytesWritten = length;
        return true;
    }

    /// <summary>Writes the binary form and returns its length; throws <see cref="ArgumentException"/> when it does not fit.</summary>
    public int Write(Span<byte> destination)
    {
        if (!TryWrite(destination, out var written))
        {
            throw new ArgumentException($"A {BinaryLength}-byte SID does not fit in {destination.Length} bytes.", nameof(destination));
        }

        return written;
    }

    public byte[] ToBinary()
    {
        var bytes = new byte[BinaryLength];
        TryWrite(bytes, out _);
        return bytes;
    }

    // ---- string form (MS-DTYP §2.4.2.1) ----

    /// <summary>Parses "S-1-5-21-1-2-3-1001"; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static Sid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(text.AsSpan());
    }

    public static Sid Parse(ReadOnlySpan<char> text)
    {
        var error = ParseCore(text, out var sid);
        return error is null ? sid : throw new FormatException($"'{text}' is not a SID: {error}.");
    }

    public static bool TryParse(ReadOnlySpan<char> text, out Sid sid) => ParseCore(text, out sid) is null;

    public static bool TryParse(string? text, out Sid sid)
    {
        if (text is null)
        {
            sid = default;
            return false;
        }

        return TryParse(text.AsSpan(), out sid);
    }

    public override string ToString()
    {
        Span<char> buffer = stackalloc char[MaxStringLength];
        TryFormat(buffer, out var written);
        return new string(buffer[..written]);
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>
    /// Writes the string form: the authority in decimal below 2^32 and as "0x" and 12 hex digits above
    /// (MS-DTYP §2.4.2.1), sub-authorities in decimal.
    /// </summary>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        var written = 0;
        var ok = Append(destination, ref written, "S-1-")
            && (_identifierAuthority <= uint.MaxValue
                ? Append(destination, ref written, (uint)_identifierAuthority, default)
                : Append(destination, ref written, "0x") && Append(destination, ref written, _identifierAuthority, "X12"));
        for (var i = 0; ok && i < SubAuthorityCount; i++)
        {
            ok = Append(destination, ref written, "-") && Append(destination, ref written, _subAuthorities[i], default);
        }

        charsWritten = ok ? written : 0;
        return ok;
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        TryFormat(destination, out charsWritten);

    // ---- equality ----

    public bool Equals(Sid other)
    {
        if (_identifierAuthority != other._identifierAuthority || _subAuthorityCountMinusOne != other._subAuthorityCountMinusOne)
        {
            return false;
        }

        for (var i = 0; i <= _subAuthorityCountMinusOne; i++)
        {
            if (_subAuthorities[i] != other._subAuthorities[i])
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is Sid other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(_identifierAuthority);
        for (var i = 0; i <= _subAuthorityCountMinusOne; i++)
        {
            hash.Add(_subAuthorities[i]);
        }

        return hash.ToHashCode();
    }

    private bool TryGetUnixId(uint kind, out uint id)
    {
        if (_identifierAuthority == UnixAuthority && _subAuthorityCountMinusOne == 1 && _subAuthorities[0] == kind)
        {
            id = _subAuthorities[1];
            return true;
        }

        id = 0;
        return false;
    }

    private static bool Append(Span<char> destination, ref int written, string text)
    {
        if (!text.AsSpan().TryCopyTo(destination[written..]))
        {
            return false;
        }

        written += text.Length;
        return true;
    }

    private static bool Append(Span<char> destination, ref int written, ulong value, ReadOnlySpan<char> format)
    {
        if (!value.TryFormat(destination[written..], out var n, format, CultureInfo.InvariantCulture))
        {
            return false;
        }

        written += n;
        return true;
    }

    /// <summary>Parses the ABNF of MS-DTYP §2.4.2.1 (whose literals are case-insensitive, RFC 5234 §2.3); null or why not.</summary>
    private static string? ParseCore(ReadOnlySpan<char> text, out Sid sid)
    {
        sid = default;
        if (text.Length < 2 || (text[0] is not ('S' or 's')) || text[1] != '-')
        {
            return "it does not start with \"S-\"";
        }

        var position = 2;
        if (!NextComponent(text, ref position, out var revision) || !revision.SequenceEqual("1"))
        {
            return "the revision is not 1";
        }

        if (!NextComponent(text, ref position, out var authorityText))
        {
            return "the identifier authority is missing";
        }

        ulong authority;
        if (authorityText.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            // IdentifierAuthorityHex = "0x" 12HEXDIG
            var hex = authorityText[2..];
            if (hex.Length != 12 || !ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out authority))
            {
                return "a hexadecimal identifier authority is \"0x\" and exactly 12 hex digits";
            }
        }
        else if (ParseDecimal(authorityText, out var decimalAuthority) is { } authorityError)
        {
            return "the identifier authority " + authorityError;
        }
        else
        {
            authority = decimalAuthority;
        }

        Span<uint> subAuthorities = stackalloc uint[MaxSubAuthorities];
        var count = 0;
        while (NextComponent(text, ref position, out var component))
        {
            if (count == MaxSubAuthorities)
            {
                return "it has more than 15 sub-authorities";
            }

            if (ParseDecimal(component, out subAuthorities[count]) is { } subError)
            {
                return "a sub-authority " + subError;
            }

            count++;
        }

        if (count == 0)
        {
            return "it has no sub-authority (at least one is required)";
        }

        sid = new Sid(authority, subAuthorities[..count]);
        return null;
    }

    /// <summary>
    /// The text from <paramref name="position"/> up to the next '-' or the end; false once past the end. A
    /// trailing '-' yields one more, empty, component, which the caller reports.
    /// </summary>
    private static bool NextComponent(ReadOnlySpan<char> text, ref int position, out ReadOnlySpan<char> component)
    {
        if (position > text.Length)
        {
            component = default;
            return false;
        }

        var dash = text[position..].IndexOf('-');
        var end = dash < 0 ? text.Length : position + dash;
        component = text[position..end];
        position = end + 1;
        return true;
    }

    /// <summary>1*10DIGIT with no leading zero, below 2^32; null or why not.</summary>
    private static string? ParseDecimal(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return "is empty";
        }

        if (text.Length > 1 && text[0] == '0')
        {
            return "has a leading zero";
        }

        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) ? null : "is not a decimal number below 2^32";
    }

    private static string DescribeBinaryError(ReadOnlySpan<byte> source)
    {
        if (source.Length < HeaderLength)
        {
            return $"A binary SID has at least {HeaderLength} bytes; got {source.Length}.";
        }

        if (source[0] != Revision)
        {
            return $"A binary SID's revision is 1; got {source[0]}.";
        }

        int count = source[1];
        return count is < 1 or > MaxSubAuthorities
            ? $"A binary SID has 1 to 15 sub-authorities; the count byte says {count}."
            : $"A binary SID with {count} sub-authorities is {HeaderLength + (4 * count)} bytes; got {source.Length}.";
    }

    [InlineArray(MaxSubAuthorities)]
    private struct SubAuthorityArray
    {
        private uint _element0;
    }
}
