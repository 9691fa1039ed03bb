using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsOpenFile
{
    private readonly List<(ulong Offset, ulong Length, NfsLockType4 Type)> _locks = [];
    private OwnerState? _lockOwner;
    private StateId4? _lockStateId;

    /// <summary>True while this handle has a lock-owner on the server (it has locked since it opened).</summary>
    internal bool HoldsLocks => _lockOwner is not null;

    /// <summary>
    /// LOCK (RFC 7530 §16.10) a byte range for this handle. The first lock turns the open into a lock-owner
    /// (open_to_lock_owner4); later ones use the lock stateid. With <paramref name="wait"/>, a conflicting lock
    /// is polled for with backoff (NFSv4.0 has no callback for it) until granted or cancelled; without, the
    /// conflict is returned.
    /// </summary>
    public async ValueTask<LockDenied?> LockAsync(NfsLockType4 type, ulong offset, ulong length, bool wait, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        ThrowIfLost();
        var delay = TimeSpan.FromMilliseconds(50);
        var blockingType = type switch
        {
            NfsLockType4.Read => NfsLockType4.ReadW,
            NfsLockType4.Write => NfsLockType4.WriteW,
            _ => type,
        };
        while (true)
        {
            var result = await LockOnceAsync(wait ? blockingType : type, offset, length, reclaim: false, cancellationToken).ConfigureAwait(false);
            if (result.Granted)
            {
                lock (_locks)
                {
                    _locks.Add((offset, length, type));
                }

                return null;
            }

            if (!wait)
            {
                return result.Denied;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = delay < TimeSpan.FromSeconds(2) ? delay * 2 : TimeSpan.FromSeconds(2);
        }
    }

    /// <summary>LOCKU (RFC 7530 §16.12) a range this handle locked.</summary>
    public async ValueTask UnlockAsync(ulong offset, ulong length, CancellationToken cancellationToken)
    {
        ThrowIfLost();

        // Writes made under the lock reach the server before it is given up (write-behind: NfsOpenFile.WriteBehind.cs).
        await DrainWritesAsync(cancellationToken).ConfigureAwait(false);
        await UnlockRangeAsync(offset, length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>LOCKU, also for a lost handle's close (what the server still holds of it is given back).</summary>
    private async ValueTask UnlockRangeAsync(ulong offset, ulong length, CancellationToken cancellationToken)
    {
        if (_lockOwner is not { } owner || _lockStateId is null)
        {
            throw new NfsException(NfsStat4.LockRange, NfsOpnum4.LockU, Path);
        }

        NfsLockType4 type;
        lock (_locks)
        {
            var index = _locks.FindIndex(l => l.Offset == offset && l.Length == length);
            type = index >= 0 ? _locks[index].Type : NfsLockType4.Write;
        }

        _lockStateId = await _client.RunOwnerOpAsync(
            owner,
            seqOpIndex: 1,
            (seqid, ct) => _client.AttemptAsync(
                "locku",
                (FileHandle, type, seqid, _lockStateId ?? default, offset, length),
                static (ref CompoundEncoder e, (NfsFh Fh, NfsLockType4 Type, uint SeqId, StateId4 StateId, ulong Offset, ulong Length) c) =>
                {
                    e.PutFh(c.Fh);
                    e.LockU(c.Type, c.SeqId, c.StateId, c.Offset, c.Length);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    return results.LockU(ref r);
                },
                ct,
                owner.Credential),
            cancellationToken).ConfigureAwait(false);

        lock (_locks)
        {
            _locks.RemoveAll(l => l.Offset == offset && l.Length == length);
        }
    }

    /// <summary>LOCKT (RFC 7530 §16.11): would this lock be granted? Null when yes, else the conflicting lock.</summary>
    public ValueTask<LockDenied?> TestLockAsync(NfsLockType4 type, ulong offset, ulong length, CancellationToken cancellationToken)
    {
        var owner = _lockOwner?.Name ?? new StateOwner4(_client.ClientId, "lockt-probe"u8.ToArray());
        return _client.RunAsync(
            "lockt",
            (FileHandle, type, offset, length, owner),
            static (ref CompoundEncoder e, (NfsFh Fh, NfsLockType4 Type, ulong Offset, ulong Length, StateOwner4 Owner) c) =>
            {
                e.PutFh(c.Fh);
                e.LockT(c.Type, c.Offset, c.Length, c.Owner);
            },
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutFh(ref r);
                return results.LockT(ref r);
            },
            cancellationToken,
            credential: Credential);
    }

    /// <summary>
    /// One LOCK. Its attempts read the stateids afresh, so a call held up by recovery goes out with the
    /// reclaimed ones. With <paramref name="reclaim"/> it is one of recovery's own reclaims.
    /// </summary>
    private async ValueTask<LockResult> LockOnceAsync(NfsLockType4 type, ulong offset, ulong length, bool reclaim, CancellationToken cancellationToken)
    {
        if (_lockOwner is { } owner && _lockStateId is not null)
        {
            var result = await _client.RunOwnerOpAsync(
                owner,
                seqOpIndex: 1,
                (seqid, ct) => _client.AttemptAsync(
                    "lock",
                    (FileHandle, type, reclaim, offset, length, _lockStateId ?? default, seqid),
                    static (ref CompoundEncoder e, (NfsFh Fh, NfsLockType4 Type, bool Reclaim, ulong Offset, ulong Length, StateId4 StateId, uint SeqId) c) =>
                    {
                        e.PutFh(c.Fh);
                        e.LockExistingOwner(c.Type, c.Reclaim, c.Offset, c.Length, c.StateId, c.SeqId);
                    },
                    static (ref XdrReader r) => DecodeLock(ref r),
                    ct,
                    owner.Credential),
                cancellationToken,
                partOfRecovery: reclaim).ConfigureAwait(false);
            if (result.Granted)
            {
                _lockStateId = result.LockStateId;
            }

            return result;
        }

        // First lock of this handle: the open-owner's seqid carries it (open_to_lock_owner4), and the new
        // lock-owner starts at seqid 0. A refused first lock leaves no lock-owner worth keeping. The lock-owner
        // takes the client id current at each attempt: recovery may have replaced it meanwhile.
        var newOwner = _client.Owners.NewLockOwner(Credential);
        LockResult first;
        try
        {
            first = await _client.RunOwnerOpAsync(
                _owner,
                seqOpIndex: 1,
                (seqid, ct) =>
                {
                    newOwner.Name = newOwner.Name with { ClientId = _client.ClientId };
                    return _client.AttemptAsync(
                        "lock",
                        (FileHandle, type, reclaim, offset, length, seqid, _stateId, newOwner.Name),
                        static (ref CompoundEncoder e, (NfsFh Fh, NfsLockType4 Type, bool Reclaim, ulong Offset, ulong Length, uint OpenSeqId, StateId4 OpenStateId, StateOwner4 Owner) c) =>
                        {
                            e.PutFh(c.Fh);
                            e.LockNewOwner(c.Type, c.Reclaim, c.Offset, c.Length, c.OpenSeqId, c.OpenStateId, 0, c.Owner);
                        },
                        static (ref XdrReader r) => DecodeLock(ref r),
                        ct,
                        _owner.Credential);
                },
                cancellationToken,
                partOfRecovery: reclaim).ConfigureAwait(false);
        }
        catch
        {
            newOwner.Dispose();
            throw;
        }

        if (first.Granted)
        {
            newOwner.SeqId = 1;
            _lockOwner = newOwner;
            _lockStateId = first.LockStateId;
        }
        else
        {
            newOwner.Dispose();
        }

        return first;
    }

    private static LockResult DecodeLock(ref XdrReader r)
    {
        var results = CompoundResults.Begin(ref r);
        results.PutFh(ref r);
        return results.Lock(ref r);
    }

    /// <summary>Unlocks every range still held and releases the lock-owner (RFC 7530 §16.37), before CLOSE.</summary>
    private async ValueTask ReleaseLocksAsync(CancellationToken cancellationToken)
    {
        if (_lockOwner is not { } owner)
        {
            return;
        }

        (ulong Offset, ulong Length, NfsLockType4 Type)[] held;
        lock (_locks)
        {
            held = [.. _locks];
        }

        foreach (var (offset, length, _) in held)
        {
            try
            {
                await UnlockRangeAsync(offset, length, cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException)
            {
                // The server may already have dropped it; RELEASE_LOCKOWNER below settles the rest.
            }
        }

        // NFSv4.1 has no RELEASE_LOCKOWNER (RFC 8881 §17: "mandatory not to implement"): with its locks
        // released, the lock stateid goes with the CLOSE of its open.
        if (_client.Session is not null)
        {
            _lockOwner = null;
            _lockStateId = null;
            owner.Dispose();
            return;
        }

        try
        {
            await ReleaseLockOwnerAsync(owner, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.LocksHeld && _lockStateId is not null)
        {
            // RFC 7530 §16.37: refused while the owner still holds locks — a LOCKU above failed (its error was
            // swallowed) or the server holds a range we do not know of. One LOCKU over the whole file (length all
            // ones: to its end, §16.12) gives back every range of the owner on it; then the owner goes. Otherwise the
            // CLOSE after this would be refused too (§16.2.4) and the open left on the server until the lease ends.
            await UnlockRangeAsync(0, ulong.MaxValue, cancellationToken).ConfigureAwait(false);
            lock (_locks)
            {
                _locks.Clear();
            }

            await ReleaseLockOwnerAsync(owner, cancellationToken).ConfigureAwait(false);
        }

        _lockOwner = null;
        _lockStateId = null;
        owner.Dispose();
    }

    private ValueTask<bool> ReleaseLockOwnerAsync(OwnerState owner, CancellationToken cancellationToken) =>
        _client.RunAsync(
            "release_lockowner",
            owner.Name,
            static (ref CompoundEncoder e, StateOwner4 o) => e.ReleaseLockOwner(o),
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.ReleaseLockOwner(ref r);
                return true;
            },
            cancellationToken,
            credential: owner.Credential);
}
