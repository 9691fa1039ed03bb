using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// COMMIT and CLOSE in one COMPOUND at the close of a handle with UNSTABLE data (issue 9: a small upload is OPEN,
// WRITE, COMMIT + CLOSE). CLOSE (RFC 7530 §16.2, RFC 8881 §18.2) ends the open state, and data a COMMIT finds lost
// (a write verifier other than the WRITEs', RFC 7530 §16.3.5) must be written again through an open, after a check
// of the file's version (NfsOpenFile.Versions.cs). So the CLOSE must never have run, with data still to re-send,
// unnoticed. A COMMIT in the COMPOUND can answer a new verifier in two ways:
// - The server restarted. Our open stateid is then one of the instance that died: the CLOSE fails with
//   NFS4ERR_STALE_STATEID (4.0, RFC 7530 §9.6.2), or under 4.1 the session is gone and SEQUENCE fails before
//   anything runs (NFS4ERR_BADSESSION, RFC 8881 §8.4.2). That holds as long as recovery has not reclaimed the open
//   under the new instance since the WRITEs: so the COMPOUND is not sent while a resolution is due (recovery marks
//   such handles, NeedsResolution) and is not sent again by the owner-op loop after a recovery (partOfRecovery: its
//   errors come here, and the close goes the separate way, COMMIT then CLOSE, with the recovery every I/O has). The stateid is
//   read once, when the COMPOUND is made: when a 4.1 session sends it again after a reconnect and a reclaim, it
//   still carries the old instance's stateid, and that CLOSE fails the same way.
// - The server changed its verifier without a restart (RFC 7530 §16.36.4 lets a server do that whenever it may have
//   lost data, as Linux nfsd does after a writeback error). Then the CLOSE has run: the file is opened again by the
//   same owner (4.1 by filehandle; 4.0 by name, checked to still lead to this file) and the close goes on the
//   separate way, which resolves the lost data through the new open. When the file cannot be opened again, the data
//   goes to a conflict copy, as for a file that is gone.
// Under 4.0 the CLOSE carries the owner's seqid: it is the third operation, and a failure before it (PUTFH, COMMIT)
// leaves the seqid where it was (RFC 7530 §9.1.7), which RunOwnerOpAsync decides from the failed operation's index.
public sealed partial class NfsOpenFile
{
    /// <summary>
    /// COMMIT and CLOSE in one COMPOUND, when that is all the close has left to do. True when the file is closed
    /// (its data committed, or resolved); false when the caller is to commit and close the separate way.
    /// </summary>
    private async ValueTask<bool> TryCommitAndCloseAsync(CancellationToken cancellationToken)
    {
        UncommittedWrite[] pending;
        lock (_uncommittedLock)
        {
            if (_uncommitted.Count == 0 || _writesInFlight > 0 || _gate is not null)
            {
                return false;
            }

            pending = [.. _uncommitted];
        }

        if (pending.Any(w => w.JournalSequence != 0) || HoldsLocks || NeedsResolution || HasJournaled || _client.IsServerUnreachable
            || Volatile.Read(ref _resolution) is { IsCompleted: false })
        {
            return false;
        }

        await _client.WaitForRecoveryAsync(cancellationToken).ConfigureAwait(false);
        Verifier4 commitVerifier;
        NfsAttributes? afterClose;
        try
        {
            (commitVerifier, afterClose) = await _client.RunOwnerOpAsync(
                _owner,
                seqOpIndex: 2,
                (seqid, ct) => _client.AttemptAsync(
                    "commit_close",
                    (FileHandle, _stateId, seqid),
                    static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, uint SeqId) c) =>
                    {
                        e.PutFh(c.Fh);
                        e.Commit(0, 0);
                        e.Close(c.SeqId, c.StateId);
                        e.GetAttr(AttributeRequests.Stat); // for the attribute cache, as in CloseAndGetAttrAsync
                    },
                    static (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.PutFh(ref r);
                        var verifier = results.Commit(ref r);
                        results.Close(ref r);
                        return (verifier, results.Next(ref r, NfsOpnum4.GetAttr) == NfsStat4.Ok ? Fattr4.Decode(ref r) : null);
                    },
                    ct,
                    Credential),
                cancellationToken,
                partOfRecovery: true).ConfigureAwait(false);
        }
        catch (NfsException)
        {
            // Not closed: a CLOSE that failed released nothing. The separate way recovers, resolves and closes.
            return false;
        }

        if (pending.All(w => w.Verifier == commitVerifier))
        {
            NoteCommitted(pending, commitVerifier);
            _afterClose = afterClose;
            return true;
        }

        // The CLOSE ran, and the server says it may have lost data: an open to write it again through (the COMMIT
        // after it logs the new verifier and resolves).
        return !await ReopenAfterCloseAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens this handle's file again after its CLOSE, with the same owner, access and deny, and makes that open this
    /// handle's. False when it could not (the file gone, replaced, or refused): the data is then resolved as for a
    /// file that is gone (a conflict copy, reported by the close).
    /// </summary>
    private async ValueTask<bool> ReopenAfterCloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (stateId, fileHandle) = await OpenForNewOwnerAsync(_owner, Access, Deny, cancellationToken).ConfigureAwait(false);
            if (fileHandle == FileHandle)
            {
                _stateId = stateId;
                return true;
            }

            // The name leads to another file now: its open is given back, and our data is not written there.
            await CloseStateAsync(_owner, fileHandle, () => stateId, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException)
        {
        }

        await ResolveAsync(null, cancellationToken).ConfigureAwait(false);
        return false;
    }
}
