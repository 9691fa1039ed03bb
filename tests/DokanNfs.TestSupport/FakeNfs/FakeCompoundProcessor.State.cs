using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeNfs;

// Client ids and state: SETCLIENTID, SETCLIENTID_CONFIRM, OPEN, OPEN_CONFIRM, OPEN_DOWNGRADE, CLOSE, LOCK,
// LOCKT, LOCKU, RELEASE_LOCKOWNER (RFC 7530 §9, §16). Seqid-bearing operations check the owner's seqid
// first: a retransmission is answered from the replay cache, anything but the next seqid is BAD_SEQID.
internal sealed partial class FakeCompoundProcessor
{
    private uint _nextConfirm;

    /// <summary>The special stateids: anonymous (all zeros) and READ bypass (all ones), RFC 7530 §9.1.4.3.</summary>
    private static bool IsSpecial(StateId4 stateId) => stateId == StateId4.Anonymous || stateId == StateId4.ReadBypass;

    private NfsStat4 SetClientId(SetClientIdArgs a, XdrWriter w)
    {
        // RFC 7530 §16.33.5: the same id and verifier as a confirmed client is that client updating its
        // callback; anything else is a new incarnation, confirmed (and replacing the old one) later.
        var confirm = new Verifier4(0xC0F1_0000_0000_0000UL | ++_nextConfirm);
        var same = State.Clients.Values.FirstOrDefault(c => c.Confirmed && c.Id.AsSpan().SequenceEqual(a.Id) && c.Verifier == a.Verifier);
        var client = same ?? new FakeClient { ClientId = State.NewClientId(), Id = a.Id, Verifier = a.Verifier };
        client.PendingConfirm = confirm;
        State.Clients[client.ClientId] = client;
        w.WriteUInt64(client.ClientId);
        confirm.Encode(w);
        return NfsStat4.Ok;
    }

    private NfsStat4 SetClientIdConfirm(SetClientIdConfirmArgs a)
    {
        if (!State.Clients.TryGetValue(a.ClientId, out var client) || client.PendingConfirm != a.Confirm)
        {
            return client?.Confirmed == true && client.PendingConfirm is null ? NfsStat4.Ok : NfsStat4.StaleClientId;
        }

        client.Confirmed = true;
        client.PendingConfirm = null;
        foreach (var old in State.Clients.Values.Where(c => c != client && c.Id.AsSpan().SequenceEqual(client.Id)).ToList())
        {
            State.DropClient(old.ClientId);
        }

        return NfsStat4.Ok;
    }

    /// <summary>
    /// Checks <paramref name="seqid"/> against <paramref name="owner"/>: a retransmission sets the replay, a
    /// wrong seqid is BAD_SEQID, the next one is pending until the operation's status says whether it advances.
    /// </summary>
    private static NfsStat4 Sequence(FakeCompoundContext ctx, FakeOwner owner, uint seqid)
    {
        switch (FakeNfsState.CheckSeqId(owner, seqid))
        {
            case FakeSeqCheck.Replay:
                ctx.Replay = owner.CachedReply;
                return NfsStat4.Ok;
            case FakeSeqCheck.Bad:
                return NfsStat4.BadSeqId;
            default:
                ctx.Pending = (owner, seqid);
                return NfsStat4.Ok;
        }
    }

    private NfsStat4 Open(FakeCompoundContext ctx, OpenArgs a, XdrWriter w)
    {
        // CLAIM_NULL opens a name in the current directory; CLAIM_PREVIOUS reclaims the current file after a
        // restart. There is no delegation to claim with.
        var reclaim = a.Claim.Type == OpenClaimType4.Previous;
        var status = reclaim ? CurrentObject(ctx, out var dir) : CurrentDirectory(ctx, out dir);
        if (status == NfsStat4.Ok && !reclaim && a.Claim.Type != OpenClaimType4.Null)
        {
            status = NfsStat4.NotSupp;
        }
        else if (status == NfsStat4.Ok && reclaim && dir.Type != NfsFtype4.Reg)
        {
            status = dir.IsDirectory ? NfsStat4.IsDir : NfsStat4.Inval;
        }

        if (status == NfsStat4.Ok)
        {
            status = State.CheckClient(a.Owner.ClientId);
        }

        if (status != NfsStat4.Ok)
        {
            return status;
        }

        var key = FakeNfsState.KeyOf(a.Owner);
        if (State.Owners.TryGetValue(key, out var owner) && (owner.Confirmed || FakeNfsState.CheckSeqId(owner, a.SeqId) == FakeSeqCheck.Replay))
        {
            status = Sequence(ctx, owner, a.SeqId);
            if (status != NfsStat4.Ok || ctx.Replay is not null)
            {
                return status;
            }
        }
        else
        {
            // A new open-owner (or one never confirmed, RFC 7530 §16.18.5): any seqid starts it.
            foreach (var stale in State.Opens.Where(o => o.Value.Owner.Key == key).Select(o => o.Key).ToList())
            {
                State.Opens.Remove(stale);
            }

            owner = new FakeOwner { Name = a.Owner, IsLockOwner = false };
            State.Owners[key] = owner;
            ctx.Pending = (owner, a.SeqId);
        }

        // GRACE, NO_GRACE and RECLAIM_BAD come after the seqid check: they consume the seqid (RFC 7530 §9.1.7).
        return reclaim ? ReclaimOpen(ctx, a, dir, owner, w)
            : State.InGrace ? NfsStat4.Grace
            : OpenFile(ctx, a, dir, owner, w);
    }

