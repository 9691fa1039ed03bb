using System.CommandLine;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary><c>dokannfs cat URL</c>: a file's bytes to stdout, unchanged (binary-safe), in 1 MiB reads.</summary>
internal static class CatCommand
{
    private const int ChunkSize = 1024 * 1024;

    public static Command Create(ConnectionOptions options)
    {
        var url = CommandArguments.Url("url", "The file to print: " + CommandArguments.UrlForms + ".");
        var command = new Command("cat", "Write a file on an NFS server to stdout.") { url };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var target = options.Resolve(parse, parse.GetValue(url)!);
            await using var drive = await ClientFactory.MountAsync(target.Settings, ct);
            var fs = drive.FileSystem;
            var node = await Remote.GetAttrAsync(fs, target.Path, ct);
            if (node.IsDirectory)
            {
                throw CliException.Failure($"{node.Path}: Is a directory.");
            }

            if (node.Type != NfsFtype4.Reg)
            {
                throw CliException.Failure($"{node.Path}: not a regular file ({Output.Formats.TypeName(node.Type)}).");
            }

            await using var stdout = Console.OpenStandardOutput();
            await FileTransfer.ReadToStreamAsync(fs, node.Path, stdout, ChunkSize, showProgress: false, ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
