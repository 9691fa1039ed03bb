using DokanNfs.Core.Nfs4;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client.Sessions;

/// <summary>Source-generated log messages of NFSv4.1 sessions; event ids are stable (2200–2299).</summary>
internal static partial class SessionLog
{
    [LoggerMessage(2200, LogLevel.Information, "{Server}: NFSv4.{Minor} client id {ClientId:x16} (server {ServerOwner}, {ServerImpl})")]
    public static partial void ClientIdEstablished(ILogger logger, string server, uint minor, ulong clientId, ServerOwner4 serverOwner, string serverImpl);

    [LoggerMessage(2201, LogLevel.Information, "{Server}: session {SessionId}: {Slots} slots, {MaxOps} ops, requests {MaxRequest} B, replies {MaxResponse} B ({Cached} B cached), flags {Flags}")]
    public static partial void SessionCreated(ILogger logger, string server, SessionId4 sessionId, uint slots, uint maxOps, uint maxRequest, uint maxResponse, uint cached, CreateSessionFlags flags);

    [LoggerMessage(2202, LogLevel.Warning, "{Server}: session {SessionId} reset after {Cause}")]
    public static partial void SessionReset(ILogger logger, string server, SessionId4 sessionId, NfsStat4 cause);

    [LoggerMessage(2203, LogLevel.Warning, "{Server}: client id {ClientId:x16} is gone ({Cause}); establishing a new one")]
    public static partial void ClientIdLost(ILogger logger, string server, ulong clientId, NfsStat4 cause);

    [LoggerMessage(2204, LogLevel.Information, "{Server}: sr_status_flags {Previous} -> {Current}")]
    public static partial void StatusFlagsChanged(ILogger logger, string server, SequenceStatusFlags previous, SequenceStatusFlags current);

    [LoggerMessage(2205, LogLevel.Warning, "{Server}: lease renewal (SEQUENCE) failed: {Reason}")]
    public static partial void RenewFailed(ILogger logger, string server, string reason);

    [LoggerMessage(2206, LogLevel.Debug, "{Server}: connection {Connection} bound to session {SessionId} ({Direction})")]
    public static partial void ConnectionBound(ILogger logger, string server, long connection, SessionId4 sessionId, ChannelDirFromServer4 direction);

    [LoggerMessage(2207, LogLevel.Warning, "{Server}: teardown: {What} failed: {Reason}")]
    public static partial void TeardownFailed(ILogger logger, string server, string what, string reason);

    [LoggerMessage(2208, LogLevel.Debug, "{Server}: {Tag} on {Slot}: {Status}; {Action}")]
    public static partial void SequenceFailed(ILogger logger, string server, string tag, SessionSlot slot, NfsStat4 status, SequenceErrorAction action);

    [LoggerMessage(2209, LogLevel.Debug, "{Server}: {Tag} on {Slot}: {Reason}; sending it again on the same slot")]
    public static partial void Resending(ILogger logger, string server, string tag, SessionSlot slot, string reason);

    [LoggerMessage(2210, LogLevel.Information, "{Server}: lease time is {LeaseSeconds} s; renewing after {RenewAfter}")]
    public static partial void LeaseTime(ILogger logger, string server, uint leaseSeconds, TimeSpan renewAfter);

    [LoggerMessage(2211, LogLevel.Error, "{Server}: a StatusFlagsChanged handler failed")]
    public static partial void StatusHandlerFailed(ILogger logger, string server, Exception exception);

    [LoggerMessage(2212, LogLevel.Warning, "{Server}: after the new client id: reclaim or RECLAIM_COMPLETE failed")]
    public static partial void ReclaimFailed(ILogger logger, string server, Exception exception);
}

/// <summary>
/// How long one request keeps going through NFS4ERR_DELAY and unreachable-server waits: a doubling delay and a budget
/// counted from the first wait (a struct; its async part is the caller's Task.Delay).
/// </summary>
internal struct SessionRetryClock(NfsSessionOptions options)
{
    private long _firstWaitTicks;

    public TimeSpan Delay { get; private set; } = options.RetryDelayMin;

    /// <summary>True while the budget allows another wait; starts the budget at the first call.</summary>
    public bool CanWait()
    {
        var now = Environment.TickCount64;
        if (_firstWaitTicks == 0)
        {
            _firstWaitTicks = now;
        }

        return options.RetryBudget == Timeout.InfiniteTimeSpan || now - _firstWaitTicks < (long)options.RetryBudget.TotalMilliseconds;
    }

    /// <summary>What is left of a limited budget once the first wait started; null while unlimited or not started.</summary>
    public readonly TimeSpan? Left() =>
        options.RetryBudget == Timeout.InfiniteTimeSpan || _firstWaitTicks == 0
            ? null
            : options.RetryBudget - TimeSpan.FromMilliseconds(Environment.TickCount64 - _firstWaitTicks);

    /// <summary>Waits the current delay and doubles the next.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var delay = Delay;
        Delay = Delay * 2 < options.RetryDelayMax ? Delay * 2 : options.RetryDelayMax;
        return Task.Delay(delay, cancellationToken);
    }
}
