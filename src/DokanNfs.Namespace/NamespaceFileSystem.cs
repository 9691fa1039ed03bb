using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Namespace;

/// <summary>
/// <see cref="INfsFileSystem"/> over a <see cref="MountTree"/>: a drive path goes to the deepest mount
/// above it and becomes a path on that mount's server. Referrals are trigger points, as
/// seeds/nfsv4.0-client-referrals.txt says: getting the attributes of the point and listing its parent do
/// not mount it (until then it shows synthesized attributes); every other access — listing it, opening,
/// creating, renaming or anything beneath it — mounts it first, once.
/// </summary>
public sealed partial class NamespaceFileSystem : INfsFileSystem, IAsyncDisposable
{
    /// <summary>Mode of a trigger point before it is mounted: dr-xr-xr-x, as the automounter shows it (the seed's "Browsing").</summary>
    public const uint TriggerPointMode = 0x16D; // 0555

    /// <summary>What <see cref="GetFileSystemAttributesAsync"/> asks: the file system's facts and which file system it is.</summary>
    private static readonly Bitmap4 FileSystemAttributes = AttributeRequests.FsInfo.With(FAttr4.Type).With(FAttr4.FsId);

    private readonly NamespaceOptions _options;
    private readonly CancellationTokenSource _disposeCts = new();

    /// <summary>Synthesized fileids of trigger points, so they stay the same from call to call.</summary>
    private readonly ConcurrentDictionary<string, ulong> _triggerFileIds = new(StringComparer.Ordinal);

    /// <summary><see cref="SynthesizedAsync"/> as the stats' answer at a trigger point, made once rather than per call.</summary>
    private readonly Func<Mount, string, string, CancellationToken, ValueTask<NfsAttributes>> _synthesized;

    private NamespaceFileSystem(Mount root, NamespaceOptions options)
    {
        _synthesized = SynthesizedAsync;
        _options = options;
        Tree = new MountTree(root);
        _harvester = StartHarvester(); // NamespaceFileSystem.Unmount.cs: idle nested mounts expire
    }

    public MountTree Tree { get; }

