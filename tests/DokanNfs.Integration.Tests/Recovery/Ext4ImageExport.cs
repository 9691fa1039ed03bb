using System.Diagnostics;
using System.Text.RegularExpressions;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// An export directory on an ext4 file system of its own, in an image file loop-mounted by the test (which
/// runs as root, as Ganesha needs). While the server is down the test can save the disk's state and put it
/// back later: what a crash of the server's machine leaves — updates lost with their times, so the change
/// attribute (from ctime and mtime on Ganesha) goes back too, which nothing done through a mounted file
/// system can fake. The file system keeps its UUID and inode numbers, so filehandles stay valid.
/// </summary>
public sealed partial class Ext4ImageExport : IAsyncDisposable
{
    private readonly string _image;
    private string? _device;
    private bool _mounted;

    private Ext4ImageExport(string directory)
    {
        Root = directory;
        _image = Path.Combine(directory, "disk.img");
        MountPoint = Path.Combine(directory, "export");
    }

    /// <summary>Where the file system is mounted: the directory Ganesha exports.</summary>
    public string MountPoint { get; }

    public string Root { get; }

    /// <summary>A 64 MiB ext4 file system, mounted.</summary>
    public static async Task<Ext4ImageExport> CreateAsync(CancellationToken cancellationToken)
    {
        var export = new Ext4ImageExport(Directory.CreateTempSubdirectory("dokannfs-ext4-").FullName);
        try
        {
            Directory.CreateDirectory(export.MountPoint);
            await using (var image = File.Create(export._image))
            {
                image.SetLength(64L * 1024 * 1024);
            }

            // One loop device for the whole test: the server's filehandles name the file system by its device,
            // so it must come back on the same one after every unmount.
            export._device = (await RunAsync("losetup", ["--find", "--show", export._image], cancellationToken)).Trim();
            await RunAsync("mkfs.ext4", ["-q", "-F", export._device], cancellationToken);
            await export.MountAsync(cancellationToken);
            return export;
        }
        catch
        {
            await export.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ganesha's options with the export's Path replaced by <see cref="MountPoint"/>.</summary>
    public GaneshaOptions Serve(GaneshaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var previous = options.ConfigTransform;
        var replacement = $"Path = \"{MountPoint}\";";
        return options with
        {
            ConfigTransform = text => ExportPath().Replace(previous is null ? text : previous(text), replacement.Replace("$", "$$", StringComparison.Ordinal), 1),
        };
    }

    /// <summary>A path in the exported file system.</summary>
    public string PathInExport(string relative) => Path.Combine(MountPoint, relative);

    /// <summary>Unmounts (the server must be down), copies the disk to <paramref name="name"/>, and mounts again.</summary>
    public async Task SaveAsync(string name, CancellationToken cancellationToken)
    {
        await UnmountAsync(cancellationToken);
        await CopyAsync(_device!, Path.Combine(Root, name), cancellationToken);
        await MountAsync(cancellationToken);
    }

    /// <summary>Unmounts (the server must be down), writes the disk saved as <paramref name="name"/> back, and mounts it.</summary>
    public async Task RestoreAsync(string name, CancellationToken cancellationToken)
    {
        await UnmountAsync(cancellationToken);

        // Through the loop device, so its buffers hold the restored blocks, not the ones it read before.
        await CopyAsync(Path.Combine(Root, name), _device!, cancellationToken);
        await MountAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_mounted)
        {
            // Lazily: a server still running on it lets go when it stops.
            await RunAsync("umount", ["-l", MountPoint], CancellationToken.None);
            _mounted = false;
        }

        if (_device is not null)
        {
            // Detached now, or (still in use) as soon as the last user lets go.
            await RunAsync("losetup", ["-d", _device], CancellationToken.None);
            _device = null;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task MountAsync(CancellationToken cancellationToken)
    {
        await RunAsync("mount", [_device!, MountPoint], cancellationToken);
        _mounted = true;
    }

    private async Task UnmountAsync(CancellationToken cancellationToken)
    {
        // A server killed a moment ago may still be letting go of the file system.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RunAsync("umount", [MountPoint], cancellationToken);
                _mounted = false;
                return;
            }
            catch (InvalidOperationException) when (attempt < 50)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static async Task CopyAsync(string from, string to, CancellationToken cancellationToken)
    {
        await using var source = new FileStream(from, FileMode.Open, FileAccess.Read);
        await using var target = new FileStream(to, File.Exists(to) && !to.StartsWith("/dev/", StringComparison.Ordinal) ? FileMode.Truncate : FileMode.OpenOrCreate, FileAccess.Write);
        await source.CopyToAsync(target, cancellationToken);
        await target.FlushAsync(cancellationToken);
        target.Flush(flushToDisk: true);
    }

    private static async Task<string> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }

        return output;
    }

    [GeneratedRegex("Path = \"[^\"]*/export\";")]
    private static partial Regex ExportPath();
}
