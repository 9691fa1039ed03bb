using System.Buffers.Binary;
using System.Numerics;

namespace DokanNfs.Core.Client;

/// <summary>
/// How records sit in the journal file: a 16-byte file header ("DNFSJRN1", format version, zero), then frames of
/// a 16-byte header — magic "JREC", kind, body length, CRC-32C of kind, length and body — and the body. The magic
/// lets a reader find the next intact frame after a damaged one; the checksum tells a frame cut short by a crash
/// (a torn tail) or changed on disk from an intact one. All numbers big-endian, like the XDR bodies.
/// </summary>
internal static class JournalFrame
{
    public const int FileHeaderLength = 16;
    public const int HeaderLength = 16;
    public const uint Magic = 0x4A524543; // "JREC"
    public const uint FormatVersion = 1;

    /// <summary>The longest body a frame may declare: one record at <see cref="JournalRecord.MaxData"/> with room for its fields.</summary>
    public const int MaxBody = JournalRecord.MaxData + (16 * 1024);

    public static ReadOnlySpan<byte> FileMagic => "DNFSJRN1"u8;

    public static void WriteFileHeader(Span<byte> header)
    {
        FileMagic.CopyTo(header);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32BigEndian(header[12..], 0);
    }

    public static bool IsFileHeader(ReadOnlySpan<byte> header) =>
        header.Length >= FileHeaderLength && header[..8].SequenceEqual(FileMagic) && BinaryPrimitives.ReadUInt32BigEndian(header[8..]) == FormatVersion;

    /// <summary>Fills the frame header for <paramref name="body"/> of <paramref name="kind"/>.</summary>
    public static void WriteHeader(Span<byte> header, JournalFrameKind kind, ReadOnlySpan<byte> body)
    {
        BinaryPrimitives.WriteUInt32BigEndian(header, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)kind);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(header[12..], Checksum(header[4..12], body));
    }

    /// <summary>
    /// Reads a frame header: false when it is not one (no magic, an unknown kind, a length out of bounds or past
    /// <paramref name="available"/> bytes).
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, long available, out JournalFrameKind kind, out int bodyLength, out uint checksum)
    {
        kind = default;
        bodyLength = 0;
        checksum = 0;
        if (header.Length < HeaderLength || BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
        {
            return false;
        }

        var rawKind = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        if (rawKind is not ((uint)JournalFrameKind.Write or (uint)JournalFrameKind.Release) || length > MaxBody || HeaderLength + (long)length > available)
        {
            return false;
        }

        kind = (JournalFrameKind)rawKind;
        bodyLength = (int)length;
        checksum = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        return true;
    }

    /// <summary>True when <paramref name="body"/> is what the header's checksum was computed over.</summary>
    public static bool ChecksumMatches(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body, uint checksum) => Checksum(header[4..12], body) == checksum;

    /// <summary>CRC-32C (Castagnoli, RFC 3720 §12.1) of <paramref name="first"/> then <paramref name="second"/>.</summary>
    public static uint Checksum(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) => ~Update(Update(uint.MaxValue, first), second);

    /// <summary>CRC-32C of <paramref name="data"/> alone (with the usual pre- and post-inversion).</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data) => ~Update(uint.MaxValue, data);

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        // BitOperations.Crc32C consumes the bytes of a ulong in little-endian order, i.e. in memory order on the
        // instruction's own terms: read them so, whatever the machine.
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}

/// <summary>What a journal frame holds.</summary>
internal enum JournalFrameKind : uint
{
    /// <summary>A <see cref="JournalRecord"/>.</summary>
    Write = 1,

    /// <summary>Sequences of records whose data is now committed on the server or saved in a conflict copy.</summary>
    Release = 2,
}