    /// <summary>
    /// Mounts <paramref name="exportPath"/> of the server <paramref name="client"/> talks to as the drive
    /// root. The caller keeps owning <paramref name="client"/>; clients of referral targets are the
    /// namespace's and are disposed with it.
    /// </summary>
    public static async Task<NamespaceFileSystem> MountAsync(NfsClient client, EndPoint server, string exportPath, NamespaceOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        var root = await client.ResolveAsync(exportPath, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
        if (!root.IsDirectory)
        {
            throw new NfsException(NfsStat4.NotDir, NfsOpnum4.Lookup, exportPath);
        }

        return new NamespaceFileSystem(new Mount("/", server, root.Path, client, root.Attributes.Fsid), options ?? new NamespaceOptions());
    }

    public async ValueTask<NfsAttributes> GetAttributesAsync(string path, CancellationToken cancellationToken)
    {
        var target = NfsPath.Normalize(path);
        var (_, attributes) = await RunAsync(
            target,
            static (m, serverPath, ct) => m.Client.GetAttrAsync(serverPath, ct),
            static node => node.Attributes,
            _synthesized,
            cancellationToken).ConfigureAwait(false);
        return attributes;
    }

    public async ValueTask<NfsAttributes> GetFileSystemAttributesAsync(string path, CancellationToken cancellationToken)
    {
        var target = NfsPath.Normalize(path);
        var (_, attributes) = await RunAsync(
            target,
            static (m, serverPath, ct) => m.Client.ResolveAsync(serverPath, FileSystemAttributes, ct),
            static node => node.Attributes,
            _synthesized,
            cancellationToken).ConfigureAwait(false);
        return attributes;
    }

    public async ValueTask<Access4> AccessAsync(string path, Access4 access, CancellationToken cancellationToken)
    {
        var target = NfsPath.Normalize(path);
        var (_, granted) = await RunAsync(
            target,
            (m, serverPath, ct) => m.Client.AccessAsync(serverPath, access, ct),
            static granted => granted,
            null,
            cancellationToken).ConfigureAwait(false);
        return granted;
    }

    public async IAsyncEnumerable<NfsFsEntry> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = NfsPath.Normalize(path);
        for (var hop = 0; ; hop++)
        {
            var (mount, node) = await RunAsync(
                directory,
                static (m, serverPath, ct) => m.Client.ResolveAsync(serverPath, AttributeRequests.Stat, ct),
                static node => node,
                null,
                cancellationToken).ConfigureAwait(false);
            if (!node.IsDirectory)
            {
                throw new NfsException(NfsStat4.NotDir, NfsOpnum4.ReadDir, directory);
            }

            // Pinned while READDIR pages come in, so the harvester cannot unmount it under the listing.
            using var pin = TryUse(mount, touch: true)
                ?? throw new NfsException(NfsStat4.Stale, NfsOpnum4.ReadDir, directory, $"{mount.DrivePath} was unmounted while {directory} was being listed; try again.");

            // The directory's node may come from the cache, so its file system's move (or a referral that appeared
            // there) shows only at the first READDIR page: that page is asked for here, where MOVED can be caught
            // (no yield inside try/catch), and met as RunAsync meets it.
            var entries = mount.Client.ReadDirAsync(node, AttributeRequests.ReadDir, cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using (entries.ConfigureAwait(false))
            {
                bool more;
                Moved? moved = null;
                try
                {
                    more = await entries.MoveNextAsync().ConfigureAwait(false);
                }
                catch (NfsException ex) when (ex.Status == NfsStat4.Moved && hop < MaxHops(directory))
                {
                    more = false;
                    moved = Moved.From(ex, mount.ToServerPath(directory));
                }

                if (moved is { } m)
                {
                    await FollowMovedAsync(mount, m, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                for (; more; more = await entries.MoveNextAsync().ConfigureAwait(false))
                {
                    yield return await ToFsEntryAsync(directory, entries.Current, cancellationToken).ConfigureAwait(false);
                }

                yield break;
            }
        }
    }

    /// <summary>A READDIR entry as the drive shows it: a nested mount by its root, a trigger point synthesized.</summary>
    private async ValueTask<NfsFsEntry> ToFsEntryAsync(string directory, NfsDirEntry entry, CancellationToken cancellationToken)
    {
        var child = NfsPath.Combine(directory, entry.Name);
        if (TryUse(Tree.MountAt(child), touch: false) is { } nested)
        {
            // After mounting, the real attributes of the target's root (the seed's "Browsing"). Pinned,
            // not touched: listing the parent does not keep a nested mount alive.
            using (nested)
            {
                var root = await nested.Mount.Client.GetAttrAsync(nested.Mount.ExportPath, cancellationToken).ConfigureAwait(false);
                return new NfsFsEntry(entry.Name, root.Attributes);
            }
        }

        if (entry.IsReferral)
        {
            // READDIR with rdattr_error = MOVED (RFC 7530 §16.24): listed as a directory, not mounted.
            return new NfsFsEntry(entry.Name, Synthesize(child, entry.Attributes.MountedOnFileId ?? entry.Attributes.FileId, entry.Attributes.Fsid), IsTriggerPoint: true);
        }

        return new NfsFsEntry(entry.Name, entry.Attributes);
    }

    public async ValueTask<INfsFileHandle> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken)
    {
        var target = NfsPath.Normalize(path);
        if (Writes(request))
        {
            ThrowIfReadOnly(target, NfsOpnum4.Open);
        }

        var (mount, file) = await RunAsync(
            target,
            (m, serverPath, ct) => m.Client.OpenAsync(serverPath, request, ct),
            static file => file,
            null,
            cancellationToken).ConfigureAwait(false);
        return Track(mount, target, file); // counted against the mount until closed (NamespaceFileSystem.Unmount.cs)
    }

    public async ValueTask<NfsAttributes> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly(NfsPath.Normalize(path), NfsOpnum4.Create);
        var (_, node) = await RunAsync(
            NfsPath.Normalize(path),
            (m, serverPath, ct) => m.Client.CreateDirectoryAsync(serverPath, attributes, ct),
            static node => node,
            null,
            cancellationToken).ConfigureAwait(false);
        return node.Attributes;
    }

    public async ValueTask<NfsAttributes> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfReadOnly(NfsPath.Normalize(path), NfsOpnum4.Create);
        var (_, node) = await RunAsync(
            NfsPath.Normalize(path),
            (m, serverPath, ct) => m.Client.CreateSymlinkAsync(serverPath, target, attributes, ct),
            static node => node,
            null,
            cancellationToken).ConfigureAwait(false);
        return node.Attributes;
    }

