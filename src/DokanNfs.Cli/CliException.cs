namespace DokanNfs.Cli;

/// <summary>
/// A failure the CLI itself detects (a bad argument, a directory where a file was expected), carrying the
/// exit code and the one-line message <see cref="ErrorReporter"/> prints.
/// </summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliException BadArguments(string message) => new(ExitCodes.BadArguments, message);

    public static CliException Failure(string message) => new(ExitCodes.Failure, message);

    public static CliException NotFound(string message) => new(ExitCodes.NotFound, message);
}
