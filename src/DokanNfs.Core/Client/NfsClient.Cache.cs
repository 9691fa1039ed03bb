using System.Collections.Concurrent;
using DokanNfs.Core.Client.Cache;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

// The attribute cache, the directory-entry cache and the negative-lookup cache (issue 9 §2), and where our own calls
// keep them true: a warm stat costs no round trip, and what we change ourselves is never served stale.
public sealed partial class NfsClient
{
    private readonly ConcurrentDictionary<NfsFh, int> _writeOpens = new();
    private AttributeCache? _attributeCache;
    private NameCache? _nameCache;

    /// <summary>Attributes of the stat set per object (acregmin … acdirmax); the hook for "delegation held → serve from cache".</summary>
    internal AttributeCache AttributeCache => _attributeCache ??= new AttributeCache(
        _options.AcRegMin, _options.AcRegMax, _options.AcDirMin, _options.AcDirMax, _options.AttributeCacheCapacity);

    /// <summary>Names looked up, positive and negative, per principal, revalidated by their directory's change attribute.</summary>
    internal NameCache NameCache => _nameCache ??= new NameCache(_options.AttributeCacheCapacity);

    /// <summary>
    /// The node at <paramref name="path"/> (normalized) from the caches alone, or false. A name cached as absent
    /// throws NFS4ERR_NOENT as the LOOKUP would. A file we have open for writing is never served from the cache: its
    /// size and times move with every WRITE.
    /// </summary>
    private bool TryResolveCached(RpcCredential credential, string path, out NfsNode node)
    {
        node = null!;
        var attributes = AttributeCache;
        if (!attributes.Enabled || !NameCache.TryResolve(credential, path, attributes, Handles, out var fh))
        {
            return false;
        }

        if (fh is null)
        {
            throw new NfsException(NfsStat4.NoEnt, NfsOpnum4.Lookup, path);
        }

        if (!_writeOpens.IsEmpty && _writeOpens.ContainsKey(fh))
        {
            return false;
        }

        if (!attributes.TryGet(fh, out var cached))
        {
            return false;
        }

        node = string.Equals(cached.Path, path, StringComparison.Ordinal) ? cached : new NfsNode(path, fh, cached.Attributes);
        return true;
    }

    /// <summary>
    /// The directory of <paramref name="path"/> and what the name refers to, from the caches, for an OPEN that may create
    /// (its replay-log entry records the versions it is based on; an OPEN's outcome is never left unknown, so they are
    /// informational there): the directory's handle and its last attributes, and the name's entry if one is cached.
    /// Null when the directory is not cached: the caller walks (<see cref="ResolveNameAsync"/>).
    /// </summary>
    private NameResolution? TryResolveNameCached(string path)
    {
        if (_attributeCache is not { Enabled: true } attributes || _replayLog.UnknownCount != 0)
        {
            return null;
        }

        var components = NfsPath.Split(path);
        if (components.Length == 0)
        {
            return null;
        }

        var credential = CallerCredential;
        var normalized = NfsPath.Join(components);
        var parentPath = NfsPath.Join(components[..^1]);
        if (!NameCache.TryResolve(credential, parentPath, attributes, Handles, out var directory) || directory is null
            || !attributes.TryGetAny(directory, out var directoryNode, out _) || !directoryNode.IsDirectory)
        {
            return null;
        }

        var parent = string.Equals(directoryNode.Path, parentPath, StringComparison.Ordinal) ? directoryNode : new NfsNode(parentPath, directory, directoryNode.Attributes);
        NfsNode? child = null;
        var status = NotLookedUp;
        if (NameCache.TryResolve(credential, normalized, attributes, Handles, out var fh))
        {
            if (fh is null)
            {
                status = NfsStat4.NoEnt;
            }
            else if (attributes.TryGet(fh, out var node))
            {
                child = new NfsNode(normalized, fh, node.Attributes);
                status = NfsStat4.Ok;
            }
        }

        return new NameResolution(parent, components[^1], normalized, child, status);
    }

    /// <summary>
    /// For a REMOVE of <paramref name="path"/> without a walk: the cached directory (as <see cref="TryResolveNameCached"/>)
    /// and the object the name last named there with its last attributes, fresh or not — the REMOVE VERIFYs that object's
    /// fileid at the name, so the server checks what the cache cannot. Null when any of it is not cached, the name is known
    /// absent, or the object is open for writing here (its cached version would not be its own last one): then a walk.
    /// </summary>
    private NameResolution? TryResolveRemoveHint(string path)
    {
        if (TryResolveNameCached(path) is not { } cached || cached.DirectoryVersion is null || cached.ChildStatus == NfsStat4.NoEnt)
        {
            return null;
        }

        if (cached.ChildStatus == NfsStat4.Ok)
        {
            return cached.ChildVersion is null || IsOpenForWriting(cached.Child!.FileHandle) ? null : cached;
        }

        if (!NameCache.TryGetHint(CallerCredential, cached.Path, cached.Parent.FileHandle, out var fh) || IsOpenForWriting(fh)
            || !AttributeCache.TryGetAny(fh, out var node, out _) || ObjectVersion.Of(node.Attributes, fh) is null)
        {
            return null;
        }

        return cached with { Child = new NfsNode(cached.Path, fh, node.Attributes), ChildStatus = NfsStat4.Ok };
    }

