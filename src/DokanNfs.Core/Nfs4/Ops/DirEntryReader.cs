using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// Walks dirlist4 (RFC 7530 §16.24) after <see cref="CompoundResults.ReadDir"/>: a linked list of entry4
/// encoded as "present" flags, then eof. Entries are read one at a time from the reply, so a caller can
/// stream a huge directory without holding it.
/// </summary>
public static class DirEntryReader
{
    /// <summary>
    /// Reads the next entry, or returns false at the end of this reply's list; then call
    /// <see cref="ReadEof"/>. The attribute values are a slice of the reply.
    /// </summary>
    public static bool TryReadEntry(ref XdrReader reader, out ulong cookie, out string name, out Bitmap4 attrMask, out ReadOnlySpan<byte> attrValues)
    {
        if (!reader.ReadOptional())
        {
            cookie = 0;
            name = string.Empty;
            attrMask = default;
            attrValues = default;
            return false;
        }

        cookie = reader.ReadUInt64();
        name = reader.ReadString(NfsLimits.MaxComponentBytes);
        attrMask = Bitmap4.Decode(ref reader);
        attrValues = reader.ReadOpaque(NfsLimits.MaxData);
        return true;
    }

    /// <summary>dirlist4.eof: true when this reply holds the last entry of the directory.</summary>
    public static bool ReadEof(ref XdrReader reader) => reader.ReadBool();
}
