using System.Buffers.Binary;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

// The wire types of NFSv4.1 client ids and sessions (RFC 8881 §18.35–18.37, §18.46; XDR in RFC 5662).

/// <summary>sessionid4 (RFC 8881 §2.10.3): 16 opaque bytes, held as two numbers so it is a value with no allocation.</summary>
public readonly record struct SessionId4(ulong High, ulong Low)
{
    /// <summary>NFS4_SESSIONID_SIZE.</summary>
    public const int Size = 16;

    public static SessionId4 Decode(ref XdrReader reader)
    {
        var bytes = reader.ReadFixedOpaque(Size);
        return new SessionId4(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt64(High);
        writer.WriteUInt64(Low);
    }

    public override string ToString() => $"{High:x16}{Low:x16}";
}

/// <summary>EXCHGID4_FLAG_* (RFC 8881 §18.35.3): what the client supports and asks, and what the server says.</summary>
[Flags]
public enum ExchangeIdFlags : uint
{
    None = 0,
    SuppMovedRefer = 0x00000001, // EXCHGID4_FLAG_SUPP_MOVED_REFER: the client follows referrals
    SuppMovedMigr = 0x00000002, // EXCHGID4_FLAG_SUPP_MOVED_MIGR: the client follows migration
    SuppFenceOps = 0x00000004, // EXCHGID4_FLAG_SUPP_FENCE_OPS
    BindPrincStateId = 0x00000100, // EXCHGID4_FLAG_BIND_PRINC_STATEID
    UseNonPnfs = 0x00010000, // EXCHGID4_FLAG_USE_NON_PNFS
    UsePnfsMds = 0x00020000, // EXCHGID4_FLAG_USE_PNFS_MDS
    UsePnfsDs = 0x00040000, // EXCHGID4_FLAG_USE_PNFS_DS
    MaskPnfs = 0x00070000, // EXCHGID4_FLAG_MASK_PNFS
    UpdConfirmedRecA = 0x40000000, // EXCHGID4_FLAG_UPD_CONFIRMED_REC_A: update a confirmed record, do not replace it
    ConfirmedR = 0x80000000, // EXCHGID4_FLAG_CONFIRMED_R: the server already holds this client id confirmed
}

/// <summary>state_protect_how4 (RFC 8881 §18.35): how the client id's state is protected against other principals.</summary>
public enum StateProtectHow4
{
    None = 0, // SP4_NONE
    MachCred = 1, // SP4_MACH_CRED
    Ssv = 2, // SP4_SSV
}

/// <summary>CREATE_SESSION4_FLAG_* (RFC 8881 §18.36.3).</summary>
[Flags]
public enum CreateSessionFlags : uint
{
    None = 0,
    Persist = 0x1, // CREATE_SESSION4_FLAG_PERSIST: a reply cache that survives a server restart
    ConnBackChan = 0x2, // CREATE_SESSION4_FLAG_CONN_BACK_CHAN: this connection also carries the back channel
    ConnRdma = 0x4, // CREATE_SESSION4_FLAG_CONN_RDMA
}

/// <summary>SEQ4_STATUS_* (RFC 8881 §18.46.3): what the server tells the client with every SEQUENCE reply.</summary>
[Flags]
public enum SequenceStatusFlags : uint
{
    None = 0,
    CbPathDown = 0x00000001, // SEQ4_STATUS_CB_PATH_DOWN
    CbGssContextsExpiring = 0x00000002, // SEQ4_STATUS_CB_GSS_CONTEXTS_EXPIRING
    CbGssContextsExpired = 0x00000004, // SEQ4_STATUS_CB_GSS_CONTEXTS_EXPIRED
    ExpiredAllStateRevoked = 0x00000008, // SEQ4_STATUS_EXPIRED_ALL_STATE_REVOKED
    ExpiredSomeStateRevoked = 0x00000010, // SEQ4_STATUS_EXPIRED_SOME_STATE_REVOKED
    AdminStateRevoked = 0x00000020, // SEQ4_STATUS_ADMIN_STATE_REVOKED
    RecallableStateRevoked = 0x00000040, // SEQ4_STATUS_RECALLABLE_STATE_REVOKED
    LeaseMoved = 0x00000080, // SEQ4_STATUS_LEASE_MOVED
    RestartReclaimNeeded = 0x00000100, // SEQ4_STATUS_RESTART_RECLAIM_NEEDED
    CbPathDownSession = 0x00000200, // SEQ4_STATUS_CB_PATH_DOWN_SESSION
    BackchannelFault = 0x00000400, // SEQ4_STATUS_BACKCHANNEL_FAULT
    DevIdChanged = 0x00000800, // SEQ4_STATUS_DEVID_CHANGED
    DevIdDeleted = 0x00001000, // SEQ4_STATUS_DEVID_DELETED

    /// <summary>The flags that say some of the client's state is gone (TEST_STATEID / FREE_STATEID find which).</summary>
    StateRevoked = ExpiredAllStateRevoked | ExpiredSomeStateRevoked | AdminStateRevoked | RecallableStateRevoked,
}

/// <summary>channel_dir_from_client4 (RFC 8881 §18.34): which channels BIND_CONN_TO_SESSION asks for.</summary>
public enum ChannelDirFromClient4
{
    Fore = 0x1, // CDFC4_FORE
    Back = 0x2, // CDFC4_BACK
    ForeOrBoth = 0x3, // CDFC4_FORE_OR_BOTH
    BackOrBoth = 0x7, // CDFC4_BACK_OR_BOTH
}

/// <summary>channel_dir_from_server4 (RFC 8881 §18.34): which channels the connection was bound to.</summary>
public enum ChannelDirFromServer4
{
    Fore = 0x1, // CDFS4_FORE
    Back = 0x2, // CDFS4_BACK
    Both = 0x3, // CDFS4_BOTH
}

/// <summary>
/// channel_attrs4 (RFC 8881 §18.36): the limits of one channel of a session. The client asks, the server answers
/// with what it grants (never more than was asked, except <see cref="HeaderPadSize"/>).
/// </summary>
public readonly record struct ChannelAttrs4(
    uint HeaderPadSize, uint MaxRequestSize, uint MaxResponseSize, uint MaxResponseSizeCached, uint MaxOperations, uint MaxRequests)
{
    /// <summary>ca_rdma_ird&lt;1&gt;: present only on RDMA connections, which we do not use.</summary>
    public uint? RdmaIrd { get; init; }

    public static ChannelAttrs4 Decode(ref XdrReader reader)
    {
        var attrs = new ChannelAttrs4(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32());
        return reader.ReadArrayCount(1) == 1 ? attrs with { RdmaIrd = reader.ReadUInt32() } : attrs;
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(HeaderPadSize);
        writer.WriteUInt32(MaxRequestSize);
        writer.WriteUInt32(MaxResponseSize);
        writer.WriteUInt32(MaxResponseSizeCached);
        writer.WriteUInt32(MaxOperations);
        writer.WriteUInt32(MaxRequests);
        if (RdmaIrd is { } ird)
        {
            writer.WriteArrayCount(1);
            writer.WriteUInt32(ird);
        }
        else
        {
            writer.WriteArrayCount(0);
        }
    }
}

/// <summary>
/// callback_sec_parms4 (RFC 8881 §18.36): the security the server uses for calls on the back channel. AUTH_NONE,
/// or AUTH_SYS with the identity given (authsys_parms, RFC 5531 Appendix A); RPCSEC_GSS is not offered.
/// </summary>
public sealed record CallbackSecParms4(RpcAuthFlavor Flavor, uint Uid, uint Gid, string MachineName)
{
    /// <summary>AUTH_NONE: the server's callbacks carry no credential.</summary>
    public static CallbackSecParms4 None { get; } = new(RpcAuthFlavor.AuthNone, 0, 0, string.Empty);

    /// <summary>AUTH_SYS with this uid, gid and machine name.</summary>
    public static CallbackSecParms4 Sys(uint uid, uint gid, string machineName) => new(RpcAuthFlavor.AuthSys, uid, gid, machineName);

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (Flavor)
        {
            case RpcAuthFlavor.AuthNone:
                writer.WriteEnum(Flavor);
                break;
            case RpcAuthFlavor.AuthSys:
                writer.WriteEnum(Flavor);
                writer.WriteUInt32(0); // stamp
                writer.WriteString(MachineName, RpcLimits.MaxMachineName);
                writer.WriteUInt32(Uid);
                writer.WriteUInt32(Gid);
                writer.WriteArrayCount(0);
                break;
            default:
                throw new NotSupportedException($"Callback security {Flavor} is not supported; use AUTH_NONE or AUTH_SYS.");
        }
    }
}

