using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli.Mounting;

/// <summary>Source-generated log messages of mounting; event ids are stable (3000–3099). Properties carry the names README's logging section lists.</summary>
internal static partial class MountLog
{
    public const string Category = "DokanNfs.Mount";

    [LoggerMessage(3000, LogLevel.Information, "Mounting {Url} at {MountPoint} ({Options})")]
    public static partial void Mounting(ILogger logger, string url, string mountPoint, string options);

    [LoggerMessage(3001, LogLevel.Information, "Mounted {Url} at {MountPoint}")]
    public static partial void Mounted(ILogger logger, string url, string mountPoint);

    [LoggerMessage(3002, LogLevel.Information, "Unmounting {MountPoint}: {Reason}")]
    public static partial void Unmounting(ILogger logger, string mountPoint, string reason);

    [LoggerMessage(3003, LogLevel.Information, "Unmounted {MountPoint}")]
    public static partial void Unmounted(ILogger logger, string mountPoint);

    [LoggerMessage(3004, LogLevel.Warning, "Mounting {Url} at {MountPoint} failed: {Reason}; trying again in {Delay}")]
    public static partial void Retrying(ILogger logger, string url, string mountPoint, string reason, TimeSpan delay);

    [LoggerMessage(3005, LogLevel.Warning, "The drive {MountPoint} went away without being unmounted; mounting it again")]
    public static partial void DriveLost(ILogger logger, string mountPoint);

    [LoggerMessage(3006, LogLevel.Debug, "Control pipe {Pipe}: {Reason}")]
    public static partial void ControlFailed(ILogger logger, string pipe, string reason);

    [LoggerMessage(3007, LogLevel.Debug, "Control pipe {Pipe}: {Request}")]
    public static partial void ControlRequest(ILogger logger, string pipe, string request);

    [LoggerMessage(3008, LogLevel.Warning, "Unmounting {MountPoint} did not finish cleanly: {Reason}")]
    public static partial void UnmountFailed(ILogger logger, string mountPoint, string reason);
}
