using DokanNfs.Dokan.Adapter;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// Makes the Windows drive: the one step of mounting that needs Windows and the Dokan driver. Everything
/// before it (options, the server, the namespace) and after it (registry, control pipe, statistics) is the
/// same everywhere, so the rest of mounting is tested on any machine with a stand-in for this.
/// </summary>
internal interface IDriveMounter
{
    /// <summary>
    /// Throws <see cref="PlatformNotSupportedException"/>, saying what is needed, when drives cannot be mapped
    /// on this machine. Checked before the server is contacted, so the user learns the real reason first.
    /// </summary>
    void EnsureSupported();

    /// <summary>Maps <paramref name="fileSystem"/> at <paramref name="mountPoint"/>; returns once Windows shows the drive.</summary>
    ValueTask<IMountedDrive> MountAsync(INfsFileSystem fileSystem, MountPoint mountPoint, DokanAdapterOptions options, ILogger logger, CancellationToken cancellationToken);
}

/// <summary>A mapped drive. Disposing unmounts it.</summary>
internal interface IMountedDrive : IAsyncDisposable
{
    /// <summary>Where Windows shows it (Dokan may report a different form of the mount point).</summary>
    string MountPoint { get; }

    /// <summary>Completes when the drive went away without our asking (dokanctl /u, the driver's timeout, …).</summary>
    Task Stopped { get; }
}
