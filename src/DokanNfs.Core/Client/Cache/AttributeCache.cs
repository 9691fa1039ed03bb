using System.Collections.Concurrent;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Cache;

/// <summary>
/// The attributes of the standard stat set (<see cref="AttributeRequests.Stat"/>) per NFS object, keyed by
/// filehandle, each trusted for a while without asking the server — the Linux client's attribute cache and its
/// acregmin/acregmax/acdirmin/acdirmax mount options (nfs(5)). A file is first trusted for a tenth of the time since
/// it was last modified, within acregmin..acregmax (<see cref="AgeTrustMs"/>); an object whose change attribute did not
/// move since it was last fetched is trusted twice as long as before, up to the maximum; one that changed starts again
/// at the minimum (its modify time is then new). Close-to-open consistency comes from the callers: every OPEN's GETATTR
/// is a fresh fetch (<see cref="Put"/>) and a close forgets the file (<see cref="Invalidate"/>), so the next stat after
/// a close asks the server.
/// </summary>
/// <remarks>
/// Bounded: past <see cref="Capacity"/> entries the least recently used quarter is dropped. A hit allocates nothing
/// (it stamps the entry's last use). An entry marked with <see cref="Hold"/> (a delegation: RFC 7530 §10.4 — no other
/// client can change the file while we hold it) does not expire until <see cref="Release"/> or an invalidation.
/// </remarks>
internal sealed class AttributeCache
{
    private readonly ConcurrentDictionary<NfsFh, Entry> _entries = new();
    private readonly long _regularMin;
    private readonly long _regularMax;
    private readonly long _directoryMin;
    private readonly long _directoryMax;
    private int _trimming;
    private long _generations;

    /// <summary>A cache with the given timeouts (all zero: nothing is ever served from it, as Linux's noac).</summary>
    public AttributeCache(TimeSpan regularMin, TimeSpan regularMax, TimeSpan directoryMin, TimeSpan directoryMax, int capacity = 65536)
    {
        _regularMin = Ms(regularMin);
        _regularMax = Math.Max(_regularMin, Ms(regularMax));
        _directoryMin = Ms(directoryMin);
        _directoryMax = Math.Max(_directoryMin, Ms(directoryMax));
        Capacity = Math.Max(16, capacity);
    }

    /// <summary>False when every timeout is zero (noac): <see cref="TryGet"/> then always misses.</summary>
    public bool Enabled => _regularMax > 0 || _directoryMax > 0;

    public int Capacity { get; }

    public int Count => _entries.Count;

    /// <summary>The cached node of <paramref name="fileHandle"/> while it is fresh (or held).</summary>
    public bool TryGet(NfsFh fileHandle, out NfsNode node)
    {
        if (_entries.TryGetValue(fileHandle, out var entry) && (entry.Held || entry.ExpiresTicks > Environment.TickCount64))
        {
            entry.LastUsedTicks = Environment.TickCount64;
            node = entry.Node;
            return true;
        }

        node = null!;
        return false;
    }

    /// <summary>The attributes last fetched for <paramref name="fileHandle"/>, fresh or not (its change attribute is what name entries compare).</summary>
    internal bool TryGetAny(NfsFh fileHandle, out NfsNode node, out bool fresh)
    {
        if (_entries.TryGetValue(fileHandle, out var entry))
        {
            node = entry.Node;
            fresh = entry.Held || entry.ExpiresTicks > Environment.TickCount64;
            return true;
        }

        node = null!;
        fresh = false;
        return false;
    }

    /// <summary>
    /// Attributes just fetched from the server (a GETATTR of the stat set in any COMPOUND). Attributes without a type
    /// or change attribute are not cached: without the change there is nothing to revalidate them by.
    /// </summary>
    public void Put(NfsNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!Enabled || node.Attributes.Type is not { } type || node.Attributes.Change is not { } change)
        {
            return;
        }

        var (min, max) = type == NfsFtype4.Dir ? (_directoryMin, _directoryMax) : (_regularMin, _regularMax);
        var timeout = type == NfsFtype4.Dir ? min : AgeTrustMs(node.Attributes, min, max);
        var held = false;
        long generation;
        if (_entries.TryGetValue(node.FileHandle, out var old) && (old.Node.Attributes.Change == change || old.ExpectedChange == change))
        {
            // Unchanged since the last fetch, or changed only by our own call (OwnChange): what was looked up in it
            // still holds, so its generation stays. Unchanged: trust it longer (nfs(5): doubles up to acXXXmax).
            held = old.Held;
            generation = old.Generation;
            if (old.Node.Attributes.Change == change)
            {
                timeout = Math.Clamp(Math.Max(old.TimeoutMs * 2, timeout), min, max);
            }
        }
        else
        {
            held = old?.Held ?? false;
            generation = Interlocked.Increment(ref _generations);
        }

