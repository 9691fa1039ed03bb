using System.CommandLine;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs cp [-r] SOURCE DEST</c>: one side an NFS location, the other a local path. As with cp, a DEST
/// that is an existing directory receives SOURCE under its own name; -r copies trees (directories, files
/// and symbolic links, which are recreated, not followed).
/// </summary>
internal static class CpCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var source = CommandArguments.Url("source", "What to copy: an NFS location (" + CommandArguments.UrlForms + ") or a local path.");
        var destination = CommandArguments.Url("dest", "Where to copy it: a local path, or an NFS location when SOURCE is local.");
        var recursive = new Option<bool>("--recursive", "-r", "-R") { Description = "Copy directories and everything in them." };
        var command = new Command("cp", "Copy files between an NFS server and the local file system.") { source, destination, recursive };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var from = parse.GetValue(source)!;
            var to = parse.GetValue(destination)!;
            var fromNfs = IsNfsLocation(from);
            var toNfs = IsNfsLocation(to);
            if (fromNfs == toNfs)
            {
                throw CliException.BadArguments(fromNfs
                    ? "cp copies between an NFS server and a local path, and both are NFS locations (mv renames on one server)."
                    : $"neither '{from}' nor '{to}' is an NFS location ({CommandArguments.UrlForms}).");
            }

            var copier = new TreeCopier(parse.GetValue(recursive));
            if (fromNfs)
            {
                var target = options.Resolve(parse, from);
                await using var drive = await ClientFactory.MountAsync(target.Settings, ct);
            var fs = drive.FileSystem;
                await copier.DownloadAsync(fs, target.Path, to, ct);
            }
            else
            {
                var target = options.Resolve(parse, to);
                await using var drive = await ClientFactory.MountAsync(target.Settings, ct);
            var fs = drive.FileSystem;
                await copier.UploadAsync(fs, from, target.Path, ct);
            }

            return copier.Skipped == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }, ct));
        return command;
    }

    /// <summary>
    /// Whether an argument names an NFS location rather than a local path. "C:\…" and "C:/…" are Windows
    /// drive paths even though they look like host:/path with a one-letter host.
    /// </summary>
    internal static bool IsNfsLocation(string text)
    {
        var isDrive = text.Length >= 2 && char.IsAsciiLetter(text[0]) && text[1] == ':';
        return !isDrive && NfsUrl.TryParse(text, out _, out _);
    }
}
