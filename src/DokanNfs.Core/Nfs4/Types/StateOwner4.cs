using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// state_owner4 (RFC 7530 §9.1.5): the client id and an opaque name, together naming an open-owner or a
/// lock-owner. The name is ours to choose; the server keeps a seqid per owner.
/// </summary>
public sealed record StateOwner4(ulong ClientId, ReadOnlyMemory<byte> Owner)
{
    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(ClientId);
        writer.WriteOpaque(Owner.Span, NfsLimits.MaxOpaque);
    }

    public static StateOwner4 Decode(ref XdrReader reader) => new(reader.ReadUInt64(), reader.ReadOpaque(NfsLimits.MaxOpaque).ToArray());

    public override string ToString() => $"{ClientId:x16}/{Convert.ToHexString(Owner.Span)}";
}

/// <summary>OPEN4_SHARE_ACCESS_* (RFC 7530 §16.16): what an open may do.</summary>
[Flags]
public enum OpenShareAccess : uint
{
    None = 0,
    Read = 0x1,
    Write = 0x2,
    Both = 0x3,
}

/// <summary>OPEN4_SHARE_DENY_* (RFC 7530 §16.16): what an open forbids others.</summary>
[Flags]
public enum OpenShareDeny : uint
{
    None = 0,
    Read = 0x1,
    Write = 0x2,
    Both = 0x3,
}

/// <summary>Protocol bounds (RFC 7531).</summary>
public static class NfsLimits
{
    /// <summary>NFS4_OPAQUE_LIMIT: client ids and owner names.</summary>
    public const int MaxOpaque = 1024;

    /// <summary>
    /// The most bytes we put in one component4. The server's own maxname is usually smaller and is
    /// enforced by the server (NFS4ERR_NAMETOOLONG); this bound only stops nonsense.
    /// </summary>
    public const int MaxComponentBytes = 4096;

    /// <summary>The most bytes of a symlink target or READLINK reply we accept.</summary>
    public const int MaxLinkText = 64 * 1024;

    /// <summary>The largest READ or WRITE payload we ever accept from a peer.</summary>
    public const int MaxData = 4 * 1024 * 1024;
}
