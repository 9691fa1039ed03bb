using DokanNfs.Core.Nfs4;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client;

/// <summary>Source-generated log messages of the NFS client; event ids are stable (2000–2199).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(2000, LogLevel.Information, "NFS client id {ClientId:x16} established with {Server}")]
    public static partial void ClientIdEstablished(ILogger logger, string server, ulong clientId);

    [LoggerMessage(2001, LogLevel.Debug, "{Server}: {Tag} got {Status}; retrying in {Delay}")]
    public static partial void RetryAfterDelay(ILogger logger, string server, string tag, NfsStat4 status, TimeSpan delay);

    [LoggerMessage(2002, LogLevel.Warning, "{Server}: open-owner {Owner} retired after NFS4ERR_BAD_SEQID")]
    public static partial void OwnerRetired(ILogger logger, string server, string owner);

    [LoggerMessage(2003, LogLevel.Debug, "{Server}: filehandle of {Path} expired; resolving the path again")]
    public static partial void FileHandleExpired(ILogger logger, string server, string path);

    [LoggerMessage(2004, LogLevel.Warning, "{Server}: COMMIT verifier changed ({Old} -> {New}); rewriting {Bytes} uncommitted bytes of {Path}")]
    public static partial void WriteVerifierChanged(ILogger logger, string server, string path, Verifier4 old, Verifier4 @new, long bytes);

    [LoggerMessage(2005, LogLevel.Information, "{Server}: {Path} is a referral to {Locations}")]
    public static partial void Referral(ILogger logger, string server, string path, string locations);

    [LoggerMessage(2006, LogLevel.Warning, "{Server}: not reachable during {Tag} ({Reason}); waiting")]
    public static partial void ServerUnreachable(ILogger logger, string server, string tag, string reason);

    [LoggerMessage(2007, LogLevel.Information, "{Server}: lease time is {LeaseSeconds} s; renewing after {RenewAfter}")]
    public static partial void LeaseTime(ILogger logger, string server, uint leaseSeconds, TimeSpan renewAfter);

    [LoggerMessage(2008, LogLevel.Warning, "{Server}: RENEW failed: {Reason}")]
    public static partial void RenewFailed(ILogger logger, string server, string reason);

    [LoggerMessage(2009, LogLevel.Information, "{Server}: recovery started: {Reason}")]
    public static partial void RecoveryStarted(ILogger logger, string server, string reason);

    [LoggerMessage(2010, LogLevel.Information, "{Server}: recovery done ({Reason}): {OpensReclaimed} opens and {LocksReclaimed} locks reclaimed, {OpensLost} opens and {LocksLost} locks lost")]
    public static partial void RecoveryDone(ILogger logger, string server, string reason, int opensReclaimed, int locksReclaimed, int opensLost, int locksLost);

    [LoggerMessage(2011, LogLevel.Warning, "{Server}: {Path}: open state lost: {Reason}")]
    public static partial void StateLost(ILogger logger, string server, string path, string reason);

    [LoggerMessage(2012, LogLevel.Information, "{Server}: {Path}: reclaimed the open ({Access}/{Deny}) and {Locks} locks")]
    public static partial void Reclaimed(ILogger logger, string server, string path, OpenShareAccess access, OpenShareDeny deny, int locks);

    [LoggerMessage(2013, LogLevel.Warning, "{Server}: {Path}: after the server restart the file is {Check}: found {Found}, our last {Latest}, last stable {Stable}")]
    public static partial void VersionChecked(ILogger logger, string server, string path, NfsFileVersionCheck check, string found, NfsFileVersion latest, NfsFileVersion stable);

    [LoggerMessage(2014, LogLevel.Information, "{Server}: {Path}: the server lost {Bytes} uncommitted bytes; the file is {Check} ({Found}): writing them again")]
    public static partial void RewritingLostWrites(ILogger logger, string server, string path, long bytes, NfsFileVersionCheck check, string found);

    [LoggerMessage(2015, LogLevel.Warning, "{Server}: {Path}: the server lost {Bytes} uncommitted bytes and the file is {Check} ({Reason}); they were saved to {Copy}")]
    public static partial void ConflictCopySaved(ILogger logger, string server, string path, long bytes, NfsFileVersionCheck check, string reason, string copy);

    [LoggerMessage(2016, LogLevel.Error, "{Server}: {Path}: {Bytes} bytes the server lost could not be saved to {Copy}: {Error}")]
    public static partial void ConflictCopyFailed(ILogger logger, string server, string path, long bytes, string copy, string error);

    [LoggerMessage(2017, LogLevel.Information, "{Server}: a READ ahead over an extra read connection failed ({Error}); READs stay on the main connection for a while")]
    public static partial void ReadConnectionFailed(ILogger logger, string server, string error);
}