    /// <summary>A name not looked up: neither free nor known (<see cref="NameResolution.ChildStatus"/>: anything but OK and NOENT).</summary>
    private const NfsStat4 NotLookedUp = NfsStat4.Delay;

    /// <summary>
    /// What one walk learned: the attributes of the object (when the stat set was asked for) and of its directory (when
    /// the walk fetched them), and each name walked, in the directory before it.
    /// </summary>
    private void CacheWalk(RpcCredential credential, string[] components, NfsFh? start, int skip, NfsFh[] handles, NfsNode? node, NfsNode? parent)
    {
        var attributes = AttributeCache;
        if (!attributes.Enabled)
        {
            return;
        }

        if (parent is not null)
        {
            attributes.Put(parent);
        }

        if (node is not null)
        {
            attributes.Put(node);
        }

        var walked = components.Length - skip;
        if (walked == 0)
        {
            if (start is null)
            {
                NameCache.AddRoot(credential, handles[0]);
            }

            return;
        }

        // A name is recorded only in a directory whose attributes are cached (its generation is what the entry keeps);
        // the others are passed through, and resolutions cross them by the walk-start handles (FileHandleCache).
        var directory = start ?? RootHandle(credential);
        for (var i = 0; i < walked; i++)
        {
            if (directory is not null && (i == walked - 1 || attributes.TryGetGeneration(directory, out _, out _)))
            {
                NameCache.Add(credential, NfsPath.Join(components[..(skip + i + 1)]), handles[i], directory, attributes);
            }

            directory = handles[i];
        }
    }

    /// <summary>A name found absent in <paramref name="directory"/> (the LOOKUP of the walk's last component failed with NFS4ERR_NOENT).</summary>
    private void CacheAbsent(RpcCredential credential, string path, NfsFh directory) =>
        NameCache.Add(credential, path, null, directory, AttributeCache);

    private NfsFh? RootHandle(RpcCredential credential) =>
        NameCache.TryResolve(credential, "/", AttributeCache, out var root) ? root : null;

    /// <summary>
    /// Our own call changed the names in <paramref name="directory"/>: <paramref name="path"/> is forgotten (and with it
    /// everything below), the directory's attributes expire, and the names looked up in it stay valid when the change is
    /// all ours (<see cref="AttributeCache.OwnChange"/>).
    /// </summary>
    internal void NoteNameChanged(string path, NfsFh? directory, ChangeInfo4? change, NfsFh? target = null)
    {
        if (_attributeCache is null)
        {
            return;
        }

        NameCache.Remove(path);
        AttributeCache.Invalidate(target);
        if (directory is not null)
        {
            if (change is { } info)
            {
                AttributeCache.OwnChange(directory, info);
            }
            else
            {
                AttributeCache.Invalidate(directory);
            }
        }
    }

    /// <summary>An OPEN's GETATTR is the close-to-open revalidation: the attributes are fresh, and a write open keeps the file out of the cache until closed.</summary>
    internal void NoteOpened(NfsOpenFile file, NfsFh directory, RpcCredential credential)
    {
        if ((file.Access & OpenShareAccess.Write) != 0)
        {
            _writeOpens.AddOrUpdate(file.FileHandle, 1, static (_, n) => n + 1);

            // Our own writes are not in the data kept under a read delegation (NfsClient.DelegatedData.cs).
            _delegatedData?.Drop(file.FileHandle);
        }

        var attributes = AttributeCache;
        if (attributes.Enabled)
        {
            attributes.Put(new NfsNode(file.Path, file.FileHandle, file.Attributes));
            NameCache.Add(credential, file.Path, file.FileHandle, directory, attributes);
        }
    }

    /// <summary>
    /// How many write-behind WRITEs of this client's handles are in flight. Read before a stat by path asks the server:
    /// its answer may predate WRITEs that were under way then even if they are all answered by the time it arrives.
    /// </summary>
    internal long WritesBehindInFlight => Volatile.Read(ref _writesBehindInFlight);

    private long _writesBehindInFlight;

