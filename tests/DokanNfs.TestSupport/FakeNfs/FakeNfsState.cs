using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>A client id (RFC 7530 §16.33): confirmed once SETCLIENTID_CONFIRM names it with its confirm verifier.</summary>
internal sealed class FakeClient
{
    public required ulong ClientId { get; init; }

    public required byte[] Id { get; init; }

    public required Verifier4 Verifier { get; init; }

    /// <summary>The confirm verifier SETCLIENTID_CONFIRM must carry, until it does.</summary>
    public Verifier4? PendingConfirm { get; set; }

    public bool Confirmed { get; set; }
}

/// <summary>
/// An open-owner or lock-owner (RFC 7530 §9.1.5) with its seqid and the reply to its last seqid-bearing
/// request, which a retransmission of that request gets again (the replay cache, RFC 7530 §9.1.8).
/// </summary>
internal sealed class FakeOwner
{
    public required StateOwner4 Name { get; init; }

    public ulong ClientId => Name.ClientId;

    public string Key => FakeNfsState.KeyOf(Name);

    public required bool IsLockOwner { get; init; }

    /// <summary>An open-owner becomes confirmed with its first OPEN_CONFIRM (RFC 7530 §16.18); a lock-owner always is.</summary>
    public bool Confirmed { get; set; }

    /// <summary>The seqid of the last request that consumed one; the next must carry this plus one.</summary>
    public uint LastSeqId { get; set; }

    /// <summary>The COMPOUND reply that request got.</summary>
    public byte[]? CachedReply { get; set; }
}

/// <summary>The share reservation of one open-owner on one file, and its stateid.</summary>
internal sealed class FakeOpenState
{
    public required StateId4 StateId { get; set; }

    public required FakeOwner Owner { get; init; }

    public required FakeNode File { get; init; }

    public OpenShareAccess Access { get; set; }

    public OpenShareDeny Deny { get; set; }
}

/// <summary>One byte range lock; a length of all ones runs to the end of the file (RFC 7530 §16.10.4).</summary>
internal readonly record struct FakeLockRange(ulong Offset, ulong Length, bool Write)
{
    public ulong End => Length == ulong.MaxValue || ulong.MaxValue - Offset < Length ? ulong.MaxValue : Offset + Length;

    public bool Overlaps(ulong offset, ulong length)
    {
        var other = new FakeLockRange(offset, length, false);
        return Offset < other.End && offset < End;
    }
}

/// <summary>The locks one lock-owner holds on one file through one open.</summary>
internal sealed class FakeLockState
{
    public required StateId4 StateId { get; set; }

    public required FakeOwner Owner { get; init; }

    public required FakeOpenState Open { get; init; }

    public List<FakeLockRange> Ranges { get; } = [];
}

/// <summary>What one client (by its id string) held when the server went down: what it may reclaim in grace.</summary>
internal sealed class FakeReclaimable
{
    public List<(FakeNode File, OpenShareAccess Access, OpenShareDeny Deny)> Opens { get; } = [];

    public List<(FakeNode File, FakeLockRange Range)> Locks { get; } = [];
}

/// <summary>Client ids, owners and stateids of one server boot. Touched only with the server's lock held.</summary>
internal sealed class FakeNfsState
{
    private const uint OpenKind = 1;
    private const uint LockKind = 2;

    private uint _nextStateNumber;
    private uint _nextClientNumber;

    public FakeNfsState(uint boot) => Boot = boot;

    /// <summary>Delegations granted and not returned (FakeNfsServerOptions.GrantReadDelegations).</summary>
    public List<StateId4> Delegations { get; } = [];

    public int DelegationsReturned { get; private set; }

    /// <summary>DELEGRETURN: NFS4_OK for a delegation granted and not yet returned, NFS4ERR_BAD_STATEID otherwise.</summary>
    public NfsStat4 ReturnDelegation(StateId4 stateId)
    {
        if (Delegations.RemoveAll(d => d.SameState(stateId)) == 0)
        {
            return NfsStat4.BadStateId;
        }

        DelegationsReturned++;
        return NfsStat4.Ok;
    }

    /// <summary>Part of every client id and stateid, so those of an earlier boot are recognised as stale.</summary>
    public uint Boot { get; }

    public Dictionary<ulong, FakeClient> Clients { get; } = [];

    public Dictionary<string, FakeOwner> Owners { get; } = new(StringComparer.Ordinal);

    public Dictionary<(ulong, uint), FakeOpenState> Opens { get; } = [];

    public Dictionary<(ulong, uint), FakeLockState> Locks { get; } = [];

    /// <summary>
    /// The grace period after a restart (RFC 7530 §9.6.2): reclaims are accepted, other OPENs and LOCKs get
    /// NFS4ERR_GRACE. Outside it a reclaim gets NFS4ERR_NO_GRACE.
    /// </summary>
    public bool InGrace { get; set; }

    /// <summary>What the clients of the previous boot held, by id string (hex): the only state they may reclaim.</summary>
    public Dictionary<string, FakeReclaimable> Reclaimable { get; } = new(StringComparer.Ordinal);

    public static string IdKey(byte[] id) => Convert.ToHexString(id);

