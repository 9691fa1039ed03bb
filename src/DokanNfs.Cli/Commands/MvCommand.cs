using System.CommandLine;
using DokanNfs.Core.Client;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs mv SOURCE DEST</c>: RENAME on one server. DEST may be a full location or just a path on
/// SOURCE's server; an existing directory receives SOURCE under its own name, as with mv.
/// </summary>
internal static class MvCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var source = CommandArguments.Url("source", "What to move: " + CommandArguments.UrlForms + ".");
        var destination = CommandArguments.Url("dest", "The new name or the directory to move into: a location on the same server, or an absolute path on it.");
        var command = new Command("mv", "Rename or move a file or directory within one NFS server.") { source, destination };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var from = options.Resolve(parse, parse.GetValue(source)!);
            var toText = parse.GetValue(destination)!;
            string toPath;
            if (toText.StartsWith('/'))
            {
                toPath = NfsPath.Normalize(toText);
            }
            else
            {
                var to = options.Resolve(parse, toText);
                if (!to.Settings.SameServerAs(from.Settings))
                {
                    throw CliException.BadArguments($"mv renames within one server; {from} and {to} are on different servers (copy with cp, then rm).");
                }

                toPath = to.Path;
            }

            await using var drive = await ClientFactory.MountAsync(from.Settings, ct);
            var fs = drive.FileSystem;
            var existing = await Remote.TryGetAttrAsync(fs, toPath, ct);
            if (existing is { IsDirectory: true })
            {
                toPath = NfsPath.Combine(toPath, Remote.NameOf(from.Path));
            }

            await fs.RenameAsync(from.Path, toPath, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
