using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Host;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli.Mounting;

/// <summary>The drive made by the Dokan 2.x driver, through the adapter (<see cref="NfsDokanOperations"/>) and <see cref="DokanVolume"/>.</summary>
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

        try
        {
            DokanVolume.EnsureAvailable();
        }
        catch (DokanException e)
        {
            // Dokan missing or too old is "cannot map drives on this machine" (exit 8), with Dokan's own words.
            throw new PlatformNotSupportedException(e.Message, e);
        }
    }

    public ValueTask<IMountedDrive> MountAsync(INfsFileSystem fileSystem, MountPoint mountPoint, DokanAdapterOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(mountPoint);
        ArgumentNullException.ThrowIfNull(options);
        EnsureSupported();
        cancellationToken.ThrowIfCancellationRequested();
        DokanVolume volume;
        try
        {
            volume = DokanVolume.Mount(fileSystem, new DokanMountOptions { MountPoint = mountPoint.Text, ReadOnly = options.ReadOnly }, options, logger);
        }
        catch (Exception e) when (e is DokanNotInstalledException or DokanVersionException)
        {
            throw new PlatformNotSupportedException(e.Message, e);
        }

        return ValueTask.FromResult<IMountedDrive>(new DokanMountedDrive(volume));
    }

    /// <summary>A mounted <see cref="DokanVolume"/>; <see cref="Stopped"/> completes when the driver unmounts it on its own.</summary>
    private sealed class DokanMountedDrive : IMountedDrive
    {
        private readonly DokanVolume _volume;
        private readonly CancellationTokenSource _disposing = new();

        public DokanMountedDrive(DokanVolume volume)
        {
            _volume = volume;
            Stopped = Task.Factory.StartNew(Watch, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        public string MountPoint => _volume.MountPoint;

        public Task Stopped { get; }

        public async ValueTask DisposeAsync()
        {
            await _disposing.CancelAsync().ConfigureAwait(false);
            await Stopped.ConfigureAwait(false); // the watcher leaves within a slice, before the handle goes
            await _volume.DisposeAsync().ConfigureAwait(false);
            _disposing.Dispose();
        }

        private void Watch()
        {
            // DokanWaitForFileSystemClosed in slices, so disposing is noticed without waiting on the driver.
            while (!_disposing.IsCancellationRequested && !_volume.WaitForClosed(TimeSpan.FromSeconds(1)))
            {
            }
        }
    }
}
