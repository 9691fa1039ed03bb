using Microsoft.Extensions.Logging;

namespace DokanNfs.Dokan.Adapter;

/// <summary>The adapter's log messages (source-generated: no formatting unless the level is on).</summary>
internal static partial class AdapterLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Debug, Message = "{Callback} {Path}: NTSTATUS 0x{Status:X8} ({Reason})")]
    public static partial void CallbackError(ILogger logger, string callback, string? path, int status, string reason);

    [LoggerMessage(EventId = 601, Level = LogLevel.Error, Message = "{Callback} {Path} failed unexpectedly; answered STATUS_INTERNAL_ERROR")]
    public static partial void CallbackFailed(ILogger logger, string callback, string? path, Exception exception);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "Releasing {Path} at {Callback} failed: {Reason}")]
    public static partial void ReleaseFailed(ILogger logger, string callback, string path, string reason);
}
