using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// The name operations as logged calls (issue 8 §1–2): each records the versions it is based on, sends its COMPOUND —
// the first time bound to the objects the walk found by VERIFY of their fileids (RFC 7530 §16.35), so even a copy of
// the request the server runs late acts only on those objects; as a replay behind VERIFY of the versions the
// resolution checked — and says how to resolve an unknown outcome (ReplayRules). The unchecked variants are for
// names whose identity the server did not give (no fileid or change, a referral at the name): sent as before.
public sealed partial class NfsClient
{
    private async ValueTask<ChangeInfo4> RemoveLoggedAsync(NameResolution name, ObjectVersion directory, ObjectVersion target, CancellationToken cancellationToken)
    {
        var entry = new ReplayEntry(
            ReplayOperation.Remove,
            name.Path,
            null,
            [new ReplayObject("directory", name.Parent.Path, directory), new ReplayObject("target", name.Path, target)]);
        return await RunLoggedAsync(
            entry,
            NfsOpnum4.Remove,
            async (replay, ct) =>
            {
                var change = await SendRemoveAsync(new RemoveCall(name.Parent.FileHandle, name.Name, directory.FileId, target, replay), name.Path, ct).ConfigureAwait(false);
                entry["directory"].ChangeAfter = change.After;
                return change;
            },
            async ct =>
            {
                var now = await ProbeNameAsync(name.Parent.FileHandle, name.Parent.Path, name.Name, ct).ConfigureAwait(false);
                return (ReplayRules.Remove(directory, target, now), now.ToString(), Untracked(directory, now));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PUTFH dir; [VERIFY dir]; LOOKUP name; VERIFY target; PUTFH dir; REMOVE name.</summary>
    private ValueTask<ChangeInfo4> SendRemoveAsync(RemoveCall call, string path, CancellationToken cancellationToken) =>
        RunAsync(
            call.Replay ? "remove-replay" : "remove",
            call,
            static (ref CompoundEncoder e, RemoveCall c) =>
            {
                e.PutFh(c.Dir);
                if (c.Replay)
                {
                    e.VerifyIdentity(c.DirectoryId);
                }

                e.Lookup(c.Name);
                if (c.Replay)
                {
                    e.VerifyVersion(c.Target);
                }
                else
                {
                    e.VerifyIdentity(c.Target.FileId);
                }

                e.PutFh(c.Dir);
                e.Remove(c.Name);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                results.PutFh(ref r);
                if (call.Replay)
                {
                    results.Verified(ref r);
                }

                results.Lookup(ref r);
                results.Verified(ref r);
                results.PutFh(ref r);
                return results.Remove(ref r);
            },
            cancellationToken);

    /// <summary>REMOVE as it always was: PUTFH dir; REMOVE name.</summary>
    private ValueTask<ChangeInfo4> RemoveUncheckedAsync(NameResolution name, CancellationToken cancellationToken) =>
        RunAsync(
            "remove",
            (name.Parent.FileHandle, name.Name),
            static (ref CompoundEncoder e, (NfsFh Dir, string Name) c) =>
            {
                e.PutFh(c.Dir);
                e.Remove(c.Name);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = name.Path;
                results.PutFh(ref r);
                return results.Remove(ref r);
            },
            cancellationToken);

    private async ValueTask<(ChangeInfo4 Source, ChangeInfo4 Target)> RenameLoggedAsync(NameResolution source, NameResolution target, CancellationToken cancellationToken)
    {
        var sourceDirectory = source.DirectoryVersion!.Value;
        var moved = source.ChildVersion!.Value;
        var targetDirectory = target.DirectoryVersion!.Value;
        var replaced = target.ChildVersion;
        var entry = new ReplayEntry(
            ReplayOperation.Rename,
            source.Path,
            target.Path,
            [
                new ReplayObject("source directory", source.Parent.Path, sourceDirectory),
                new ReplayObject("source", source.Path, moved),
                new ReplayObject("destination directory", target.Parent.Path, targetDirectory),
                new ReplayObject("destination", target.Path, replaced),
            ]);
        return await RunLoggedAsync(
            entry,
            NfsOpnum4.Rename,
            async (replay, ct) =>
            {
                var call = new RenameCall(source.Parent.FileHandle, source.Name, sourceDirectory.FileId, moved, target.Parent.FileHandle, target.Name, targetDirectory.FileId, replaced, replay);
                var changes = await SendRenameAsync(call, source.Path, ct).ConfigureAwait(false);
                entry["source directory"].ChangeAfter = changes.Source.After;
                entry["destination directory"].ChangeAfter = changes.Target.After;
                return changes;
            },
            async ct =>
            {
                var atSource = await ProbeNameAsync(source.Parent.FileHandle, source.Parent.Path, source.Name, ct).ConfigureAwait(false);
                var atDestination = await ProbeNameAsync(target.Parent.FileHandle, target.Parent.Path, target.Name, ct).ConfigureAwait(false);
                var verdict = ReplayRules.Rename(sourceDirectory, moved, targetDirectory, replaced, atSource, atDestination);
                return (verdict, $"source: {atSource}; destination: {atDestination}", (Untracked(sourceDirectory, atSource), Untracked(targetDirectory, atDestination)));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// PUTFH from; [VERIFY from]; LOOKUP old; VERIFY moved; then, when replaying or replacing, PUTFH to; [VERIFY to];
    /// [LOOKUP new; VERIFY replaced]; then PUTFH from; SAVEFH; PUTFH to; RENAME old new.
    /// </summary>
    private ValueTask<(ChangeInfo4 Source, ChangeInfo4 Target)> SendRenameAsync(RenameCall call, string path, CancellationToken cancellationToken) =>
        RunAsync(
            call.Replay ? "rename-replay" : "rename",
            call,
            static (ref CompoundEncoder e, RenameCall c) =>
            {
                e.PutFh(c.From);
                if (c.Replay)
                {
                    e.VerifyIdentity(c.FromId);
                }

                e.Lookup(c.OldName);
                e.VerifyIdentity(c.Moved.FileId);
                if (c.Replay || c.Replaced is not null)
                {
                    e.PutFh(c.To);
                    if (c.Replay)
                    {
                        e.VerifyIdentity(c.ToId);
                    }

                    if (c.Replaced is { } replaced)
                    {
                        e.Lookup(c.NewName);
                        if (c.Replay)
                        {
                            e.VerifyVersion(replaced);
                        }
                        else
                        {
                            e.VerifyIdentity(replaced.FileId);
                        }
                    }
                }

                e.PutFh(c.From);
                e.SaveFh();
                e.PutFh(c.To);
                e.Rename(c.OldName, c.NewName);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                results.PutFh(ref r);
                if (call.Replay)
                {
                    results.Verified(ref r);
                }

                results.Lookup(ref r);
                results.Verified(ref r);
                if (call.Replay || call.Replaced is not null)
                {
                    results.PutFh(ref r);
                    if (call.Replay)
                    {
                        results.Verified(ref r);
                    }

                    if (call.Replaced is not null)
                    {
                        results.Lookup(ref r);
                        results.Verified(ref r);
                    }
                }

                results.PutFh(ref r);
                results.SaveFh(ref r);
                results.PutFh(ref r);
                return results.Rename(ref r);
            },
            cancellationToken);

    /// <summary>RENAME as it always was: PUTFH from; SAVEFH; PUTFH to; RENAME.</summary>
    private ValueTask<(ChangeInfo4 Source, ChangeInfo4 Target)> RenameUncheckedAsync(NameResolution source, NameResolution target, CancellationToken cancellationToken) =>
        RunAsync(
            "rename",
            (source.Parent.FileHandle, source.Name, target.Parent.FileHandle, target.Name),
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
                results.Path = source.Path;
                results.PutFh(ref r);
                results.SaveFh(ref r);
                results.PutFh(ref r);
                return results.Rename(ref r);
            },
            cancellationToken);

    private async ValueTask<ChangeInfo4> LinkLoggedAsync(NfsNode file, NameResolution name, ObjectVersion directory, ObjectVersion linked, CancellationToken cancellationToken)
    {
        var entry = new ReplayEntry(
            ReplayOperation.Link,
            name.Path,
            file.Path,
            [new ReplayObject("directory", name.Parent.Path, directory), new ReplayObject("file", file.Path, linked), new ReplayObject("name", name.Path, null)]);
        return await RunLoggedAsync(
            entry,
            NfsOpnum4.Link,
            async (replay, ct) =>
            {
                var change = await SendLinkAsync(new LinkCall(file.FileHandle, linked.FileId, name.Parent.FileHandle, directory.FileId, name.Name, replay), name.Path, ct).ConfigureAwait(false);
                entry["directory"].ChangeAfter = change.After;
                return change;
            },
            async ct =>
            {
                var now = await ProbeNameAsync(name.Parent.FileHandle, name.Parent.Path, name.Name, ct).ConfigureAwait(false);
                var (status, fileNow) = await ProbeHandleAsync(file.FileHandle, file.Path, ct).ConfigureAwait(false);
                var fileVersion = fileNow is null ? null : ObjectVersion.Of(fileNow, file.FileHandle);
                var verdict = ReplayRules.Link(directory, linked, now, status, fileVersion);
                return (verdict, $"name: {now}; file: {fileVersion?.ToString() ?? status.ToString()}", Untracked(directory, now));
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PUTFH file; [VERIFY file]; SAVEFH; PUTFH dir; [VERIFY dir]; LINK name.</summary>
    private ValueTask<ChangeInfo4> SendLinkAsync(LinkCall call, string path, CancellationToken cancellationToken) =>
        RunAsync(
            call.Replay ? "link-replay" : "link",
            call,
            static (ref CompoundEncoder e, LinkCall c) =>
            {
                e.PutFh(c.File);
                if (c.Replay)
                {
                    e.VerifyIdentity(c.FileId);
                }

                e.SaveFh();
                e.PutFh(c.Dir);
                if (c.Replay)
                {
                    e.VerifyIdentity(c.DirectoryId);
                }

                e.Link(c.Name);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                results.PutFh(ref r);
                if (call.Replay)
                {
                    results.Verified(ref r);
                }

                results.SaveFh(ref r);
                results.PutFh(ref r);
                if (call.Replay)
                {
                    results.Verified(ref r);
                }

                return results.Link(ref r);
            },
            cancellationToken);

    private async ValueTask<NfsNode> CreateLoggedAsync(NameResolution name, ObjectVersion directory, CreateCall call, CancellationToken cancellationToken)
    {
        var entry = new ReplayEntry(
            ReplayOperation.Create,
            name.Path,
            null,
            [new ReplayObject("directory", name.Parent.Path, directory), new ReplayObject("name", name.Path, null)]);
        return await RunLoggedAsync(
            entry,
            NfsOpnum4.Create,
            (replay, ct) => SendCreateAsync(call with { DirectoryId = directory.FileId, Replay = replay }, name.Path, entry, ct),
            async ct =>
            {
                var now = await ProbeNameAsync(name.Parent.FileHandle, name.Parent.Path, name.Name, ct).ConfigureAwait(false);
                string? linkText = null;
                if (now.Object is { Type: NfsFtype4.Lnk } link && call.Type == NfsFtype4.Lnk)
                {
                    linkText = await ReadLinkAsync(link.FileHandle!, name.Path, ct).ConfigureAwait(false);
                }

                var verdict = ReplayRules.Create(directory, call.Type, call.Link, call.Attrs, now, linkText);
                var node = now.Object is { } found ? new NfsNode(name.Path, found.FileHandle!, now.ObjectAttributes!) : null;
                return (verdict, now.ToString(), node);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PUTFH dir; [VERIFY dir]; CREATE; GETFH; GETATTR.</summary>
    private async ValueTask<NfsNode> SendCreateAsync(CreateCall call, string path, ReplayEntry? entry, CancellationToken cancellationToken)
    {
        var (change, fh, attrs) = await RunAsync(
            call.Replay ? "create-replay" : "create",
            call,
            static (ref CompoundEncoder e, CreateCall c) =>
            {
                e.PutFh(c.Dir);
                if (c.Replay)
                {
                    e.VerifyIdentity(c.DirectoryId);
                }

                e.Create(c.Type, c.Link, c.Name, c.Attrs);
                e.GetFh();
                e.GetAttr(AttributeRequests.Stat);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                results.PutFh(ref r);
                if (call.Replay)
                {
                    results.Verified(ref r);
                }

                var (changeInfo, _) = results.Create(ref r);
                var created = results.GetFh(ref r);
                return (changeInfo, created, results.GetAttr(ref r));
            },
            cancellationToken).ConfigureAwait(false);
        if (entry is not null)
        {
            entry["directory"].ChangeAfter = change.After;
            entry["name"].ChangeAfter = attrs.Change;
        }

        return new NfsNode(path, fh, attrs);
    }

    private ValueTask<NfsAttributes> SetAttrLoggedAsync(NfsNode node, ObjectVersion basis, SetAttributes attributes, CancellationToken cancellationToken) =>
        SetAttrLoggedAsync(new SetAttrCall(node.FileHandle, basis, attributes, Replay: false, StateId4.Anonymous), node.Path, retryAfterRecovery: true, credential: null, cancellationToken);

    /// <summary>
    /// SETATTR by an open file's handle and stateid (a size change, times: <see cref="NfsOpenFile.SetAttrAsync"/>),
    /// logged like SETATTR by path with <paramref name="basis"/>, the version the handle last knew of the file: after a
    /// lost reply, attributes that already hold are success; a file still at that version gets the SETATTR again behind
    /// VERIFY; otherwise a conflict, and another client's change (its data past a size we asked for) is kept. Without a
    /// basis (no fileid known) it goes unlogged.
    /// </summary>
    internal async ValueTask<NfsAttributes> SetAttrByHandleAsync(
        NfsFh fileHandle, StateId4 stateId, ObjectVersion? basis, SetAttributes attributes, string path, RpcCredential? credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (basis is not { } version)
        {
            return await SetAttrAsync(fileHandle, stateId, attributes, path, cancellationToken, retryAfterRecovery: false, credential).ConfigureAwait(false);
        }

        await _replayLog.WaitForAsync(fileHandle, cancellationToken).ConfigureAwait(false);
        return await SetAttrLoggedAsync(new SetAttrCall(fileHandle, version, attributes, Replay: false, stateId), path, retryAfterRecovery: false, credential, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<NfsAttributes> SetAttrLoggedAsync(SetAttrCall call, string path, bool retryAfterRecovery, RpcCredential? credential, CancellationToken cancellationToken)
    {
        var (fileHandle, basis, attributes) = (call.Fh, call.Basis, call.Attrs);
        var entry = new ReplayEntry(ReplayOperation.SetAttr, path, null, [new ReplayObject("object", path, basis)], fileHandle, changesDirectories: false);
        return await RunLoggedAsync(
            entry,
            NfsOpnum4.SetAttr,
            async (replay, ct) =>
            {
                var attrs = await SendSetAttrAsync(call with { Replay = replay }, path, ct, retryAfterRecovery, credential).ConfigureAwait(false);
                entry["object"].ChangeAfter = attrs.Change;
                return attrs;
            },
            async ct =>
            {
                var (status, now) = await ProbeHandleAsync(fileHandle, path, ct).ConfigureAwait(false);
                var verdict = ReplayRules.SetAttr(basis, attributes, status, now);
                var found = now is null ? status.ToString() : ObjectVersion.Of(now, fileHandle)?.ToString() ?? "no fileid or change";
                return (verdict, found, now);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PUTFH; [VERIFY change, fileid]; SETATTR (the call's stateid: anonymous by path, the open's by handle); GETATTR.</summary>
    private ValueTask<NfsAttributes> SendSetAttrAsync(SetAttrCall call, string path, CancellationToken cancellationToken, bool retryAfterRecovery, RpcCredential? credential) =>
        RunAsync(
            call.Replay ? "setattr-replay" : "setattr",
            call,
            static (ref CompoundEncoder e, SetAttrCall c) =>
            {
                e.PutFh(c.Fh);
                if (c.Replay)
                {
                    e.VerifyVersion(c.Basis);
                }

                e.SetAttr(c.StateId, c.Attrs);
                e.GetAttr(AttributeRequests.Stat);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                results.PutFh(ref r);
                if (call.Replay)
                {
                    results.Verified(ref r);
                }

                results.SetAttr(ref r);
                return results.GetAttr(ref r);
            },
            cancellationToken,
            retryAfterRecovery,
            credential);

    /// <summary>READLINK by handle (for resolving a CREATE of a symbolic link).</summary>
    private ValueTask<string> ReadLinkAsync(NfsFh link, string path, CancellationToken cancellationToken) =>
        RunAsync(
            "readlink",
            link,
            static (ref CompoundEncoder e, NfsFh fh) =>
            {
                e.PutFh(fh);
                e.ReadLink();
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                results.PutFh(ref r);
                return results.ReadLink(ref r);
            },
            cancellationToken);

    /// <summary>
    /// A change_info4 for a call settled without its reply: not atomic (RFC 7530 §3.3.6), from the version the call was
    /// based on to the one found, since the real pair was in the lost reply.
    /// </summary>
    private static ChangeInfo4 Untracked(ObjectVersion directory, NameProbe now) =>
        new(false, directory.Change, now.Directory?.Change ?? directory.Change);

    private sealed record RemoveCall(NfsFh Dir, string Name, ulong DirectoryId, ObjectVersion Target, bool Replay);

    private sealed record RenameCall(NfsFh From, string OldName, ulong FromId, ObjectVersion Moved, NfsFh To, string NewName, ulong ToId, ObjectVersion? Replaced, bool Replay);

    private sealed record LinkCall(NfsFh File, ulong FileId, NfsFh Dir, ulong DirectoryId, string Name, bool Replay);

    private sealed record CreateCall(NfsFh Dir, NfsFtype4 Type, string? Link, string Name, SetAttributes Attrs, ulong DirectoryId, bool Replay);

    private sealed record SetAttrCall(NfsFh Fh, ObjectVersion Basis, SetAttributes Attrs, bool Replay, StateId4 StateId);
}
