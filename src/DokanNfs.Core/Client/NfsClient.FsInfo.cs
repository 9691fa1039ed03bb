using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    private NfsAttributes? _fsInfo;

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
            0,
            static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.GetAttr(AttributeRequests.FsInfo);
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
}
