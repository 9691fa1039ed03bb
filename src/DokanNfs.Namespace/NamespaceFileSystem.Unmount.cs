using System.Diagnostics;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Namespace;

/// <summary>Why a mount went away.</summary>
public enum UnmountReason
{
    /// <summary>The drive was unmounted (the namespace disposed): every mount, leaves first, the root last.</summary>
    Drive,

    /// <summary>The harvester found the nested mount idle; the next access grafts it again.</summary>
    Idle,
}

public sealed class MountUnmountedEventArgs(Mount mount, UnmountReason reason) : EventArgs
{
    public Mount Mount { get; } = mount;

    public UnmountReason Reason { get; } = reason;
}

/// <summary>
/// The seed's hierarchical unmount: per-mount use (operations in flight, open handles, last access),
/// leaves-first unmount of the drive that closes every open handle (RELEASE_LOCKOWNER, CLOSE) before the
/// mount's client goes, and the harvester that unmounts idle nested mounts.
/// </summary>
public sealed partial class NamespaceFileSystem
{
    /// <summary>Guards <see cref="_usage"/> and the harvester's decision, so a mount in use is never ungrafted.</summary>
    private readonly Lock _usageGate = new();

    /// <summary>By reference: a mount grafted again after expiry is an equal record but a new mount.</summary>
    private readonly Dictionary<Mount, MountUsage> _usage = new(ReferenceEqualityComparer.Instance);

    private readonly Task? _harvester;

    /// <summary>Raised after a mount is unmounted (its handles closed, its client disposed when no other mount shares it).</summary>
    public event EventHandler<MountUnmountedEventArgs>? Unmounted;

    /// <summary>How many handles are open on the mount at <paramref name="drivePath"/>.</summary>
    public int OpenHandleCount(string drivePath)
    {
        lock (_usageGate)
        {
            return Tree.MountAt(drivePath) is { } mount && _usage.TryGetValue(mount, out var usage) ? usage.Handles.Count : 0;
        }
    }

    /// <summary>
    /// Unmounts the drive: every nested mount, deepest first, then the root. Each mount's open handles are
    /// closed first — commit, release the locks and the lock-owner, CLOSE — so no server keeps our state
    /// until its lease runs out; then the clients the namespace created are disposed. The root's client
    /// stays its owner's.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposeCts.IsCancellationRequested)
        {
            return;
        }