    /// <summary>
    /// The state of the next boot: empty, and with <paramref name="grace"/> in its grace period, knowing what each
    /// confirmed client of this boot held (as a server's stable storage would, RFC 7530 §9.6.3).
    /// </summary>
    public FakeNfsState NextBoot(bool grace)
    {
        var next = new FakeNfsState(Boot + 1) { InGrace = grace };
        if (!grace)
        {
            return next;
        }

        foreach (var client in Clients.Values.Where(c => c.Confirmed))
        {
            var key = IdKey(client.Id);
            if (!next.Reclaimable.TryGetValue(key, out var held))
            {
                next.Reclaimable[key] = held = new FakeReclaimable();
            }

            held.Opens.AddRange(Opens.Values.Where(o => o.Owner.ClientId == client.ClientId).Select(o => (o.File, o.Access, o.Deny)));
            held.Locks.AddRange(Locks.Values.Where(l => l.Owner.ClientId == client.ClientId).SelectMany(l => l.Ranges.Select(r => (l.Open.File, r))));
        }

        return next;
    }

    /// <summary>What the client with <paramref name="clientId"/> (of this boot) held at the previous one, if anything.</summary>
    public FakeReclaimable? ReclaimableBy(ulong clientId) =>
        Clients.TryGetValue(clientId, out var client) ? Reclaimable.GetValueOrDefault(IdKey(client.Id)) : null;

    public static string KeyOf(StateOwner4 owner) => owner.ToString();

    public ulong NewClientId() => ((ulong)Boot << 32) | ++_nextClientNumber;

    public StateId4 NewOpenStateId() => new(1, ((ulong)Boot << 32) | ++_nextStateNumber, OpenKind);

    public StateId4 NewLockStateId() => new(1, ((ulong)Boot << 32) | ++_nextStateNumber, LockKind);

    /// <summary>NFS4_OK for a confirmed client id of this boot, else NFS4ERR_STALE_CLIENTID (RFC 7530 §9.6.3).</summary>
    public NfsStat4 CheckClient(ulong clientId) =>
        Clients.TryGetValue(clientId, out var client) && client.Confirmed ? NfsStat4.Ok : NfsStat4.StaleClientId;

    /// <summary>
    /// The open or lock state a stateid names on <paramref name="file"/> (RFC 7530 §9.1.4): STALE_STATEID for
    /// another boot's, BAD_STATEID for an unknown one or one of another file, OLD_STATEID for an earlier seqid.
    /// </summary>
    public NfsStat4 FindState(StateId4 stateId, FakeNode file, out FakeOpenState? open, out FakeLockState? lockState)
    {
        open = null;
        lockState = null;
        if ((uint)(stateId.Other0 >> 32) != Boot)
        {
            return NfsStat4.StaleStateId;
        }

        StateId4 current;
        if (Opens.TryGetValue((stateId.Other0, stateId.Other1), out open))
        {
            current = open.StateId;
            if (open.File != file)
            {
                return NfsStat4.BadStateId;
            }
        }
        else if (Locks.TryGetValue((stateId.Other0, stateId.Other1), out lockState))
        {
            current = lockState.StateId;
            open = lockState.Open;
            if (open.File != file)
            {
                return NfsStat4.BadStateId;
            }
        }
        else
        {
            return NfsStat4.BadStateId;
        }

        return stateId.SeqId < current.SeqId ? NfsStat4.OldStateId
            : stateId.SeqId > current.SeqId ? NfsStat4.BadStateId
            : NfsStat4.Ok;
    }

    /// <summary>How a request's seqid relates to its owner's (RFC 7530 §9.1.7, §9.1.8).</summary>
    public static FakeSeqCheck CheckSeqId(FakeOwner owner, uint seqid)
    {
        if (seqid == owner.LastSeqId && owner.CachedReply is not null)
        {
            return FakeSeqCheck.Replay;
        }

        return seqid == unchecked(owner.LastSeqId + 1) ? FakeSeqCheck.Next : FakeSeqCheck.Bad;
    }

    /// <summary>
    /// RFC 7530 §9.1.7: every reply to a seqid-bearing request advances the owner's seqid except these, which
    /// the server returns before (or without) trusting the seqid. Written from the RFC, not from the client.
    /// </summary>
    public static bool Advances(NfsStat4 status) => status is not (
        NfsStat4.StaleClientId or NfsStat4.StaleStateId or NfsStat4.BadStateId or NfsStat4.BadSeqId or
        NfsStat4.BadXdr or NfsStat4.Resource or NfsStat4.NoFileHandle or NfsStat4.Moved);

    /// <summary>Drops a client's owners, opens and locks (a new incarnation confirmed its id, RFC 7530 §9.1.1).</summary>
    public void DropClient(ulong clientId)
    {
        Clients.Remove(clientId);
        foreach (var key in Owners.Where(o => o.Value.ClientId == clientId).Select(o => o.Key).ToList())
        {
            Owners.Remove(key);
        }

        foreach (var key in Locks.Where(l => l.Value.Owner.ClientId == clientId).Select(l => l.Key).ToList())
        {
            Locks.Remove(key);
        }

        foreach (var key in Opens.Where(o => o.Value.Owner.ClientId == clientId).Select(o => o.Key).ToList())
        {
            Opens.Remove(key);
        }
    }
}

internal enum FakeSeqCheck
{
    /// <summary>The next seqid: go ahead.</summary>
    Next,

    /// <summary>The last seqid again: answer from the replay cache.</summary>
    Replay,

    /// <summary>Anything else: NFS4ERR_BAD_SEQID.</summary>
    Bad,
}
