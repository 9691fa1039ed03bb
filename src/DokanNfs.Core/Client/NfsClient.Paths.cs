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
    public async ValueTask<NfsNode> ResolveAsync(string path, Bitmap4 attributes, CancellationToken cancellationToken)
    {
        var components = NfsPath.Split(path);
        var normalized = NfsPath.Join(components);

        // Nothing new is based on an object while a call that changes it has an unknown outcome (NfsClient.Replay.cs).
        await _replayLog.WaitForAsync(normalized, cancellationToken).ConfigureAwait(false);
        var credential = CallerCredential;
        var (start, skip) = Handles.FindDeepest(credential, components);
        try
        {
            return await WalkAsync(normalized, components, start, skip, attributes, credential, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (start is not null && ex.Status is NfsStat4.FhExpired or NfsStat4.Stale or NfsStat4.BadHandle)
        {
            ClientLog.FileHandleExpired(_logger, ServerName, NfsPath.Join(components[..skip]));
            Handles.Clear();
            return await WalkAsync(normalized, components, null, 0, attributes, credential, cancellationToken).ConfigureAwait(false);
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
    internal async ValueTask<(NfsNode Parent, string Name)> ResolveParentAsync(string path, CancellationToken cancellationToken)
    {
        var (parent, name) = NfsPath.SplitLast(path);
        var node = await ResolveAsync(parent, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
        if (!node.IsDirectory)
        {
            throw new NfsException(NfsStat4.NotDir, NfsOpnum4.Lookup, parent);
        }

        return (node, name);
    }

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

    private async ValueTask<NfsNode> WalkAsync(string path, string[] components, NfsFh? start, int skip, Bitmap4 attributes, RpcCredential credential, CancellationToken cancellationToken)
    {
        // Fix (found by PathResolutionTests.Path_of_sixty_components_resolves): a path of more than 48
        // components used to go out as one COMPOUND of over 100 operations, which Ganesha answers with
        // NFS4ERR_RESOURCE, and the retry loop then sent it again for the whole RetryBudget. A deep path is
        // now walked in pieces, each from the handle the previous one ended at (and cached, as any walk).
        var perWalk = ComponentsPerWalk;
        while (components.Length - skip > perWalk)
        {
            var prefix = components[..(skip + perWalk)];
            var part = await WalkOnceAsync(NfsPath.Join(prefix), prefix, start, skip, AttributeRequests.Stat, credential, cancellationToken).ConfigureAwait(false);
            start = part.FileHandle;
            skip = prefix.Length;
        }

        return await WalkOnceAsync(path, components, start, skip, attributes, credential, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<NfsNode> WalkOnceAsync(string path, string[] components, NfsFh? start, int skip, Bitmap4 attributes, RpcCredential credential, CancellationToken cancellationToken)
    {
        var walk = new PathWalk(start, components, skip, attributes);
        try
        {
            var (fh, attrs, dirs) = await RunAsync(
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

            return new NfsNode(path, fh, attrs);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Moved && ex is not NfsMovedException)
        {
            throw await DescribeMoveAsync(path, components, walk.ComponentAt(ex.OpIndex), ex.Operation, cancellationToken).ConfigureAwait(false);
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
    private static NfsFh[] DecodeWalkHandles(ref CompoundResults results, ref XdrReader r, PathWalk walk)
    {
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
            results.Lookup(ref r);
            handles[i] = results.GetFh(ref r);
        }

        if (count == 0)
        {
            handles[0] = results.GetFh(ref r);
        }

        return handles;
    }

    private static (NfsFh Fh, NfsAttributes Attributes, NfsFh[] Directories) DecodeWalk(ref XdrReader r, PathWalk walk, string path)
    {
        var results = CompoundResults.Begin(ref r);
        results.Path = path;
        var handles = DecodeWalkHandles(ref results, ref r, walk);
        return (handles[^1], results.GetAttr(ref r), handles);
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
        /// <summary>The component whose LOOKUP or GETFH is at <paramref name="opIndex"/>, or -1.</summary>
        public int ComponentAt(int opIndex) => opIndex < 1 ? -1 : Math.Min(Skip + ((opIndex - 1) / 2), Components.Length - 1);
    }
}
