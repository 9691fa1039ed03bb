using System.Runtime.InteropServices;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Dokan.Host;

/// <summary>
/// An <see cref="NfsDokanOperations"/> mounted through dokan2.dll (DokanCreateFileSystem). DOKAN_OPTIONS and
/// DOKAN_OPERATIONS live in native memory for the life of the mount — Dokan keeps both pointers — and are freed
/// after unmounting. DokanInit is called before the first volume of the process and DokanShutdown after the
/// last. Disposing unmounts (DokanCloseHandle: the mount point goes, in-flight callbacks finish), then releases
/// the adapter's opens (<see cref="NfsDokanOperations.DisposeAsync"/>).
/// </summary>
public sealed class DokanVolume : IAsyncDisposable
{
    /// <summary>public_version.h DOKAN_DRIVER_VERSION_2: the driver interface of Dokan 1.4 and 2.x.</summary>
    internal const uint MinimumDriverVersion = 0x200;

    /// <summary>The driver keeps a request at least 15 s and at most 5 min (DOKAN_IRP_PENDING_TIMEOUT…_RESET_MAX) whatever it is given.</summary>
    internal static readonly TimeSpan MinimumTimeout = TimeSpan.FromSeconds(15);

    internal static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(5);

    private static readonly Lock ProcessLock = new();
    private static int _dokanUsers;

    private readonly DokanInstance _instance;
    private readonly DokanHandle _handle;
    private readonly NativeDokanHost? _host;
    private readonly ILogger _logger;
    private readonly string _requestedMountPoint;
    private readonly NativeBlocks _native;
    private int _disposed;

    private DokanVolume(
        DokanInstance instance, DokanHandle handle, NativeDokanHost? host, DokanMountOptions options, string mountPoint, ILogger logger, NativeBlocks native)
    {
        _instance = instance;
        _handle = handle;
        _host = host;
        Options = options;
        _requestedMountPoint = mountPoint;
        _logger = logger;
        _native = native;
    }

    /// <summary>
    /// Test hook: the tests' C stand-in for dokan2 is loaded, so mounting is allowed off Windows. Never set by the product.
    /// </summary>
    internal static bool StandInLoaded { get; set; }

    /// <summary>How many users of DokanInit this process has (volumes, plus calls in progress).</summary>
    internal static int DokanUsers
    {
        get
        {
            lock (ProcessLock)
            {
                return _dokanUsers;
            }
        }
    }

    /// <summary>Where the volume is: "N:\" or a folder, as Dokan reported it in Mounted (it may differ with the mount manager).</summary>
    public string MountPoint => _instance.MountedAt is { } reported ? DokanMountPath.FromDriverMountPoint(reported) : _requestedMountPoint;

    public DokanMountOptions Options { get; }

    public NfsDokanOperations Operations => _instance.Operations;

    /// <summary>DokanIsFileSystemRunning: false once unmounted, by us or by the driver (timeout, dokanctl /u, …).</summary>
    public bool IsRunning => Volatile.Read(ref _disposed) == 0 && DokanNativeMethods.DokanIsFileSystemRunning(_handle) != 0;

    /// <summary>Builds a <see cref="NativeDokanHost"/> and the adapter over <paramref name="fileSystem"/> and mounts them.</summary>
    public static DokanVolume Mount(INfsFileSystem fileSystem, DokanMountOptions options, DokanAdapterOptions? adapterOptions = null, ILogger? logger = null)
    {
        var host = new NativeDokanHost(logger);
        return Mount(new NfsDokanOperations(fileSystem, host, adapterOptions, logger), host, options, logger);
    }

