using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>How a call whose outcome was unknown (the connection died after it may have reached the server) was resolved.</summary>
public enum NfsReplayOutcome
{
    /// <summary>The server's state shows the call took effect: success, nothing re-sent.</summary>
    AlreadyApplied,

    /// <summary>
    /// The state shows the outcome the call was for, whatever became of it (the name no longer refers to the object
    /// a REMOVE meant): success, nothing re-sent.
    /// </summary>
    Moot,

    /// <summary>The objects were still at the versions the call was based on: it was sent again behind VERIFY, and took effect.</summary>
    Replayed,

    /// <summary>Something else changed the objects: nothing re-sent, <see cref="NfsReplayConflictException"/> to the caller.</summary>
    Conflict,
}

/// <summary>One resolution, as <see cref="NfsClient.ReplayResolutions"/> keeps it: the versions the call was based on and those found.</summary>
public sealed record NfsReplayResolution(DateTimeOffset Time, ReplayOperation Operation, string Path, NfsReplayOutcome Outcome, string Reason, string Basis, string Observed)
{
    public override string ToString() => $"{Operation} {Path}: {Outcome} ({Reason}); based on [{Basis}]; found [{Observed}]";
}

/// <summary>
/// A non-idempotent call whose reply was lost could not be completed safely: another client (or another call)
/// changed the objects it was based on, so sending it again could undo or clobber that change, and the server's
/// state does not show the call's own outcome. Nothing was re-sent. <see cref="NfsException.Status"/> is
/// NFS4ERR_NOT_SAME (the status of the VERIFY that guards a replay, RFC 7530 §16.35), so callers that only know
/// <see cref="NfsException"/> report it as an NFS error; front ends that know this type map it to their own
/// "modified by someone else" error.
/// </summary>
public sealed class NfsReplayConflictException : NfsException
{
    public NfsReplayConflictException(ReplayOperation replayOperation, NfsOpnum4 operation, string path, string reason, string basis, string observed)
        : base(NfsStat4.NotSame, operation, path, Describe(replayOperation, path, reason, basis, observed))
    {
        ReplayOperation = replayOperation;
        Reason = reason;
        Basis = basis;
        Observed = observed;
    }

    public ReplayOperation ReplayOperation { get; }

    /// <summary>What changed, in words.</summary>
    public string Reason { get; }

    /// <summary>The versions the call was based on.</summary>
    public string Basis { get; }

    /// <summary>The versions found when the outcome was resolved.</summary>
    public string Observed { get; }

    private static string Describe(ReplayOperation operation, string path, string reason, string basis, string observed) =>
        $"{operation} of {path} was interrupted by a lost connection and not sent again, because {reason} " +
        $"(based on: {basis}; found: {observed}). Check {path} and repeat the operation if it is still wanted.";
}
