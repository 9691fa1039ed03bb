namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// A test server could not be found, started or controlled. The message is written to be
/// read in a failed test's output: it says what happened and carries the server's log.
/// </summary>
public sealed class GaneshaException : Exception
{
    public GaneshaException()
    {
    }

    public GaneshaException(string message)
        : base(message)
    {
    }

    public GaneshaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal GaneshaException(string message, int? processId, int? exitCode, string? log, bool addressInUse)
        : base(message)
    {
        ProcessId = processId;
        ExitCode = exitCode;
        Log = log;
        AddressInUse = addressInUse;
    }

    /// <summary>The ganesha.nfsd process involved, if one was started (it is no longer running).</summary>
    public int? ProcessId { get; }

    /// <summary>Its exit code when it exited on its own (2: bad config, address in use, pid file locked).</summary>
    public int? ExitCode { get; }

    /// <summary>The server log written during the failed start, if any.</summary>
    public string? Log { get; }

    /// <summary>The start failed because the address was taken: another address may work.</summary>
    internal bool AddressInUse { get; }
}
