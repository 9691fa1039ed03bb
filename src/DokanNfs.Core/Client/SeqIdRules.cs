using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// RFC 7530 §9.1.7: after a reply to a seqid-bearing operation (OPEN, OPEN_CONFIRM, OPEN_DOWNGRADE,
/// CLOSE, LOCK, LOCKU) the owner's seqid advances, except for the errors below, which the server
/// returns without having looked at (or before it could trust) the seqid.
/// </summary>
public static class SeqIdRules
{
    public static bool Advances(NfsStat4 status) => status switch
    {
        NfsStat4.StaleClientId => false,
        NfsStat4.StaleStateId => false,
        NfsStat4.BadStateId => false,
        NfsStat4.BadSeqId => false,
        NfsStat4.BadXdr => false,
        NfsStat4.Resource => false,
        NfsStat4.NoFileHandle => false,
        NfsStat4.Moved => false,
        _ => true,
    };

    /// <summary>The operations that carry an owner's seqid (RFC 7530 §9.1.7).</summary>
    public static bool CarriesSeqId(NfsOpnum4 op) => op is
        NfsOpnum4.Open or NfsOpnum4.OpenConfirm or NfsOpnum4.OpenDowngrade or
        NfsOpnum4.Close or NfsOpnum4.Lock or NfsOpnum4.LockU;

    /// <summary>seqid4 wraps from 0xFFFFFFFF to 0 for owners (RFC 7530 §9.1.3: "the value 0 ... is used after wrap").</summary>
    public static uint Next(uint seqid) => unchecked(seqid + 1);
}
