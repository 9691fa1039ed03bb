using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// cp's two directions, for one file or (with -r) a tree. What cannot be copied inside a tree (a referral,
/// a device, a name the local system cannot hold) is reported and skipped, and the command fails at the end,
/// as cp -r does.
/// </summary>
internal sealed class TreeCopier(bool recursive)
{
    /// <summary>Mode of new directories when the source has none to copy.</summary>
    private const uint DefaultDirectoryMode = 0x1ED; // 0755

    public int Skipped { get; private set; }

    public async Task DownloadAsync(INfsFileSystem fs, string remotePath, string localDestination, CancellationToken cancellationToken)
    {
        var node = await Remote.GetAttrAsync(fs, remotePath, cancellationToken);
        CheckCopyable(node.Type, node.Path);
        var local = Directory.Exists(localDestination) ? Path.Combine(localDestination, LocalName(Remote.NameOf(node.Path), node.Path)) : localDestination;
        if (node.IsDirectory)
        {
            if (File.Exists(local))
            {
                throw CliException.Failure($"cannot overwrite non-directory '{local}' with directory '{node.Path}'.");
            }

            await DownloadTreeAsync(fs, node.Path, node.Attributes.Mode, local, cancellationToken);
        }
        else
        {
            if (Directory.Exists(local))
            {
                throw CliException.Failure($"cannot overwrite directory '{local}' with non-directory '{node.Path}'.");
            }

            await FileTransfer.DownloadAsync(fs, node.Path, node.Attributes.Mode, local, cancellationToken);
        }
    }

