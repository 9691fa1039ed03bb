namespace DokanNfs.Dokan.Host;

/// <summary>
/// Where and how a volume is mounted (DOKAN_OPTIONS). The request timeout is not here: DOKAN_OPTIONS.Timeout is
/// the adapter's <see cref="Adapter.DokanAdapterOptions.RequestTimeout"/>, so the driver and the adapter's
/// keep-alive agree. LockFile/UnlockFile always reach the adapter (DOKAN_OPTION_FILELOCK_USER_MODE), and the
/// volume is case sensitive unless the adapter's CaseInsensitive option is on (DOKAN_OPTION_CASE_SENSITIVE).
/// </summary>
public sealed record DokanMountOptions
{
    /// <summary>A drive letter ("N", "N:" or "N:\") or an empty folder on an NTFS volume ("C:\mnt\nfs").</summary>
    public required string MountPoint { get; init; }

    /// <summary>
    /// A UNC name ("\\server\export") makes a network drive (DOKAN_OPTION_NETWORK; needs the Dokan network
    /// provider, installed with Dokan, and a drive letter). Null: a local disk volume.
    /// </summary>
    public string? UncName { get; init; }

    /// <summary>DOKAN_OPTION_WRITE_PROTECT: Windows sees a write-protected volume. Also set when the adapter is read-only.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// DOKAN_OPTIONS.SingleThread: one dispatch thread. Dokan 2.x has no thread count any more: by default its
    /// thread pool sizes itself from the CPUs the process may use (2 to 16 threads pulling requests from the
    /// driver), and this is the only knob left. For debugging; it serializes every request.
    /// </summary>
    public bool SingleThread { get; init; }

    /// <summary>
    /// DOKAN_OPTION_ALLOW_IPC_BATCHING: pull requests from the driver in batches and run them on the pool, which
    /// Dokan recommends for file systems whose requests take long (remote storage) on machines with few CPUs.
    /// Ignored by Dokan with <see cref="SingleThread"/>.
    /// </summary>
    public bool IpcBatching { get; init; }

    /// <summary>DOKAN_OPTIONS.AllocationUnitSize: a power of two from 512 to 65536 (dokan.c resets others to its default).</summary>
    public uint AllocationUnitSize { get; init; } = 4096;

    /// <summary>DOKAN_OPTIONS.SectorSize: a power of two from 512 to 65536.</summary>
    public uint SectorSize { get; init; } = 512;

    /// <summary>DOKAN_OPTION_CURRENT_SESSION: the volume is visible only in the mounting user's logon session.</summary>
    public bool CurrentSessionOnly { get; init; }
}

/// <summary>One Dokan volume of this machine, as DokanGetMountPointList reports it.</summary>
/// <param name="MountPoint">"N:\" for a drive letter, the folder otherwise.</param>
/// <param name="UncName">"\\server\export" for a network drive, null otherwise.</param>
/// <param name="DeviceName">The volume's device ("\Device\Volume{…}").</param>
/// <param name="IsNetworkDrive">Mounted with DOKAN_OPTION_NETWORK.</param>
/// <param name="SessionId">The logon session it is visible in; <see cref="uint.MaxValue"/> for all.</param>
/// <param name="Options">The DOKAN_OPTION_* flags it was mounted with.</param>
public sealed record DokanMountPoint(
    string MountPoint, string? UncName, string DeviceName, bool IsNetworkDrive, uint SessionId, Native.DokanOptionFlags Options)
{
    public bool AllSessions => SessionId == uint.MaxValue;
}
