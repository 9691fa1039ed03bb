using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>A file system object as the server described it: where it is, its handle and its attributes.</summary>
public sealed record NfsNode(string Path, NfsFh FileHandle, NfsAttributes Attributes)
{
    public NfsFtype4 Type => Attributes.Type ?? NfsFtype4.None;

    public bool IsDirectory => Type == NfsFtype4.Dir;
}

/// <summary>One directory entry from READDIR, with the attributes asked for and its own rdattr_error.</summary>
public sealed record NfsDirEntry(string Name, ulong Cookie, NfsAttributes Attributes)
{
    /// <summary>NFS4ERR_MOVED here marks a referral: the entry is listable, its contents live elsewhere.</summary>
    public NfsStat4 RdattrError => Attributes.RdattrError ?? NfsStat4.Ok;

    public bool IsReferral => RdattrError == NfsStat4.Moved;
}
