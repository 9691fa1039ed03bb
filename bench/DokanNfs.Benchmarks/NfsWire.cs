using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Benchmarks;

/// <summary>stable_how4 (RFC 7530 §16.36).</summary>
internal enum StableHow4
{
    Unstable = 0,
    DataSync = 1,
    FileSync = 2,
}

/// <summary>The state of PUTFH + READ, handed to <see cref="CompoundArgs{TState}"/> by value (no closure).</summary>
internal readonly struct ReadOps(byte[] fileHandle, byte[] stateId, ulong offset, uint count)
{
    public byte[] FileHandle { get; } = fileHandle;

    public byte[] StateId { get; } = stateId;

    public ulong Offset { get; } = offset;

    public uint Count { get; } = count;
}

/// <summary>The state of PUTFH + WRITE.</summary>
internal readonly struct WriteOps(byte[] fileHandle, byte[] stateId, ulong offset, ReadOnlyMemory<byte> data)
{
    public byte[] FileHandle { get; } = fileHandle;

    public byte[] StateId { get; } = stateId;

    public ulong Offset { get; } = offset;

    public ReadOnlyMemory<byte> Data { get; } = data;
}

/// <summary>nfstime4 (RFC 7530 §2.2.1).</summary>
internal readonly record struct NfsTime4(long Seconds, uint NanoSeconds);

/// <summary>The fixed-size attributes a GETATTR after READ typically asks for, decoded without strings.</summary>
internal struct FileAttributes
{
    public uint Type;
    public ulong Change;
    public ulong Size;
    public ulong FsIdMajor;
    public ulong FsIdMinor;
    public ulong FileId;
    public uint Mode;
    public uint NumLinks;
    public ulong SpaceUsed;
    public NfsTime4 TimeAccess;
    public NfsTime4 TimeMetadata;
    public NfsTime4 TimeModify;
}

/// <summary>
/// NFSv4.0 operations the core does not have yet (PUTFH, READ, WRITE), written the way <see cref="CompoundEncoder"/>
/// writes its own: <see cref="CompoundEncoder.BeginOp"/> and then the arguments. Also builds the canned reply that the
/// decode benchmarks read, with the production <see cref="XdrWriter"/>.
/// </summary>
internal static class NfsWire
{
    public const int FileHandleLength = 28;

    public const int StateIdLength = 16;

    /// <summary>The attributes of <see cref="FileAttributes"/>, in the order fattr4 carries them.</summary>
    public static readonly Bitmap4 AttributeRequest = Bitmap4.Of(
        FAttr4.Type, FAttr4.Change, FAttr4.Size, FAttr4.FsId, FAttr4.FileId, FAttr4.Mode, FAttr4.NumLinks,
        FAttr4.SpaceUsed, FAttr4.TimeAccess, FAttr4.TimeMetadata, FAttr4.TimeModify);

    /// <summary>Static delegates: created once, so building a <see cref="CompoundArgs{TState}"/> per call allocates nothing.</summary>
    public static readonly CompoundOpsEncoder<ReadOps> EncodeReadOps = static (ref CompoundEncoder e, ReadOps s) =>
    {
        PutFh(ref e, s.FileHandle);
        Read(ref e, s.StateId, s.Offset, s.Count);
    };

    public static readonly CompoundOpsEncoder<WriteOps> EncodeWriteOps = static (ref CompoundEncoder e, WriteOps s) =>
    {
        PutFh(ref e, s.FileHandle);
        Write(ref e, s.StateId, s.Offset, StableHow4.Unstable, s.Data.Span);
    };

