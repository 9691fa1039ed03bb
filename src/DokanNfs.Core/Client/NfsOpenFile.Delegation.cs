using DokanNfs.Core.Client.Delegations;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

// An open made locally under a delegation (RFC 8881 §10.4: "OPENs ... may be performed locally"): its stateid is the
// delegation's, which READ accepts, and nothing of it is on the server — closing it sends no CLOSE. When the delegation
// is recalled the open is first made on the server (OPEN with CLAIM_DELEG_CUR_FH) and goes on as an ordinary one.
public sealed partial class NfsOpenFile
{
    private Delegation? _underDelegation;

    /// <summary>The delegation this open was made under without telling the server, while it is so.</summary>
    internal Delegation? UnderDelegation => Volatile.Read(ref _underDelegation);

    /// <summary>True while the open exists only on our side, under a delegation.</summary>
    public bool IsLocalUnderDelegation => UnderDelegation is not null;

    internal void EnterDelegation(Delegation delegation) => Volatile.Write(ref _underDelegation, delegation);

    /// <summary>
    /// The open is on the server now under <paramref name="stateId"/> (pushed before a DELEGRETURN), or — null — the
    /// delegation is gone without a return (server restart): the reclaim that follows makes it an ordinary open.
    /// </summary>
    internal void LeaveDelegation(StateId4? stateId)
    {
        if (stateId is { } serverState)
        {
            _stateId = serverState;
        }

        Volatile.Write(ref _underDelegation, null);
    }

    /// <summary>The lock stateid held on this open, if any (for TEST_STATEID, NfsClient.Revoked).</summary>
    internal StateId4? HeldLockStateId
    {
        get
        {
            lock (_locks)
            {
                return _lockStateId;
            }
        }
    }

    /// <summary>
    /// The server revoked this open's locks but not the open: the handle reports the locks lost, and its CLOSE still
    /// gives the open back (as when only a lock failed to be reclaimed).
    /// </summary>
    internal void MarkLocksRevoked(NfsStat4 status, ReclaimTally tally)
    {
        int locks;
        lock (_locks)
        {
            locks = _locks.Count;
        }

        MarkLockLost(status, $"the server revoked its byte-range locks ({status})", locks, tally);
    }

    /// <summary>For CloseAsync: an open still local needs no CLOSE; it is taken off its delegation.</summary>
    private bool CloseLocally()
    {
        if (Interlocked.Exchange(ref _underDelegation, null) is not { } delegation)
        {
            return false;
        }

        delegation.RemoveLocalOpen(this);
        return true;
    }
}
