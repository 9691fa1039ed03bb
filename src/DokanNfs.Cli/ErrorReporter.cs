using System.CommandLine;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.Namespace;

namespace DokanNfs.Cli;

/// <summary>
/// The one place a failure becomes output: a single line "dokannfs: …" on stderr and an exit code from
/// <see cref="ExitCodes"/>. The stack trace is printed only with --verbose, because a user who mistyped a
/// path needs the path, not our call stack.
/// </summary>
internal static class ErrorReporter
{
    /// <summary>Runs a command's body, turning whatever it throws into a message and an exit code.</summary>
    public static Task<int> RunAsync(ParseResult parse, ConnectionOptions options, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(parse, options, (_, ct) => body(ct), cancellationToken);
    }

    /// <summary>
    /// Starts the run's configuration and logging (<see cref="CliRuntime"/>; a mistake in the configuration is
    /// reported like any other), runs the body with them, and turns whatever it throws into a message and an
    /// exit code. <paramref name="longRunning"/>: a command that stays (mount), which logs to the console and a file.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, ConnectionOptions options, Func<CliRuntime, CancellationToken, Task<int>> body, CancellationToken cancellationToken, bool longRunning = false)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(body);
        CliRuntime? runtime = null;
        try
        {
            runtime = CliRuntime.Start(parse, options, longRunning);
            return await body(runtime, cancellationToken);
        }
        catch (Exception ex)
        {
            var (code, message) = Describe(ex, cancellationToken);
            await Console.Out.FlushAsync(CancellationToken.None);
            await Console.Error.WriteLineAsync("dokannfs: " + message);
            if (parse.GetValue(options.Verbose))
            {
                await Console.Error.WriteLineAsync(ex.ToString());
            }

            return code;
        }
        finally
        {
            runtime?.Dispose();
        }
    }

    /// <summary>Prints a problem that does not stop the command (a skipped file); the caller fails at the end.</summary>
    public static void Warn(string message) => Console.Error.WriteLine("dokannfs: " + message);

    public static (int ExitCode, string Message) Describe(Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            CliException cli => (cli.ExitCode, cli.Message),
            PlatformNotSupportedException unsupported => (ExitCodes.NotSupported, unsupported.Message),
            NfsReferralException referral => (ExitCodes.Failure, referral.Message),
            NfsMovedException moved => (ExitCodes.Failure, DescribeReferral(moved)),
            NfsReplayConflictException or NfsWriteConflictException => (ExitCodes.Conflict, exception.Message),
            NfsException nfs => DescribeNfs(nfs),
            RpcConnectException connect when connect.InnerException is OperationCanceledException => (ExitCodes.Timeout, connect.Message),
            RpcConnectException connect => (ExitCodes.ConnectionRefused, connect.Message),
            RpcTimeoutException timeout => (ExitCodes.Timeout, timeout.Message + " (see --timeout)"),
            RpcConnectionLostException lost => (ExitCodes.ProtocolError, lost.Message),
            RpcException rpc => (ExitCodes.ProtocolError, rpc.Message),
            XdrException xdr => (ExitCodes.ProtocolError, "the server sent a malformed reply: " + xdr.Message),
            OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Interrupted, "interrupted."),
            FileNotFoundException or DirectoryNotFoundException => (ExitCodes.NotFound, exception.Message),
            UnauthorizedAccessException => (ExitCodes.PermissionDenied, exception.Message),
            _ => (ExitCodes.Failure, exception.Message),
        };
    }

    /// <summary>
    /// Statuses that name an ordinary file system condition get the words and exit code a shell user knows
    /// (coreutils' strerror texts); the rest are the server misbehaving or a case the client does not handle.
    /// </summary>
    private static (int ExitCode, string Message) DescribeNfs(NfsException ex)
    {
        var (code, text) = ex.Status switch
        {
            NfsStat4.NoEnt => (ExitCodes.NotFound, "No such file or directory"),
            NfsStat4.Access => (ExitCodes.PermissionDenied, "Permission denied"),
            NfsStat4.Perm => (ExitCodes.PermissionDenied, "Operation not permitted"),
            NfsStat4.Wrongsec => (ExitCodes.PermissionDenied, "Permission denied (the server wants another security flavour than AUTH_SYS)"),
            NfsStat4.Exist => (ExitCodes.Failure, "File exists"),
            NfsStat4.NotEmpty => (ExitCodes.Failure, "Directory not empty"),
            NfsStat4.IsDir => (ExitCodes.Failure, "Is a directory"),
            NfsStat4.NotDir => (ExitCodes.Failure, "Not a directory"),
            NfsStat4.NoSpc => (ExitCodes.Failure, "No space left on device"),
            NfsStat4.DQuot => (ExitCodes.Failure, "Disk quota exceeded"),
            NfsStat4.RoFs => (ExitCodes.Failure, "Read-only file system"),
            NfsStat4.NameTooLong => (ExitCodes.Failure, "File name too long"),
            NfsStat4.Xdev => (ExitCodes.Failure, "Invalid cross-device link (source and target are on different file systems)"),
            NfsStat4.Fbig => (ExitCodes.Failure, "File too large"),
            NfsStat4.MLink => (ExitCodes.Failure, "Too many links"),
            NfsStat4.Symlink => (ExitCodes.Failure, "A directory in the path is a symbolic link, which NFSv4 does not follow"),
            NfsStat4.Inval => (ExitCodes.Failure, "Invalid argument"),
            NfsStat4.BadName or NfsStat4.BadChar => (ExitCodes.Failure, "The server does not accept this name"),

            // The client's own sentence says which vers= to use instead.
            NfsStat4.MinorVersMismatch => (ExitCodes.ProtocolError, ex.Message.TrimEnd('.')),
            _ => (ExitCodes.ProtocolError, $"the server answered NFS4ERR {ex.Status} ({(int)ex.Status}) to {ex.Operation}"),
        };
        return (code, ex.Path is { Length: > 0 } path ? $"{path}: {text}." : text + ".");
    }

    private static string DescribeReferral(NfsMovedException moved)
    {
        var where = moved.Locations is { Locations.Count: > 0 } locations
            ? string.Join("; ", locations.Locations.Select(l => string.Join(',', l.Servers) + ":" + l.RootPathString))
            : "no location given";
        // Referrals are followed (RemoteDrive); one still surfacing here went past what the namespace follows.
        return $"{moved.Path}: {moved.ReferralPath} is a referral to another server ({where}) that was not followed; use that location directly.";
    }
}
