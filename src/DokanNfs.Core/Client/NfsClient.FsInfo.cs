using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    /// <summary>
    /// The file system facts asked under NFSv4.1: those of 4.0 and suppattr_exclcreat (RFC 8881 §5.8.1.14), the
    /// attributes an EXCLUSIVE4_1 create can set with its verifier. A 4.0 server need not know attribute 75.
    /// </summary>
    private static readonly Bitmap4 FsInfo41 = AttributeRequests.FsInfo.With(FAttr4.SuppAttrExclCreat);

    private NfsAttributes? _fsInfo;
    private long _readBytesPlaced;
    private long _readBytesLent;
    private long _writeBytesTakenOver;

    /// <summary>Bytes of READs ahead received straight into the buffer of the caller waiting for them (no copy).</summary>
    public long ReadBytesPlaced => Interlocked.Read(ref _readBytesPlaced);

    /// <summary>Bytes of READs ahead lent to the caller in their reply buffers (NfsOpenFile.ReadLeasedAsync: no copy).</summary>
    public long ReadBytesLent => Interlocked.Read(ref _readBytesLent);

    /// <summary>Bytes of WRITEs sent from buffers their callers handed over (NfsOpenFile.TryWritePooledAsync: no copy).</summary>
    public long WriteBytesTakenOver => Interlocked.Read(ref _writeBytesTakenOver);

    /// <summary>
    /// The server's file system limits and properties (maxread, maxwrite, lease_time, maxname, …), read once
    /// from the root and kept. Asked with the machine credential: the answer is kept for every user.
    /// </summary>
    public ValueTask<NfsAttributes> GetFsInfoAsync(CancellationToken cancellationToken) => GetFsInfoAsync(cancellationToken, journalOnOutage: false);

    /// <summary>With <paramref name="journalOnOutage"/>, for a WRITE the journal can take: an unreachable server is not waited out.</summary>
    private async ValueTask<NfsAttributes> GetFsInfoAsync(CancellationToken cancellationToken, bool journalOnOutage)
    {
        if (_fsInfo is { } known)
        {
            return known;
        }

        var info = await RunCoreAsync(
            "fsinfo",
            this,
            static (ref CompoundEncoder e, NfsClient client) =>
            {
                // Encoded once the minor version is settled (the first call of a 4.1 or "auto" client settles it).
                e.PutRootFh();
                e.GetAttr(client.MinorVersion > 0 ? FsInfo41 : AttributeRequests.FsInfo);
            },
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutRootFh(ref r);
                return results.GetAttr(ref r);
            },
            cancellationToken,
            retryAfterRecovery: true,
            MachineCredential,
            journalOnOutage).ConfigureAwait(false);
        _fsInfo = info;
        return info;
    }

    /// <summary>
    /// NFSv4.1: the attributes an OPEN with EXCLUSIVE4_1 may set along with its verifier (suppattr_exclcreat, read
    /// with the file system facts and kept; RFC 8881 §18.16.3: attributes outside it are set by a SETATTR after the
    /// create). Null under NFSv4.0 (EXCLUSIVE4_1 does not exist there: use EXCLUSIVE4 with the verifier alone), or
    /// when the server did not return it.
    /// </summary>
    public async ValueTask<Bitmap4?> GetExclusiveCreateAttributesAsync(CancellationToken cancellationToken)
    {
        var info = await GetFsInfoAsync(cancellationToken).ConfigureAwait(false);
        return MinorVersion > 0 ? info.SuppAttrExclCreat : null;
    }

    internal async ValueTask<uint> GetReadSizeAsync(CancellationToken cancellationToken)
    {
        var info = await GetFsInfoAsync(cancellationToken).ConfigureAwait(false);

        // Under NFSv4.1 a reply may not exceed the fore channel's ca_maxresponsesize (RFC 8881 §18.36.3).
        return Clamp(info.MaxRead, Session is { } session ? Math.Min(_options.MaxReadSize, session.MaxReadPayload) : _options.MaxReadSize);
    }

    internal async ValueTask<uint> GetWriteSizeAsync(CancellationToken cancellationToken, bool journalOnOutage = false)
    {
        var info = await GetFsInfoAsync(cancellationToken, journalOnOutage).ConfigureAwait(false);

        // Under NFSv4.1 a request may not exceed the fore channel's ca_maxrequestsize (RFC 8881 §18.36.3).
        return Clamp(info.MaxWrite, Session is { } session ? Math.Min(_options.MaxWriteSize, session.MaxWritePayload) : _options.MaxWriteSize);
    }

    internal void LogFileHandleExpired(string path) => ClientLog.FileHandleExpired(_logger, ServerName, path);

    internal void LogWriteVerifierChanged(string path, Verifier4 old, Verifier4 current, long bytes) =>
        ClientLog.WriteVerifierChanged(_logger, ServerName, path, old, current, bytes);

    private static uint Clamp(ulong? serverMax, uint ours)
    {
        // A server that names no limit, or an absurd one, gets ours; a tiny one is still honoured.
        var max = serverMax is > 0 ? serverMax.Value : ours;
        return (uint)Math.Clamp(max, 512UL, ours);
    }

    internal void NoteReadPlaced(int count) => Interlocked.Add(ref _readBytesPlaced, count);

    internal void NoteReadLent(int count) => Interlocked.Add(ref _readBytesLent, count);

    internal void NoteWriteTakenOver(int count) => Interlocked.Add(ref _writeBytesTakenOver, count);
}
