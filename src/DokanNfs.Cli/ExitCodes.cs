namespace DokanNfs.Cli;

/// <summary>Distinct exit codes so scripts can tell failures apart (README.md, "Using dokannfs").</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Anything not listed below: a file exists, a directory is not empty, a local I/O error.</summary>
    public const int Failure = 1;

    /// <summary>A bad URL, an unknown option, a missing argument, or options that contradict each other.</summary>
    public const int BadArguments = 2;

    public const int NotFound = 3;

    public const int PermissionDenied = 4;

    /// <summary>No TCP connection could be made (refused or unreachable), or the host name does not resolve.</summary>
    public const int ConnectionRefused = 5;

    /// <summary>A call or the connect itself took longer than --timeout.</summary>
    public const int Timeout = 6;

    /// <summary>The server answered with something the client cannot use: an unexpected NFS or RPC error.</summary>
    public const int ProtocolError = 7;

    /// <summary>
    /// Not possible on this machine: mapping a drive needs Windows with the Dokan 2.x driver installed. The
    /// file commands, which need neither, work everywhere.
    /// </summary>
    public const int NotSupported = 8;

    /// <summary>
    /// Not applied because someone else changed the object first: an update re-sent after a lost connection or a
    /// server restart found the object no longer as it was (issue 8), or our unwritten data was saved as a
    /// conflict copy instead of going over another client's change. The message names both versions or the copy.
    /// </summary>
    public const int Conflict = 9;

    /// <summary>Ctrl+C, as shells report SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;
}
