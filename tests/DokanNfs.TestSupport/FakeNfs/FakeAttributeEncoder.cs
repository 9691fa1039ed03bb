using System.Numerics;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>
/// Encodes a node's attributes as fattr4 (RFC 7530 §2.2.8): the bitmap of the attributes returned — those
/// asked for that the server supports — then their values back to back in attribute-number order. Covers
/// every attribute of AttributeRequests (Stat, ReadDir, FsInfo, Referral) and a few more.
/// </summary>
internal static class FakeAttributeEncoder
{
    private const ulong SpaceTotal = 1UL << 40;
    private const ulong FilesTotal = 1UL << 20;

    /// <summary>supported_attrs: every attribute <see cref="EncodeValue"/> can write.</summary>
    public static Bitmap4 Supported { get; } = Bitmap4.Of(
        FAttr4.SupportedAttrs, FAttr4.Type, FAttr4.FhExpireType, FAttr4.Change, FAttr4.Size,
        FAttr4.LinkSupport, FAttr4.SymlinkSupport, FAttr4.NamedAttr, FAttr4.FsId, FAttr4.UniqueHandles,
        FAttr4.LeaseTime, FAttr4.RdAttrError, FAttr4.CanSetTime, FAttr4.CaseInsensitive, FAttr4.CasePreserving,
        FAttr4.ChownRestricted, FAttr4.FileHandle, FAttr4.FileId, FAttr4.FilesAvail, FAttr4.FilesFree,
        FAttr4.FilesTotal, FAttr4.FsLocations, FAttr4.Homogeneous, FAttr4.MaxFileSize, FAttr4.MaxLink,
        FAttr4.MaxName, FAttr4.MaxRead, FAttr4.MaxWrite, FAttr4.Mode, FAttr4.NoTrunc, FAttr4.NumLinks,
        FAttr4.Owner, FAttr4.OwnerGroup, FAttr4.RawDev, FAttr4.SpaceAvail, FAttr4.SpaceFree, FAttr4.SpaceTotal,
        FAttr4.SpaceUsed, FAttr4.TimeAccess, FAttr4.TimeDelta, FAttr4.TimeMetadata, FAttr4.TimeModify,
        FAttr4.MountedOnFileId);

    /// <summary>What the root of an absent file system still answers (RFC 7530 §8.4.2); anything else is NFS4ERR_MOVED.</summary>
    public static Bitmap4 AbsentAllowed { get; } = Bitmap4.Of(FAttr4.FsId, FAttr4.RdAttrError, FAttr4.FsLocations, FAttr4.MountedOnFileId);

    /// <summary>
    /// Writes the fattr4 of <paramref name="node"/> for <paramref name="request"/>. <paramref name="rdattrError"/>
    /// is the value of rdattr_error when it is asked for.
    /// </summary>
    public static void Encode(XdrWriter writer, Bitmap4 request, FakeNode node, FakeFileSystem fs, FakeNfsServerOptions options, NfsStat4 rdattrError = NfsStat4.Ok)
    {
        var mask = request.Intersect(Supported);
        if (node.IsAbsent)
        {
            mask = mask.Intersect(AbsentAllowed);
        }

        mask.Encode(writer);
        var lengthAt = writer.ReserveUInt32();
        var start = writer.Length;
        EncodeValues(writer, mask, node, fs, options, rdattrError);
        writer.PatchUInt32(lengthAt, (uint)(writer.Length - start));
    }

    /// <summary>The attrlist4 alone (what VERIFY compares), for attributes all in <see cref="Supported"/>.</summary>
    public static void EncodeValues(XdrWriter writer, Bitmap4 mask, FakeNode node, FakeFileSystem fs, FakeNfsServerOptions options, NfsStat4 rdattrError = NfsStat4.Ok)
    {
        foreach (var (word, first) in new[] { (mask.Word0, 0), (mask.Word1, 32), (mask.Word2, 64) })
        {
            var bits = word;
            while (bits != 0)
            {
                var attribute = first + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                EncodeValue(writer, attribute, node, fs, options, rdattrError);
            }
        }
    }

    private static void EncodeValue(XdrWriter w, int attribute, FakeNode node, FakeFileSystem fs, FakeNfsServerOptions options, NfsStat4 rdattrError)
    {
        var used = (node.Size + 4095) & ~4095UL;
        switch (attribute)
        {
            case FAttr4.SupportedAttrs: Supported.Encode(w); break;
            case FAttr4.Type: w.WriteEnum(node.Type); break;
            case FAttr4.FhExpireType: w.WriteUInt32(options.FhExpireType); break;
            case FAttr4.Change: w.WriteUInt64(node.Change); break;
            case FAttr4.Size: w.WriteUInt64(node.Size); break;
            case FAttr4.LinkSupport or FAttr4.SymlinkSupport or FAttr4.UniqueHandles or FAttr4.CanSetTime:
            case FAttr4.CasePreserving or FAttr4.ChownRestricted or FAttr4.Homogeneous or FAttr4.NoTrunc:
                w.WriteBool(true);
                break;
            case FAttr4.NamedAttr or FAttr4.CaseInsensitive: w.WriteBool(false); break;
            case FAttr4.FsId: node.Fsid.Encode(w); break;
            case FAttr4.LeaseTime: w.WriteUInt32(options.LeaseTimeSeconds); break;
            case FAttr4.RdAttrError: w.WriteEnum(rdattrError); break;
            case FAttr4.FileHandle: fs.HandleOf(node).Encode(w); break;
            case FAttr4.FileId or FAttr4.MountedOnFileId: w.WriteUInt64(node.FileId); break;
            case FAttr4.FilesAvail or FAttr4.FilesFree: w.WriteUInt64(FilesTotal / 2); break;
            case FAttr4.FilesTotal: w.WriteUInt64(FilesTotal); break;
            case FAttr4.FsLocations:
                // A present file system names its own root and no other location.
                (node.Referral ?? new FsLocations4(fs.PathOf(node).Split('/', StringSplitOptions.RemoveEmptyEntries), [])).Encode(w);
                break;
            case FAttr4.MaxFileSize: w.WriteUInt64(options.MaxFileSize); break;
            case FAttr4.MaxLink: w.WriteUInt32(32000); break;
            case FAttr4.MaxName: w.WriteUInt32(options.MaxName); break;
            case FAttr4.MaxRead: w.WriteUInt64(options.MaxRead); break;
            case FAttr4.MaxWrite: w.WriteUInt64(options.MaxWrite); break;
            case FAttr4.Mode: w.WriteUInt32(node.Mode); break;
            case FAttr4.NumLinks: w.WriteUInt32(node.Links); break;
            case FAttr4.Owner: w.WriteString(node.Owner); break;
            case FAttr4.OwnerGroup: w.WriteString(node.OwnerGroup); break;
            case FAttr4.RawDev: node.RawDev.Encode(w); break;
            case FAttr4.SpaceAvail or FAttr4.SpaceFree: w.WriteUInt64(SpaceTotal / 2); break;
            case FAttr4.SpaceTotal: w.WriteUInt64(SpaceTotal); break;
            case FAttr4.SpaceUsed: w.WriteUInt64(used); break;
            case FAttr4.TimeAccess: node.TimeAccess.Encode(w); break;
            case FAttr4.TimeDelta: new NfsTime4(0, 1).Encode(w); break;
            case FAttr4.TimeMetadata: node.TimeMetadata.Encode(w); break;
            case FAttr4.TimeModify: node.TimeModify.Encode(w); break;
            default: throw new InvalidOperationException($"The fake server cannot encode attribute {attribute}.");
        }
    }
}