        await _disposeCts.CancelAsync().ConfigureAwait(false);
        if (_harvester is { } harvester)
        {
            await harvester.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Grafts in progress fail on the cancelled token; wait for them so none lands after the snapshot.
        Task[] grafting;
        lock (_grafts)
        {
            grafting = [.. _grafts.Values];
        }

        await Task.WhenAll(grafting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        foreach (var mount in Tree.Mounts.OrderByDescending(m => NfsPath.Split(m.DrivePath).Length).ThenBy(m => m.DrivePath, StringComparer.Ordinal))
        {
            MountUsage? usage;
            lock (_usageGate)
            {
                _ = _usage.Remove(mount, out usage);
                if (!ReferenceEquals(mount, Tree.Root))
                {
                    Tree.Ungraft(mount);
                }
            }

            await UnmountCoreAsync(mount, usage, UnmountReason.Drive).ConfigureAwait(false);
        }

        // Clients of probes that never became a mount.
        foreach (var client in Tree.TakeOwnedClients())
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        _disposeCts.Dispose();
    }

    /// <summary>
    /// Unmounts every nested mount that is a leaf, has no open handle and no operation in flight, and has
    /// not been used for <see cref="NamespaceOptions.IdleExpiry"/> (never the root). A parent whose
    /// children all expire in the same pass goes too, after them. Returns how many were unmounted.
    /// </summary>
    public async Task<int> HarvestAsync()
    {
        var expired = new List<(Mount Mount, MountUsage Usage)>();
        lock (_usageGate)
        {
            var remaining = Tree.Mounts.ToList();
            foreach (var mount in remaining.OrderByDescending(m => NfsPath.Split(m.DrivePath).Length).ToList())
            {
                if (ReferenceEquals(mount, Tree.Root) ||
                    remaining.Any(o => !ReferenceEquals(o, mount) && NfsPath.IsAtOrBelow(o.DrivePath, mount.DrivePath)))
                {
                    continue;
                }

                var usage = UsageOf(mount);
                if (usage.InFlight > 0 || usage.Handles.Count > 0 || Stopwatch.GetElapsedTime(usage.LastAccess) < _options.IdleExpiry)
                {
                    continue;
                }

                Tree.Ungraft(mount);
                _ = _usage.Remove(mount);
                _ = remaining.Remove(mount);
                expired.Add((mount, usage));
            }
        }

        foreach (var (mount, usage) in expired)
        {
            await UnmountCoreAsync(mount, usage, UnmountReason.Idle).ConfigureAwait(false);
        }

        return expired.Count;
    }

    /// <summary>Started by the constructor unless idle mounts are kept for ever.</summary>
    private Task? StartHarvester() =>
        _options.IdleExpiry == Timeout.InfiniteTimeSpan ? null : Task.Run(HarvestLoopAsync);

    private async Task HarvestLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HarvestInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposeCts.Token).ConfigureAwait(false))
            {
                _ = await HarvestAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The drive is being unmounted: DisposeAsync takes over.
        }
    }

    /// <summary>Closes a mount's handles (best effort: a server that does not answer expires our state itself) and its unshared client.</summary>
    private async Task UnmountCoreAsync(Mount mount, MountUsage? usage, UnmountReason reason)
    {
        NfsFileHandle[] handles;
        lock (_usageGate)
        {
            handles = usage is null ? [] : [.. usage.Handles];
        }

        foreach (var handle in handles)
        {
            try
            {
                await handle.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NfsException or RpcException or IOException or ObjectDisposedException)
            {
                // Nothing more to do: the handle is released on our side and the lease ends the rest.
            }
        }

        if (!ReferenceEquals(mount.Client, Tree.OwnerClient) && Tree.RemoveUnusedClient(mount.Server))
        {
            await mount.Client.DisposeAsync().ConfigureAwait(false);
        }

        Unmounted?.Invoke(this, new MountUnmountedEventArgs(mount, reason));
    }

    /// <summary>Pins the deepest mount above <paramref name="drivePath"/> for one operation and marks it used.</summary>
    private MountUse UseDeepest(string drivePath)
    {
        while (true)
        {
            // Null only when the harvester ungrafted it between Find and the pin: the parent answers now.
            if (TryUse(Tree.Find(drivePath), touch: true) is { } use)
            {
                return use;
            }
        }
    }

    /// <summary>Pins <paramref name="mount"/> if it is still grafted; <paramref name="touch"/> counts it as an access.</summary>
    private MountUse? TryUse(Mount? mount, bool touch)
    {
        if (mount is null)
        {
            return null;
        }

        lock (_usageGate)
        {
            if (!ReferenceEquals(Tree.MountAt(mount.DrivePath), mount))
            {
                return null;
            }

            var usage = UsageOf(mount);
            usage.InFlight++;
            if (touch)
            {
                usage.LastAccess = Stopwatch.GetTimestamp();
            }

            return new MountUse(this, mount, usage, touch);
        }
    }

    /// <summary>Counts <paramref name="file"/> against its mount until it is closed: a mount with open handles never expires.</summary>
    private NfsFileHandle Track(Mount mount, string drivePath, NfsOpenFile file)
    {
        lock (_usageGate)
        {
            if (ReferenceEquals(Tree.MountAt(mount.DrivePath), mount))
            {
                var usage = UsageOf(mount);
                var handle = new NfsFileHandle(drivePath, file, h => Untrack(usage, h), ReopenMovedAsync); // ReopenMovedAsync: NamespaceFileSystem.Migration.cs
                _ = usage.Handles.Add(handle);
                _openedOn.AddOrUpdate(file, mount); // which mount the open was made on (NamespaceFileSystem.Migration.cs)
                usage.LastAccess = Stopwatch.GetTimestamp();
                return handle;
            }
        }

        // Unmounted between the OPEN and here (idle for a whole IdleExpiry in that gap): give the open back.
        _ = file.CloseAsync(CancellationToken.None).AsTask();
        throw new NfsException(NfsStat4.Stale, NfsOpnum4.Open, drivePath, $"{mount.DrivePath} was unmounted while {drivePath} was being opened; try again.");
    }

    private void Untrack(MountUsage usage, NfsFileHandle handle)
    {
        lock (_usageGate)
        {
            _ = usage.Handles.Remove(handle);
            usage.LastAccess = Stopwatch.GetTimestamp();
        }
    }

    private MountUsage UsageOf(Mount mount)
    {
        if (!_usage.TryGetValue(mount, out var usage))
        {
            // First seen: a mount just grafted counts as just used.
            usage = new MountUsage { LastAccess = Stopwatch.GetTimestamp() };
            _usage.Add(mount, usage);
        }

        return usage;
    }

    private void ThrowIfReadOnly(string drivePath, NfsOpnum4 operation)
    {
        if (_options.ReadOnly)
        {
            throw new NfsException(NfsStat4.RoFs, operation, drivePath, $"The drive is mounted read-only: {operation} of {drivePath} refused.");
        }
    }

    private static bool Writes(OpenRequest request) =>
        request.Create is not null || request.Truncate || (request.Access & OpenShareAccess.Write) != 0;

    private sealed class MountUsage
    {
        public long LastAccess;
        public int InFlight;
        public readonly HashSet<NfsFileHandle> Handles = new(ReferenceEqualityComparer.Instance);
    }

    /// <summary>One operation's pin on a mount.</summary>
    private sealed class MountUse(NamespaceFileSystem owner, Mount mount, MountUsage usage, bool touch) : IDisposable
    {
        private int _disposed;

        public Mount Mount { get; } = mount;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            lock (owner._usageGate)
            {
                usage.InFlight--;
                if (touch)
                {
                    // Idle time counts from the end of the last operation, not its start.
                    usage.LastAccess = Stopwatch.GetTimestamp();
                }
            }
        }
    }
}
