using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

/// <summary>
/// One write made while the server could not be reached, as the journal keeps it: which file (server, path,
/// filehandle, fileid), the version of the file the data was based on, who wrote it (the AUTH credential the
/// open file acts with), and the bytes at their offset. The seed's rule (../shared/seeds/version-based-recovery.txt,
/// §2.4: a replay is applied only to objects still at the version it was based on) needs the base version to
/// travel with the data, across a restart of the client too.
/// </summary>
internal sealed class JournalRecord
{
    /// <summary>The most data one record carries; a longer write becomes several records.</summary>
    public const int MaxData = 1024 * 1024;

    private const int MaxServer = 1024;
    private const int MaxPath = 8192;
    private const int MaxCredential = 1024;

    public JournalRecord(string server, string path, ReadOnlyMemory<byte> fileHandle, ulong? fileId, NfsFileVersion baseVersion, ReadOnlyMemory<byte> credential, long offset, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(data.Length, MaxData, nameof(data));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fileHandle.Length, NfsProgram.MaxFileHandleSize, nameof(fileHandle));
        Server = server;
        Path = path;
        FileHandle = fileHandle;
        FileId = fileId;
        Base = baseVersion;
        Credential = credential;
        Offset = offset;
        Data = data;
    }

    /// <summary>Given by the journal when the record is appended (1, 2, …; never reused within one journal file).</summary>
    public long Sequence { get; internal set; }

    public string Server { get; }

    /// <summary>The file's path on the server, export included, as the client opened it.</summary>
    public string Path { get; }

    public ReadOnlyMemory<byte> FileHandle { get; }

    public ulong? FileId { get; }

    /// <summary>The file's version (change, size) the data was written over: the last our own operations left.</summary>
    public NfsFileVersion Base { get; }

    /// <summary>The RPC credential of the open file, as it goes on the wire (opaque_auth: flavor and body).</summary>
    public ReadOnlyMemory<byte> Credential { get; }

    public long Offset { get; }

    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The credential's flavor and body of <paramref name="credential"/> (its null verifier left off).</summary>
    public static byte[] EncodeCredential(RpcCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var bytes = credential.CredentialAndVerifier;

        // opaque_auth = flavor, opaque body<400>; the verifier (AUTH_NONE, empty) follows and is not kept.
        var reader = new XdrReader(bytes);
        reader.ReadUInt32();
        var body = reader.ReadOpaque(RpcLimits.MaxAuthBytes);
        return bytes[..(8 + ((body.Length + 3) & ~3))].ToArray();
    }

    /// <summary>The credential <see cref="EncodeCredential"/> kept: AUTH_NONE or AUTH_SYS; anything else is refused.</summary>
    public static RpcCredential DecodeCredential(ReadOnlySpan<byte> encoded)
    {
        var reader = new XdrReader(encoded);
        var flavor = (RpcAuthFlavor)reader.ReadUInt32();
        var body = reader.ReadOpaque(RpcLimits.MaxAuthBytes);
        if (flavor == RpcAuthFlavor.AuthNone)
        {
            return RpcCredential.None;
        }

        if (flavor != RpcAuthFlavor.AuthSys)
        {
            throw new XdrException($"The journal holds a credential of flavor {flavor}, which it cannot restore.");
        }

        // RFC 5531 Appendix A: stamp, machinename<255>, uid, gid, gids<16>.
        var sys = new XdrReader(body);
        var stamp = sys.ReadUInt32();
        var machine = sys.ReadString(RpcLimits.MaxMachineName);
        var uid = sys.ReadUInt32();
        var gid = sys.ReadUInt32();
        var count = sys.ReadArrayCount(RpcLimits.MaxAuthSysGids);
        var gids = new uint[count];
        for (var i = 0; i < count; i++)
        {
            gids[i] = sys.ReadUInt32();
        }

        return RpcCredential.Sys(uid, gid, gids, machine, stamp);
    }

    /// <summary>The record's body in XDR (RFC 4506): what the journal frames and checksums.</summary>
    internal void Encode(XdrWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteString(Server, MaxServer);
        writer.WriteString(Path, MaxPath);
        writer.WriteOpaque(FileHandle.Span, NfsProgram.MaxFileHandleSize);
        writer.WriteBool(FileId is not null);
        writer.WriteUInt64(FileId ?? 0);
        writer.WriteUInt64(Base.Change);
        writer.WriteUInt64(Base.Size);
        writer.WriteOpaque(Credential.Span, MaxCredential);
        writer.WriteInt64(Offset);
        writer.WriteOpaque(Data.Span, MaxData);
    }

    /// <summary>Reads a body written by <see cref="Encode"/>; malformed input is an <see cref="XdrException"/>.</summary>
    internal static JournalRecord Decode(ReadOnlySpan<byte> body)
    {
        var reader = new XdrReader(body);
        var sequence = reader.ReadInt64();
        var server = reader.ReadString(MaxServer);
        var path = reader.ReadString(MaxPath);
        var fileHandle = reader.ReadOpaque(NfsProgram.MaxFileHandleSize).ToArray();
        var hasFileId = reader.ReadBool();
        var fileId = reader.ReadUInt64();
        var change = reader.ReadUInt64();
        var size = reader.ReadUInt64();
        var credential = reader.ReadOpaque(MaxCredential).ToArray();
        var offset = reader.ReadInt64();
        var data = reader.ReadOpaque(MaxData).ToArray();
        reader.ExpectEnd();
        if (sequence <= 0 || offset < 0)
        {
            throw new XdrException($"A journal record with sequence {sequence} and offset {offset} is not valid.");
        }

        return new JournalRecord(server, path, fileHandle, hasFileId ? fileId : null, new NfsFileVersion(change, size), credential, offset, data)
        {
            Sequence = sequence,
        };
    }

    public override string ToString() => $"#{Sequence} {Server}:{Path} [{Offset}, +{Data.Length}) over {Base}";
}
