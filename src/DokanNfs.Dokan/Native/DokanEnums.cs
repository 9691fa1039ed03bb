namespace DokanNfs.Dokan.Native;

/// <summary>dokan.h DOKAN_OPTION_* flags for DOKAN_OPTIONS.Options (Dokan 2.x values).</summary>
[Flags]
#pragma warning disable CA1711 // The native name is DOKAN_OPTION; "Flags" says this is a bit set, not one option.
public enum DokanOptionFlags : uint
#pragma warning restore CA1711
{
    None = 0,
    /// <summary>DOKAN_OPTION_DEBUG</summary>
    Debug = 1 << 0,
    /// <summary>DOKAN_OPTION_STDERR</summary>
    Stderr = 1 << 1,
    /// <summary>DOKAN_OPTION_ALT_STREAM: paths of the form file:stream reach the callbacks.</summary>
    AltStream = 1 << 2,
    /// <summary>DOKAN_OPTION_WRITE_PROTECT</summary>
    WriteProtect = 1 << 3,
    /// <summary>DOKAN_OPTION_NETWORK: network drive; needs the Dokan network provider.</summary>
    Network = 1 << 4,
    /// <summary>DOKAN_OPTION_REMOVABLE</summary>
    Removable = 1 << 5,
    /// <summary>DOKAN_OPTION_MOUNT_MANAGER</summary>
    MountManager = 1 << 6,
    /// <summary>DOKAN_OPTION_CURRENT_SESSION</summary>
    CurrentSession = 1 << 7,
    /// <summary>DOKAN_OPTION_FILELOCK_USER_MODE: LockFile/UnlockFile reach the callbacks.</summary>
    FileLockUserMode = 1 << 8,
    /// <summary>DOKAN_OPTION_CASE_SENSITIVE</summary>
    CaseSensitive = 1 << 9,
    /// <summary>DOKAN_OPTION_ENABLE_UNMOUNT_NETWORK_DRIVE</summary>
    EnableUnmountNetworkDrive = 1 << 10,
    /// <summary>DOKAN_OPTION_DISPATCH_DRIVER_LOGS</summary>
    DispatchDriverLogs = 1 << 11,
    /// <summary>DOKAN_OPTION_ALLOW_IPC_BATCHING</summary>
    AllowIpcBatching = 1 << 12,
}

/// <summary>dokan.h DokanMainResult: what DokanMain and DokanCreateFileSystem return.</summary>
public enum DokanMainResult
{
    /// <summary>DOKAN_SUCCESS</summary>
    Success = 0,
    /// <summary>DOKAN_ERROR: general error.</summary>
    Error = -1,
    /// <summary>DOKAN_DRIVE_LETTER_ERROR: bad drive letter.</summary>
    DriveLetterError = -2,
    /// <summary>DOKAN_DRIVER_INSTALL_ERROR: cannot install the driver.</summary>
    DriverInstallError = -3,
    /// <summary>DOKAN_START_ERROR: the driver answered that something is wrong.</summary>
    StartError = -4,
    /// <summary>DOKAN_MOUNT_ERROR: cannot assign a drive letter or mount point (probably already used).</summary>
    MountError = -5,
    /// <summary>DOKAN_MOUNT_POINT_ERROR: the mount point is invalid.</summary>
    MountPointError = -6,
    /// <summary>DOKAN_VERSION_ERROR: the requested DOKAN_OPTIONS.Version is not supported.</summary>
    VersionError = -7,
}
