using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// Operations on names in directories and on attributes: CREATE, REMOVE, RENAME, LINK, READLINK,
// SETATTR, ACCESS (RFC 7530 §16). Each returns the change_info4 of the directories it changed, which is
// what version-carrying replay builds on.
public sealed partial class NfsClient
{
    /// <summary>CREATE of a directory (RFC 7530 §16.4).</summary>
    public ValueTask<NfsNode> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken) =>
        CreateAsync(path, NfsFtype4.Dir, null, attributes ?? new SetAttributes { Mode = 0x1ED }, cancellationToken);

    /// <summary>CREATE of a symbolic link holding <paramref name="target"/>.</summary>
    public ValueTask<NfsNode> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken) =>
        CreateAsync(path, NfsFtype4.Lnk, target, attributes ?? new SetAttributes { Mode = 0x1FF }, cancellationToken);

    /// <summary>REMOVE of a file, link or empty directory.</summary>
    public async ValueTask<ChangeInfo4> RemoveAsync(string path, CancellationToken cancellationToken)
    {
        var (parent, name) = await ResolveParentAsync(path, cancellationToken).ConfigureAwait(false);
        var normalized = NfsPath.Combine(parent.Path, name);
        var change = await RunAsync(
            "remove",
            (parent.FileHandle, name),
            static (ref CompoundEncoder e, (NfsFh Dir, string Name) c) =>
            {
                e.PutFh(c.Dir);
                e.Remove(c.Name);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = normalized;
                results.PutFh(ref r);
                return results.Remove(ref r);
            },
            cancellationToken).ConfigureAwait(false);
        Handles.InvalidateAtOrBelow(normalized);
        return change;
    }

    /// <summary>RENAME (RFC 7530 §16.27): SAVEFH holds the source directory, the current one the target's.</summary>
    public async ValueTask<(ChangeInfo4 Source, ChangeInfo4 Target)> RenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        var (source, oldName) = await ResolveParentAsync(from, cancellationToken).ConfigureAwait(false);
        var (target, newName) = await ResolveParentAsync(to, cancellationToken).ConfigureAwait(false);
        var fromPath = NfsPath.Combine(source.Path, oldName);
        var changes = await RunAsync(
            "rename",
            (source.FileHandle, oldName, target.FileHandle, newName),
            static (ref CompoundEncoder e, (NfsFh From, string OldName, NfsFh To, string NewName) c) =>
            {
                e.PutFh(c.From);
                e.SaveFh();
                e.PutFh(c.To);
                e.Rename(c.OldName, c.NewName);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = fromPath;
                results.PutFh(ref r);
                results.SaveFh(ref r);
                results.PutFh(ref r);
                return results.Rename(ref r);
            },
            cancellationToken).ConfigureAwait(false);
        Handles.InvalidateAtOrBelow(fromPath);
        Handles.InvalidateAtOrBelow(NfsPath.Combine(target.Path, newName));
        return changes;
    }

    /// <summary>LINK (RFC 7530 §16.9): a new name for an existing file.</summary>
    public async ValueTask<ChangeInfo4> LinkAsync(string existing, string newPath, CancellationToken cancellationToken)
    {
        var file = await ResolveAsync(existing, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
        var (dir, name) = await ResolveParentAsync(newPath, cancellationToken).ConfigureAwait(false);
        return await RunAsync(
            "link",
            (file.FileHandle, dir.FileHandle, name),
            static (ref CompoundEncoder e, (NfsFh File, NfsFh Dir, string Name) c) =>
            {
                e.PutFh(c.File);
                e.SaveFh();
                e.PutFh(c.Dir);
                e.Link(c.Name);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = newPath;
                results.PutFh(ref r);
                results.SaveFh(ref r);
                results.PutFh(ref r);
                return results.Link(ref r);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>READLINK (RFC 7530 §16.25).</summary>
    public async ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        var node = await ResolveAsync(path, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
        return await RunAsync(
            "readlink",
            node.FileHandle,
            static (ref CompoundEncoder e, NfsFh fh) =>
            {
                e.PutFh(fh);
                e.ReadLink();
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = node.Path;
                results.PutFh(ref r);
                return results.ReadLink(ref r);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SETATTR by path, without an open (the anonymous stateid; size changes need an open file).</summary>
    public async ValueTask<NfsAttributes> SetAttrAsync(string path, SetAttributes attributes, CancellationToken cancellationToken)
    {
        var node = await ResolveAsync(path, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
        return await SetAttrAsync(node.FileHandle, StateId4.Anonymous, attributes, node.Path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// SETATTR (RFC 7530 §16.32) then GETATTR, in one COMPOUND, with <paramref name="credential"/> (an open
    /// file's) or when null the current one.
    /// </summary>
    public ValueTask<NfsAttributes> SetAttrAsync(
        NfsFh fileHandle, StateId4 stateId, SetAttributes attributes, string path, CancellationToken cancellationToken, bool retryAfterRecovery = true, RpcCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return RunAsync(
            "setattr",
            (fileHandle, stateId, attributes),
            static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, SetAttributes Attrs) c) =>
            {
                e.PutFh(c.Fh);
                e.SetAttr(c.StateId, c.Attrs);
                e.GetAttr(AttributeRequests.Stat);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                results.PutFh(ref r);
                results.SetAttr(ref r);
                return results.GetAttr(ref r);
            },
            cancellationToken,
            retryAfterRecovery,
            credential);
    }

    /// <summary>ACCESS (RFC 7530 §16.1): which of <paramref name="access"/> the server grants this credential.</summary>
    public async ValueTask<Access4> AccessAsync(string path, Access4 access, CancellationToken cancellationToken)
    {
        var node = await ResolveAsync(path, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
        var (_, granted) = await RunAsync(
            "access",
            (node.FileHandle, access),
            static (ref CompoundEncoder e, (NfsFh Fh, Access4 Access) c) =>
            {
                e.PutFh(c.Fh);
                e.Access(c.Access);
            },
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutFh(ref r);
                return results.Access(ref r);
            },
            cancellationToken).ConfigureAwait(false);
        return granted;
    }

    private async ValueTask<NfsNode> CreateAsync(string path, NfsFtype4 type, string? linkTarget, SetAttributes attributes, CancellationToken cancellationToken)
    {
        var (parent, name) = await ResolveParentAsync(path, cancellationToken).ConfigureAwait(false);
        var normalized = NfsPath.Combine(parent.Path, name);
        var (fh, attrs) = await RunAsync(
            "create",
            (parent.FileHandle, type, linkTarget, name, attributes),
            static (ref CompoundEncoder e, (NfsFh Dir, NfsFtype4 Type, string? Link, string Name, SetAttributes Attrs) c) =>
            {
                e.PutFh(c.Dir);
                e.Create(c.Type, c.Link, c.Name, c.Attrs);
                e.GetFh();
                e.GetAttr(AttributeRequests.Stat);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = normalized;
                results.PutFh(ref r);
                results.Create(ref r);
                var created = results.GetFh(ref r);
                return (created, results.GetAttr(ref r));
            },
            cancellationToken).ConfigureAwait(false);
        return new NfsNode(normalized, fh, attrs);
    }
}
