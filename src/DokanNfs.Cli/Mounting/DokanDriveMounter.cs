using DokanNfs.Dokan.Adapter;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli.Mounting;

/// <summary>The drive made by the Dokan 2.x driver, through the adapter (<see cref="NfsDokanOperations"/>).</summary>
internal sealed class DokanDriveMounter : IDriveMounter
{
    public const string NeedsWindows =
        "Mapping a drive needs Windows with the Dokan 2.x driver (https://github.com/dokan-dev/dokany/releases); " +
        "this machine is not Windows. The file commands (ls, cat, cp, …) work here.";

    public static DokanDriveMounter Instance { get; } = new();

    public void EnsureSupported()
    {
        if (!OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(NeedsWindows);
        }

        // seam: DokanVolume — also check the driver here, before the server is contacted, and turn
        // DokanNotInstalledException / DokanVersionException into PlatformNotSupportedException with their
        // message (exit code 8), e.g. by calling DokanVolume's version check.
    }

    public ValueTask<IMountedDrive> MountAsync(INfsFileSystem fileSystem, MountPoint mountPoint, DokanAdapterOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(mountPoint);
        ArgumentNullException.ThrowIfNull(options);
        EnsureSupported();

        // seam: DokanVolume — the lead wires the volume host (issue 6) in here:
        //   var volume = DokanVolume.Mount(fileSystem, new DokanMountOptions { MountPoint = mountPoint.Text, ReadOnly = options.ReadOnly },
        //                                  options, logger);
        //   return ValueTask.FromResult<IMountedDrive>(new DokanMountedDrive(volume));
        // where DokanMountedDrive.Stopped polls volume.IsRunning (or WaitForClosed on a worker thread), and
        // DisposeAsync disposes the volume. DokanNotInstalledException / DokanVersionException become
        // PlatformNotSupportedException (exit 8); DokanMountException (the letter is taken, …) stays a failure.
        throw new PlatformNotSupportedException(
            "Mapping a drive needs Windows with the Dokan 2.x driver, and this build of dokannfs does not include the Dokan volume host yet.");
    }
}
