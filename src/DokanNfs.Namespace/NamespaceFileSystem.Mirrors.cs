using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Namespace;

/// <summary>
/// Mirror mounts: where a walk on one server passes from one fsid into another (Ganesha's pseudo root "/"
/// into the export "/export"), a nested mount is grafted at that directory. It is the same server, so it
/// reuses the parent's client (one client, one client id, one lease) and the same server paths; what it
/// adds is a file system boundary: its own fsid, RENAME across it is XDEV, and it cannot be removed.
/// </summary>
public sealed partial class NamespaceFileSystem
{
    private int _mirrorCount;

    /// <summary>How many mirror mounts have been grafted (not counted in <see cref="GraftCount"/>, which counts referrals).</summary>
    public int MirrorCount => Volatile.Read(ref _mirrorCount);

    /// <summary>
    /// Called with what an operation on <paramref name="mount"/> returned for <paramref name="drivePath"/>:
    /// when its fsid is not the mount's, a file system boundary lies between the mount's root and the
    /// target, and every directory where the fsid changes gets a mirror mount. The result itself stays
    /// valid: a mirror mount has the same client and the same server paths as its parent.
    /// </summary>
    private async ValueTask GraftMirrorsAsync(Mount mount, string drivePath, object? result, CancellationToken cancellationToken)
    {
        var fsid = result switch
        {
            NfsNode node => node.Attributes.Fsid,
            NfsAttributes attributes => attributes.Fsid,
            _ => null,
        };
        if (fsid is null || mount.Fsid is null || fsid == mount.Fsid)
        {
            return;
        }

        // Ask each directory below the mount's root, top down, for its fsid (its handle is cached by the
        // walk that just succeeded, so each is one short COMPOUND). This runs once per boundary: afterwards
        // the deeper mount is found first and its fsid matches.
        var parentFsid = mount.Fsid;
        var parent = mount;
        var below = NfsPath.Split(drivePath)[NfsPath.Split(mount.DrivePath).Length..];
        for (var n = 1; n <= below.Length; n++)
        {
            var directory = NfsPath.Join(NfsPath.Split(mount.DrivePath).Concat(below[..n]));
            var serverPath = mount.ToServerPath(directory);
            var node = n == below.Length && result is NfsNode last && last.IsDirectory
                ? last
                : await mount.Client.GetAttrAsync(serverPath, cancellationToken).ConfigureAwait(false);
            if (!node.IsDirectory)
            {
                return;
            }

            if (node.Attributes.Fsid is { } childFsid && childFsid != parentFsid)
            {
                parent = GraftMirror(parent with { DrivePath = directory, ExportPath = serverPath, Fsid = childFsid });
                parentFsid = childFsid;
            }
        }
    }

    private Mount GraftMirror(Mount mirror)
    {
        lock (_grafts)
        {
            // A concurrent access may have found the same boundary first.
            if (Tree.MountAt(mirror.DrivePath) is { } existing)
            {
                return existing;
            }

            Tree.Graft(mirror);
        }

        Interlocked.Increment(ref _mirrorCount);
        return mirror;
    }
}
