using System.Buffers.Binary;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

/// <summary>
/// A file's version as NFSv4.0 shows it: the change attribute (RFC 7530 §5.8.1.4) with the size. The
/// change attribute alone is weak evidence on servers that derive it from timestamps (NFS-Ganesha uses
/// max(mtime, ctime) in ns): two updates within one timestamp tick can leave it equal. The size makes such a
/// collision less likely to pass unnoticed, and the filehandle the version was read through gives the identity.
/// </summary>
public readonly record struct NfsFileVersion(ulong Change, ulong Size)
{
    /// <summary>The GETATTR / VERIFY mask: change and size, which are encoded in this order (attributes 3 and 4).</summary>
    internal static Bitmap4 Mask { get; } = Bitmap4.Of(FAttr4.Change, FAttr4.Size);

    /// <summary>The version in <paramref name="attributes"/>, or null when the server returned no change or size.</summary>
    public static NfsFileVersion? Of(NfsAttributes? attributes) =>
        attributes is { Change: { } change, Size: { } size } ? new NfsFileVersion(change, size) : null;

    /// <summary>
    /// The result of a GETATTR of <see cref="Mask"/>. The usual reply (exactly change and size) is read
    /// in place; anything else goes through the full fattr4 decoder. Null when change or size is missing.
    /// </summary>
    internal static NfsFileVersion? Decode(ref CompoundResults results, ref XdrReader reader)
    {
        results.Expect(ref reader, NfsOpnum4.GetAttr);
        var mask = Bitmap4.Decode(ref reader);
        var values = reader.ReadOpaque(Fattr4.MaxAttrListLength);
        if (mask == Mask && values.Length == 16)
        {
            return new NfsFileVersion(BinaryPrimitives.ReadUInt64BigEndian(values), BinaryPrimitives.ReadUInt64BigEndian(values[8..]));
        }

        return Of(Fattr4.DecodeValues(mask, values));
    }

    /// <summary>VERIFY (RFC 7530 §16.35) of this version: the COMPOUND goes on only if the file still has it.</summary>
    internal void EncodeVerify(ref CompoundEncoder encoder)
    {
        // An array, not stackalloc: the encoder is a ref struct passed by ref, which may not take a local span.
        // Only rewrites after a server restart verify, so this is off the hot path.
        var values = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(values, Change);
        BinaryPrimitives.WriteUInt64BigEndian(values.AsSpan(8), Size);
        encoder.Verify(NfsOpnum4.Verify, Mask, values);
    }

    public override string ToString() => $"change {Change:x16}, size {Size}";
}

/// <summary>
/// How a file's version, read after a server restart (or when COMMIT finds a new write verifier), stands to
/// what this handle knew of it: the seed's version-based recovery (../shared/seeds/version-based-recovery.txt,
/// §2.4) on a protocol that has no per-object transaction numbers.
/// </summary>
public enum NfsFileVersionCheck
{
    /// <summary>No server restart has been met since the file was opened.</summary>
    NotChecked,

    /// <summary>The version our own last operation left: nothing happened to the file.</summary>
    Unchanged,

    /// <summary>
    /// A version our own operations passed through, no older than what the server confirmed as stable: the
    /// server lost some of our uncommitted writes and nothing else. Those are written again.
    /// </summary>
    OwnEarlierVersion,

    /// <summary>Another version: someone else changed the file. Our uncommitted data goes to a conflict copy.</summary>
    ChangedElsewhere,

    /// <summary>
    /// Older than the last version the server had confirmed to us as stable: the server lost committed
    /// updates (the seed's "gap"). Reported, never patched over.
    /// </summary>
    WentBack,

    /// <summary>The file is gone from the server (NFS4ERR_STALE).</summary>
    Gone,
}

/// <summary>The decision table of <see cref="NfsFileVersionCheck"/>, apart from any I/O so it can be tested on its own.</summary>
internal static class NfsFileVersionRules
{
    /// <summary>
    /// Classifies <paramref name="found"/> (the file's version now; null when the server did not say) against
    /// <paramref name="stable"/> (the last version the server confirmed as stable to us: at OPEN, after a
    /// FILE_SYNC WRITE, a COMMIT or a SETATTR), <paramref name="latest"/> (the last version our own operations
    /// produced) and <paramref name="own"/> (every version our uncommitted writes saw before and after).
    /// Versions are matched for equality; change values are compared for order only to tell
    /// <see cref="NfsFileVersionCheck.WentBack"/> from <see cref="NfsFileVersionCheck.ChangedElsewhere"/>: both
    /// keep our data apart, so where the change attribute does not grow (on Ganesha it is max(mtime, ctime), and
    /// an EXCLUSIVE4 create keeps its verifier in the times until the SETATTR after it sets them back) the
    /// report gets the wrong name, never the data the wrong action.
    /// </summary>
    public static NfsFileVersionCheck Classify(NfsFileVersion? found, NfsFileVersion stable, NfsFileVersion latest, IEnumerable<NfsFileVersion> own)
    {
        ArgumentNullException.ThrowIfNull(own);
        if (found is not { } now)
        {
            // Without a version nothing proves the file is as we left it.
            return NfsFileVersionCheck.ChangedElsewhere;
        }

        if (now == latest)
        {
            return NfsFileVersionCheck.Unchanged;
        }

        if (now == stable || own.Contains(now))
        {
            return NfsFileVersionCheck.OwnEarlierVersion;
        }

        return now.Change < stable.Change ? NfsFileVersionCheck.WentBack : NfsFileVersionCheck.ChangedElsewhere;
    }

    /// <summary>True when uncommitted data may be written again over a file found in <paramref name="check"/>.</summary>
    public static bool MayRewrite(NfsFileVersionCheck check) => check is NfsFileVersionCheck.Unchanged or NfsFileVersionCheck.OwnEarlierVersion;
}