    /// <summary>
    /// Mounts <paramref name="operations"/>. <paramref name="host"/> is the <see cref="NativeDokanHost"/> the adapter
    /// was built with (null if it was built with another host): it is attached to this volume so its
    /// notifications reach Dokan. Throws <see cref="PlatformNotSupportedException"/> off Windows,
    /// <see cref="DokanNotInstalledException"/>, <see cref="DokanVersionException"/>, <see cref="DokanMountException"/>,
    /// or <see cref="ArgumentException"/> for options Dokan would refuse or quietly change.
    /// </summary>
    public static unsafe DokanVolume Mount(NfsDokanOperations operations, NativeDokanHost? host, DokanMountOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var mountPoint = DokanMountPath.NormalizeMountPoint(options.MountPoint);
        var uncName = options.UncName is null ? null : DokanMountPath.ToDokanUncName(options.UncName);
        if (uncName is not null && !DokanMountPath.IsDriveLetter(mountPoint))
        {
            throw new ArgumentException($"A network drive needs a drive letter; '{options.MountPoint}' is a folder (Dokan would mount it as a local disk).", nameof(options));
        }

        CheckSize(options.AllocationUnitSize, nameof(DokanMountOptions.AllocationUnitSize));
        CheckSize(options.SectorSize, nameof(DokanMountOptions.SectorSize));
        var timeout = operations.Options.RequestTimeout;
        if (timeout < MinimumTimeout || timeout > MaximumTimeout)
        {
            throw new ArgumentException(
                $"DokanAdapterOptions.RequestTimeout is {timeout.TotalSeconds:0.###} s; the Dokan driver keeps a request {MinimumTimeout.TotalSeconds:0} s to {MaximumTimeout.TotalMinutes:0} min "
                + "whatever it is told, and the adapter's keep-alive must match what the driver does.",
                nameof(operations));
        }

        if (host?.NotificationPrefix is { } attached)
        {
            throw new InvalidOperationException($"This NativeDokanHost already serves a volume ({attached}); build one host per volume.");
        }

        var (libraryVersion, driverVersion) = AcquireDokan();
        DokanInstance? instance = null;
        DokanHandle? handle = null;
        var native = new NativeBlocks();
        try
        {
            if (OperatingSystem.IsWindows() && !DokanMountPath.IsDriveLetter(mountPoint)
                && (!Directory.Exists(mountPoint) || Directory.EnumerateFileSystemEntries(mountPoint).Any()))
            {
                throw new ArgumentException($"The folder {mountPoint} must exist and be empty to be a mount point.", nameof(options));
            }

            var mountPointText = native.MountPoint = CopyToNative(mountPoint);
            var uncNameText = native.UncName = uncName is null ? null : CopyToNative(uncName);
            var nativeOperations = native.Operations = (DOKAN_OPERATIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPERATIONS));
            *nativeOperations = DokanCallbacks.Create();
            var nativeOptions = native.Options = (DOKAN_OPTIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPTIONS));
            nativeOptions->Version = DokanConstants.DokanVersion;
            nativeOptions->SingleThread = options.SingleThread ? (byte)1 : (byte)0;
            nativeOptions->Options = OptionFlags(options, operations.Options, uncName is not null);
            nativeOptions->MountPoint = mountPointText;
            nativeOptions->UNCName = uncNameText;
            nativeOptions->Timeout = (uint)timeout.TotalMilliseconds;
            nativeOptions->AllocationUnitSize = options.AllocationUnitSize;
            nativeOptions->SectorSize = options.SectorSize;

            // Registered before DokanCreateFileSystem: it calls Mounted before it returns.
            instance = DokanInstances.Register(operations, logger);
            nativeOptions->GlobalContext = instance.Id;
            DokanMainResult result;
            try
            {
                result = DokanNativeMethods.DokanCreateFileSystem(nativeOptions, nativeOperations, out handle);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                throw DokanNotInstalledException.LibraryMissing(e);
            }

            if (result != DokanMainResult.Success)
            {
                throw new DokanMountException(result, mountPoint);
            }

