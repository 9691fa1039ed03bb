using System.CommandLine;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary><c>dokannfs mkdir [-p] URL</c>: CREATE of a directory; -p makes missing parents and accepts an existing one.</summary>
internal static class MkdirCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var url = CommandArguments.Url("url", "The directory to create: " + CommandArguments.UrlForms + ".");
        var parents = new Option<bool>("--parents", "-p") { Description = "Create missing parent directories too; no error if the directory exists." };
        var mode = new Option<string?>("--mode", "-m") { Description = "Permission bits in octal (default 0755).", HelpName = "MODE" };
        mode.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && ParseMode(text) is null)
            {
                result.AddError($"--mode {text} is not an octal mode such as 0755.");
            }
        });
        var command = new Command("mkdir", "Create a directory on an NFS server.") { url, parents, mode };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var target = options.Resolve(parse, parse.GetValue(url)!);
            var attributes = new SetAttributes { Mode = parse.GetValue(mode) is { } m ? ParseMode(m) : 0x1ED };
            await using var drive = await ClientFactory.MountAsync(target.Settings, ct);
            var fs = drive.FileSystem;
            if (!parse.GetValue(parents))
            {
                await fs.CreateDirectoryAsync(target.Path, attributes, ct);
                return ExitCodes.Ok;
            }

            // Walk down from the root: look each level up, create it when missing.
            var parts = NfsPath.Split(target.Path);
            for (var i = 1; i <= parts.Length; i++)
            {
                var path = NfsPath.Join(parts[..i]);
                var node = await Remote.TryGetAttrAsync(fs, path, ct);
                if (node is null)
                {
                    await CreateTolerantAsync(fs, path, attributes, ct);
                }
                else if (!node.IsDirectory)
                {
                    throw Remote.NotADirectory(path);
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>mkdir -p succeeds when someone else made the directory between our look and our create.</summary>
    private static async Task CreateTolerantAsync(INfsFileSystem fs, string path, SetAttributes attributes, CancellationToken cancellationToken)
    {
        try
        {
            await fs.CreateDirectoryAsync(path, attributes, cancellationToken);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Exist)
        {
            if (!(await Remote.GetAttrAsync(fs, path, cancellationToken)).IsDirectory)
            {
                throw Remote.NotADirectory(path);
            }
        }
    }

    private static uint? ParseMode(string text)
    {
        if (text.Length is 0 or > 4)
        {
            return null;
        }

        uint mode = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '7')
            {
                return null;
            }

            mode = (mode * 8) + (uint)(c - '0');
        }

        return mode;
    }
}