    public async ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        var (_, text) = await RunAsync(
            NfsPath.Normalize(path),
            static (m, serverPath, ct) => m.Client.ReadLinkAsync(serverPath, ct),
            static text => text,
            null,
            cancellationToken).ConfigureAwait(false);
        return text;
    }

    public async ValueTask RemoveAsync(string path, CancellationToken cancellationToken)
    {
        var target = NfsPath.Normalize(path);
        ThrowIfReadOnly(target, NfsOpnum4.Remove);
        ThrowIfMountPoint(target, NfsOpnum4.Remove);
        _ = await RunAsync(
            target,
            static (m, serverPath, ct) => m.Client.RemoveAsync(serverPath, ct),
            static info => info,
            null,
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        var source = NfsPath.Normalize(from);
        var destination = NfsPath.Normalize(to);
        ThrowIfReadOnly(source, NfsOpnum4.Rename);
        ThrowIfMountPoint(source, NfsOpnum4.Rename);
        ThrowIfMountPoint(destination, NfsOpnum4.Rename);
        for (var hop = 0; ; hop++)
        {
            using var use = UseDeepest(source); // pinned against the harvester for this attempt
            var mount = use.Mount;
            if (!ReferenceEquals(Tree.Find(destination), mount))
            {
                // Two mounts are two file systems: RENAME cannot cross them (RFC 7530 §16.26).
                throw new NfsException(NfsStat4.Xdev, NfsOpnum4.Rename, source);
            }

            try
            {
                _ = await mount.Client.RenameAsync(mount.ToServerPath(source), mount.ToServerPath(destination), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NfsMovedException ex) when (hop < MaxHops(source))
            {
                // Renaming into or out of a trigger point mounts it first; then the mounts differ: XDEV.
                _ = await GraftAsync(mount, ex.ReferralPath, ex.Locations, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask<NfsAttributes> SetAttributesAsync(string path, SetAttributes attributes, CancellationToken cancellationToken)
    {
        ThrowIfReadOnly(NfsPath.Normalize(path), NfsOpnum4.SetAttr);
        var (_, result) = await RunAsync(
            NfsPath.Normalize(path),
            (m, serverPath, ct) => m.Client.SetAttrAsync(serverPath, attributes, ct),
            static attrs => attrs,
            null,
            cancellationToken).ConfigureAwait(false);
        return result;
    }

    // DisposeAsync, the leaves-first unmount of the drive, is in NamespaceFileSystem.Unmount.cs.

    /// <summary>
    /// Runs <paramref name="operation"/> on the mount <paramref name="drivePath"/> lies in. NFS4ERR_MOVED
    /// means a trigger point on the way: it is mounted and the operation goes again, on the new mount —
    /// unless the target IS the point and <paramref name="atTriggerPoint"/> answers for it (stat: given the parent
    /// mount, the drive path and the point's server path).
    /// </summary>
    private async ValueTask<(Mount Mount, TResult Result)> RunAsync<TValue, TResult>(
        string drivePath,
        Func<Mount, string, CancellationToken, ValueTask<TValue>> operation,
        Func<TValue, TResult> project,
        Func<Mount, string, string, CancellationToken, ValueTask<TResult>>? atTriggerPoint,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposeCts.IsCancellationRequested, this);
        for (var hop = 0; ; hop++)
        {
            using var use = UseDeepest(drivePath); // pinned against the harvester for this attempt
            var mount = use.Mount;
            var serverPath = mount.ToServerPath(drivePath);
            Moved moved;
            try
            {
                var value = await operation(mount, serverPath, cancellationToken).ConfigureAwait(false);

                // Mirror mounts (NamespaceFileSystem.Mirrors.cs): an fsid other than the mount's grafts one.
                await GraftMirrorsAsync(mount, drivePath, value, cancellationToken).ConfigureAwait(false);
                return (mount, project(value));
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.Moved && hop < MaxHops(drivePath))
            {
                moved = Moved.From(ex, serverPath);
            }

            if (atTriggerPoint is not null && !IsMigration(mount, moved.ReferralServerPath) && mount.ToDrivePath(moved.ReferralServerPath) == drivePath)
            {
                return (mount, await atTriggerPoint(mount, drivePath, moved.ReferralServerPath, cancellationToken).ConfigureAwait(false));
            }

            await FollowMovedAsync(mount, moved, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// NFS4ERR_MOVED met on <paramref name="mount"/>: for the mount's own root its file system moved and the mount
    /// follows it (NamespaceFileSystem.Migration.cs); for anything below, it is a trigger point and is mounted. The
    /// caller then goes again.
    /// </summary>
    private async ValueTask FollowMovedAsync(Mount mount, Moved moved, CancellationToken cancellationToken)
    {
        if (IsMigration(mount, moved.ReferralServerPath))
        {
            _ = await MigrateAsync(mount, moved.ReferralServerPath, moved.Locations, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _ = await GraftAsync(mount, moved.ReferralServerPath, moved.Locations, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where NFS4ERR_MOVED came from: the absent file system's root on the mount's server, and its fs_locations when known.</summary>
    private readonly record struct Moved(string ReferralServerPath, FsLocations4? Locations)
    {
        /// <summary>
        /// From a walk, <see cref="NfsMovedException"/> names the point; MOVED from the operation itself (e.g. OPEN
        /// of the point), not from a walk, means the target <paramref name="serverPath"/> is the point.
        /// </summary>
        public static Moved From(NfsException ex, string serverPath) =>
            ex is NfsMovedException walk ? new Moved(walk.ReferralPath, walk.Locations) : new Moved(serverPath, null);
    }

    /// <summary>Attributes of an unmounted trigger point, asking only its own server (for mounted_on_fileid).</summary>
    private async ValueTask<NfsAttributes> SynthesizedAsync(Mount parent, string drivePath, string referralServerPath, CancellationToken cancellationToken)
    {
        if (_triggerFileIds.ContainsKey(drivePath))
        {
            return Synthesize(drivePath, null, parent.Fsid);
        }

        var attrs = await parent.Client.GetReferralAttrAsync(referralServerPath, cancellationToken).ConfigureAwait(false);
        return Synthesize(drivePath, attrs.MountedOnFileId ?? attrs.FileId, attrs.Fsid ?? parent.Fsid);
    }

    /// <summary>
    /// The seed's browsing attributes: a directory, mode 0555, owned by root (numeric "0", RFC 7530 §5.9),
    /// times = now; the fileid is the first mounted_on_fileid seen for the point, so it is stable.
    /// </summary>
    private NfsAttributes Synthesize(string drivePath, ulong? fileId, Fsid4? fsid)
    {
        var id = _triggerFileIds.GetOrAdd(drivePath, static (path, seen) => seen ?? StableId(path), fileId);
        var now = NfsTime4.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return new NfsAttributes
        {
            Type = NfsFtype4.Dir,
            Mode = TriggerPointMode,
            NumLinks = 2,
            Owner = "0",
            OwnerGroup = "0",
            Size = 0,
            SpaceUsed = 0,
            FileId = id,
            MountedOnFileId = id,
            Fsid = fsid,
            TimeAccess = now,
            TimeModify = now,
            TimeMetadata = now,
        };
    }

    /// <summary>FNV-1a of the path: a fileid for a point whose server gave none, the same on every call.</summary>
    private static ulong StableId(string path)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in path)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }

    private void ThrowIfMountPoint(string drivePath, NfsOpnum4 operation)
    {
        if (drivePath == "/" || Tree.MountAt(drivePath) is not null)
        {
            // Like EBUSY on a mount point: the nested file system must be unmounted first.
            throw new NfsException(NfsStat4.Access, operation, drivePath, $"{drivePath} is a mount point.");
        }
    }
}
