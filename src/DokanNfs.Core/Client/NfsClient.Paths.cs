using System.Runtime.CompilerServices;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    private FileHandleCache? _handles;

    private FileHandleCache Handles => _handles ??= new FileHandleCache(_options.DirectoryHandleCacheTime);

    /// <summary>The attributes of the object at <paramref name="path"/> (attributes of the standard stat set).</summary>
    public ValueTask<NfsNode> GetAttrAsync(string path, CancellationToken cancellationToken) =>
        ResolveAsync(path, AttributeRequests.Stat, cancellationToken);

    /// <summary>
    /// Walks a path in ONE COMPOUND — PUTROOTFH (or PUTFH of the deepest cached directory), then LOOKUP and
    /// GETFH per component, then GETATTR — and caches the directories it passed. A stale or expired
    /// starting handle sends the walk again from the root; NFS4ERR_MOVED becomes
    /// <see cref="NfsMovedException"/> naming the referral and its fs_locations. Cached directories are the
    /// caller's own (<see cref="FileHandleCache"/>): one user's walk never starts where another's left off.
    /// </summary>
    public ValueTask<NfsNode> ResolveAsync(string path, Bitmap4 attributes, CancellationToken cancellationToken) =>
        ResolveAsync(path, attributes, useCache: true, cancellationToken);

    /// <summary>
    /// <see cref="ResolveAsync(string, Bitmap4, CancellationToken)"/>; with <paramref name="useCache"/> a request for
    /// the stat set is answered from the attribute and directory-entry caches when they are fresh (no round trip), and
    /// a walk records what it found there. Calls that base a change on the versions they read pass false.
    /// </summary>
    // Pooled: a stat that walks would otherwise box one state machine per level of this chain (bench: allocations).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<NfsNode> ResolveAsync(string path, Bitmap4 attributes, bool useCache, CancellationToken cancellationToken)
    {
        // WRITEs under way now may be answered before the answer below arrives, and yet have reached the server after
        // it was given: whether any were in flight is taken before asking.
        var writesBefore = WritesBehindInFlight > 0;
        var node = await ResolveCoreAsync(path, attributes, useCache, cancellationToken).ConfigureAwait(false);
        if (await WaitForWritesBehindAsync(node.FileHandle, cancellationToken).ConfigureAwait(false) ||
            (writesBefore && IsOpenForWriting(node.FileHandle)))
        {
            // The answer may predate WRITEs of ours that were still in flight (write-behind): asked again after them,
            // so a stat by path never shows the size from before our own writes (NfsClient.Cache.cs).
            node = await ResolveCoreAsync(path, attributes, useCache: false, cancellationToken).ConfigureAwait(false);
        }

        return node;
    }

    // Pooled, as ResolveAsync is.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NfsNode> ResolveCoreAsync(string path, Bitmap4 attributes, bool useCache, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var cacheable = useCache && attributes == AttributeRequests.Stat && AttributeCache.Enabled;
        var credential = CallerCredential;

        // The warm path: a path already in normal form is looked up as it is, without splitting it.
        if (cacheable && NfsPath.IsNormal(path) && _replayLog.UnknownCount == 0 && TryResolveCached(credential, path, out var cached))
        {
            return cached;
        }

        var components = NfsPath.Split(path);
        var normalized = NfsPath.Join(components);

        // Nothing new is based on an object while a call that changes it has an unknown outcome (NfsClient.Replay.cs).
        await _replayLog.WaitForAsync(normalized, cancellationToken).ConfigureAwait(false);
        if (cacheable && TryResolveCached(credential, normalized, out cached))
        {
            return cached;
        }

        var (start, skip) = Handles.FindDeepest(credential, components);
        try
        {
            return await WalkAsync(normalized, components, start, skip, attributes, credential, cacheable, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (start is not null && ex.Status is NfsStat4.FhExpired or NfsStat4.Stale or NfsStat4.BadHandle)
        {
            ClientLog.FileHandleExpired(_logger, ServerName, NfsPath.Join(components[..skip]));
            Handles.Clear();
            DropMetadataCaches();
            return await WalkAsync(normalized, components, null, 0, attributes, credential, cacheable, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// LOOKUPP (RFC 7530 §16.14): the directory holding <paramref name="directory"/>, by handle alone — for a
    /// handle whose path is not known (e.g. after a rename by another client).
    /// </summary>
    public ValueTask<(NfsFh FileHandle, NfsAttributes Attributes)> LookupParentAsync(NfsFh directory, CancellationToken cancellationToken) =>
        RunAsync(
            "lookupp",
            directory,
            static (ref CompoundEncoder e, NfsFh fh) =>
            {
                e.PutFh(fh);
                e.LookupP();
                e.GetFh();
                e.GetAttr(AttributeRequests.Stat);
            },
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutFh(ref r);
                results.LookupP(ref r);
                var parent = results.GetFh(ref r);
                return (parent, results.GetAttr(ref r));
            },
            cancellationToken);

    /// <summary>The filehandle of the directory holding <paramref name="path"/>, and the last component.</summary>
    internal ValueTask<(NfsNode Parent, string Name)> ResolveParentAsync(string path, CancellationToken cancellationToken) =>
        ResolveParentAsync(path, cachedHandle: false, cancellationToken);

    /// <summary>
    /// The directory holding <paramref name="path"/>, and the last component. With <paramref name="cachedHandle"/> a
    /// directory handle cached for walks is taken as it is, without its attributes (<see cref="DirectoryOnly"/>): the
    /// caller needs only the handle (an OPEN by name), and one that went stale fails at its PUTFH, which the caller
    /// answers by walking again. Not with noac: then every OPEN walks to its directory, as before the caches.
    /// </summary>
    internal async ValueTask<(NfsNode Parent, string Name)> ResolveParentAsync(string path, bool cachedHandle, CancellationToken cancellationToken)
    {
        var (parent, name) = NfsPath.SplitLast(path);
        if (cachedHandle && AttributeCache.Enabled && NfsPath.IsNormal(parent) && _replayLog.UnknownCount == 0 && !TryResolveCached(CallerCredential, parent, out _))
        {
            var components = NfsPath.Split(parent);
            var (fh, count) = Handles.FindDeepest(CallerCredential, components);
            if (fh is not null && count == components.Length)
            {
                return (new NfsNode(parent, fh, DirectoryOnly), name);
            }
        }

        var node = await ResolveAsync(parent, AttributeRequests.Stat, useCache: true, cancellationToken).ConfigureAwait(false);
        if (!node.IsDirectory)
        {
            throw new NfsException(NfsStat4.NotDir, NfsOpnum4.Lookup, parent);
        }

        return (node, name);
    }

    /// <summary>What a cached directory handle is known to be without asking: a directory.</summary>
    private static NfsAttributes DirectoryOnly { get; } = new() { Type = NfsFtype4.Dir };

    /// <summary>
    /// The attributes a referral point answers with (fsid, rdattr_error, fs_locations, mounted_on_fileid):
    /// asking for rdattr_error lets the server describe the point instead of failing with NFS4ERR_MOVED.
    /// </summary>
    public ValueTask<NfsAttributes> GetReferralAttrAsync(string path, CancellationToken cancellationToken)
    {
        var components = NfsPath.Split(path);
        return RunAsync(
            "referral",
            components,
            static (ref CompoundEncoder e, string[] parts) =>
            {
                e.PutRootFh();
                foreach (var part in parts)
                {
                    e.Lookup(part);
                }

                e.GetAttr(AttributeRequests.Referral);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = NfsPath.Join(components);
                results.PutRootFh(ref r);
                for (var i = 0; i < components.Length; i++)
                {
                    results.Lookup(ref r);
                }

                return results.GetAttr(ref r);
            },
            cancellationToken);
    }

    /// <summary>
    /// The most LOOKUPs one walk COMPOUND carries. Servers cap the operations of a COMPOUND and refuse a
    /// longer one with NFS4ERR_RESOURCE, which does not go away on retry (NFS-Ganesha 4: 100 operations;
    /// Linux nfsd: 50), so 1 + 2 × 24 + 1 = 50 operations at most.
    /// </summary>
    internal const int MaxComponentsPerWalk = 24;

    // Pooled, as ResolveAsync is.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NfsNode> WalkAsync(string path, string[] components, NfsFh? start, int skip, Bitmap4 attributes, RpcCredential credential, bool cache, CancellationToken cancellationToken)
    {
        // Fix (found by PathResolutionTests.Path_of_sixty_components_resolves): a path of more than 48
        // components used to go out as one COMPOUND of over 100 operations, which Ganesha answers with
        // NFS4ERR_RESOURCE, and the retry loop then sent it again for the whole RetryBudget. A deep path is
        // now walked in pieces, each from the handle the previous one ended at (and cached, as any walk).
        var perWalk = ComponentsPerWalk;
        while (components.Length - skip > perWalk)
        {
            var prefix = components[..(skip + perWalk)];
            var part = await WalkOnceAsync(NfsPath.Join(prefix), prefix, start, skip, AttributeRequests.Stat, credential, cache, cancellationToken).ConfigureAwait(false);
            start = part.FileHandle;
            skip = prefix.Length;
        }

        return await WalkOnceAsync(path, components, start, skip, attributes, credential, cache, cancellationToken).ConfigureAwait(false);
    }

    // Pooled, as ResolveAsync is.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<NfsNode> WalkOnceAsync(string path, string[] components, NfsFh? start, int skip, Bitmap4 attributes, RpcCredential credential, bool cache, CancellationToken cancellationToken)
    {
        // With the caches on, the walk also fetches the attributes of the object's directory (one GETATTR more in the same
        // COMPOUND, before the last LOOKUP) unless they are fresh, so the name can be cached against the directory's change.
        // Not in a walk already as long as a COMPOUND may be (MaxComponentsPerWalk).
        var walked = components.Length - skip;
        var parentHandle = !cache || walked != 1 ? null : start ?? RootHandle(credential);
        var parentAttributes = cache && walked >= 1 && walked < ComponentsPerWalk
            && (walked > 1 || (parentHandle is not null && !(AttributeCache.TryGetGeneration(parentHandle, out _, out var fresh) && fresh)));
        var walk = new PathWalk(start, components, skip, attributes) { ParentAttributes = parentAttributes };
        try
        {
            var (fh, attrs, dirs, parentAttrs) = await RunAsync(
                "walk",
                walk,
                static (ref CompoundEncoder e, PathWalk w) => EncodeWalk(ref e, w),
                (ref XdrReader r) => DecodeWalk(ref r, walk, path),
                cancellationToken,
                credential: credential).ConfigureAwait(false);

            // Every handle but the last is a directory we walked through: remember them.
            for (var i = 0; i < dirs.Length - 1; i++)
            {
                Handles.Add(credential, NfsPath.Join(components[..(skip + i + 1)]), dirs[i]);
            }

            if (attrs.Type == NfsFtype4.Dir)
            {
                Handles.Add(credential, path, fh);
            }

            var node = new NfsNode(path, fh, attrs);
            if (cache)
            {
                var directory = walk.DecodedParentHandle ?? parentHandle;
                var parent = parentAttrs is not null && directory is not null ? new NfsNode(NfsPath.Join(components[..^1]), directory, parentAttrs) : null;
                CacheWalk(credential, components, start, skip, dirs, node, parent);
            }

            return node;
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Moved && ex is not NfsMovedException)
        {
            throw await DescribeMoveAsync(path, components, walk.ComponentAt(ex.OpIndex), ex.Operation, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (cache && ex.Status == NfsStat4.NoEnt && ex.Operation == NfsOpnum4.Lookup
            && walk.ComponentAt(ex.OpIndex) == components.Length - 1 && (walk.DecodedParentHandle ?? parentHandle) is { } directory)
        {
            // The negative-lookup cache: the name is absent from a directory whose handle we know.
            if (walk.DecodedParentAttributes is { } directoryAttributes)
            {
                AttributeCache.Put(new NfsNode(NfsPath.Join(components[..^1]), directory, directoryAttributes));
            }

            CacheAbsent(credential, path, directory);
            throw;
        }
    }

    /// <summary>
    /// A walk from its start: PUTROOTFH or PUTFH, then LOOKUP + GETFH per component (GETFH alone when there is none),
    /// then GETATTR of the last. Callers may append operations after it.
    /// </summary>
    private static void EncodeWalk(ref CompoundEncoder e, PathWalk w)
    {
        if (w.Start is null)
        {
            e.PutRootFh();
        }
        else
        {
            e.PutFh(w.Start);
        }

        for (var i = w.Skip; i < w.Components.Length; i++)
        {
            if (w.ParentAttributes && i == w.Components.Length - 1)
            {
                e.GetAttr(AttributeRequests.Stat);
            }

            e.Lookup(w.Components[i]);
            e.GetFh();
        }

        if (w.Components.Length == w.Skip)
        {
            e.GetFh();
        }

        e.GetAttr(w.Attributes);
    }

    /// <summary>The results of <see cref="EncodeWalk"/> up to its GETATTR: the handle of every component walked.</summary>
    private static NfsFh[] DecodeWalkHandles(ref CompoundResults results, ref XdrReader r, PathWalk walk) =>
        DecodeWalkHandles(ref results, ref r, walk, out _);

    private static NfsFh[] DecodeWalkHandles(ref CompoundResults results, ref XdrReader r, PathWalk walk, out NfsAttributes? parentAttributes)
    {
        parentAttributes = null;
        if (walk.Start is null)
        {
            results.PutRootFh(ref r);
        }
        else
        {
            results.PutFh(ref r);
        }

        var count = walk.Components.Length - walk.Skip;
        var handles = new NfsFh[Math.Max(count, 1)];
        for (var i = 0; i < count; i++)
        {
            if (walk.ParentAttributes && i == count - 1)
            {
                // Kept on the walk too: a LOOKUP that fails next ends the COMPOUND, and the caller still learns them.
                parentAttributes = results.GetAttr(ref r);
                walk.DecodedParentAttributes = parentAttributes;
                walk.DecodedParentHandle = i > 0 ? handles[i - 1] : walk.Start;
            }

            results.Lookup(ref r);
            handles[i] = results.GetFh(ref r);
        }

        if (count == 0)
        {
            handles[0] = results.GetFh(ref r);
        }

        return handles;
    }

    private static (NfsFh Fh, NfsAttributes Attributes, NfsFh[] Directories, NfsAttributes? Parent) DecodeWalk(ref XdrReader r, PathWalk walk, string path)
    {
        var results = CompoundResults.Begin(ref r);
        results.Path = path;
        var handles = DecodeWalkHandles(ref results, ref r, walk, out var parent);
        return (handles[^1], results.GetAttr(ref r), handles, parent);
    }

    /// <summary>Finds which component is the referral and what fs_locations it names.</summary>
    private async ValueTask<NfsMovedException> DescribeMoveAsync(string path, string[] components, int movedComponent, NfsOpnum4 op, CancellationToken cancellationToken)
    {
        // The component the failing operation named first, then every prefix, shortest first.
        var candidates = new List<int>(components.Length + 1);
        if (movedComponent >= 0)
        {
            candidates.Add(movedComponent + 1);
        }

        for (var n = 1; n <= components.Length; n++)
        {
            if (!candidates.Contains(n))
            {
                candidates.Add(n);
            }
        }

        foreach (var length in candidates)
        {
            var prefix = NfsPath.Join(components[..length]);
            NfsAttributes attrs;
            try
            {
                attrs = await GetReferralAttrAsync(prefix, cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException)
            {
                continue;
            }

            if (attrs.RdattrError == NfsStat4.Moved || attrs.FsLocations is { Locations.Count: > 0 })
            {
                ClientLog.Referral(_logger, ServerName, prefix, DescribeLocations(attrs.FsLocations));
                return new NfsMovedException(path, prefix, attrs.FsLocations, op);
            }
        }

        return new NfsMovedException(path, path, null, op);
    }

    internal static string DescribeLocations(FsLocations4? locations) =>
        locations is null
            ? "(no fs_locations)"
            : string.Join("; ", locations.Locations.Select(l => string.Join(',', l.Servers) + ":" + l.RootPathString));

    /// <summary>The shape of one path-walk COMPOUND, to map a failing operation back to its component.</summary>
    private sealed record PathWalk(NfsFh? Start, string[] Components, int Skip, Bitmap4 Attributes)
    {
        /// <summary>A GETATTR of the last component's directory goes before its LOOKUP (for the caches).</summary>
        public bool ParentAttributes { get; init; }

        /// <summary>The directory's handle and attributes as the reply gave them (set while decoding).</summary>
        public NfsFh? DecodedParentHandle { get; set; }

        public NfsAttributes? DecodedParentAttributes { get; set; }

        /// <summary>The component whose LOOKUP or GETFH is at <paramref name="opIndex"/>, or -1.</summary>
        public int ComponentAt(int opIndex)
        {
            // The directory's GETATTR sits at 1 + 2 × (components before the last): operations after it move by one.
            var parentGetAttr = 1 + (2 * (Components.Length - 1 - Skip));
            if (ParentAttributes && opIndex > parentGetAttr)
            {
                opIndex--;
            }

            return opIndex < 1 ? -1 : Math.Min(Skip + ((opIndex - 1) / 2), Components.Length - 1);
        }
    }
}
