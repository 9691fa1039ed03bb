using System.Numerics;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>
/// Decodes the fattr4 a client sends with SETATTR, CREATE and OPEN (RFC 7530 §2.2.8) into a
/// <see cref="SetAttributes"/>: only attributes a client may write (RFC 7530 §5.6, §5.7) are accepted.
/// </summary>
public static class RequestAttributes
{
    /// <summary>The attributes <see cref="Decode"/> understands, as a mask.</summary>
    public static Bitmap4 Writable { get; } = Bitmap4.Of(
        FAttr4.Size,
        FAttr4.Archive,
        FAttr4.Hidden,
        FAttr4.Mode,
        FAttr4.Owner,
        FAttr4.OwnerGroup,
        FAttr4.System,
        FAttr4.TimeAccessSet,
        FAttr4.TimeBackup,
        FAttr4.TimeCreate,
        FAttr4.TimeModifySet);

    public static FattrArgs Decode(ref XdrReader reader)
    {
        var mask = Bitmap4.Decode(ref reader);
        var values = reader.ReadOpaque(Fattr4.MaxAttrListLength);
        return new FattrArgs(mask, values.ToArray(), DecodeValues(mask, values));
    }

    /// <summary>The values of <paramref name="mask"/>, in attribute-number order; anything not writable is malformed.</summary>
    public static SetAttributes DecodeValues(Bitmap4 mask, ReadOnlySpan<byte> values)
    {
        if (mask.HasUnknownBits || mask.Intersect(Writable) != mask)
        {
            throw new XdrException($"fattr4 {mask} names attributes a client cannot set.");
        }

        var reader = new XdrReader(values);
        var result = new SetAttributes();
        foreach (var word in new[] { (mask.Word0, 0), (mask.Word1, 32) })
        {
            var bits = word.Item1;
            while (bits != 0)
            {
                var attribute = word.Item2 + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                result = DecodeOne(ref reader, attribute, result);
            }
        }

        reader.ExpectEnd();
        return result;
    }

    private static SetAttributes DecodeOne(ref XdrReader r, int attribute, SetAttributes a) => attribute switch
    {
        FAttr4.Size => a with { Size = r.ReadUInt64() },
        FAttr4.Archive => a with { Archive = r.ReadBool() },
        FAttr4.Hidden => a with { Hidden = r.ReadBool() },
        FAttr4.Mode => a with { Mode = r.ReadUInt32() },
        FAttr4.Owner => a with { Owner = r.ReadString(Fattr4.MaxStringLength) },
        FAttr4.OwnerGroup => a with { OwnerGroup = r.ReadString(Fattr4.MaxStringLength) },
        FAttr4.System => a with { System = r.ReadBool() },
        FAttr4.TimeAccessSet => a with { TimeAccess = SetTime.Decode(ref r) },
        FAttr4.TimeBackup => a with { TimeBackup = NfsTime4.Decode(ref r) },
        FAttr4.TimeCreate => a with { TimeCreate = NfsTime4.Decode(ref r) },
        FAttr4.TimeModifySet => a with { TimeModify = SetTime.Decode(ref r) },
        _ => throw new XdrException($"fattr4 attribute {attribute} cannot be set by a client."),
    };
}