    /// <summary>OPEN with CLAIM_PREVIOUS (RFC 7530 §9.6.2): in grace, an open the client held before the restart.</summary>
    private NfsStat4 ReclaimOpen(FakeCompoundContext ctx, OpenArgs a, FakeNode file, FakeOwner owner, XdrWriter w)
    {
        if (!State.InGrace)
        {
            return NfsStat4.NoGrace;
        }

        var held = State.ReclaimableBy(owner.ClientId);
        var index = held?.Opens.FindIndex(o => o.File == file && o.Access == a.ShareAccess && o.Deny == a.ShareDeny) ?? -1;
        if (index < 0)
        {
            return NfsStat4.ReclaimBad;
        }

        held!.Opens.RemoveAt(index);
        var open = State.Opens.Values.FirstOrDefault(o => o.File == file && o.Owner == owner);
        if (open is null)
        {
            open = new FakeOpenState { StateId = State.NewOpenStateId(), Owner = owner, File = file };
            State.Opens[(open.StateId.Other0, open.StateId.Other1)] = open;
        }
        else
        {
            open.StateId = open.StateId with { SeqId = open.StateId.SeqId + 1 };
        }

        open.Access |= a.ShareAccess;
        open.Deny |= a.ShareDeny;
        open.StateId.Encode(w);
        WriteChangeInfo(w, 0, 0);
        w.WriteUInt32((uint)(OpenResultFlags.LockTypePosix | (owner.Confirmed ? 0 : OpenResultFlags.Confirm)));
        default(Bitmap4).Encode(w);
        w.WriteEnum(OpenDelegationType4.None);
        ctx.Current = file;
        return NfsStat4.Ok;
    }

