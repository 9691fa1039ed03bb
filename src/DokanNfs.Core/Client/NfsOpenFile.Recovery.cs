using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// Reclaim after a server restart (RFC 7530 §9.6.2): the open again with CLAIM_PREVIOUS, then every lock
// with reclaim = true, same ranges — or, when the server refuses, the handle is marked lost and says so.
public sealed partial class NfsOpenFile
{
    private NfsStateLostException? _lost;
    private bool _openHeldWhileLost;

    /// <summary>Why this handle's state is gone, or null while it is good.</summary>
    public NfsStateLostException? Lost => Volatile.Read(ref _lost);

    /// <summary>Fails with the lost-state error once the open or one of its locks was lost.</summary>
    internal void ThrowIfLost()
    {
        if (Volatile.Read(ref _lost) is { } lost)
        {
            throw lost;
        }
    }

    internal void MarkLost(NfsStat4 cause, string reason, ReclaimTally? tally = null, NfsOpnum4 operation = NfsOpnum4.Open)
    {
        int locks;
        lock (_locks)
        {
            locks = _locks.Count;
        }

        var lost = new NfsStateLostException(cause, operation, Path, reason);
        if (Interlocked.CompareExchange(ref _lost, lost, null) is null)
        {
            _client.LogStateLost(Path, reason);
            if (tally is not null)
            {
                tally.OpensLost++;
                tally.LocksLost += locks;
            }
        }
    }

    /// <summary>
    /// Reclaims this open and its locks on a restarted server, within its grace period. Writes still
    /// uncommitted stay queued: the next COMMIT sees the new write verifier and sends them again.
    /// </summary>
    internal async ValueTask ReclaimAsync(ReclaimTally tally)
    {
        if (IsOpenReleased || Lost is not null)
        {
            return;
        }

        try
        {
            var owner = _owner;
            var (result, _) = await _client.RunOwnerOpAsync(
                owner,
                seqOpIndex: 1,
                (seqid, ct) => _client.AttemptAsync(
                    "open_reclaim",
                    (FileHandle, seqid, owner.Name, Access, Deny),
                    static (ref CompoundEncoder e, (NfsFh Fh, uint SeqId, StateOwner4 Owner, OpenShareAccess Access, OpenShareDeny Deny) c) =>
                    {
                        e.PutFh(c.Fh);
                        e.Open(c.SeqId, c.Access, c.Deny, c.Owner, null, null, default, OpenClaim4.Previous(OpenDelegationType4.None));
                    },
                    static (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.PutFh(ref r);
                        return (results.Open(ref r), true);
                    },
                    ct,
                    owner.Credential),
                CancellationToken.None,
                partOfRecovery: true).ConfigureAwait(false);

            var stateId = result.StateId;
            if (result.NeedsConfirm && _client.Session is null)
            {
                stateId = await _client.ConfirmOpenAsync(owner, FileHandle, stateId, Path, CancellationToken.None, partOfRecovery: true).ConfigureAwait(false);
            }

            owner.Confirmed = true;
            _stateId = stateId;
            tally.OpensReclaimed++;
        }
        catch (NfsException ex)
        {
            // NO_GRACE (grace is over), RECLAIM_BAD (the server has no record of it), RECLAIM_CONFLICT
            // (someone else got it first), or anything else: the open is not ours any more.
            MarkLost(ex.Status, $"the server restarted and refused to give the open back ({ex.Status})", tally);
            return;
        }

        var reclaimedLocks = await ReclaimLocksAsync(tally).ConfigureAwait(false);
        if (Lost is null)
        {
            _client.LogReclaimed(Path, Access, Deny, reclaimedLocks);
        }
    }

