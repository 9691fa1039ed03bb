namespace DokanNfs.Core.Client;

/// <summary>Where the client stands with its server's lease, for statistics and `dokannfs stats`.</summary>
public enum NfsLeaseState
{
    /// <summary>No client id yet: nothing stateful has been done.</summary>
    None,

    /// <summary>Client id confirmed and lease renewed in time.</summary>
    Valid,

    /// <summary>Recovery is running: new requests wait for it.</summary>
    Recovering,
}

/// <summary>One recovery the client went through, as logged.</summary>
public sealed record NfsRecoveryEvent(DateTimeOffset At, string Reason, int OpensReclaimed, int LocksReclaimed, int OpensLost, int LocksLost)
{
    /// <summary>Open files found changed by someone else after a server restart (issue 8 §4).</summary>
    public int FilesChanged { get; init; }

    /// <summary>Open files found older than what the server had confirmed as stable: it lost committed updates.</summary>
    public int FilesWentBack { get; init; }

    /// <summary>Open files the restarted server no longer has.</summary>
    public int FilesGone { get; init; }
}