/// <summary>server_owner4 (RFC 8881 §2.5): which server (major id) and which of its nodes (minor id) answered.</summary>
public sealed record ServerOwner4(ulong MinorId, ReadOnlyMemory<byte> MajorId)
{
    public static ServerOwner4 Decode(ref XdrReader reader) => new(reader.ReadUInt64(), reader.ReadOpaque(NfsLimits.MaxOpaque).ToArray());

    public override string ToString() => $"{Convert.ToHexString(MajorId.Span)}/{MinorId}";
}

/// <summary>nfs_impl_id4 (RFC 8881 §18.35): an implementation's name, for logs; never used to decide anything.</summary>
public sealed record NfsImplId4(string Domain, string Name, NfsTime4 Date)
{
    public static NfsImplId4 Decode(ref XdrReader reader) =>
        new(reader.ReadString(NfsLimits.MaxOpaque), reader.ReadString(NfsLimits.MaxOpaque), NfsTime4.Decode(ref reader));

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString(Domain, NfsLimits.MaxOpaque);
        writer.WriteString(Name, NfsLimits.MaxOpaque);
        Date.Encode(writer);
    }

    public override string ToString() => $"{Name} ({Domain})";
}

/// <summary>secinfo_style4 (RFC 8881 §18.45.1): SECINFO_NO_NAME asks for the current filehandle or for its parent.</summary>
public enum SecInfoStyle4
{
    CurrentFh = 0, // SECINFO_STYLE4_CURRENT_FH
    Parent = 1, // SECINFO_STYLE4_PARENT
}
