using System.CommandLine;
using DokanNfs.Core.Client;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs ln -s TARGET URL</c>: a symbolic link holding TARGET verbatim (it is not checked or resolved).
/// Only symbolic links for now: -s is required so that a later hard-link form keeps ln's meaning.
/// </summary>
internal static class LnCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var target = new Argument<string>("target") { Description = "The text the link holds, e.g. ../data/file.", HelpName = "TARGET" };
        var url = CommandArguments.Url("url", "The link to create: " + CommandArguments.UrlForms + "; an existing directory gets the link under TARGET's last name.");
        var symbolic = new Option<bool>("--symbolic", "-s") { Description = "Make a symbolic link (required: hard links are not supported yet)." };
        var command = new Command("ln", "Create a symbolic link on an NFS server.") { target, url, symbolic };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            if (!parse.GetValue(symbolic))
            {
                throw CliException.BadArguments("only symbolic links are supported: use ln -s TARGET URL.");
            }

            var text = parse.GetValue(target)!;
            if (text.Length == 0)
            {
                throw CliException.BadArguments("the link target must not be empty.");
            }

            var location = options.Resolve(parse, parse.GetValue(url)!);
            await using var drive = await ClientFactory.MountAsync(location.Settings, ct);
            var fs = drive.FileSystem;
            var path = location.Path;
            var existing = await Remote.TryGetAttrAsync(fs, path, ct);
            if (existing is { IsDirectory: true })
            {
                path = NfsPath.Combine(path, Remote.NameOf(text));
            }

            await fs.CreateSymlinkAsync(path, text, null, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
