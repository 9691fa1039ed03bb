using Microsoft.Extensions.Logging;

namespace DokanNfs.Dokan.Adapter;

/// <summary>Log messages of the query callbacks and change notifications (source-generated).</summary>
internal static partial class InfoLog
{
    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Listing {Directory}: an entry's name is {Length} characters, more than the {Max} a Windows directory entry holds; it is not listed")]
    public static partial void NameTooLong(ILogger logger, string directory, int length, int max);

    [LoggerMessage(EventId = 611, Level = LogLevel.Debug, Message = "{Directory} changed on the server but could not be listed again: {Reason}")]
    public static partial void RelistFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 612, Level = LogLevel.Warning, Message = "Telling Windows of a {Kind} of {Path} failed: {Reason}")]
    public static partial void NotifyFailed(ILogger logger, string kind, string path, string reason);
}