    internal void NoteWriteBehindStarted() => Interlocked.Increment(ref _writesBehindInFlight);

    internal void NoteWriteBehindFinished() => Interlocked.Decrement(ref _writesBehindInFlight);

    /// <summary>Whether this client has <paramref name="fileHandle"/> open for writing.</summary>
    internal bool IsOpenForWriting(NfsFh fileHandle) => !_writeOpens.IsEmpty && _writeOpens.TryGetValue(fileHandle, out var n) && n > 0;

    /// <summary>
    /// Waits for the WRITEs still in flight (write-behind) of every handle of ours open for writing on
    /// <paramref name="fileHandle"/>; true when there were any, so attributes asked before them are out of date. A
    /// failed WRITE is left for its handle to report. No allocation unless the file is open for writing here.
    /// </summary>
    private async ValueTask<bool> WaitForWritesBehindAsync(NfsFh fileHandle, CancellationToken cancellationToken)
    {
        if (!IsOpenForWriting(fileHandle))
        {
            return false;
        }

        var waited = false;
        foreach (var file in _openFiles.Keys)
        {
            if (file.HasWritesInFlight && file.FileHandle == fileHandle)
            {
                await file.WaitForWritesAsync(cancellationToken).ConfigureAwait(false);
                waited = true;
            }
        }

        return waited;
    }

    /// <summary>
    /// Waits for the WRITEs still in flight (write-behind) of our handles open for writing on files directly in
    /// <paramref name="directoryPath"/> (by the path each was opened by), so a listing's sizes include them. A failed
    /// WRITE is left for its handle to report. No allocation unless something is open for writing here.
    /// </summary>
    private async ValueTask WaitForWritesBehindInAsync(string directoryPath, CancellationToken cancellationToken)
    {
        if (_writeOpens.IsEmpty)
        {
            return;
        }

        foreach (var file in _openFiles.Keys)
        {
            if (file.HasWritesInFlight && IsDirectlyIn(file.Path, directoryPath))
            {
                await file.WaitForWritesAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether the normalized <paramref name="path"/> names an entry of the normalized <paramref name="directory"/>.</summary>
    private static bool IsDirectlyIn(string path, string directory)
    {
        var prefix = directory.Length == 1 ? 1 : directory.Length + 1; // "/" or "/dir" + "/"
        return path.Length > prefix
            && path.StartsWith(directory, StringComparison.Ordinal)
            && path[prefix - 1] == '/'
            && path.IndexOf('/', prefix) < 0;
    }

    /// <summary>
    /// A close forgets the file's attributes (close-to-open: the next open or stat after it asks the server), unless a
    /// read delegation is held on it (then no other client can have changed it, RFC 8881 §10.4.1), or the CLOSE's own
    /// COMPOUND fetched them after the close (<paramref name="afterClose"/>): those are what the next stat would ask
    /// the server for, so they are cached — as long as no other handle of ours still writes to the file.
    /// </summary>
    internal void NoteClosed(NfsOpenFile file, NfsAttributes? afterClose = null)
    {
        var fh = file.FileHandle;
        var stillWritten = false;
        if ((file.Access & OpenShareAccess.Write) != 0)
        {
            var left = _writeOpens.AddOrUpdate(fh, 0, static (_, n) => n - 1);
            if (left <= 0)
            {
                _writeOpens.TryRemove(new KeyValuePair<NfsFh, int>(fh, 0));
            }

            stillWritten = left > 0;
        }

        if (afterClose is not null && !stillWritten && _attributeCache is { Enabled: true } attributes)
        {
            attributes.Put(new NfsNode(file.Path, fh, afterClose));
        }
        else if (!_delegations.TryGetDelegation(fh, out var type) || type != OpenDelegationType4.Read)
        {
            _attributeCache?.Invalidate(fh);
        }
    }

    /// <summary>
    /// NFS4ERR_MOVED from a call on a handle that came from a cache (READDIR, OPEN): the caches are dropped and a walk to
    /// <paramref name="path"/> finds and describes the move (<see cref="NfsMovedException"/>); if the walk does not meet
    /// it, the original error stands.
    /// </summary>
    private async ValueTask<Exception> DescribeMovedAsync(NfsException moved, string path, CancellationToken cancellationToken)
    {
        Handles.Clear();
        DropMetadataCaches();
        try
        {
            await ResolveAsync(path, AttributeRequests.Stat, useCache: false, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsMovedException described)
        {
            return described;
        }

        return moved;
    }

    /// <summary>Everything cached about names and attributes is dropped (a server restart, an expired lease, stale handles).</summary>
    internal void DropMetadataCaches()
    {
        _attributeCache?.Clear();
        _nameCache?.Clear();
    }
}