    /// <summary>
    /// After the reclaims of a server restart (issue 8 §4): the file's attributes are read again and its version
    /// compared with what this handle knew. The cached attributes become the server's current ones; a file that
    /// changed under the handle, went back to an older version (the server lost committed updates) or is gone is
    /// logged and shown in <see cref="VersionCheck"/>, not patched. For a handle with data uncommitted (or WRITEs
    /// in flight, whose versions are not known yet) the version is judged by its next COMMIT instead, which the
    /// client starts once recovery is done: the versions of all its writes are needed to tell ours from others'.
    /// Part of recovery, so one attempt, sent directly; what fails here is left to that COMMIT or the next I/O.
    /// </summary>
    internal async ValueTask RevalidateAfterRestartAsync(ReclaimTally tally)
    {
        if (IsOpenReleased || Lost is not null)
        {
            return;
        }

        NfsAttributes attributes;
        try
        {
            attributes = await _client.AttemptAsync(
                "getattr",
                FileHandle,
                static (ref CompoundEncoder e, NfsFh fh) =>
                {
                    e.PutFh(fh);
                    e.GetAttr(AttributeRequests.Stat);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    return results.GetAttr(ref r);
                },
                CancellationToken.None,
                Credential).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Stale)
        {
            VersionCheck = NfsFileVersionCheck.Gone;
            tally.FilesGone++;
            _client.LogVersionChecked(Path, NfsFileVersionCheck.Gone, "no file", LatestVersion, StableVersion);
            if (UncommittedBytes > 0)
            {
                // Its COMMIT will find it gone too, and keep the data in a conflict copy.
                ResolveAfterRestart();
            }

            return;
        }
        catch (Exception ex) when (ex is NfsException or Rpc.RpcException)
        {
            return;
        }

        Attributes = attributes;
        lock (_uncommittedLock)
        {
            if (_uncommitted.Count > 0 || _writesInFlight > 0)
            {
                ResolveAfterRestart();
                return;
            }
        }

        var found = NfsFileVersion.Of(attributes);
        NfsFileVersion stable, latest;
        lock (_versionLock)
        {
            (stable, latest) = (_stable, _latest);
        }

        var check = NfsFileVersionRules.Classify(found, stable, latest, []);
        VersionCheck = check;
        if (check is NfsFileVersionCheck.Unchanged or NfsFileVersionCheck.OwnEarlierVersion)
        {
            return;
        }

        if (check == NfsFileVersionCheck.WentBack)
        {
            tally.FilesWentBack++;
        }
        else
        {
            tally.FilesChanged++;
        }

        _client.LogVersionChecked(Path, check, found?.ToString() ?? "no version", latest, stable);
        if (found is { } adopted)
        {
            // Reported once: from here on the file as it is now is what this handle knows.
            lock (_versionLock)
            {
                (_stable, _latest) = (adopted, adopted);
            }
        }
    }

    /// <summary>
    /// A lock the server would not give back while the open was reclaimed: the handle fails from now on, but the
    /// server holds its open and the locks reclaimed before, which <see cref="CloseAsync"/> gives back.
    /// </summary>
    private void MarkLockLost(NfsStat4 cause, string reason, int locksLost, ReclaimTally tally)
    {
        var lost = new NfsStateLostException(cause, NfsOpnum4.Lock, Path, reason);
        if (Interlocked.CompareExchange(ref _lost, lost, null) is null)
        {
            _openHeldWhileLost = true;
            _client.LogStateLost(Path, reason);
            tally.LocksLost += locksLost;
        }
    }

    private async ValueTask<int> ReclaimLocksAsync(ReclaimTally tally)
    {
        (ulong Offset, ulong Length, NfsLockType4 Type)[] held;
        lock (_locks)
        {
            held = [.. _locks];
        }

        _lockOwner?.Dispose();
        _lockOwner = null;
        _lockStateId = null;
        // Fix (found by RecoveryFakeTests.Refused_lock_reclaim_loses_that_handle_only_and_close_gives_back_what_was_reclaimed):
        // a refused lock marked the whole open lost — counted as an open lost (after it had been counted as
        // reclaimed) with all its locks, the reclaimed ones too — and CLOSE then sent nothing, so the reclaimed
        // open and locks stayed on the server for as long as the lease was renewed: the file's own reopened
        // handle, and every other client, were refused those ranges. Now only the locks not given back count
        // as lost, and the handle remembers what the server holds of it.
        var reclaimed = 0;
        foreach (var (offset, length, type) in held)
        {
            string? refusal = null;
            var status = NfsStat4.ReclaimConflict;
            try
            {
                var result = await LockOnceAsync(type, offset, length, reclaim: true, CancellationToken.None).ConfigureAwait(false);
                if (!result.Granted)
                {
                    refusal = $"the lock on {offset}+{length} is held by another client since the server restarted";
                }
            }
            catch (NfsException ex)
            {
                status = ex.Status;
                refusal = $"the server restarted and refused to give the lock on {offset}+{length} back ({ex.Status})";
            }

            if (refusal is not null)
            {
                lock (_locks)
                {
                    _locks.Clear();
                    _locks.AddRange(held.Take(reclaimed));
                }

                MarkLockLost(status, refusal, held.Length - reclaimed, tally);
                return reclaimed;
            }

            reclaimed++;
            tally.LocksReclaimed++;
        }

        return reclaimed;
    }
}
