using System.Collections.Concurrent;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client.Cache;

/// <summary>
/// The directory-entry cache: what each path's last component referred to when it was looked up (a filehandle), or
/// that it referred to nothing (a negative entry), each bound to the generation of its directory's entry in the
/// <see cref="AttributeCache"/>. A path resolves from here only when every component's entry does and every directory
/// on the way is fresh in the attribute cache with the same generation — that is, its change attribute has not moved
/// except by our own calls since the name was looked up (RFC 7530 §5.8.1.4: change moves whenever the directory's
/// entries do). So a path costs no round trip while its directories are fresh, and a directory changed by another
/// client invalidates every name in it at once, when its attributes are next fetched.
/// </summary>
/// <remarks>
/// Kept per principal, as <see cref="FileHandleCache"/>: a lookup is a permission check (RFC 7530 §16.13). Bounded:
/// a principal's entries are dropped together once they exceed the capacity.
/// </remarks>
internal sealed class NameCache(int capacity = 65536)
{
    private readonly ConcurrentDictionary<RpcCredential, ConcurrentDictionary<string, Entry>> _byPrincipal = new(PrincipalComparer.Instance);

    /// <summary>
    /// Resolves <paramref name="path"/> (normalized) from the cache: true with the object's handle, or with null when
    /// the cache knows that a component does not exist; false when something on the way must be asked of the server.
    /// </summary>
    public bool TryResolve(RpcCredential credential, string path, AttributeCache attributes, out NfsFh? fileHandle) =>
        TryResolve(credential, path, attributes, null, out fileHandle);

    /// <summary>
    /// As <see cref="TryResolve(RpcCredential, string, AttributeCache, out NfsFh?)"/>; a prefix without an entry here may
    /// be a directory whose handle <paramref name="walkStarts"/> holds (the handles path walks start from, trusted as the
    /// walks trust them), and the resolution goes on from it.
    /// </summary>
    public bool TryResolve(RpcCredential credential, string path, AttributeCache attributes, FileHandleCache? walkStarts, out NfsFh? fileHandle)
    {
        fileHandle = null;
        if (!_byPrincipal.TryGetValue(credential, out var entries))
        {
            return false;
        }

        var lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        if (path.Length <= 1)
        {
            if (lookup.TryGetValue("/", out var root) && root.FileHandle is { } rootFh && attributes.TryGetGeneration(rootFh, out _, out var rootFresh) && rootFresh)
            {
                fileHandle = rootFh;
                return true;
            }

            return false;
        }

        // Every prefix "/a", "/a/b", … as a span of the path, shortest first: each must be known in the directory the
        // previous one named, and that directory must be fresh and unchanged by others since.
        NfsFh? parent = null;
        var end = 0;
        while (end < path.Length)
        {
            end = path.IndexOf('/', end + 1);
            if (end < 0)
            {
                end = path.Length;
            }

            var prefix = path.AsSpan(0, end);
            if (!lookup.TryGetValue(prefix, out var entry)
                || (parent is not null && !entry.Directory.Equals(parent))
                || !attributes.TryGetGeneration(entry.Directory, out var generation, out var fresh)
                || !fresh
                || generation != entry.DirectoryGeneration)
            {
                if (walkStarts is null || !walkStarts.TryGet(credential, prefix, out var start))
                {
                    return false;
                }

                parent = start;
                continue;
            }

            if (entry.FileHandle is null)
            {
                // A name that does not exist: neither does anything below it.
                return true;
            }

            parent = entry.FileHandle;
        }

        fileHandle = parent;
        return true;
    }

    /// <summary>
    /// Records that <paramref name="path"/> named <paramref name="fileHandle"/> (null: nothing) in
    /// <paramref name="directory"/>, as of the directory's current generation in <paramref name="attributes"/> —
    /// nothing is recorded while the directory's attributes are not cached, as there is nothing to revalidate it by.
    /// </summary>
    public void Add(RpcCredential credential, string path, NfsFh? fileHandle, NfsFh directory, AttributeCache attributes)
    {
        if (!attributes.Enabled || !attributes.TryGetGeneration(directory, out var generation, out _))
        {
            return;
        }

        var entries = Entries(credential);
        entries[path] = new Entry(fileHandle, directory, generation);
    }

    /// <summary>
    /// What <paramref name="path"/> (normalized) last named in <paramref name="directory"/>, however old: not a
    /// resolution (the directory may have changed since) but a hint for a call that has the server check it — a REMOVE
    /// that VERIFYs the object's fileid at the name before removing it.
    /// </summary>
    public bool TryGetHint(RpcCredential credential, string path, NfsFh directory, out NfsFh fileHandle)
    {
        if (_byPrincipal.TryGetValue(credential, out var entries) && entries.TryGetValue(path, out var entry)
            && entry.FileHandle is { } found && entry.Directory.Equals(directory))
        {
            fileHandle = found;
            return true;
        }

        fileHandle = null!;
        return false;
    }

    /// <summary>Records the root's handle (the object PUTROOTFH names; it has no directory).</summary>
    public void AddRoot(RpcCredential credential, NfsFh root) => Entries(credential)["/"] = new Entry(root, root, 0);

    /// <summary>Forgets what <paramref name="path"/> names, for every principal (everything below it goes with it, as a resolution passes through it).</summary>
    public void Remove(string path)
    {
        foreach (var entries in _byPrincipal.Values)
        {
            entries.TryRemove(path, out _);
        }
    }

    public void Clear()
    {
        foreach (var entries in _byPrincipal.Values)
        {
            entries.Clear();
        }
    }

    private ConcurrentDictionary<string, Entry> Entries(RpcCredential credential)
    {
        var entries = _byPrincipal.GetOrAdd(credential, static _ => new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal));
        if (entries.Count >= capacity)
        {
            entries.Clear();
        }

        return entries;
    }

    private sealed record Entry(NfsFh? FileHandle, NfsFh Directory, long DirectoryGeneration);
}
