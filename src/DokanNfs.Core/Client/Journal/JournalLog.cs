using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client;

/// <summary>Log messages of the write journal (disconnected operation); event ids 2140–2159 of the client's range.</summary>
internal static partial class JournalLog
{
    [LoggerMessage(2140, LogLevel.Warning, "{Server}: cannot be reached ({Reason}); writes to open files go to the journal {Journal}")]
    public static partial void Disconnected(ILogger logger, string server, string reason, string journal);

    [LoggerMessage(2141, LogLevel.Information, "{Server}: reachable again; {Records} journaled records ({Bytes} bytes) are replayed")]
    public static partial void Reconnected(ILogger logger, string server, int records, long bytes);

    [LoggerMessage(2142, LogLevel.Debug, "{Server}: {Path}: {Bytes} bytes at {Offset} journaled")]
    public static partial void Journaled(ILogger logger, string server, string path, long bytes, long offset);

    [LoggerMessage(2143, LogLevel.Warning, "{Server}: {Path}: the journal is full ({LiveBytes} of {MaxBytes} bytes); a write of {Bytes} bytes waits for the server")]
    public static partial void Full(ILogger logger, string server, string path, long liveBytes, long maxBytes, long bytes);

    [LoggerMessage(2144, LogLevel.Warning, "{Server}: journal {Journal}: {Damage}")]
    public static partial void Damaged(ILogger logger, string server, string journal, NfsJournalDamage damage);

    [LoggerMessage(2145, LogLevel.Information, "{Server}: journal {Journal} holds {Records} records ({Bytes} bytes) from an earlier run; they are replayed before anything else is served")]
    public static partial void FoundAtStart(ILogger logger, string server, string journal, int records, long bytes);

    [LoggerMessage(2146, LogLevel.Information, "{Server}: journaled writes replayed: {Replay}")]
    public static partial void Replayed(ILogger logger, string server, NfsJournalReplay replay);

    [LoggerMessage(2147, LogLevel.Warning, "{Server}: the journal {Journal} cannot be used ({Error}); writes wait for the server as without one")]
    public static partial void Unusable(ILogger logger, string server, string journal, string error);

    [LoggerMessage(2148, LogLevel.Error, "{Server}: {Path}: a write could not be journaled ({Error}); it waits for the server")]
    public static partial void AppendFailed(ILogger logger, string server, string path, string error);
}
