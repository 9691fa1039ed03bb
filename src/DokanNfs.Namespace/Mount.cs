using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Namespace;

/// <summary>
/// One mounted file system: the drive path it is grafted at, the server and the path on it that is its
/// root, the client of that server (shared by every mount of the same endpoint) and its root's fsid.
/// </summary>
public sealed record Mount(string DrivePath, EndPoint Server, string ExportPath, NfsClient Client, Fsid4? Fsid)
{
    /// <summary>The server path of a drive path at or below <see cref="DrivePath"/>.</summary>
    public string ToServerPath(string drivePath)
    {
        // Every call on the drive comes through here: a normal path under the mount is re-rooted by slicing (issue 9,
        // hot paths do not allocate per call); anything else component by component.
        if (NfsPath.TryRebase(drivePath, DrivePath, ExportPath, out var serverPath))
        {
            return serverPath;
        }

        var below = NfsPath.Split(drivePath).Skip(NfsPath.Split(DrivePath).Length);
        return NfsPath.Join(NfsPath.Split(ExportPath).Concat(below));
    }

    /// <summary>The drive path of a server path, or null when it lies outside this mount's export.</summary>
    public string? ToDrivePath(string serverPath)
    {
        if (!NfsPath.IsAtOrBelow(serverPath, ExportPath))
        {
            return null;
        }

        if (NfsPath.TryRebase(serverPath, ExportPath, DrivePath, out var drivePath))
        {
            return drivePath;
        }

        var below = NfsPath.Split(serverPath).Skip(NfsPath.Split(ExportPath).Length);
        return NfsPath.Join(NfsPath.Split(DrivePath).Concat(below));
    }

    public override string ToString() => $"{DrivePath} = {Server}:{ExportPath}";
}

/// <summary>
/// The mounts of one drive: the root mount and the nested mounts grafted at drive paths, and one client
/// per server endpoint. Thread-safe; grafting is serialized by the caller (one task per trigger point).
/// </summary>
public sealed class MountTree
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Mount> _mounts = new(StringComparer.Ordinal);
    private readonly Dictionary<EndPoint, NfsClient> _clients = [];

    public MountTree(Mount root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = root with { DrivePath = "/" };
        OwnerClient = root.Client;
        _mounts.Add("/", Root);
        _clients.Add(root.Server, root.Client);
    }

    /// <summary>The root mount; a migration (NamespaceFileSystem.Migration.cs) may move it to another server.</summary>
    public Mount Root { get; private set; }

    /// <summary>The client the root was mounted with: its owner's, never disposed by the namespace (even after the root migrates).</summary>
    internal NfsClient OwnerClient { get; }

    /// <summary>Every mount, the root first, then by drive path.</summary>
    public IReadOnlyList<Mount> Mounts
    {
        get
        {
            lock (_gate)
            {
                return [.. _mounts.Values.OrderBy(m => m.DrivePath.Length).ThenBy(m => m.DrivePath, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The deepest mount whose drive path is <paramref name="drivePath"/> or above it.</summary>
    public Mount Find(string drivePath)
    {
        // Every call on the drive starts here: the path (normal already, as a rule, so not copied) is looked up by its
        // prefixes as spans, deepest first, allocating nothing.
        var path = NfsPath.Normalize(drivePath);
        lock (_gate)
        {
            var byPrefix = _mounts.GetAlternateLookup<ReadOnlySpan<char>>();
            for (var prefix = path.AsSpan(); prefix.Length > 1; prefix = prefix[..prefix.LastIndexOf('/')])
            {
                if (byPrefix.TryGetValue(prefix, out var mount))
                {
                    return mount;
                }
            }

            return Root;
        }
    }

    /// <summary>The mount grafted exactly at <paramref name="drivePath"/>, if any.</summary>
    public Mount? MountAt(string drivePath)
    {
        lock (_gate)
        {
            return _mounts.GetValueOrDefault(NfsPath.Normalize(drivePath));
        }
    }

    internal void Graft(Mount mount)
    {
        lock (_gate)
        {
            if (!_mounts.TryAdd(mount.DrivePath, mount))
            {
                throw new InvalidOperationException($"{mount.DrivePath} is mounted already.");
            }
        }
    }

    /// <summary>
    /// Migration: <paramref name="moved"/> (the root or a nested mount) is now <paramref name="replacement"/>, at
    /// the same drive path. False if <paramref name="moved"/> is no longer mounted there.
    /// </summary>
    internal bool Replace(Mount moved, Mount replacement)
    {
        lock (_gate)
        {
            if (!_mounts.TryGetValue(moved.DrivePath, out var current) || !ReferenceEquals(current, moved) || replacement.DrivePath != moved.DrivePath)
            {
                return false;
            }

            _mounts[moved.DrivePath] = replacement;
            if (ReferenceEquals(Root, moved))
            {
                Root = replacement;
            }

            return true;
        }
    }

    /// <summary>Removes a nested mount (unmount, idle expiry); its client stays until <see cref="RemoveUnusedClient"/>.</summary>
    internal void Ungraft(Mount mount)
    {
        lock (_gate)
        {
            if (_mounts.TryGetValue(mount.DrivePath, out var current) && ReferenceEquals(current, mount) && !ReferenceEquals(mount, Root))
            {
                _ = _mounts.Remove(mount.DrivePath);
            }
        }
    }

    /// <summary>The client of <paramref name="server"/>; <paramref name="created"/> says whether it is new (not yet shared).</summary>
    internal NfsClient GetOrAddClient(EndPoint server, Func<EndPoint, NfsClient> create, out bool created)
    {
        lock (_gate)
        {
            if (_clients.TryGetValue(server, out var client))
            {
                created = false;
                return client;
            }

            client = create(server);
            _clients.Add(server, client);
            created = true;
            return client;
        }
    }

    /// <summary>Forgets a client no mount uses (a server that did not answer).</summary>
    internal bool RemoveUnusedClient(EndPoint server)
    {
        lock (_gate)
        {
            return !_mounts.Values.Any(m => m.Server.Equals(server)) && _clients.Remove(server);
        }
    }

    /// <summary>The clients the tree created (every one but the root's, which its owner disposes).</summary>
    internal List<NfsClient> TakeOwnedClients()
    {
        lock (_gate)
        {
            // The owner's client, not Root.Client: after a migration of the root they differ.
            var owned = _clients.Values.Where(c => !ReferenceEquals(c, OwnerClient)).ToList();
            var kept = _clients.Where(kv => ReferenceEquals(kv.Value, OwnerClient)).ToList();
            _clients.Clear();
            foreach (var (server, client) in kept)
            {
                _clients.Add(server, client);
            }
            return owned;
        }
    }
}
