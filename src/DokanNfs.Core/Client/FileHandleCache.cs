using System.Collections.Concurrent;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

/// <summary>
/// Directory filehandles by path, each for a short time, so a walk to a deep path starts from the
/// deepest directory already known instead of the root. Entries under a path are dropped when that path is
/// removed or renamed by us, and all of them when the server says a handle expired or went stale.
/// </summary>
/// <remarks>
/// Kept per principal: a walk that starts from a cached handle skips the LOOKUPs above it, and with them the
/// server's check that this user may search those directories (RFC 7530 §16.13: LOOKUP needs search
/// permission). A handle one user's walk found is therefore only reused for that user's walks.
/// </remarks>
internal sealed class FileHandleCache(TimeSpan lifetime)
{
    private readonly ConcurrentDictionary<RpcCredential, ConcurrentDictionary<string, (NfsFh Fh, long ExpiresTicks)>> _byPrincipal = new(PrincipalComparer.Instance);

    public void Add(RpcCredential credential, string path, NfsFh fh)
    {
        if (lifetime > TimeSpan.Zero)
        {
            var entries = _byPrincipal.GetOrAdd(credential, static _ => new ConcurrentDictionary<string, (NfsFh, long)>(StringComparer.Ordinal));
            entries[path] = (fh, Environment.TickCount64 + (long)lifetime.TotalMilliseconds);
        }
    }

    /// <summary>
    /// The deepest directory among the prefixes of <paramref name="components"/> cached for
    /// <paramref name="credential"/>, and how many components it covers.
    /// </summary>
    public (NfsFh? Fh, int Count) FindDeepest(RpcCredential credential, string[] components)
    {
        if (!_byPrincipal.TryGetValue(credential, out var entries))
        {
            return (null, 0);
        }

        // Every prefix is a leading slice of the whole path: probe them as spans, deepest first, without
        // building a string per prefix.
        var path = NfsPath.Join(components);
        var lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        var now = Environment.TickCount64;
        var end = path.Length;
        for (var n = components.Length; n > 0; n--)
        {
            if (lookup.TryGetValue(path.AsSpan(0, end), out var entry))
            {
                if (entry.ExpiresTicks > now)
                {
                    return (entry.Fh, n);
                }

                entries.TryRemove(new KeyValuePair<string, (NfsFh, long)>(path[..end], entry));
            }

            end -= components[n - 1].Length + 1;
        }

        return (null, 0);
    }

    /// <summary>
    /// Told of every invalidation (the path, "/" for <see cref="Clear"/>): our own namespace changes, which other
    /// path-keyed state (delegations found by path, NfsClient.Delegations) must forget too.
    /// </summary>
    public Action<string>? OnInvalidated { get; set; }

    /// <summary>The directory cached at exactly <paramref name="path"/> for <paramref name="credential"/>, while it lasts; allocates nothing.</summary>
    public bool TryGet(RpcCredential credential, ReadOnlySpan<char> path, out NfsFh fh)
    {
        if (_byPrincipal.TryGetValue(credential, out var entries)
            && entries.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(path, out var entry)
            && entry.ExpiresTicks > Environment.TickCount64)
        {
            fh = entry.Fh;
            return true;
        }

        fh = null!;
        return false;
    }

    /// <summary>Drops <paramref name="path"/> and everything below it, for every principal.</summary>
    public void InvalidateAtOrBelow(string path)
    {
        OnInvalidated?.Invoke(path);
        foreach (var entries in _byPrincipal.Values)
        {
            foreach (var key in entries.Keys)
            {
                if (NfsPath.IsAtOrBelow(key, path))
                {
                    entries.TryRemove(key, out _);
                }
            }
        }
    }

    public void Clear()
    {
        OnInvalidated?.Invoke("/");
        foreach (var entries in _byPrincipal.Values)
        {
            entries.Clear();
        }
    }
}