    private NfsStat4 OpenFile(FakeCompoundContext ctx, OpenArgs a, FakeNode dir, FakeOwner owner, XdrWriter w)
    {
        var name = a.Claim.Name!;
        var status = CheckName(name);
        if (status == NfsStat4.Ok && (a.ShareAccess is 0 or > OpenShareAccess.Both || a.ShareDeny > OpenShareDeny.Both))
        {
            status = NfsStat4.Inval;
        }

        if (status != NfsStat4.Ok)
        {
            return status;
        }

        var before = dir.Change;
        dir.Children!.TryGetValue(name, out var file);
        var created = false;
        switch (a.CreateMode)
        {
            case null when file is null:
                return NfsStat4.NoEnt;
            case CreateMode4.Guarded when file is not null:
                return NfsStat4.Exist;
            case CreateMode4.Exclusive when file is not null:
                // The same verifier is the client sending its create again: the file it made (RFC 7530 §16.16.5).
                if (file.CreateVerifier != a.CreateVerifier)
                {
                    return NfsStat4.Exist;
                }

                break;
            case CreateMode4.Exclusive41:
                return NfsStat4.NotSupp;
            case not null when file is null:
                file = Fs.NewNode(NfsFtype4.Reg, dir.Fsid, 0x1A4);
                file.CreateVerifier = a.CreateVerifier;
                if (a.CreateAttributes is { } attrs && (status = ApplyAttributes(file, attrs)) != NfsStat4.Ok)
                {
                    return status;
                }

                Fs.Attach(dir, name, file);
                created = true;
                break;
        }

        status = file!.Type switch
        {
            NfsFtype4.Reg => NfsStat4.Ok,
            NfsFtype4.Dir => NfsStat4.IsDir,
            NfsFtype4.Lnk => NfsStat4.Symlink,
            _ => NfsStat4.Inval,
        };

        // Share reservations are checked between different owners only (RFC 7530 §9.9).
        var opens = State.Opens.Values.Where(o => o.File == file).ToList();
        if (status == NfsStat4.Ok && opens.Any(o => o.Owner != owner && (((uint)o.Access & (uint)a.ShareDeny) != 0 || ((uint)o.Deny & (uint)a.ShareAccess) != 0)))
        {
            status = NfsStat4.ShareDenied;
        }

        if (status != NfsStat4.Ok)
        {
            return status;
        }

        if (!created && a.CreateMode == CreateMode4.Unchecked && a.CreateAttributes?.Decoded.Size == 0)
        {
            // UNCHECKED4 of an existing file applies only a size (RFC 7530 §16.16.5): truncation.
            file.Data = [];
            Fs.Touch(file, data: true);
        }

        // A second OPEN of the file by the same owner upgrades the one open it has (RFC 7530 §9.11).
        var open = opens.FirstOrDefault(o => o.Owner == owner);
        if (open is null)
        {
            open = new FakeOpenState { StateId = State.NewOpenStateId(), Owner = owner, File = file };
            State.Opens[(open.StateId.Other0, open.StateId.Other1)] = open;
        }
        else
        {
            open.StateId = open.StateId with { SeqId = open.StateId.SeqId + 1 };
        }

        open.Access |= a.ShareAccess;
        open.Deny |= a.ShareDeny;

        // OPEN4resok: stateid, cinfo, rflags, attrset, delegation (none: no callback path).
        open.StateId.Encode(w);
        WriteChangeInfo(w, before, dir.Change);
        w.WriteUInt32((uint)(OpenResultFlags.LockTypePosix | (owner.Confirmed ? 0 : OpenResultFlags.Confirm)));
        (created && a.CreateAttributes is { } applied ? applied.Mask : default).Encode(w);
        if (Options.GrantReadDelegations && a.ShareAccess == OpenShareAccess.Read)
        {
            // open_read_delegation4: stateid, recall, an empty nfsace4.
            var delegation = new StateId4(1, 0xDE1E_0000_0000UL | State.Boot, (uint)(State.Delegations.Count + State.DelegationsReturned + 1));
            State.Delegations.Add(delegation);
            w.WriteEnum(OpenDelegationType4.Read);
            delegation.Encode(w);
            w.WriteBool(false);
            w.WriteUInt32(0);
            w.WriteUInt32(0);
            w.WriteUInt32(0);
            w.WriteUInt32(0);
        }
        else
        {
            w.WriteEnum(OpenDelegationType4.None);
        }

        ctx.Current = file;
        return NfsStat4.Ok;
    }

    /// <summary>The open state a stateid names on the current file, checked (RFC 7530 §9.1.4).</summary>
    private NfsStat4 FindOpen(FakeCompoundContext ctx, StateId4 stateId, out FakeOpenState open)
    {
        open = null!;
        var status = CurrentObject(ctx, out var file);
        if (status != NfsStat4.Ok)
        {
            return status;
        }

        status = State.FindState(stateId, file, out var found, out var lockState);
        if (status == NfsStat4.Ok && lockState is not null)
        {
            return NfsStat4.BadStateId;
        }

        open = found!;
        return status;
    }

    private NfsStat4 OpenConfirm(FakeCompoundContext ctx, OpenConfirmArgs a, XdrWriter w)
    {
        var status = FindOpen(ctx, a.StateId, out var open);
        if (status != NfsStat4.Ok || (status = Sequence(ctx, open.Owner, a.SeqId)) != NfsStat4.Ok || ctx.Replay is not null)
        {
            return status;
        }

        if (open.Owner.Confirmed)
        {
            return NfsStat4.BadStateId;
        }

        open.Owner.Confirmed = true;
        open.StateId = open.StateId with { SeqId = open.StateId.SeqId + 1 };
        open.StateId.Encode(w);
        return NfsStat4.Ok;
    }

