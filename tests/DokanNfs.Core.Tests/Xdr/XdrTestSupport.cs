using System.Text;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// One read against a reader passed by reference. <see cref="XdrReader"/> is a ref struct, so a lambda cannot
/// capture one; it can take one as a <c>ref</c> parameter, which is what this delegate is for.
/// </summary>
internal delegate void XdrRead(ref XdrReader reader);

/// <summary>Shared helpers for the XDR tests: hex vectors and the "malformed input consumes nothing" check.</summary>
internal static class XdrTestSupport
{
    /// <summary>Offsets at which malformed-input checks are repeated, so a bug that only shows past byte 0 is caught.</summary>
    public static readonly int[] Offsets = [0, 4, 12];

    /// <summary>Bytes from hex written with optional spaces, as the RFC 4506 §7 table writes them.</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary><paramref name="body"/> after <paramref name="prefixLength"/> bytes of 0xAB that a reader must skip.</summary>
    public static byte[] Prefixed(byte[] body, int prefixLength)
    {
        var buffer = new byte[prefixLength + body.Length];
        buffer.AsSpan(0, prefixLength).Fill(0xAB);
        body.CopyTo(buffer, prefixLength);
        return buffer;
    }

    /// <summary>
    /// Asserts that <paramref name="read"/>, started at <paramref name="offset"/>, throws <see cref="XdrException"/>
    /// (and nothing else), leaves the reader's position where it was, and reports that position as the field start.
    /// </summary>
    public static XdrException AssertMalformed(ReadOnlySpan<byte> buffer, int offset, XdrRead read)
    {
        var reader = new XdrReader(buffer);
        reader.Skip(offset);
        try
        {
            read(ref reader);
        }
        catch (XdrException ex)
        {
            Assert.AreEqual(offset, reader.Position, "a failed read must consume nothing");
            Assert.AreEqual(offset, ex.Position, "the exception must report where the offending field starts");
            Assert.IsFalse(string.IsNullOrEmpty(ex.Message));
            return ex;
        }

        throw new AssertFailedException($"Expected an XdrException reading at offset {offset} of {ToHex(buffer)}.");
    }

    /// <summary><see cref="AssertMalformed"/> with <paramref name="body"/> placed after each prefix in <see cref="Offsets"/>.</summary>
    public static void AssertMalformedAtEveryOffset(byte[] body, XdrRead read)
    {
        foreach (var offset in Offsets)
        {
            AssertMalformed(Prefixed(body, offset), offset, read);
        }
    }

    /// <summary>Encodes with a fresh writer and returns a copy of the bytes.</summary>
    public static byte[] Encode(Action<XdrWriter> write)
    {
        using var writer = new XdrWriter();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A string of <paramref name="length"/> random scalar values: ASCII, 2-, 3- and 4-byte UTF-8.</summary>
    public static string RandomString(Random random, int length)
    {
        var builder = new StringBuilder(length * 2);
        for (var i = 0; i < length; i++)
        {
            var rune = random.Next(4) switch
            {
                0 => new Rune(random.Next(0x20, 0x7F)),
                1 => new Rune(random.Next(0x80, 0x800)),
                2 => new Rune(random.Next(0xE000, 0x10000)),
                _ => new Rune(random.Next(0x10000, 0x110000)),
            };
            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }
}

/// <summary>A 32-bit enum as RFC 4506 §4.3 encodes it: the value as a signed int.</summary>
public enum Colour
{
    Red = 0,
    Yellow = 2,
    Blue = 3,
    Negative = -1,
}

internal enum UnsignedColour : uint
{
    None = 0,
    All = 0xFFFF_FFFF,
}

internal enum LongEnum : long
{
    Zero = 0,
}

internal enum ByteEnum : byte
{
    Zero = 0,
}
