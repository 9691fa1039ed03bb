using System.CommandLine;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs rm [-r] [-f] URL</c>: REMOVE. As with coreutils rm, a directory needs -r (which removes
/// everything below it first); -f makes a missing target not an error.
/// </summary>
internal static class RmCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var url = CommandArguments.Url("url", "What to remove: " + CommandArguments.UrlForms + ".");
        var recursive = new Option<bool>("--recursive", "-r", "-R") { Description = "Remove a directory and everything in it." };
        var force = new Option<bool>("--force", "-f") { Description = "No error when the target does not exist." };
        var command = new Command("rm", "Remove a file, link or directory tree on an NFS server.") { url, recursive, force };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var target = options.Resolve(parse, parse.GetValue(url)!);
            await using var drive = await ClientFactory.MountAsync(target.Settings, ct);
            var fs = drive.FileSystem;
            var node = await Remote.TryGetAttrAsync(fs, target.Path, ct);
            if (node is null)
            {
                return parse.GetValue(force)
                    ? ExitCodes.Ok
                    : throw CliException.NotFound($"cannot remove '{target.Path}': No such file or directory.");
            }

            if (NfsPath.Split(node.Path).Length == 0)
            {
                throw CliException.BadArguments("refusing to remove the server's root '/'.");
            }

            if (node.IsDirectory)
            {
                if (!parse.GetValue(recursive))
                {
                    throw CliException.Failure($"cannot remove '{node.Path}': Is a directory (use -r).");
                }

                // The point of a referral shows as a directory; emptying it would remove the other server's files.
                if (await Remote.IsReferralAsync(fs, node.Path, ct))
                {
                    throw CliException.Failure($"cannot remove '{node.Path}': it is a referral to another server.");
                }

                await RemoveTreeAsync(fs, node.Path, ct);
            }

            await fs.RemoveAsync(node.Path, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Empties a directory depth first; a referral inside stops the removal, its contents are elsewhere.</summary>
    private static async Task RemoveTreeAsync(INfsFileSystem fs, string directory, CancellationToken cancellationToken)
    {
        foreach (var entry in await Remote.ListSortedAsync(fs, directory, cancellationToken))
        {
            var path = NfsPath.Combine(directory, entry.Name);
            if (entry.IsTriggerPoint)
            {
                throw CliException.Failure($"cannot remove '{path}': it is a referral to another server.");
            }

            if (entry.Attributes.Type == NfsFtype4.Dir)
            {
                await RemoveTreeAsync(fs, path, cancellationToken);
            }

            await fs.RemoveAsync(path, cancellationToken);
        }
    }
}
