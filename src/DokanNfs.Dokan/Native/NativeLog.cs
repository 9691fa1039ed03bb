using Microsoft.Extensions.Logging;

namespace DokanNfs.Dokan.Native;

/// <summary>Log messages of the native boundary: the callbacks' exception barrier, mounting, the host.</summary>
internal static partial class NativeLog
{
    [LoggerMessage(EventId = 610, Level = LogLevel.Error, Message = "Dokan callback {Callback} threw; answered STATUS_INTERNAL_ERROR")]
    public static partial void CallbackThrew(ILogger logger, string callback, Exception exception);

    [LoggerMessage(EventId = 611, Level = LogLevel.Information, Message = "Mounted {MountPoint} (Dokan library {LibraryVersion}, driver 0x{DriverVersion:X})")]
    public static partial void Mounted(ILogger logger, string mountPoint, string libraryVersion, uint driverVersion);

    [LoggerMessage(EventId = 612, Level = LogLevel.Information, Message = "Unmounted {MountPoint}")]
    public static partial void Unmounted(ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 613, Level = LogLevel.Debug, Message = "{Call} {Path} was not accepted by Dokan")]
    public static partial void NotifyRefused(ILogger logger, string call, string path);

    [LoggerMessage(EventId = 614, Level = LogLevel.Warning, Message = "DokanResetTimeout({Milliseconds}) was refused; the request may be timed out by the driver")]
    public static partial void ResetTimeoutRefused(ILogger logger, uint milliseconds);

    [LoggerMessage(EventId = 615, Level = LogLevel.Debug, Message = "The requester's SID could not be read: {Reason}")]
    public static partial void RequestorSidFailed(ILogger logger, string reason);
}