    private NfsStat4 OpenDowngrade(FakeCompoundContext ctx, OpenDowngradeArgs a, XdrWriter w)
    {
        var status = FindOpen(ctx, a.StateId, out var open);
        if (status != NfsStat4.Ok || (status = Sequence(ctx, open.Owner, a.SeqId)) != NfsStat4.Ok || ctx.Replay is not null)
        {
            return status;
        }

        if (a.ShareAccess == 0 || (a.ShareAccess & ~open.Access) != 0 || (a.ShareDeny & ~open.Deny) != 0)
        {
            return NfsStat4.Inval;
        }

        open.Access = a.ShareAccess;
        open.Deny = a.ShareDeny;
        open.StateId = open.StateId with { SeqId = open.StateId.SeqId + 1 };
        open.StateId.Encode(w);
        return NfsStat4.Ok;
    }

    private NfsStat4 Close(FakeCompoundContext ctx, CloseArgs a, XdrWriter w)
    {
        var status = FindOpen(ctx, a.StateId, out var open);
        if (status != NfsStat4.Ok || (status = Sequence(ctx, open.Owner, a.SeqId)) != NfsStat4.Ok || ctx.Replay is not null)
        {
            return status;
        }

        var locks = State.Locks.Where(l => l.Value.Open == open).ToList();
        if (locks.Any(l => l.Value.Ranges.Count > 0))
        {
            return NfsStat4.LocksHeld;
        }

        foreach (var (key, _) in locks)
        {
            State.Locks.Remove(key);
        }

        State.Opens.Remove((open.StateId.Other0, open.StateId.Other1));
        (open.StateId with { SeqId = open.StateId.SeqId + 1 }).Encode(w);
        return NfsStat4.Ok;
    }

    private NfsStat4 Lock(FakeCompoundContext ctx, LockArgs a, XdrWriter w)
    {
        var status = CheckRange(a.Offset, a.Length);
        FakeOpenState open = null!;
        FakeLockState? lockState = null;
        if (status == NfsStat4.Ok && a.NewLockOwner)
        {
            // open_to_lock_owner4: the open-owner's seqid sequences it (RFC 7530 §16.10.4).
            if ((status = FindOpen(ctx, a.OpenStateId, out open)) == NfsStat4.Ok && (status = State.CheckClient(a.LockOwner!.ClientId)) == NfsStat4.Ok)
            {
                status = Sequence(ctx, open.Owner, a.OpenSeqId);
            }
        }
        else if (status == NfsStat4.Ok && (status = CurrentObject(ctx, out var file)) == NfsStat4.Ok)
        {
            status = State.FindState(a.LockStateId, file, out _, out lockState);
            status = status == NfsStat4.Ok && lockState is null ? NfsStat4.BadStateId : status;
            if (status == NfsStat4.Ok)
            {
                open = lockState!.Open;
                status = Sequence(ctx, lockState.Owner, a.LockSeqId);
            }
        }

        if (status != NfsStat4.Ok || ctx.Replay is not null)
        {
            return status;
        }

        var write = a.LockType is NfsLockType4.Write or NfsLockType4.WriteW;
        if (write && (open.Access & OpenShareAccess.Write) == 0)
        {
            return NfsStat4.OpenMode;
        }

        if (a.Reclaim || State.InGrace)
        {
            // In grace only a lock the client held before the restart, reclaimed (RFC 7530 §9.6.2).
            status = !a.Reclaim ? NfsStat4.Grace : ReclaimLock(open.Owner.ClientId, open.File, new FakeLockRange(a.Offset, a.Length, write));
            if (status != NfsStat4.Ok)
            {
                return status;
            }
        }

        var owner = lockState?.Owner.Name ?? a.LockOwner!;
        if (FindConflict(open.File, FakeNfsState.KeyOf(owner), a.Offset, a.Length, write) is var (range, holder))
        {
            WriteDenied(w, range, holder);
            return NfsStat4.Denied;
        }

        if (lockState is null)
        {
            var lockOwner = State.Owners.GetValueOrDefault(FakeNfsState.KeyOf(owner)) ?? new FakeOwner { Name = owner, IsLockOwner = true, Confirmed = true };
            lockOwner.LastSeqId = a.LockSeqId;
            State.Owners[lockOwner.Key] = lockOwner;
            lockState = new FakeLockState { StateId = State.NewLockStateId(), Owner = lockOwner, Open = open };
            State.Locks[(lockState.StateId.Other0, lockState.StateId.Other1)] = lockState;
        }
        else
        {
            lockState.StateId = lockState.StateId with { SeqId = lockState.StateId.SeqId + 1 };
        }

        lockState.Ranges.Add(new FakeLockRange(a.Offset, a.Length, write));
        lockState.StateId.Encode(w);
        return NfsStat4.Ok;
    }

