using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>What the retry loop does with a status; one attempt never decides this itself.</summary>
public enum NfsErrorAction
{
    /// <summary>Return the error to the caller.</summary>
    Fail,

    /// <summary>Wait (with backoff) and send the same request again: DELAY, GRACE, RESOURCE.</summary>
    RetryAfterDelay,

    /// <summary>The client id or its state is gone: run lease/reboot recovery, then retry.</summary>
    RecoverLease,

    /// <summary>One stateid is bad or old: refresh or recover that piece of state, then retry.</summary>
    RecoverStateId,

    /// <summary>The owner's seqid is out of step: retire the owner and retry with a new one.</summary>
    RetireOwner,

    /// <summary>A volatile filehandle expired: resolve the path again, then retry.</summary>
    RefreshFileHandle,

    /// <summary>The file system moved or was never here (a referral): the caller must follow fs_locations.</summary>
    Moved,
}

/// <summary>
/// The error table of the retry loop, after the Linux client's nfs4_handle_exception: each status maps to
/// one action. Kept in one place so that every operation handles errors the same way.
/// </summary>
public static class NfsErrorPolicy
{
    public static NfsErrorAction Classify(NfsStat4 status) => status switch
    {
        NfsStat4.Delay or NfsStat4.Grace or NfsStat4.Resource => NfsErrorAction.RetryAfterDelay,
        NfsStat4.StaleClientId or NfsStat4.StaleStateId or NfsStat4.Expired or NfsStat4.LeaseMoved => NfsErrorAction.RecoverLease,
        NfsStat4.BadStateId or NfsStat4.OldStateId or NfsStat4.AdminRevoked => NfsErrorAction.RecoverStateId,
        NfsStat4.BadSeqId => NfsErrorAction.RetireOwner,
        NfsStat4.FhExpired => NfsErrorAction.RefreshFileHandle,
        NfsStat4.Moved => NfsErrorAction.Moved,
        _ => NfsErrorAction.Fail,
    };
}
