using System.Collections.Concurrent;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// Directory filehandles by path, each for a short time, so a walk to a deep path starts from the
/// deepest directory already known instead of the root. Entries under a path are dropped when that path is
/// removed or renamed by us, and all of them when the server says a handle expired or went stale.
/// </summary>
internal sealed class FileHandleCache(TimeSpan lifetime)
{
    private readonly ConcurrentDictionary<string, (NfsFh Fh, long ExpiresTicks)> _entries = new(StringComparer.Ordinal);

    public void Add(string path, NfsFh fh)
    {
        if (lifetime > TimeSpan.Zero)
        {
            _entries[path] = (fh, Environment.TickCount64 + (long)lifetime.TotalMilliseconds);
        }
    }

    /// <summary>The deepest cached directory among the prefixes of <paramref name="components"/>, and how many components it covers.</summary>
    public (NfsFh? Fh, int Count) FindDeepest(string[] components)
    {
        // Every prefix is a leading slice of the whole path: probe them as spans, deepest first, without
        // building a string per prefix.
        var path = NfsPath.Join(components);
        var lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
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

                _entries.TryRemove(new KeyValuePair<string, (NfsFh, long)>(path[..end], entry));
            }

            end -= components[n - 1].Length + 1;
        }

        return (null, 0);
    }

    public void InvalidateAtOrBelow(string path)
    {
        foreach (var key in _entries.Keys)
        {
            if (NfsPath.IsAtOrBelow(key, path))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    public void Clear() => _entries.Clear();
}
