using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

/// <summary>
/// VERIFY (RFC 7530 §16.35) of an object's identity or version, so the server itself checks, inside the COMPOUND
/// and just before the operation that follows, that the object is the one (and at the version) the call was based
/// on: NFS4ERR_NOT_SAME stops the COMPOUND before anything changes. The values are attrlist4 in attribute-number
/// order (change is 3, fileid 20), written straight into the call (fattr4, RFC 7530 §2.2.8).
/// </summary>
internal static class ReplayVerify
{
    private static readonly Bitmap4 IdentityMask = Bitmap4.Of(FAttr4.FileId);
    private static readonly Bitmap4 VersionMask = Bitmap4.Of(FAttr4.Change, FAttr4.FileId);

    /// <summary>VERIFY {fileid}: the current filehandle is this object.</summary>
    public static void VerifyIdentity(ref this CompoundEncoder encoder, ulong fileId)
    {
        var w = encoder.BeginOp(NfsOpnum4.Verify);
        IdentityMask.Encode(w);
        w.WriteUInt32(8); // attrlist4 is opaque<>: its length, then the values
        w.WriteUInt64(fileId);
    }

    /// <summary>VERIFY {change, fileid}: the current filehandle is this object, unchanged.</summary>
    public static void VerifyVersion(ref this CompoundEncoder encoder, ObjectVersion version)
    {
        var w = encoder.BeginOp(NfsOpnum4.Verify);
        VersionMask.Encode(w);
        w.WriteUInt32(16);
        w.WriteUInt64(version.Change);
        w.WriteUInt64(version.FileId);
    }

    /// <summary>The VERIFY's result: returns when it held, throws <see cref="NfsException"/> (NFS4ERR_NOT_SAME or other) when not.</summary>
    public static void Verified(ref this CompoundResults results, ref XdrReader reader)
    {
        var status = results.Verify(ref reader, NfsOpnum4.Verify);
        if (status != NfsStat4.Ok)
        {
            throw new NfsException(status, NfsOpnum4.Verify, results.Path) { OpIndex = results.Seen - 1 };
        }
    }
}
