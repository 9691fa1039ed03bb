using System.Runtime.CompilerServices;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Namespace;

/// <summary>A mount moved to another server (migration): the same drive path, another server, client and server path.</summary>
public sealed class MountMigratedEventArgs(Mount from, Mount to) : EventArgs
{
    public Mount From { get; } = from;

    public Mount To { get; } = to;
}

/// <summary>
/// A mounted file system answered NFS4ERR_MOVED and none of its new locations could be reached. The
/// message names the file system's old server and every server (and address) tried; the mount stays on
/// the old server.
/// </summary>
public sealed class NfsMigrationException(Mount mount, NfsReferralException inner)
    : IOException($"The file system at {mount.DrivePath} ({mount.Server}:{mount.ExportPath}) moved (NFS4ERR_MOVED) and could not be followed: {inner.Message} It stays mounted on {mount.Server}.", inner)
{
    public string DrivePath { get; } = mount.DrivePath;

    /// <summary>One line per server address tried: "server (address:port): why it failed".</summary>
    public IReadOnlyList<string> Attempts { get; } = inner.Attempts;
}

/// <summary>
/// Migration (the seed: "at any time NFS request may fail with an error MOVED … the client should ask the
/// original server about the address of the new one"; RFC 7530 §8.4.2): when the file system of a mount
/// that is already in use — the root or a nested mount — answers NFS4ERR_MOVED for its own root or
/// anything inside it, its fs_locations are asked of the old server, tried like a referral's, and the
/// mount is moved there: same drive path, new server, client and server path. Open handles of the mount
/// open their file again on the new server by path (same access and deny) at their next operation, and
/// data written but not committed is written again through the new open. If no location answers, the
/// operations fail with <see cref="NfsMigrationException"/> and the mount stays where it was.
/// </summary>
public sealed partial class NamespaceFileSystem
{
    /// <summary>Migrations in progress by drive path: concurrent operations that meet MOVED move the mount once.</summary>
    private readonly Dictionary<string, Task<Mount>> _migrations = new(StringComparer.Ordinal);

    /// <summary>The mount each open was made on, so a handle knows whether its mount has moved since.</summary>
    private readonly ConditionalWeakTable<NfsOpenFile, Mount> _openedOn = [];

    private int _migrationCount;

    /// <summary>Raised after a mount moved to another server.</summary>
    public event EventHandler<MountMigratedEventArgs>? Migrated;

    /// <summary>How many times a mount moved to another server.</summary>
    public int MigrationCount => Volatile.Read(ref _migrationCount);

    /// <summary>MOVED for the mount's own root: its file system moved, it is not a trigger point below it.</summary>
    private static bool IsMigration(Mount mount, string referralServerPath) =>
        NfsPath.Normalize(referralServerPath) == NfsPath.Normalize(mount.ExportPath);

    /// <summary>Moves <paramref name="mount"/> to where its file system went (once, however many callers); returns the mount now at its drive path.</summary>
    private async ValueTask<Mount> MigrateAsync(Mount mount, string referralServerPath, FsLocations4? locations, CancellationToken cancellationToken)
    {
        Task<Mount> task;
        lock (_migrations)
        {
            var current = Tree.MountAt(mount.DrivePath)
                ?? throw new NfsException(NfsStat4.Stale, NfsOpnum4.Lookup, mount.DrivePath, $"{mount.DrivePath} was unmounted while its file system was moving; try again.");
            if (!ReferenceEquals(current, mount))
            {
                return current; // moved already (by another operation)
            }

            if (!_migrations.TryGetValue(mount.DrivePath, out var pending))
            {
                pending = MigrateCoreAsync(mount, referralServerPath, locations);
                _migrations[mount.DrivePath] = pending;
            }

            task = pending;
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Mount> MigrateCoreAsync(Mount mount, string referralServerPath, FsLocations4? locations)
    {
        await Task.Yield(); // registered in _migrations before any of it runs
        try
        {
            Mount moved;
            try
            {
                // The referral code: fs_locations from the old server when MOVED named none, fs_root checked,
                // the referral policy, every location, server and address in order.
                moved = await FollowReferralAsync(mount.Server, mount.Client, mount.DrivePath, referralServerPath, locations, [.. ChainOf(mount)], "", _disposeCts.Token).ConfigureAwait(false);
            }
            catch (NfsReferralException ex)
            {
                throw new NfsMigrationException(mount, ex);
            }

            lock (_usageGate)
            {
                if (!Tree.Replace(mount, moved))
                {
                    throw new NfsException(NfsStat4.Stale, NfsOpnum4.Lookup, mount.DrivePath, $"{mount.DrivePath} was unmounted while its file system was moving; try again.");
                }

                // Its use (operations in flight, open handles) goes with it. The old client stays until the
                // drive is unmounted: handles not yet moved still hold opens made through it.
                if (_usage.Remove(mount, out var usage))
                {
                    _usage[moved] = usage;
                }
            }

            _ = Interlocked.Increment(ref _migrationCount);
            System.Diagnostics.Trace.TraceInformation($"NFS migration: {mount} moved to {moved}");
            Migrated?.Invoke(this, new MountMigratedEventArgs(mount, moved));
            return moved;
        }
        finally
        {
            lock (_migrations)
            {
                _ = _migrations.Remove(mount.DrivePath);
            }
        }
    }

    /// <summary>
    /// An open handle met MOVED: its mount is moved (unless that happened already), the file opened again
    /// there by path with the same access and deny, and data not yet committed written again through it.
    /// </summary>
    private async ValueTask<NfsOpenFile> ReopenMovedAsync(NfsFileHandle handle, NfsOpenFile stale, CancellationToken cancellationToken)
    {
        var openedOn = _openedOn.TryGetValue(stale, out var m) ? m : Tree.Find(handle.Path);
        var mount = ReferenceEquals(Tree.MountAt(openedOn.DrivePath), openedOn)
            ? await MigrateAsync(openedOn, openedOn.ExportPath, null, cancellationToken).ConfigureAwait(false)
            : Tree.MountAt(openedOn.DrivePath)
                ?? throw new NfsException(NfsStat4.Stale, NfsOpnum4.Open, handle.Path, $"{openedOn.DrivePath} was unmounted while {handle.Path} was moving; open it again.");

        var uncommitted = stale.CopyUncommitted();

        // Opened again as the user who opened it, not as whoever's request met the move.
        using var asOpener = NfsCallContext.Use(stale.Credential);
        var file = await mount.Client.OpenAsync(mount.ToServerPath(handle.Path), new OpenRequest { Access = stale.Access, Deny = stale.Deny }, cancellationToken).ConfigureAwait(false);
        foreach (var (offset, data) in uncommitted)
        {
            await file.WriteAsync(offset, data, StableHow4.Unstable, cancellationToken).ConfigureAwait(false);
        }

        _openedOn.AddOrUpdate(file, mount);
        System.Diagnostics.Trace.TraceInformation($"NFS migration: {handle.Path} opened again on {mount.Server}:{mount.ToServerPath(handle.Path)}, {uncommitted.Count} uncommitted writes sent again");

        // The old open is given back best effort: the old server answers MOVED, or its lease ends it.
        _ = CloseQuietlyAsync(stale);
        return file;
    }

    private static async Task CloseQuietlyAsync(NfsOpenFile stale)
    {
        try
        {
            await stale.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or RpcException or IOException or ObjectDisposedException)
        {
            // Nothing more to do: the file lives on the new server now.
        }
    }
}