    public static byte[] Filled(int length, byte value)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        return bytes;
    }

    /// <summary>PUTFH (RFC 7530 §16.20): nfs_fh4 is opaque&lt;NFS4_FHSIZE&gt;.</summary>
    public static void PutFh(ref CompoundEncoder e, ReadOnlySpan<byte> fileHandle) =>
        e.BeginOp(NfsOpnum4.PutFh).WriteOpaque(fileHandle, NfsProgram.MaxFileHandleSize);

    /// <summary>READ (RFC 7530 §16.23): stateid4, offset4, count4.</summary>
    public static void Read(ref CompoundEncoder e, ReadOnlySpan<byte> stateId, ulong offset, uint count)
    {
        var w = e.BeginOp(NfsOpnum4.Read);
        w.WriteFixedOpaque(stateId); // stateid4: seqid + other[12], 16 bytes either way
        w.WriteUInt64(offset);
        w.WriteUInt32(count);
    }

    /// <summary>WRITE (RFC 7530 §16.36): stateid4, offset4, stable_how4, opaque data&lt;&gt;.</summary>
    public static void Write(ref CompoundEncoder e, ReadOnlySpan<byte> stateId, ulong offset, StableHow4 stable, ReadOnlySpan<byte> data)
    {
        var w = e.BeginOp(NfsOpnum4.Write);
        w.WriteFixedOpaque(stateId);
        w.WriteUInt64(offset);
        w.WriteEnum(stable);
        w.WriteOpaque(data);
    }

    /// <summary>
    /// rpc_msg REPLY / MSG_ACCEPTED / AUTH_NONE verifier / SUCCESS (RFC 5531 §9), the header every reply the client
    /// decodes starts with.
    /// </summary>
    public static void WriteSuccessReplyHeader(XdrWriter w, uint xid)
    {
        w.WriteUInt32(xid);
        w.WriteEnum(RpcMsgType.Reply);
        w.WriteEnum(RpcReplyStat.MsgAccepted);
        w.WriteEnum(RpcAuthFlavor.AuthNone);
        w.WriteOpaque([]);
        w.WriteEnum(RpcAcceptStat.Success);
    }

    /// <summary>
    /// A reply to COMPOUND { PUTFH, READ, GETATTR }: PUTFH OK, READ OK with eof and <paramref name="data"/>, GETATTR
    /// OK with <see cref="AttributeRequest"/>'s bitmap and attrlist.
    /// </summary>
    public static byte[] BuildReadGetAttrReply(uint xid, ReadOnlySpan<byte> data)
    {
        using var w = new XdrWriter(data.Length + 1024);
        WriteSuccessReplyHeader(w, xid);

        // COMPOUND4res: status, tag, resarray.
        w.WriteEnum(NfsStat4.Ok);
        w.WriteString(string.Empty);
        w.WriteArrayCount(3);

        w.WriteEnum(NfsOpnum4.PutFh);
        w.WriteEnum(NfsStat4.Ok);

        w.WriteEnum(NfsOpnum4.Read);
        w.WriteEnum(NfsStat4.Ok);
        w.WriteBool(true); // eof
        w.WriteOpaque(data);

        w.WriteEnum(NfsOpnum4.GetAttr);
        w.WriteEnum(NfsStat4.Ok);
        AttributeRequest.Encode(w);
        using var attrs = new XdrWriter(256);
        attrs.WriteUInt32(1); // type: NF4REG
        attrs.WriteUInt64(0x0001_0203_0405_0607); // change
        attrs.WriteUInt64((ulong)data.Length); // size
        attrs.WriteUInt64(0xFD00); // fsid.major
        attrs.WriteUInt64(1); // fsid.minor
        attrs.WriteUInt64(1_234_567); // fileid
        attrs.WriteUInt32(0x1A4); // mode 0644
        attrs.WriteUInt32(1); // numlinks
        attrs.WriteUInt64(4096); // space_used
        foreach (var seconds in (ReadOnlySpan<long>)[1_700_000_000, 1_700_000_100, 1_700_000_200])
        {
            attrs.WriteInt64(seconds); // time_access, time_metadata, time_modify
            attrs.WriteUInt32(123_456_789);
        }

        w.WriteOpaque(attrs.WrittenSpan);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>fattr4's attrlist decoded in attribute-number order (RFC 7530 §3.2) into a struct.</summary>
    public static FileAttributes DecodeAttributes(Bitmap4 returned, ReadOnlySpan<byte> attrList)
    {
        var r = new XdrReader(attrList);
        var a = default(FileAttributes);
        if (returned.Contains(FAttr4.Type))
        {
            a.Type = r.ReadUInt32();
        }

        if (returned.Contains(FAttr4.Change))
        {
            a.Change = r.ReadUInt64();
        }

        if (returned.Contains(FAttr4.Size))
        {
            a.Size = r.ReadUInt64();
        }

        if (returned.Contains(FAttr4.FsId))
        {
            a.FsIdMajor = r.ReadUInt64();
            a.FsIdMinor = r.ReadUInt64();
        }

        if (returned.Contains(FAttr4.FileId))
        {
            a.FileId = r.ReadUInt64();
        }

        if (returned.Contains(FAttr4.Mode))
        {
            a.Mode = r.ReadUInt32();
        }

        if (returned.Contains(FAttr4.NumLinks))
        {
            a.NumLinks = r.ReadUInt32();
        }

        if (returned.Contains(FAttr4.SpaceUsed))
        {
            a.SpaceUsed = r.ReadUInt64();
        }

        if (returned.Contains(FAttr4.TimeAccess))
        {
            a.TimeAccess = ReadTime(ref r);
        }

        if (returned.Contains(FAttr4.TimeMetadata))
        {
            a.TimeMetadata = ReadTime(ref r);
        }

        if (returned.Contains(FAttr4.TimeModify))
        {
            a.TimeModify = ReadTime(ref r);
        }

        r.ExpectEnd();
        return a;
    }

    private static NfsTime4 ReadTime(ref XdrReader r) => new(r.ReadInt64(), r.ReadUInt32());
}
