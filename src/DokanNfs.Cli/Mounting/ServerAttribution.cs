using System.Collections.Concurrent;
using DokanNfs.Core.Client;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Mounting;

/// <summary>Which server's counters a drive path's request counts against.</summary>
internal interface IServerAttribution
{
    ServerCounters For(string path);

    /// <summary>Every server counted so far (or mounted now), in the order first seen.</summary>
    IReadOnlyList<ServerCounters> Servers { get; }
}

/// <summary>
/// Attribution by the mount tree of a <see cref="NamespaceFileSystem"/>: a path counts against the server of
/// the deepest mount above it. The tree is read again only when it changed (a graft, a mirror mount, a
/// migration or an unmount); in between a lookup compares the path with the cached mount paths as spans,
/// so requests allocate nothing. Counters are kept by server name, so a nested mount that expires and is
/// grafted again keeps counting where it left off.
/// </summary>
internal sealed class NamespaceAttribution : IServerAttribution
{
    private readonly NamespaceFileSystem _fs;
    private readonly ConcurrentDictionary<string, ServerCounters> _byServer = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ServerCounters> _order = [];
    private int _unmounts;
    private Snapshot _snapshot;

    public NamespaceAttribution(NamespaceFileSystem fileSystem)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        _fs = fileSystem;
        _fs.Unmounted += (_, _) => Interlocked.Increment(ref _unmounts);
        _snapshot = Build();
    }

    public IReadOnlyList<ServerCounters> Servers
    {
        get
        {
            _ = Current();
            lock (_order)
            {
                return [.. _order];
            }
        }
    }

    /// <summary>The name a mount's server is shown by.</summary>
    public static string ServerName(Mount mount)
    {
        ArgumentNullException.ThrowIfNull(mount);
        return mount.Client.ServerName is { Length: > 0 } name ? name : mount.Server.ToString() ?? "?";
    }

    public ServerCounters For(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var snapshot = Current();
        var relative = path.AsSpan().TrimStart('/');
        foreach (var (prefix, counters) in snapshot.Mounts)
        {
            if (prefix.Length == 0 || (relative.StartsWith(prefix, StringComparison.Ordinal) && (relative.Length == prefix.Length || relative[prefix.Length] == '/')))
            {
                return counters;
            }
        }

        return snapshot.Mounts[^1].Counters;
    }

    private Snapshot Current()
    {
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot.Version != Version())
        {
            snapshot = Build();
            Volatile.Write(ref _snapshot, snapshot);
        }

        return snapshot;
    }

    /// <summary>What changes whenever the tree does: grafts, mirror mounts, migrations, unmounts (each only grows).</summary>
    private TreeVersion Version() => new(_fs.GraftCount, _fs.MirrorCount, _fs.MigrationCount, Volatile.Read(ref _unmounts));

    private Snapshot Build()
    {
        var version = Version();
        var mounts = _fs.Tree.Mounts
            .Select(m => (Prefix: m.DrivePath.Trim('/'), Counters: CountersFor(m)))
            .OrderByDescending(m => m.Prefix.Length)
            .ToArray();
        return new Snapshot(version, mounts);
    }

    private ServerCounters CountersFor(Mount mount)
    {
        var counters = _byServer.GetOrAdd(ServerName(mount), static name => new ServerCounters(name));
        counters.Client = mount.Client;
        lock (_order)
        {
            if (!_order.Contains(counters))
            {
                _order.Add(counters);
            }
        }

        return counters;
    }

    private readonly record struct TreeVersion(int Grafts, int Mirrors, int Migrations, int Unmounts);

    private sealed record Snapshot(TreeVersion Version, (string Prefix, ServerCounters Counters)[] Mounts);
}

/// <summary>Everything against one server: for a file system that is not a namespace (tests).</summary>
internal sealed class SingleServerAttribution(string server, NfsClient? client = null) : IServerAttribution
{
    private readonly ServerCounters _counters = new(server) { Client = client };

    public IReadOnlyList<ServerCounters> Servers => [_counters];

    public ServerCounters For(string path) => _counters;
}