    private NfsStat4 ReclaimLock(ulong clientId, FakeNode file, FakeLockRange range)
    {
        if (!State.InGrace)
        {
            return NfsStat4.NoGrace;
        }

        var held = State.ReclaimableBy(clientId);
        var index = held?.Locks.FindIndex(l => l.File == file && l.Range == range) ?? -1;
        if (index < 0)
        {
            return NfsStat4.ReclaimBad;
        }

        held!.Locks.RemoveAt(index);
        return NfsStat4.Ok;
    }

    private NfsStat4 LockT(FakeCompoundContext ctx, LockTArgs a, XdrWriter w)
    {
        var status = CheckRange(a.Offset, a.Length);
        if (status == NfsStat4.Ok && (status = CurrentObject(ctx, out var file)) == NfsStat4.Ok && (status = State.CheckClient(a.Owner.ClientId)) == NfsStat4.Ok)
        {
            var write = a.LockType is NfsLockType4.Write or NfsLockType4.WriteW;
            if (FindConflict(file, FakeNfsState.KeyOf(a.Owner), a.Offset, a.Length, write) is var (range, holder))
            {
                WriteDenied(w, range, holder);
                return NfsStat4.Denied;
            }
        }

        return status;
    }

    private NfsStat4 LockU(FakeCompoundContext ctx, LockUArgs a, XdrWriter w)
    {
        var status = CheckRange(a.Offset, a.Length);
        FakeLockState? lockState = null;
        if (status == NfsStat4.Ok && (status = CurrentObject(ctx, out var file)) == NfsStat4.Ok)
        {
            status = State.FindState(a.StateId, file, out _, out lockState);
            status = status == NfsStat4.Ok && lockState is null ? NfsStat4.BadStateId : status;
        }

        if (status != NfsStat4.Ok || (status = Sequence(ctx, lockState!.Owner, a.SeqId)) != NfsStat4.Ok || ctx.Replay is not null)
        {
            return status;
        }

        // Unlocking a range takes it out of every lock of the owner that overlaps it.
        var unlocked = new FakeLockRange(a.Offset, a.Length, false);
        var kept = new List<FakeLockRange>();
        foreach (var range in lockState.Ranges)
        {
            if (!range.Overlaps(a.Offset, a.Length))
            {
                kept.Add(range);
                continue;
            }

            if (range.Offset < unlocked.Offset)
            {
                kept.Add(range with { Length = unlocked.Offset - range.Offset });
            }

            if (range.End > unlocked.End)
            {
                kept.Add(range with { Offset = unlocked.End, Length = range.Length == ulong.MaxValue ? ulong.MaxValue : range.End - unlocked.End });
            }
        }

        lockState.Ranges.Clear();
        lockState.Ranges.AddRange(kept);
        lockState.StateId = lockState.StateId with { SeqId = lockState.StateId.SeqId + 1 };
        lockState.StateId.Encode(w);
        return NfsStat4.Ok;
    }

    private NfsStat4 ReleaseLockOwner(ReleaseLockOwnerArgs a)
    {
        var key = FakeNfsState.KeyOf(a.LockOwner);
        var states = State.Locks.Where(l => l.Value.Owner.Key == key).ToList();
        if (states.Any(l => l.Value.Ranges.Count > 0))
        {
            return NfsStat4.LocksHeld;
        }

        foreach (var (stateKey, _) in states)
        {
            State.Locks.Remove(stateKey);
        }

        State.Owners.Remove(key);
        return NfsStat4.Ok;
    }

    /// <summary>RFC 7530 §16.10.4: a zero length, or a range past 2^64 - 1, is NFS4ERR_INVAL.</summary>
    private static NfsStat4 CheckRange(ulong offset, ulong length) =>
        length == 0 || (length != ulong.MaxValue && ulong.MaxValue - offset < length) ? NfsStat4.Inval : NfsStat4.Ok;

    /// <summary>A lock of another owner on the file that a lock of this range and type would conflict with.</summary>
    private (FakeLockRange Range, StateOwner4 Holder)? FindConflict(FakeNode file, string ownerKey, ulong offset, ulong length, bool write)
    {
        foreach (var state in State.Locks.Values.Where(l => l.Open.File == file && l.Owner.Key != ownerKey))
        {
            foreach (var range in state.Ranges)
            {
                if ((write || range.Write) && range.Overlaps(offset, length))
                {
                    return (range, state.Owner.Name);
                }
            }
        }

        return null;
    }
}
