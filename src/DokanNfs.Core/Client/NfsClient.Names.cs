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

    /// <summary>
    /// REMOVE of a file, link or empty directory (RFC 7530 §16.26), bound to the object the walk (or the cache) found at
    /// the name (VERIFY of its fileid before the REMOVE) and logged for version-carrying replay (see NfsClient.Replay.cs): after
    /// a lost reply the caller gets success if the name is gone or now refers to another object, the REMOVE is sent
    /// again behind VERIFY if the object is unchanged, and <see cref="NfsReplayConflictException"/> if it changed.
    /// </summary>
    public async ValueTask<ChangeInfo4> RemoveAsync(string path, CancellationToken cancellationToken)
    {
        for (var race = 0; ; race++)
        {
            // Issue 9: with the directory and the name's last object cached, no walk — the REMOVE's own COMPOUND is the
            // only round trip. The VERIFY of the cached fileid binds the REMOVE to that object at the server, so a name
            // that moved on since fails it and goes again after a walk, as a stale directory handle does. The versions
            // logged are the cached ones, observed before the send: a lost reply is judged against an older baseline,
            // which can only turn a replay into a conflict, never replay over a change (ReplayRules.Remove).
            var hinted = race == 0 ? TryResolveRemoveHint(path) : null;
            var name = hinted ?? await ResolveNameAsync(path, cancellationToken).ConfigureAwait(false);
            ChangeInfo4? changed = null;
            try
            {
                if (name.NameIsFree)
                {
                    throw new NfsException(NfsStat4.NoEnt, NfsOpnum4.Remove, name.Path);
                }

                changed = name.DirectoryVersion is { } directory && name.ChildVersion is { } target
                    ? await RemoveLoggedAsync(name, directory, target, cancellationToken).ConfigureAwait(false)
                    : await RemoveUncheckedAsync(name, cancellationToken).ConfigureAwait(false);
                return changed.Value;
            }
            catch (NfsException ex) when (IsNameRace(ex) && race < MaxNameRaces)
            {
                ReplayLogMessages.NameChangedBeforeSend(_logger, ServerName, $"Remove {name.Path}");
            }
            catch (NfsException ex) when (hinted is not null && ex is not NfsReplayConflictException && ex is not NfsMovedException
                && ex.Status is NfsStat4.FhExpired or NfsStat4.Stale or NfsStat4.BadHandle or NfsStat4.Moved)
            {
                // The cached directory handle is no longer good (or its file system moved): walk to it, once.
                ClientLog.FileHandleExpired(_logger, ServerName, name.Parent.Path);
                Handles.Clear();
                DropMetadataCaches();
            }
            finally
            {
                Handles.InvalidateAtOrBelow(name.Path);
                NoteNameChanged(name.Path, name.Parent.FileHandle, changed, name.Child?.FileHandle);
            }
        }
    }

    /// <summary>
    /// RENAME (RFC 7530 §16.27): SAVEFH holds the source directory, the current one the target's. Bound to the objects
    /// the walks found (VERIFY of the source's fileid, and of the destination's when one is replaced) and logged for
    /// version-carrying replay: after a lost reply, the renamed object at the destination is success; the source
    /// unchanged and the destination as it was is a replay behind VERIFY; anything else a conflict.
    /// </summary>
    public async ValueTask<(ChangeInfo4 Source, ChangeInfo4 Target)> RenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        for (var race = 0; ; race++)
        {
            var source = await ResolveNameAsync(from, cancellationToken).ConfigureAwait(false);
            var target = await ResolveNameAsync(to, cancellationToken).ConfigureAwait(false);
            (ChangeInfo4 Source, ChangeInfo4 Target)? changed = null;
            try
            {
                if (source.NameIsFree)
                {
                    throw new NfsException(NfsStat4.NoEnt, NfsOpnum4.Rename, source.Path);
                }

                var logged = source.DirectoryVersion is not null && source.ChildVersion is not null && target.DirectoryVersion is not null
                    && (target.NameIsFree || target.ChildVersion is not null);
                changed = logged
                    ? await RenameLoggedAsync(source, target, cancellationToken).ConfigureAwait(false)
                    : await RenameUncheckedAsync(source, target, cancellationToken).ConfigureAwait(false);
                return changed.Value;
            }
            catch (NfsException ex) when (IsNameRace(ex) && race < MaxNameRaces)
            {
                ReplayLogMessages.NameChangedBeforeSend(_logger, ServerName, $"Rename {source.Path} -> {target.Path}");
            }
            finally
            {
                Handles.InvalidateAtOrBelow(source.Path);
                Handles.InvalidateAtOrBelow(target.Path);

                // Both directories changed: when they are one, the second change_info is the later of the two.
                NoteNameChanged(source.Path, source.Parent.FileHandle, changed?.Source, source.Child?.FileHandle);
                NoteNameChanged(target.Path, target.Parent.FileHandle, changed?.Target, target.Child?.FileHandle);
            }
        }
    }

    /// <summary>
    /// LINK (RFC 7530 §16.9): a new name for an existing file, logged for version-carrying replay (after a lost reply,
    /// the name referring to the file is success; the name still free is a replay behind VERIFY; else a conflict).
    /// </summary>
    public async ValueTask<ChangeInfo4> LinkAsync(string existing, string newPath, CancellationToken cancellationToken)
    {
        var file = await ResolveAsync(existing, AttributeRequests.Stat, useCache: false, cancellationToken).ConfigureAwait(false);
        var name = await ResolveNameAsync(newPath, cancellationToken).ConfigureAwait(false);
        if (name.Child is not null)
        {
            throw new NfsException(NfsStat4.Exist, NfsOpnum4.Link, name.Path);
        }

        ChangeInfo4? changed = null;
        try
        {
            changed = name.NameIsFree && name.DirectoryVersion is { } directory && ObjectVersion.Of(file.Attributes, file.FileHandle) is { } linked
                ? await LinkLoggedAsync(file, name, directory, linked, cancellationToken).ConfigureAwait(false)
                : await SendLinkAsync(new LinkCall(file.FileHandle, 0, name.Parent.FileHandle, 0, name.Name, Replay: false), name.Path, cancellationToken).ConfigureAwait(false);
            return changed.Value;
        }
        finally
        {
            NoteNameChanged(name.Path, name.Parent.FileHandle, changed, file.FileHandle);
        }
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

    /// <summary>
    /// SETATTR by path, without an open (the anonymous stateid; size changes need an open file), logged for
    /// version-carrying replay: after a lost reply, attributes that already hold are success; an object still at the
    /// version the walk found gets the SETATTR again behind VERIFY of that version; otherwise a conflict (another
    /// client's change is not clobbered).
    /// </summary>
    public async ValueTask<NfsAttributes> SetAttrAsync(string path, SetAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var node = await ResolveAsync(path, AttributeRequests.Stat, useCache: false, cancellationToken).ConfigureAwait(false);
        try
        {
            return ObjectVersion.Of(node.Attributes, node.FileHandle) is { } basis
                ? await SetAttrLoggedAsync(node, basis, attributes, cancellationToken).ConfigureAwait(false)
                : await SetAttrAsync(node.FileHandle, StateId4.Anonymous, attributes, node.Path, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _attributeCache?.Invalidate(node.FileHandle);
        }
    }

    /// <summary>
    /// SETATTR (RFC 7530 §16.32) then GETATTR, in one COMPOUND, with <paramref name="credential"/> (an open
    /// file's) or when null the current one.
    /// </summary>
    public async ValueTask<NfsAttributes> SetAttrAsync(
        NfsFh fileHandle, StateId4 stateId, SetAttributes attributes, string path, CancellationToken cancellationToken, bool retryAfterRecovery = true, RpcCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(fileHandle);
        await _replayLog.WaitForAsync(fileHandle, cancellationToken).ConfigureAwait(false);
        _attributeCache?.Invalidate(fileHandle);
        return await RunAsync(
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
            credential).ConfigureAwait(false);
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

    /// <summary>
    /// CREATE (RFC 7530 §16.4) at a name the walk found free, logged for version-carrying replay: after a lost reply,
    /// an object as asked for at the name is success; the name still free is a replay (a CREATE replaces nothing);
    /// another object there is a conflict. A name already taken fails with NFS4ERR_EXIST without a CREATE being sent.
    /// </summary>
    private async ValueTask<NfsNode> CreateAsync(string path, NfsFtype4 type, string? linkTarget, SetAttributes attributes, CancellationToken cancellationToken)
    {
        var name = await ResolveNameAsync(path, cancellationToken).ConfigureAwait(false);
        if (name.Child is not null)
        {
            throw new NfsException(NfsStat4.Exist, NfsOpnum4.Create, name.Path);
        }

        var call = new CreateCall(name.Parent.FileHandle, type, linkTarget, name.Name, attributes, 0, Replay: false);
        try
        {
            return name.NameIsFree && name.DirectoryVersion is { } directory
                ? await CreateLoggedAsync(name, directory, call, cancellationToken).ConfigureAwait(false)
                : await SendCreateAsync(call, name.Path, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            NoteNameChanged(name.Path, name.Parent.FileHandle, null);
        }
    }

    /// <summary>A name race, not an answer: the first send's VERIFY or LOOKUP found another object (or none) at the name than the walk did.</summary>
    private static bool IsNameRace(NfsException ex) =>
        ex is not NfsReplayConflictException
        && ((ex.Status == NfsStat4.NotSame && ex.Operation == NfsOpnum4.Verify) || (ex.Status == NfsStat4.NoEnt && ex.Operation == NfsOpnum4.Lookup));
}
