using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Sessions;

/// <summary>
/// One slot of a session's fore channel, lent to one request by <see cref="SlotTable.AcquireAsync"/> until it is
/// given back (RFC 8881 §2.10.6.1). A value: what SEQUENCE carries for this request, kept unchanged for every
/// re-send of it so the server's reply cache recognises the retry.
/// </summary>
/// <param name="SlotId">sa_slotid.</param>
/// <param name="SequenceId">sa_sequenceid: one more than the last request the server processed on this slot.</param>
/// <param name="HighestSlotId">sa_highest_slotid: the highest slot with a request outstanding when this one was lent.</param>
/// <param name="Uncertain">
/// How many earlier requests on this slot have an unknown fate (their reply was lost and nobody sent them again):
/// the server may be that many sequence ids behind, and answers NFS4ERR_SEQ_MISORDERED if it is
/// (<see cref="SlotTable.Resequence"/>).
/// </param>
public readonly record struct SessionSlot(uint SlotId, uint SequenceId, uint HighestSlotId, int Uncertain)
{
    public override string ToString() => $"slot {SlotId} seq {SequenceId}" + (Uncertain > 0 ? $" (uncertain {Uncertain})" : string.Empty);
}

/// <summary>What became of the request a slot was lent for: how the slot's sequence id moves on.</summary>
public enum SlotRelease
{
    /// <summary>The server processed SEQUENCE: the next request on the slot uses the next sequence id.</summary>
    Advanced,

    /// <summary>
    /// The server did not process SEQUENCE — the request was never sent, or SEQUENCE itself failed, which leaves the
    /// slot as it was (RFC 8881 §18.46.3): the next request reuses this sequence id.
    /// </summary>
    Unchanged,

    /// <summary>
    /// Nobody knows: the reply was lost and the request will not be sent again. The next request uses the next
    /// sequence id, and if the server says it is misordered, the one before (<see cref="SlotTable.Resequence"/>).
    /// </summary>
    Unknown,
}

/// <summary>What the caller does after SEQUENCE failed (<see cref="SequenceErrors.Classify"/>).</summary>
public enum SequenceErrorAction
{
    /// <summary>Return the error: the request must not go again as it is.</summary>
    Fail,

    /// <summary>NFS4ERR_DELAY: wait, then send the same request on the same slot with the same sequence id.</summary>
    RetrySameSlot,

    /// <summary>
    /// Send the request again on the same slot one sequence id lower (<see cref="SlotTable.Resequence"/>): the
    /// server is behind because an earlier request on the slot, whose reply was lost, never reached it.
    /// </summary>
    Resequence,

    /// <summary>Give the slot back unchanged and send the request again on another slot (a slot the server retired).</summary>
    RetryOtherSlot,

    /// <summary>
    /// The session is gone or out of step (NFS4ERR_BADSESSION, DEADSESSION, BADSLOT, SEQ_MISORDERED): a new
    /// session — and, if CREATE_SESSION says NFS4ERR_STALE_CLIENTID, a new client id — then every request in
    /// flight is sent again on it.
    /// </summary>
    ResetSession,

    /// <summary>NFS4ERR_CONN_NOT_BOUND_TO_SESSION: BIND_CONN_TO_SESSION on this connection, then the same request again.</summary>
    BindConnection,

    /// <summary>
    /// NFS4ERR_RETRY_UNCACHED_REP: the server ran the request before but kept no reply for this retry. A request
    /// that is harmless twice goes again as a new one (next sequence id); for the others the outcome is unknown.
    /// Servers (Ganesha, Linux nfsd) usually answer it on the operation after a successful SEQUENCE instead.
    /// </summary>
    RetryAsNewRequest,
}

/// <summary>
/// The error table for a failed SEQUENCE (RFC 8881 §2.10.6, §18.46.3), after the Linux client's nfs41_sequence_process.
/// When SEQUENCE fails the server leaves the slot as it was, so the slot goes back <see cref="SlotRelease.Unchanged"/>
/// — except after NFS4ERR_SEQ_FALSE_RETRY and RETRY_UNCACHED_REP, which say the server already processed this
/// sequence id (<see cref="SlotRelease.Advanced"/>).
/// </summary>
public static class SequenceErrors
{
    /// <summary>What to do after SEQUENCE failed with <paramref name="status"/> on <paramref name="slot"/> of <paramref name="table"/>.</summary>
    public static SequenceErrorAction Classify(NfsStat4 status, SessionSlot slot, SlotTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return status switch
        {
            NfsStat4.Delay => SequenceErrorAction.RetrySameSlot,

            // An earlier request on this slot was given up with its reply lost and never reached the server: it is
            // one sequence id behind what we sent. Otherwise the two sides disagree and only a new session helps.
            NfsStat4.SeqMisordered when slot.Uncertain > 0 => SequenceErrorAction.Resequence,
            NfsStat4.SeqMisordered => SequenceErrorAction.ResetSession,

            // A slot above what the server now accepts was retired by it: another slot will do. Within what it
            // accepts, the server has lost track of the slot table.
            NfsStat4.BadSlot when slot.SlotId > table.TargetHighestSlotId || slot.SlotId > table.ServerHighestSlotId => SequenceErrorAction.RetryOtherSlot,
            NfsStat4.BadSlot or NfsStat4.BadSession or NfsStat4.DeadSession => SequenceErrorAction.ResetSession,
            NfsStat4.ConnNotBoundToSession => SequenceErrorAction.BindConnection,
            NfsStat4.RetryUncachedRep => SequenceErrorAction.RetryAsNewRequest,
            _ => SequenceErrorAction.Fail,
        };
    }

    /// <summary>How the slot moves on after SEQUENCE failed with <paramref name="status"/>.</summary>
    public static SlotRelease ReleaseFor(NfsStat4 status) =>
        status is NfsStat4.SeqFalseRetry or NfsStat4.RetryUncachedRep ? SlotRelease.Advanced : SlotRelease.Unchanged;
}
