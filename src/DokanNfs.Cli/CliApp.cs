using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using DokanNfs.Cli.Commands;
using DokanNfs.Cli.Persist;

namespace DokanNfs.Cli;

/// <summary>The dokannfs command tree, and the handling of command lines it cannot parse.</summary>
internal static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var options = new ConnectionOptions();
        var root = new RootCommand(
            "dokannfs: an NFSv4 client. Locations are nfs://host[:port]/path[?port=&uid=&gid=&vers=], host:/path or \\\\host\\path; "
            + "--port, --uid, --gid and --vers win over the same keys in a URL. mount maps an export as a Windows drive.");
        options.AddTo(root);
        root.Subcommands.Add(PingCommand.Create(options));
        root.Subcommands.Add(LsCommand.Create(options));
        root.Subcommands.Add(StatCommand.Create(options));
        root.Subcommands.Add(CatCommand.Create(options));
        root.Subcommands.Add(CpCommand.Create(options));
        root.Subcommands.Add(MkdirCommand.Create(options));
        root.Subcommands.Add(RmCommand.Create(options));
        root.Subcommands.Add(MvCommand.Create(options));
        root.Subcommands.Add(LnCommand.Create(options));
        root.Subcommands.Add(MountCommand.Create(options));
        root.Subcommands.Add(UnmountCommand.Create(options));
        root.Subcommands.Add(ListCommand.Create(options));
        root.Subcommands.Add(StatsCommand.Create(options));
        root.Subcommands.Add(PersistCommand.Create(options));
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = CreateRoot().Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // System.CommandLine would print the errors and the whole help and exit 1; a script wants one
            // line per problem and the bad-arguments code. An unknown option is taken as an argument value,
            // which makes its errors name the wrong token: name the option instead.
            var unknown = parse.Tokens.FirstOrDefault(t => t.Type == TokenType.Argument && LooksLikeOption(t.Value));
            if (unknown is not null)
            {
                await Console.Error.WriteLineAsync($"dokannfs: unknown option '{unknown.Value}'.");
            }
            else
            {
                foreach (var error in parse.Errors)
                {
                    await Console.Error.WriteLineAsync("dokannfs: " + error.Message);
                }
            }

            var command = string.Join(' ', parse.CommandResult.Command is RootCommand ? ["dokannfs"] : new[] { "dokannfs", parse.CommandResult.Command.Name });
            await Console.Error.WriteLineAsync($"Try '{command} --help'.");
            return ExitCodes.BadArguments;
        }

        // Ctrl+C cancels the command's token; a mount then unmounts, closing its files on the server, which may
        // take longer than System.CommandLine's default two seconds before it ends the process.
        var configuration = new InvocationConfiguration
        {
            ProcessTerminationTimeout = parse.CommandResult.Command.Name == "mount" ? MountCommand.UnmountGrace : TimeSpan.FromSeconds(2),
        };
        return await parse.InvokeAsync(configuration);
    }

    /// <summary>"-x" or "--name", but not "-" (stdin by convention) or "-1" (a negative number).</summary>
    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && (token[1] == '-' || char.IsAsciiLetter(token[1]));
}
