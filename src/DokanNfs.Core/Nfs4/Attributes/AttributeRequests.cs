namespace DokanNfs.Core.Nfs4;

/// <summary>Ready-made GETATTR / READDIR request bitmaps (RFC 7530 §16.7, §16.24).</summary>
public static class AttributeRequests
{
    /// <summary>What a stat() needs: identity, type, size, ownership, permissions and times.</summary>
    public static Bitmap4 Stat { get; } = Bitmap4.Of(
        FAttr4.Type,
        FAttr4.Change,
        FAttr4.Size,
        FAttr4.FsId,
        FAttr4.FileId,
        FAttr4.Mode,
        FAttr4.NumLinks,
        FAttr4.Owner,
        FAttr4.OwnerGroup,
        FAttr4.SpaceUsed,
        FAttr4.TimeAccess,
        FAttr4.TimeMetadata,
        FAttr4.TimeModify,
        FAttr4.MountedOnFileId);

    /// <summary>
    /// <see cref="Stat"/> plus rdattr_error. Asking for rdattr_error lets a server report a per-entry failure
    /// (an entry that is a referral: NFS4ERR_MOVED) inside the entry instead of failing the whole READDIR
    /// (RFC 7530 §8.3.2, §16.24); NFS-Ganesha does the latter when it is not asked.
    /// </summary>
    public static Bitmap4 ReadDir { get; } = Stat.With(FAttr4.RdAttrError);

    /// <summary>Per-file-system facts (RFC 7530 §5.4): limits, capabilities and free space, for statfs and mount.</summary>
    public static Bitmap4 FsInfo { get; } = Bitmap4.Of(
        FAttr4.SupportedAttrs,
        FAttr4.FhExpireType,
        FAttr4.LinkSupport,
        FAttr4.SymlinkSupport,
        FAttr4.UniqueHandles,
        FAttr4.LeaseTime,
        FAttr4.CaseInsensitive,
        FAttr4.CasePreserving,
        FAttr4.FilesAvail,
        FAttr4.FilesFree,
        FAttr4.FilesTotal,
        FAttr4.MaxFileSize,
        FAttr4.MaxName,
        FAttr4.MaxRead,
        FAttr4.MaxWrite,
        FAttr4.SpaceAvail,
        FAttr4.SpaceFree,
        FAttr4.SpaceTotal);

    /// <summary>What an absent file system still answers (RFC 7530 §8.3.1): where it went.</summary>
    public static Bitmap4 Referral { get; } = Bitmap4.Of(
        FAttr4.FsId,
        FAttr4.RdAttrError,
        FAttr4.FsLocations,
        FAttr4.MountedOnFileId);
}
