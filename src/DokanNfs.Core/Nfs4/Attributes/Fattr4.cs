using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// The fattr4 codec (RFC 7530 §2.2.8): a bitmap4 naming the attributes, then an attrlist4 opaque holding
/// their values back to back in attribute-number order, with no per-value length. Attribute numbers are in
/// <see cref="FAttr4"/>.
/// </summary>
public static class Fattr4
{
    /// <summary>The largest attrlist4 accepted: far above any real attribute set, far below harm.</summary>
    public const int MaxAttrListLength = 1 << 20;

    /// <summary>The longest owner, owner_group, mimetype or ACE who accepted; the protocol sets no bound.</summary>
    public const int MaxStringLength = 1024;

    /// <summary>
    /// Reads an fattr4. Every attribute with a known encoding is decoded, asked for or not; the first one
    /// without (a write-only attribute, or one from a later minor version) ends decoding and the rest of the
    /// attrlist is skipped. <see cref="NfsAttributes.Returned"/> tells what was decoded.
    /// </summary>
    /// <exception cref="XdrException">The fattr4 is malformed or a value overruns the attrlist.</exception>
    public static NfsAttributes Decode(ref XdrReader reader)
    {
        var mask = Bitmap4.Decode(ref reader);
        var attrlist = reader.ReadOpaque(MaxAttrListLength);

        // ReadOpaque has consumed the length word and the padded data: the values began length + 4 bytes back.
        var start = reader.Position - (int)XdrReader.PaddedLength(attrlist.Length);
        return NfsAttributes.Decode(mask, attrlist, start);
    }

    /// <summary>Decodes an attrlist4 whose bitmap was read separately (a READDIR entry, say).</summary>
    /// <exception cref="XdrException">A value is malformed or overruns <paramref name="attrlist"/>.</exception>
    public static NfsAttributes DecodeValues(Bitmap4 mask, ReadOnlySpan<byte> attrlist)
    {
        if (attrlist.Length > MaxAttrListLength)
        {
            throw new XdrException($"fattr4 attrlist of {attrlist.Length} bytes exceeds its maximum of {MaxAttrListLength}.");
        }

        return NfsAttributes.Decode(mask, attrlist, 0);
    }

    /// <summary>
    /// Writes <paramref name="attributes"/> as an fattr4 for SETATTR, CREATE or OPEN (RFC 7530 §16.32,
    /// §16.4, §16.16). The attrlist length is patched in afterwards, so nothing is buffered twice.
    /// </summary>
    public static void Encode(XdrWriter writer, SetAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(attributes);
        attributes.Validate();
        attributes.Mask.Encode(writer);
        var lengthAt = writer.ReserveUInt32();
        var start = writer.Length;
        attributes.EncodeValues(writer);
        writer.PatchUInt32(lengthAt, (uint)(writer.Length - start));
    }
}
