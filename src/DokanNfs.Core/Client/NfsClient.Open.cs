using System.Security.Cryptography;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    /// <summary>
    /// OPEN with CLAIM_NULL (RFC 7530 §16.16): PUTFH(directory), OPEN, GETFH, GETATTR in one COMPOUND,
    /// then OPEN_CONFIRM when the server asks for it (a new open-owner), then for EXCLUSIVE4 the SETATTR
    /// of the real attributes, and SETATTR(size 0) when truncating. The open belongs to the current credential
    /// (<see cref="NfsCallContext"/>): its open-owner is one of that principal's, and every later call on the
    /// file goes out with it (<see cref="NfsOpenFile.Credential"/>).
    /// </summary>
    public async ValueTask<NfsOpenFile> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Create is null && _attributeCache is { Enabled: true } attributes && NfsPath.IsNormal(path) && _replayLog.UnknownCount == 0
            && NameCache.TryResolve(CallerCredential, path, attributes, Handles, out var known) && known is null)
        {
            // The negative-lookup cache: opening a name known to be absent (Windows probes many) costs no round trip.
            throw new NfsException(NfsStat4.NoEnt, NfsOpnum4.Open, path);
        }

        var used = new UsedDirectory();
        try
        {
            return await OpenAsync(path, request, cachedParent: true, used, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.OpIndex == 0 && ex.Status is NfsStat4.FhExpired or NfsStat4.Stale or NfsStat4.BadHandle)
        {
            // The directory's handle came from a cache and is no longer good: walk to it again, once.
            ClientLog.FileHandleExpired(_logger, ServerName, NfsPath.SplitLast(NfsPath.Normalize(path)).Parent);
            Handles.Clear();
            DropMetadataCaches();
            return await OpenAsync(path, request, cachedParent: false, used, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Moved && ex is not NfsMovedException && used.Path is { } movedPath)
        {
            // The directory came from a cache and its file system has moved since: the walk describes the move.
            throw await DescribeMovedAsync(ex, movedPath, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.NoEnt && ex.Operation == NfsOpnum4.Open && used.Directory is { } directory && used.Path is { } directoryPath)
        {
            // A cached directory handle may name a directory that is no longer at its path (removed, and the server
            // still knows the handle): look the directory up again. The same one: the name is absent (and cached as
            // such); another: the OPEN goes again, in the directory now at the path.
            Handles.InvalidateAtOrBelow(directoryPath);
            NameCache.Remove(directoryPath);
            var now = await ResolveAsync(directoryPath, AttributeRequests.Stat, useCache: true, cancellationToken).ConfigureAwait(false);
            if (now.FileHandle.Equals(directory))
            {
                CacheAbsent(CallerCredential, NfsPath.Combine(directoryPath, NfsPath.SplitLast(path).Name), directory);
                throw;
            }

            return await OpenAsync(path, request, cachedParent: false, used, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<NfsOpenFile> OpenAsync(string path, OpenRequest request, bool cachedParent, UsedDirectory used, CancellationToken cancellationToken)
    {
        var credential = CallerCredential;
        if (TryOpenUnderDelegation(path, request, credential) is { } local)
        {
            return local;
        }

        await EnsureClientIdAsync(cancellationToken).ConfigureAwait(false);

        // An OPEN that may create goes in the replay log with the versions it is based on; the walk looks at the name
        // too, in the same COMPOUND. Its outcome is never left unknown: a lost reply is re-sent with the same seqid
        // (the server's replay cache, RFC 7530 §9.1.8) and an EXCLUSIVE4 create with the same verifier (§16.16.5).
        // With the directory cached, no walk at all (issue 9: a create in one COMPOUND): the OPEN itself says whether
        // the name existed, and a stale directory handle fails at its PUTFH, which sends the OPEN again after a walk.
        var resolved = request.Create is null ? null
            : (cachedParent ? TryResolveNameCached(path) : null) ?? await ResolveNameAsync(path, cancellationToken).ConfigureAwait(false);
        var (parent, name) = resolved is null ? await ResolveParentAsync(path, cachedParent, cancellationToken).ConfigureAwait(false) : (resolved.Parent, resolved.Name);
        var normalized = NfsPath.Combine(parent.Path, name);
        var verifier = request.ExclusiveVerifier ?? new Verifier4(RandomVerifier());
        var sent = await ExclusiveFormAsync(request, cancellationToken).ConfigureAwait(false);
        (used.Directory, used.Path) = (parent.FileHandle, parent.Path);
        var entry = resolved?.DirectoryVersion is { } directory
            ? new ReplayEntry(ReplayOperation.Open, normalized, null, [new ReplayObject("directory", parent.Path, directory), new ReplayObject("file", normalized, resolved.ChildVersion)])
            {
                CreateVerifier = sent.Create is CreateMode4.Exclusive or CreateMode4.Exclusive41 ? verifier : null,
            }
            : null;
        if (entry is not null)
        {
            _replayLog.Add(entry);
        }

        // The owner's claim is on the path until the open is closed, and on the file's handle once known.
        var owner = _owners.AcquireOpenOwner(normalized, credential);
        NfsOpenFile file;
        var createdAttrSet = default(Bitmap4);
        try
        {
            for (var retries = 0; ; retries++)
            {
                try
                {
                    // Fix (found by ConnectionLossTests.Guarded_open_and_open_confirm_whose_replies_are_lost_succeed_when_sent_again_with_the_same_seqid):
                    // the first OPEN of a new open-owner is not answered from the replay cache when it is sent again
                    // after its reply was lost: NFS-Ganesha takes seqid 0 on an owner it knows as a fresh start ("ask
                    // the client to confirm it again", open4_open_owner) and Linux nfsd replaces unconfirmed owners
                    // without checking for a replay, so both run it a second time — and a GUARDED4 create then failed
                    // with NFS4ERR_EXIST on the file its own first execution had made. A new owner's GUARDED4 create
                    // therefore goes as EXCLUSIVE4, which a second execution with the same verifier answers with the
                    // file it created (RFC 7530 §16.16.5), and its attributes are set after, as for EXCLUSIVE4.
                    // Confirmed owners' GUARDED4 creates go so too (issue 8, NfsClient.Open.Exclusive.cs): a re-send
                    // after a server restart (or, under NFSv4.1, a lost session) finds no replay cache either.
                    var prefetch = PrefetchFor(sent);
                    var (stateId, fileHandle, attributes, delegation, attrSet) = await OpenConfirmedAsync(owner, parent.FileHandle, name, sent, verifier, normalized, cancellationToken, entry, prefetch).ConfigureAwait(false);
                    file = new NfsOpenFile(this, normalized, fileHandle, owner, stateId, request.Access, request.Deny, attributes, delegation);
                    file.SetPrefetch(prefetch);
                    Register(file);
                    Handles.InvalidateAtOrBelow(normalized);
                    NoteDelegation(fileHandle, normalized, delegation, credential, attributes);
                    NotePrefetchUnderDelegation(fileHandle, prefetch);
                    NoteOpened(file, parent.FileHandle, credential);
                    createdAttrSet = attrSet;
                    break;
                }
                catch (NfsException ex) when (ex.Status == NfsStat4.BadSeqId && retries < MaxBadSeqIdRetries)
                {
                    // Fix (found by OwnerRecoveryTests.Bad_seqid_on_open_retires_the_owner_and_retries_with_a_new_one):
                    // NFS4ERR_BAD_SEQID used to reach the caller, though the server refused the OPEN without running
                    // it (RFC 7530 §9.1.7) and only the owner is to blame. RunOwnerOpAsync has retired the owner;
                    // the OPEN goes again with a fresh one (seqid 0, then OPEN_CONFIRM), the same verifier.
                    _owners.Retire(owner);
                    _owners.ReleaseOpenOwner(owner, normalized);
                    owner = _owners.AcquireOpenOwner(normalized, credential);
                }
                catch
                {
                    _owners.ReleaseOpenOwner(owner, normalized);
                    if (!owner.Confirmed)
                    {
                        // Whether the server kept any record of an owner whose first OPEN failed is unclear
                        // (RFC 7530 §9.1.7): never use it again.
                        _owners.Retire(owner);
                    }

                    throw;
                }
            }
        }
        finally
        {
            if (entry is not null)
            {
                _replayLog.Remove(entry);
            }
        }

        try
        {
            if (AfterExclusiveCreate(request, sent.Create, createdAttrSet) is { } after)
            {
                // The verifier may sit in the file's times (RFC 7530 §16.16.5): set the real attributes now.
                await file.SetAttrAsync(after, cancellationToken).ConfigureAwait(false);
            }

            if (request.Truncate && (file.Attributes.Size ?? 0) != 0)
            {
                await file.SetAttrAsync(new SetAttributes { Size = 0 }, cancellationToken).ConfigureAwait(false);
            }

            return file;
        }
        catch
        {
            // The OPEN stands on the server: give it back rather than leak it until the lease ends.
            await file.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// OPEN by name for <paramref name="owner"/>, then OPEN_CONFIRM if the server asks (a new owner): the open
    /// stateid ready for use. The owner gets a claim on the file's handle.
    /// </summary>
    internal async ValueTask<(StateId4 StateId, NfsFh FileHandle, NfsAttributes Attributes, OpenDelegation Delegation, Bitmap4 AttrSet)> OpenConfirmedAsync(
        OwnerState owner, NfsFh directory, string name, OpenRequest request, Verifier4 verifier, string path, CancellationToken cancellationToken, ReplayEntry? entry = null, OpenPrefetch? prefetch = null)
    {
        var (result, fileHandle, attributes) = await OpenByNameAsync(owner, directory, name, request, verifier, path, cancellationToken, prefetch).ConfigureAwait(false);
        if (request.Create is not null)
        {
            // The OPEN may have made the name: the directory changed under our own hand (its change_info4).
            _attributeCache?.OwnChange(directory, result.ChangeInfo);
        }

        if (entry is not null)
        {
            // The versions after: the directory's from change_info4, the file's from the GETATTR in the same COMPOUND.
            entry["directory"].ChangeAfter = result.ChangeInfo.After;
            entry["file"].ChangeAfter = attributes.Change;
            ReplayLogMessages.Completed(_logger, ServerName, entry.ToString(), DescribeAfter(entry));
        }

        // NFSv4.1 has no OPEN_CONFIRM (RFC 8881 §18.16.4: OPEN4_RESULT_CONFIRM is never set).
        var stateId = result.StateId;
        if (result.NeedsConfirm && Session is null)
        {
            stateId = await ConfirmOpenAsync(owner, fileHandle, stateId, path, cancellationToken).ConfigureAwait(false);
        }

        owner.Confirmed = true;
        _owners.AddHandle(owner, fileHandle);
        return (stateId, fileHandle, attributes, result.Delegation, result.AttrSet);
    }

    /// <summary>PUTFH(directory), OPEN by name (CLAIM_NULL) for <paramref name="owner"/>, GETFH, GETATTR: one COMPOUND under the owner's seqid.</summary>
    internal ValueTask<(OpenResult Result, NfsFh FileHandle, NfsAttributes Attributes)> OpenByNameAsync(
        OwnerState owner, NfsFh directory, string name, OpenRequest request, Verifier4 verifier, string path, CancellationToken cancellationToken, OpenPrefetch? prefetch = null) =>
        RunOwnerOpAsync(
            owner,
            seqOpIndex: 1,
            (seqid, ct) => AttemptAsync(
                "open",
                new OpenCall(directory, name, seqid, owner.Name, request, verifier, path, prefetch),
                static (ref CompoundEncoder e, OpenCall c) =>
                {
                    e.PutFh(c.Directory);
                    e.Open(c.SeqId, c.Request.Access, c.Request.Deny, c.Owner, c.Request.Create, c.Request.CreateAttributes, c.Verifier, OpenClaim4.ByName(c.Name));
                    e.GetFh();
                    e.GetAttr(AttributeRequests.Stat);
                    if (c.Prefetch is { } p)
                    {
                        e.Read(p.StateId, 0, p.Count);
                    }
                },
                (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    var open = results.Open(ref r);
                    var fh = results.GetFh(ref r);
                    var attributes = results.GetAttr(ref r);
                    if (prefetch is not null && results.Next(ref r, NfsOpnum4.Read) == NfsStat4.Ok)
                    {
                        // A READ that fails (a directory, a lock, DELAY) leaves the OPEN as it is: the data is read later.
                        var eof = r.ReadBool();
                        prefetch.Fill(r.ReadOpaque(NfsLimits.MaxData), eof);
                    }

                    return (open, fh, attributes);
                },
                ct,
                owner.Credential),
            cancellationToken);

    /// <summary>OPEN_CONFIRM (RFC 7530 §16.18): the first OPEN of a new open-owner must be confirmed before use.</summary>
    internal ValueTask<StateId4> ConfirmOpenAsync(OwnerState owner, NfsFh file, StateId4 stateId, string path, CancellationToken cancellationToken, bool partOfRecovery = false) =>
        RunOwnerOpAsync(
            owner,
            seqOpIndex: 1,
            (seqid, ct) => AttemptAsync(
                "open_confirm",
                (file, stateId, seqid, path),
                static (ref CompoundEncoder e, (NfsFh File, StateId4 StateId, uint SeqId, string Path) c) =>
                {
                    e.PutFh(c.File);
                    e.OpenConfirm(c.StateId, c.SeqId);
                },
                (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.Path = path;
                    results.PutFh(ref r);
                    return results.OpenConfirm(ref r);
                },
                ct,
                owner.Credential),
            cancellationToken,
            partOfRecovery);

    internal OwnerTable Owners => _owners;

    /// <summary>How often an OPEN refused with NFS4ERR_BAD_SEQID goes again, each time with a new open-owner.</summary>
    private const int MaxBadSeqIdRetries = 2;

    private static ulong RandomVerifier()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    /// <summary>
    /// The READ to put into an OPEN's COMPOUND: for an open for reading only that neither creates nor truncates, the
    /// first <see cref="NfsClientOptions.OpenReadSize"/> bytes; the anonymous stateid under NFSv4.0, the current one (the
    /// OPEN's) under NFSv4.1.
    /// </summary>
    private OpenPrefetch? PrefetchFor(OpenRequest request)
    {
        if (_options.OpenReadSize == 0 || request.Create is not null || request.Truncate || request.Access != OpenShareAccess.Read)
        {
            return null;
        }

        var count = Math.Min(_options.OpenReadSize, _options.MaxReadSize);
        if (Session is { } session)
        {
            // An OPEN's reply is kept in the session's reply cache (sa_cachethis), which refuses a reply larger than
            // ca_maxresponsesize_cached with NFS4ERR_REP_TOO_BIG_TO_CACHE (RFC 8881 §18.46.3): the READ must fit in it,
            // next to the other results (SEQUENCE, OPEN, GETFH, GETATTR with owner names: well under 2 KiB).
            var cached = (long)session.ForeChannel.MaxResponseSizeCached - OpenReplyAllowance;
            if (cached < 512)
            {
                return null;
            }

            count = (uint)Math.Min(count, cached);
        }

        return new OpenPrefetch(count, Session is null ? StateId4.Anonymous : StateId4.Current);
    }

    /// <summary>Room for everything in an OPEN's reply but the READ's data.</summary>
    private const int OpenReplyAllowance = 2048;

    /// <summary>The directory an OPEN went to, for the caller to check when the OPEN finds no such name.</summary>
    private sealed class UsedDirectory
    {
        public NfsFh? Directory { get; set; }

        public string? Path { get; set; }
    }

    private sealed record OpenCall(NfsFh Directory, string Name, uint SeqId, StateOwner4 Owner, OpenRequest Request, Verifier4 Verifier, string Path, OpenPrefetch? Prefetch);
}