    public async Task UploadAsync(INfsFileSystem fs, string localSource, string remoteDestination, CancellationToken cancellationToken)
    {
        var isDirectory = Directory.Exists(localSource);
        if (!isDirectory && !File.Exists(localSource))
        {
            throw CliException.NotFound($"cannot stat '{localSource}': No such file or directory.");
        }

        if (isDirectory && !recursive)
        {
            throw CliException.Failure($"-r not specified; omitting directory '{localSource}'.");
        }

        var existing = await Remote.TryGetAttrAsync(fs, remoteDestination, cancellationToken);
        var remote = remoteDestination;
        if (existing is { IsDirectory: true })
        {
            var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(localSource)));
            remote = NfsPath.Combine(remoteDestination, name);
            existing = await Remote.TryGetAttrAsync(fs, remote, cancellationToken);
        }

        if (isDirectory)
        {
            if (existing is { IsDirectory: false })
            {
                throw CliException.Failure($"cannot overwrite non-directory '{remote}' with directory '{localSource}'.");
            }

            await UploadTreeAsync(fs, localSource, remote, cancellationToken);
        }
        else
        {
            if (existing is { IsDirectory: true })
            {
                throw CliException.Failure($"cannot overwrite directory '{remote}' with non-directory '{localSource}'.");
            }

            await FileTransfer.UploadAsync(fs, localSource, remote, cancellationToken);
        }
    }

    private void CheckCopyable(NfsFtype4 type, string path)
    {
        if (type == NfsFtype4.Dir && !recursive)
        {
            throw CliException.Failure($"-r not specified; omitting directory '{path}'.");
        }

        if (type is not (NfsFtype4.Dir or NfsFtype4.Reg))
        {
            throw CliException.Failure($"{path}: is a {Output.Formats.TypeName(type)}; only files (and, with -r, directories) are copied.");
        }
    }

    private async Task DownloadTreeAsync(INfsFileSystem fs, string remoteDirectory, uint? mode, string localDirectory, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(localDirectory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(localDirectory);
            }
            else
            {
                Directory.CreateDirectory(localDirectory, (UnixFileMode)((mode ?? DefaultDirectoryMode) & 0x1FF));
            }
        }

        foreach (var entry in await Remote.ListSortedAsync(fs, remoteDirectory, cancellationToken))
        {
            var remote = NfsPath.Combine(remoteDirectory, entry.Name);
            if (!IsSafeLocalName(entry.Name))
            {
                Skip($"{remote}: the name cannot be a local file name; skipped.");
                continue;
            }

            var local = Path.Combine(localDirectory, entry.Name);
            if (entry.IsTriggerPoint)
            {
                Skip($"{remote}: is a referral to another server; -r does not cross into it (copy it by its own URL); skipped.");
                continue;
            }

            switch (entry.Attributes.Type)
            {
                case NfsFtype4.Dir:
                    await DownloadTreeAsync(fs, remote, entry.Attributes.Mode, local, cancellationToken);
                    break;
                case NfsFtype4.Reg:
                    await FileTransfer.DownloadAsync(fs, remote, entry.Attributes.Mode, local, cancellationToken);
                    break;
                case NfsFtype4.Lnk:
                    var target = await fs.ReadLinkAsync(remote, cancellationToken);
                    ReplaceLocalWithLink(local, target);
                    break;
                default:
                    Skip($"{remote}: is a {Output.Formats.TypeName(entry.Attributes.Type)}; skipped.");
                    break;
            }
        }
    }

    private async Task UploadTreeAsync(INfsFileSystem fs, string localDirectory, string remoteDirectory, CancellationToken cancellationToken)
    {
        await EnsureRemoteDirectoryAsync(fs, remoteDirectory, FileTransfer.LocalMode(localDirectory, DefaultDirectoryMode), cancellationToken);
        var entries = Directory.EnumerateFileSystemEntries(localDirectory).ToList();
        entries.Sort(StringComparer.Ordinal);
        foreach (var local in entries)
        {
            var remote = NfsPath.Combine(remoteDirectory, Path.GetFileName(local));
            var info = new FileInfo(local);
            if (info.LinkTarget is { } target)
            {
                await ReplaceRemoteWithLinkAsync(fs, remote, target, cancellationToken);
            }
            else if (info.Attributes.HasFlag(FileAttributes.Directory))
            {
                await UploadTreeAsync(fs, local, remote, cancellationToken);
            }
            else
            {
                await FileTransfer.UploadAsync(fs, local, remote, cancellationToken);
            }
        }
    }

    private static async Task EnsureRemoteDirectoryAsync(INfsFileSystem fs, string path, uint mode, CancellationToken cancellationToken)
    {
        try
        {
            await fs.CreateDirectoryAsync(path, new SetAttributes { Mode = mode }, cancellationToken);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Exist)
        {
            // Copying into a directory that is already there merges, as cp -r does.
            var node = await Remote.GetAttrAsync(fs, path, cancellationToken);
            if (!node.IsDirectory)
            {
                throw CliException.Failure($"cannot overwrite non-directory '{path}' with a directory.");
            }
        }
    }

    private static async Task ReplaceRemoteWithLinkAsync(INfsFileSystem fs, string path, string target, CancellationToken cancellationToken)
    {
        try
        {
            await fs.CreateSymlinkAsync(path, target, null, cancellationToken);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Exist)
        {
            var node = await Remote.GetAttrAsync(fs, path, cancellationToken);
            if (node.IsDirectory)
            {
                throw CliException.Failure($"cannot overwrite directory '{path}' with a symbolic link.");
            }

            await fs.RemoveAsync(path, cancellationToken);
            await fs.CreateSymlinkAsync(path, target, null, cancellationToken);
        }
    }

    private static void ReplaceLocalWithLink(string path, string target)
    {
        var existing = new FileInfo(path);
        if (existing.LinkTarget is not null || File.Exists(path))
        {
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            throw CliException.Failure($"cannot overwrite directory '{path}' with a symbolic link.");
        }

        File.CreateSymbolicLink(path, target);
    }

    /// <summary>The local name for a remote one; a server must not steer a copy out of its destination.</summary>
    private static string LocalName(string name, string remotePath) =>
        IsSafeLocalName(name) ? name : throw CliException.Failure($"{remotePath}: the name cannot be a local file name.");

    private static bool IsSafeLocalName(string name) =>
        name.Length > 0 && name is not ("." or "..") && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0
        && name.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal) < 0
        && name.IndexOf(Path.AltDirectorySeparatorChar, StringComparison.Ordinal) < 0;

    private void Skip(string message)
    {
        Skipped++;
        ErrorReporter.Warn(message);
    }
}
