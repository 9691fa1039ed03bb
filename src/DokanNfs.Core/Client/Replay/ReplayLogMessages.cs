using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client;

/// <summary>Log messages of version-carrying replay; event ids 2100–2119 of the client's range.</summary>
internal static partial class ReplayLogMessages
{
    [LoggerMessage(2100, LogLevel.Warning, "{Server}: {Call}: outcome unknown ({Reason}); checking the server's state before anything else touches it")]
    public static partial void OutcomeUnknown(ILogger logger, string server, string call, string reason);

    [LoggerMessage(2101, LogLevel.Information, "{Server}: {Call}: {Outcome}: {Why}; based on [{Basis}], found [{Observed}]")]
    public static partial void Resolved(ILogger logger, string server, string call, NfsReplayOutcome outcome, string why, string basis, string observed);

    [LoggerMessage(2102, LogLevel.Warning, "{Server}: {Call}: CONFLICT, nothing re-sent: {Why}; based on [{Basis}], found [{Observed}]")]
    public static partial void Conflict(ILogger logger, string server, string call, string why, string basis, string observed);

    [LoggerMessage(2103, LogLevel.Debug, "{Server}: {Call}: done; versions [{Versions}]")]
    public static partial void Completed(ILogger logger, string server, string call, string versions);

    [LoggerMessage(2104, LogLevel.Debug, "{Server}: {Call}: the name now refers to another object than the walk found (VERIFY: NFS4ERR_NOT_SAME); resolving it again")]
    public static partial void NameChangedBeforeSend(ILogger logger, string server, string call);

    [LoggerMessage(2105, LogLevel.Information, "{Server}: {Call}: sending it again behind VERIFY: {Why}")]
    public static partial void Replaying(ILogger logger, string server, string call, string why);
}