        var now = Environment.TickCount64;
        _entries[node.FileHandle] = new Entry(node, now + timeout, timeout, held, generation, change) { LastUsedTicks = now };
        if (_entries.Count > Capacity)
        {
            Trim();
        }
    }

    /// <summary>
    /// How long a file's attributes are first trusted: a tenth of the time since it was last modified, within
    /// <paramref name="min"/>..<paramref name="max"/> — the BSD clients' heuristic (FreeBSD's ncl_getattrcache): a file left
    /// alone for an hour is unlikely to change in the next minute, while one modified a second ago may well change again.
    /// The minimum without a modify time, or with one not in the past (the server's clock ahead of ours).
    /// </summary>
    private static long AgeTrustMs(NfsAttributes attributes, long min, long max)
    {
        if (attributes.TimeModify is not { } modified)
        {
            return min;
        }

        // In doubles: a hostile or broken time_modify (say, long.MinValue seconds) must not overflow.
        var ageSeconds = (double)DateTimeOffset.UtcNow.ToUnixTimeSeconds() - modified.Seconds;
        var trustMs = ageSeconds * 1000 / 10;
        return trustMs <= min ? min : trustMs >= max ? max : (long)trustMs;
    }

    /// <summary>
    /// The generation of directory <paramref name="directory"/>'s entry: it moves whenever the directory's change attribute
    /// is seen to move by anything but our own calls, and a name looked up in it is trusted only while it stays the same.
    /// </summary>
    public bool TryGetGeneration(NfsFh directory, out long generation, out bool fresh)
    {
        if (_entries.TryGetValue(directory, out var entry))
        {
            generation = entry.Generation;
            fresh = entry.Held || entry.ExpiresTicks > Environment.TickCount64;
            return true;
        }

        generation = 0;
        fresh = false;
        return false;
    }

    /// <summary>
    /// Our own call changed <paramref name="directory"/> (its change_info4, RFC 7530 §3.3.11). When the change is atomic
    /// and starts where our cached attributes were, the names we looked up in it still hold — the directory's other
    /// attributes moved, so its entry expires now, but its next fetch keeps the generation if it shows the change after.
    /// Anything else (not atomic, or another client changed it in between) gives the directory a new generation: the names
    /// looked up in it are looked up again.
    /// </summary>
    public void OwnChange(NfsFh directory, ChangeInfo4 change)
    {
        if (!_entries.TryGetValue(directory, out var old))
        {
            return;
        }

        // Not atomic (NFS-Ganesha's are not), or not from where we were: another change may hide in it, so what was looked
        // up in the directory is no longer trusted (a new generation). The directory's handle and last attributes stay.
        var ours = change.Atomic && (old.Node.Attributes.Change == change.Before || old.ExpectedChange == change.Before);
        var generation = ours ? old.Generation : Interlocked.Increment(ref _generations);
        _entries[directory] = new Entry(old.Node, 0, old.TimeoutMs, old.Held, generation, change.After) { LastUsedTicks = old.LastUsedTicks };
    }

    /// <summary>Forgets <paramref name="fileHandle"/>: the next look at it asks the server.</summary>
    public void Invalidate(NfsFh? fileHandle)
    {
        if (fileHandle is not null)
        {
            _entries.TryRemove(fileHandle, out _);
        }
    }

    /// <summary>Keeps the entry of <paramref name="fileHandle"/> fresh until <see cref="Release"/> (a delegation is held).</summary>
    public void Hold(NfsFh fileHandle)
    {
        if (_entries.TryGetValue(fileHandle, out var entry))
        {
            entry.Held = true;
        }
    }

    /// <summary>Lets the entry of <paramref name="fileHandle"/> expire again, and expires it now.</summary>
    public void Release(NfsFh fileHandle) => Invalidate(fileHandle);

    /// <summary>Forgets everything (after a server restart or a lease expiry: what we knew may no longer hold).</summary>
    public void Clear() => _entries.Clear();

    private void Trim()
    {
        // One trimmer at a time; the others go on (the cache is briefly over its bound, never unbounded).
        if (Interlocked.Exchange(ref _trimming, 1) != 0)
        {
            return;
        }

        try
        {
            var stamps = _entries.Select(static e => e.Value.LastUsedTicks).Order().ToArray();
            if (stamps.Length <= Capacity)
            {
                return;
            }

            var cutoff = stamps[stamps.Length / 4];
            foreach (var pair in _entries)
            {
                if (pair.Value.LastUsedTicks <= cutoff && !pair.Value.Held)
                {
                    _entries.TryRemove(pair);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _trimming, 0);
        }
    }

    private static long Ms(TimeSpan time) => time <= TimeSpan.Zero ? 0 : (long)time.TotalMilliseconds;

    private sealed class Entry(NfsNode node, long expiresTicks, long timeoutMs, bool held, long generation, ulong expectedChange)
    {
        public long Generation { get; } = generation;

        /// <summary>The change attribute our own last call left the object at (or the one fetched).</summary>
        public ulong ExpectedChange { get; } = expectedChange;

        public NfsNode Node { get; } = node;

        public long ExpiresTicks { get; } = expiresTicks;

        public long TimeoutMs { get; } = timeoutMs;

        public bool Held { get; set; } = held;

        public long LastUsedTicks { get; set; }
    }
}
