using System.Collections.Concurrent;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client.Delegations;

/// <summary>
/// The delegations one client holds, by filehandle (a server grants at most one per client and file). A recall that
/// arrives before the OPEN reply granting it has been read (RFC 8881 §2.10.6.3: the back channel may overtake the
/// fore channel) is remembered, and the delegation is returned as soon as it is recorded.
/// </summary>
internal sealed class DelegationTable : IDelegationView
{
    /// <summary>The most early recalls remembered; beyond it the oldest are forgotten (the server revokes those in time).</summary>
    private const int MaxEarlyRecalls = 64;

    private readonly ConcurrentDictionary<NfsFh, Delegation> _held = new();
    private readonly ConcurrentDictionary<string, Delegation> _byPath = new(StringComparer.Ordinal);
    private readonly Queue<StateId4> _earlyRecalls = new();
    private readonly Lock _lock = new();

    public event EventHandler<DelegationEndedEventArgs>? Ended;

    public int Count => _held.Count;

    public IReadOnlyCollection<Delegation> All => [.. _held.Values];

    public bool TryGetDelegation(NfsFh fileHandle, out OpenDelegationType4 type)
    {
        if (_held.TryGetValue(fileHandle, out var delegation) && !delegation.Returning)
        {
            type = delegation.Type;
            return true;
        }

        type = OpenDelegationType4.None;
        return false;
    }

    public bool TryGet(NfsFh fileHandle, out Delegation delegation) => _held.TryGetValue(fileHandle, out delegation!);

    public bool TryGetDelegatedAttributes(string path, out NfsNode node)
    {
        if (TryGetByPath(NfsPath.Normalize(path), out var delegation) && !delegation.IsWrite)
        {
            node = new NfsNode(delegation.Path, delegation.FileHandle, delegation.Attributes);
            return true;
        }

        node = null!;
        return false;
    }

    /// <summary>The delegation held on the file opened by <paramref name="path"/>, unless its return has begun.</summary>
    public bool TryGetByPath(string path, out Delegation delegation) =>
        _byPath.TryGetValue(path, out delegation!) && !delegation.Returning;

    /// <summary>
    /// Our own namespace change at or below <paramref name="path"/> (RENAME, REMOVE, a walk that found a different
    /// file): the delegations stay, but are no longer found by those names.
    /// </summary>
    public void ForgetPathsAtOrBelow(string path)
    {
        foreach (var (name, delegation) in _byPath)
        {
            if (NfsPath.IsAtOrBelow(name, path))
            {
                _byPath.TryRemove(new KeyValuePair<string, Delegation>(name, delegation));
            }
        }
    }

    /// <summary>
    /// Records a delegation an OPEN granted. The same one granted again (a later OPEN of the file) only moves its
    /// seqid on. Returns the delegation when it must be given back at once: its recall came first. A different one
    /// replacing what we held is returned too (<paramref name="replaced"/>): the server should not do that.
    /// </summary>
    public Delegation? Add(NfsFh fileHandle, string path, OpenDelegation granted, RpcCredential credential, NfsAttributes attributes, out Delegation? replaced)
    {
        replaced = null;
        var delegation = new Delegation(fileHandle, path, granted.Type, granted.StateId, credential, attributes);
        lock (_lock)
        {
            if (_held.TryGetValue(fileHandle, out var existing) && existing.Returning && existing.StateId.SameState(granted.StateId))
            {
                // Granted again while we give it back: the DELEGRETURN under way ends it; nothing new to keep.
                return null;
            }

            if (existing is not null && !existing.Returning)
            {
                if (existing.StateId.SameState(granted.StateId))
                {
                    if (granted.StateId.SeqId > existing.StateId.SeqId)
                    {
                        existing.StateId = granted.StateId;
                    }

                    if (string.Equals(path, existing.Path, StringComparison.Ordinal))
                    {
                        // Found by that name again (an OPEN just walked it).
                        _byPath[path] = existing;
                    }

                    return null;
                }

                replaced = existing;
            }

            _held[fileHandle] = delegation;
            _byPath[path] = delegation;
            if (_earlyRecalls.Count > 0 && _earlyRecalls.Any(s => s.SameState(granted.StateId)))
            {
                var kept = _earlyRecalls.Where(s => !s.SameState(granted.StateId)).ToArray();
                _earlyRecalls.Clear();
                foreach (var s in kept)
                {
                    _earlyRecalls.Enqueue(s);
                }

                return delegation;
            }
        }

        return null;
    }

    /// <summary>
    /// CB_RECALL: the delegation named, now marked returning (and <see cref="Ended"/> raised), or null when its return
    /// already started or it is not known yet (then remembered as an early recall).
    /// </summary>
    public Delegation? BeginRecall(NfsFh fileHandle, StateId4 stateId)
    {
        Delegation? found = null;
        lock (_lock)
        {
            if (_held.TryGetValue(fileHandle, out var held) && held.StateId.SameState(stateId))
            {
                found = held;
            }
            else if (!_held.Values.Any(d => d.StateId.SameState(stateId)))
            {
                if (_earlyRecalls.Count == MaxEarlyRecalls)
                {
                    _earlyRecalls.Dequeue();
                }

                _earlyRecalls.Enqueue(stateId);
                return null;
            }
            else
            {
                found = _held.Values.First(d => d.StateId.SameState(stateId));
            }
        }

        return BeginReturn(found, DelegationEndReason.Recalled) ? found : null;
    }

    /// <summary>Marks <paramref name="delegation"/> returning and raises <see cref="Ended"/>; false if it already was.</summary>
    public bool BeginReturn(Delegation delegation, DelegationEndReason reason)
    {
        if (!delegation.BeginReturn())
        {
            return false;
        }

        Ended?.Invoke(this, new DelegationEndedEventArgs(delegation.FileHandle, delegation.Type, reason));
        return true;
    }

    /// <summary>Forgets a delegation whose return is done (or failed for good).</summary>
    public void Remove(Delegation delegation)
    {
        _held.TryRemove(new KeyValuePair<NfsFh, Delegation>(delegation.FileHandle, delegation));
        _byPath.TryRemove(new KeyValuePair<string, Delegation>(delegation.Path, delegation));
    }

    /// <summary>Forgets every delegation without returning it (the server no longer knows them).</summary>
    public void DropAll()
    {
        foreach (var delegation in All)
        {
            BeginReturn(delegation, DelegationEndReason.Dropped);
            Remove(delegation);
        }

        lock (_lock)
        {
            _earlyRecalls.Clear();
        }
    }
}
