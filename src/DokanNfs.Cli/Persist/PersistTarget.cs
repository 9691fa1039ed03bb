namespace DokanNfs.Cli.Persist;

/// <summary>The program a logon task or service starts: dokannfs.exe, or the dotnet host with dokannfs.dll when run that way.</summary>
internal sealed record PersistTarget(string Program, IReadOnlyList<string> LeadingArguments, string WorkingDirectory)
{
    public static PersistTarget Current()
    {
        var process = Environment.ProcessPath ?? throw CliException.Failure("cannot tell where this program is (no process path).");
        var baseDirectory = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return new PersistTarget(process, [Path.Combine(baseDirectory, "dokannfs.dll")], baseDirectory);
        }

        return new PersistTarget(process, [], baseDirectory);
    }

    /// <summary>
    /// The argument text after the program, quoted as the Windows command-line parser (CommandLineToArgvW)
    /// reads it back.
    /// </summary>
    public string Arguments(params string[] arguments) => string.Join(' ', LeadingArguments.Concat(arguments).Select(Quote));

    /// <summary>The program and its arguments as one command line (a service's binary path).</summary>
    public string CommandLine(params string[] arguments) => Quote(Program) + " " + Arguments(arguments);

    /// <summary>Quotes an argument when it needs it; backslashes before a quote are doubled, as the parser expects.</summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && !argument.Any(c => c is ' ' or '\t' or '"'))
        {
            return argument;
        }

        var quoted = new System.Text.StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            quoted.Append('\\', c == '"' ? (backslashes * 2) + 1 : backslashes);
            backslashes = 0;
            quoted.Append(c);
        }

        quoted.Append('\\', backslashes * 2);
        return quoted.Append('"').ToString();
    }
}
