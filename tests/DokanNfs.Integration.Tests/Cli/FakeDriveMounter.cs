using DokanNfs.Cli.Mounting;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>
/// A stand-in for the Dokan drive, so that everything else of mounting — the server, the namespace, the
/// registry, the control pipe, the statistics — runs for real on Linux. It records what it was asked to mount.
/// </summary>
internal sealed class FakeDriveMounter : IDriveMounter
{
    private readonly List<FakeMountedDrive> _drives = [];

    /// <summary>Thrown by <see cref="EnsureSupported"/> when set: a machine that cannot map drives.</summary>
    public Exception? Unsupported { get; init; }

    /// <summary>Thrown by the first this-many <see cref="MountAsync"/> calls (the driver refusing, say).</summary>
    public int FailFirstMounts { get; set; }

    public int MountCalls { get; private set; }

    public IReadOnlyList<FakeMountedDrive> Drives
    {
        get
        {
            lock (_drives)
            {
                return [.. _drives];
            }
        }
    }

    public DokanAdapterOptions? LastOptions { get; private set; }

    public void EnsureSupported()
    {
        if (Unsupported is not null)
        {
            throw Unsupported;
        }
    }

    public ValueTask<IMountedDrive> MountAsync(INfsFileSystem fileSystem, MountPoint mountPoint, DokanAdapterOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        MountCalls++;
        LastOptions = options;
        if (FailFirstMounts > 0)
        {
            FailFirstMounts--;
            throw new IOException("the fake driver refused the mount point");
        }

        var drive = new FakeMountedDrive(mountPoint.Text, fileSystem);
        lock (_drives)
        {
            _drives.Add(drive);
        }

        return ValueTask.FromResult<IMountedDrive>(drive);
    }
}

internal sealed class FakeMountedDrive(string mountPoint, INfsFileSystem fileSystem) : IMountedDrive
{
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string MountPoint { get; } = mountPoint;

    public INfsFileSystem FileSystem { get; } = fileSystem;

    public Task Stopped => _stopped.Task;

    public bool Disposed { get; private set; }

    /// <summary>The driver ends the volume on its own.</summary>
    public void Lose() => _stopped.TrySetResult();

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