            var volume = new DokanVolume(instance, handle, host, options, mountPoint, logger, native);
            host?.Attach(handle, volume.MountPoint);
            NativeLog.Mounted(logger, volume.MountPoint, DokanVersionException.LibraryVersionText(libraryVersion), driverVersion);
            return volume;
        }
        catch
        {
            // Mounted but not handed out: unmount (its callbacks still find their volume and memory), then free.
            handle?.Dispose();
            if (instance is not null)
            {
                DokanInstances.Unregister(instance.Id);
            }

            native.Free();
            ReleaseDokan();
            throw;
        }
    }

    /// <summary>DokanWaitForFileSystemClosed: true when the volume is (or within <paramref name="timeout"/> becomes) unmounted.</summary>
    public bool WaitForClosed(TimeSpan timeout)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return true;
        }

        var milliseconds = timeout == Timeout.InfiniteTimeSpan ? uint.MaxValue : (uint)Math.Clamp(timeout.TotalMilliseconds, 0, uint.MaxValue - 1);
        return DokanNativeMethods.DokanWaitForFileSystemClosed(_handle, milliseconds) == 0; // WAIT_OBJECT_0
    }

    /// <summary>Unmounts (DokanCloseHandle waits for callbacks in flight), then releases the adapter's opens and the native memory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        var mountPoint = MountPoint;
        _host?.Detach();
        try
        {
            // DokanCloseHandle blocks until Dokan's dispatch threads are done; not on the caller's thread.
            await Task.Run(_handle.Dispose).ConfigureAwait(false);
            DokanInstances.Unregister(_instance.Id);
            await _instance.Operations.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _native.Free();
            ReleaseDokan();
            NativeLog.Unmounted(_logger, mountPoint);
        }
    }

    /// <summary>The Dokan volumes of this machine (DokanGetMountPointList); <paramref name="uncOnly"/>: network drives only.</summary>
    public static unsafe IReadOnlyList<DokanMountPoint> GetMountPoints(bool uncOnly = false)
    {
        AcquireDokan();
        try
        {
            var list = DokanNativeMethods.DokanGetMountPointList(uncOnly ? 1 : 0, out var count);
            if (list is null)
            {
                return [];
            }

            try
            {
                var result = new List<DokanMountPoint>((int)count);
                for (var i = 0; i < count; i++)
                {
                    var entry = &list[i];
                    // dokan.c leaves the entries its UNC filter drops zeroed, but counted.
                    if (entry->MountPoint[0] == '\0')
                    {
                        continue;
                    }

                    var unc = Text(entry->UNCName, DokanConstants.MountPointInfoNameLength);
                    result.Add(new DokanMountPoint(
                        DokanMountPath.FromDriverMountPoint(Text(entry->MountPoint, DokanConstants.MaxPath)),
                        unc.Length == 0 ? null : DokanMountPath.FromDokanUncName(unc),
                        Text(entry->DeviceName, DokanConstants.MountPointInfoNameLength),
                        entry->Type == FileDeviceNetworkFileSystem,
                        entry->SessionId,
                        entry->MountOptions));
                }

                return result;
            }
            finally
            {
                DokanNativeMethods.DokanReleaseMountPointList(list);
            }
        }
        finally
        {
            ReleaseDokan();
        }
    }

    /// <summary>DokanRemoveMountPoint: unmounts a Dokan volume by its mount point, whichever process serves it.</summary>
    public static bool RemoveMountPoint(string mountPoint)
    {
        var normalized = DokanMountPath.NormalizeMountPoint(mountPoint);
        AcquireDokan();
        try
        {
            return DokanNativeMethods.DokanRemoveMountPoint(normalized) != 0;
        }
        finally
        {
            ReleaseDokan();
        }
    }

    private const uint FileDeviceNetworkFileSystem = 0x14; // winioctl.h FILE_DEVICE_NETWORK_FILE_SYSTEM

    private static DokanOptionFlags OptionFlags(DokanMountOptions options, DokanAdapterOptions adapter, bool network)
    {
        // LockFile/UnlockFile must reach the adapter so byte-range locks become NFS locks.
        var flags = DokanOptionFlags.FileLockUserMode;
        if (!adapter.CaseInsensitive)
        {
            flags |= DokanOptionFlags.CaseSensitive;
        }

        if (options.ReadOnly || adapter.ReadOnly)
        {
            flags |= DokanOptionFlags.WriteProtect;
        }

        if (network)
        {
            flags |= DokanOptionFlags.Network;
        }

        if (options.CurrentSessionOnly)
        {
            flags |= DokanOptionFlags.CurrentSession;
        }

        if (options.IpcBatching)
        {
            flags |= DokanOptionFlags.AllowIpcBatching;
        }

        return flags;
    }

    private static void CheckSize(uint size, string name)
    {
        if (size is < 512 or > 65536 || !uint.IsPow2(size))
        {
            throw new ArgumentException($"DokanMountOptions.{name} is {size}; Dokan takes a power of two from 512 to 65536.", name);
        }
    }

    /// <summary>A WCHAR array of the driver's, up to its terminator or its end.</summary>
    private static unsafe string Text(char* chars, int capacity)
    {
        var span = new ReadOnlySpan<char>(chars, capacity);
        var end = span.IndexOf('\0');
        return new string(end < 0 ? span : span[..end]);
    }

    private static unsafe char* CopyToNative(string text)
    {
        var native = (char*)NativeMemory.Alloc((nuint)(text.Length + 1), sizeof(char));
        text.AsSpan().CopyTo(new Span<char>(native, text.Length));
        native[text.Length] = '\0';
        return native;
    }

    /// <summary>
    /// One more user of dokan2: the platform, the library and the driver are checked, and the first user calls
    /// DokanInit (dokan.c counts its own initializations; this count keeps Init and Shutdown paired).
    /// </summary>
    private static (uint Library, uint Driver) AcquireDokan()
    {
        lock (ProcessLock)
        {
            var versions = CheckDokan();
            if (_dokanUsers++ == 0)
            {
                DokanNativeMethods.DokanInit();
            }

            return versions;
        }
    }

    /// <summary>
    /// Whether a drive can be mapped here: Windows (or the tests' stand-in), a 64-bit process, dokan2 present,
    /// library and driver new enough. Throws <see cref="PlatformNotSupportedException"/>,
    /// <see cref="DokanNotInstalledException"/> or <see cref="DokanVersionException"/> saying what is missing;
    /// mounts nothing. Front ends call it before contacting the server, so the user learns the real reason first.
    /// </summary>
    public static void EnsureAvailable() => _ = CheckDokan();

    private static (uint Library, uint Driver) CheckDokan()
    {
        if (!StandInLoaded && !OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(
                $"Mapping a drive needs Windows with Dokan 2.x; this is {RuntimeInformation.OSDescription}. The dokannfs file commands work here.");
        }

        if (!Environment.Is64BitProcess)
        {
            throw new PlatformNotSupportedException("Mapping a drive needs a 64-bit process: the Dokan structures are declared for x64.");
        }

        uint library, driver;
        try
        {
            library = DokanNativeMethods.DokanVersion();
            driver = DokanNativeMethods.DokanDriverVersion();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw DokanNotInstalledException.LibraryMissing(e);
        }

        if (library < DokanConstants.DokanMinimumCompatibleVersion)
        {
            throw new DokanVersionException(
                "library", DokanVersionException.LibraryVersionText(library), DokanVersionException.LibraryVersionText(DokanConstants.DokanMinimumCompatibleVersion));
        }

        if (driver == 0)
        {
            throw DokanNotInstalledException.DriverMissing();
        }

        if (driver < MinimumDriverVersion)
        {
            throw new DokanVersionException(
                "driver", DokanVersionException.DriverVersionText(driver), DokanVersionException.DriverVersionText(MinimumDriverVersion) + " (Dokan 2.x)");
        }

        return (library, driver);
    }

    private static void ReleaseDokan()
    {
        lock (ProcessLock)
        {
            if (--_dokanUsers == 0)
            {
                DokanNativeMethods.DokanShutdown();
            }
        }
    }

    /// <summary>The native memory of one mount: Dokan holds these pointers until DokanCloseHandle returns.</summary>
    private sealed unsafe class NativeBlocks
    {
        public DOKAN_OPTIONS* Options;
        public DOKAN_OPERATIONS* Operations;
        public char* MountPoint;
        public char* UncName;

        public void Free()
        {
            NativeMemory.Free(Options);
            NativeMemory.Free(Operations);
            NativeMemory.Free(MountPoint);
            NativeMemory.Free(UncName);
            Options = null;
            Operations = null;
            MountPoint = UncName = null;
        }
    }
}
