using DokanNfs.Core.Client.Callbacks;
using DokanNfs.Core.Client.Delegations;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client;

// NFSv4.1 delegations (RFC 8881 §10.4) and the back channel that recalls them (§2.10.3.1, §20). The session is created
// with CREATE_SESSION4_FLAG_CONN_BACK_CHAN, so the server calls back on the fore channel's connection; the calls are
// answered by a CallbackDispatcher that acts on this client through ICallbackTarget. Delegations granted with OPEN are
// kept per filehandle; a recall is answered at once and the delegation given back with DELEGRETURN in the background.
// Under NFSv4.0 none is ever granted: SETCLIENTID names no callback address (NfsClient.EstablishClientIdAsync).
public sealed partial class NfsClient : ICallbackTarget
{
    /// <summary>How long closing the client gives the DELEGRETURNs of the delegations still held.</summary>
    private static readonly TimeSpan ReturnOnCloseTimeout = TimeSpan.FromSeconds(5);

    private readonly DelegationTable _delegations = new();
    private CallbackDispatcher? _callbacks;

    /// <summary>The delegations held: for caches, which may trust what they hold of a delegated file.</summary>
    public IDelegationView Delegations => _delegations;

    /// <summary>How many DELEGRETURNs the server has answered (tests, statistics).</summary>
    public long DelegationsReturned => Interlocked.Read(ref _delegationsReturned);

    private long _delegationsReturned;

    /// <summary>The back channel's dispatcher once a session with a back channel was asked for (tests).</summary>
    internal CallbackDispatcher? Callbacks => Volatile.Read(ref _callbacks);

    BackChannelInfo? ICallbackTarget.BackChannel =>
        Volatile.Read(ref _session) is { } session && (session.SessionFlags & CreateSessionFlags.ConnBackChan) != 0
            ? new BackChannelInfo(session.SessionId, session.MinorVersion, session.BackChannel.MaxRequests, session.BackChannel.MaxOperations)
            : null;

    NfsStat4 ICallbackTarget.Recall(StateId4 stateId, bool truncate, NfsFh fileHandle)
    {
        if (_delegations.BeginRecall(fileHandle, stateId) is { } delegation)
        {
            StartReturn(delegation);
        }

        return NfsStat4.Ok;
    }

    NfsStat4 ICallbackTarget.GetAttributes(NfsFh fileHandle, out ulong change, out ulong size)
    {
        // Every WRITE is sent at once and its reply carries the file's change and size (NfsOpenFile.LatestVersion), so
        // the newest of those among our opens of the file is what the server would have after our writes; with none
        // open, the attributes of the grant (RFC 8881 §10.4.3).
        change = 0;
        size = 0;
        if (!_delegations.TryGet(fileHandle, out var delegation) || !delegation.IsWrite)
        {
            return NfsStat4.BadHandle;
        }

        change = delegation.Attributes.Change ?? 0;
        size = delegation.Attributes.Size ?? 0;
        foreach (var file in ReclaimOrder())
        {
            if (file.FileHandle.Equals(fileHandle) && file.LatestVersion.Change >= change)
            {
                (change, size) = (file.LatestVersion.Change, file.LatestVersion.Size);
            }
        }

        return NfsStat4.Ok;
    }

    /// <summary>
    /// Asks for a back channel on the session's connection when delegations are wanted: the dispatcher is put on the
    /// RPC client before CREATE_SESSION, as the server may probe the back channel (CB_NULL) right after it.
    /// </summary>
    private NfsSessionOptions WithBackChannel(NfsSessionOptions options)
    {
        if (!_options.Delegations)
        {
            return options;
        }

        if (Volatile.Read(ref _callbacks) is null)
        {
            // Delegations are found by the path they were opened by: our own renames and removes make them unfindable.
            Handles.OnInvalidated = _delegations.ForgetPathsAtOrBelow;
            HookDelegationCaches();
            var dispatcher = new CallbackDispatcher(options.CallbackProgram, this, _logger, ServerName);
            Volatile.Write(ref _callbacks, dispatcher);
            _rpc.CallHandler = dispatcher;
        }

        return options with { CreateSessionFlags = options.CreateSessionFlags | CreateSessionFlags.ConnBackChan };
    }

    /// <summary>
    /// An OPEN made locally under a delegation (RFC 8881 §10.4.1: with a delegation, opens need not be sent), or null
    /// when it must go to the server: denying nothing, neither creating nor truncating, by the principal the delegation
    /// was granted to (the server checked that one's access), for the path the delegation was opened by; for reading
    /// under any delegation, for writing only under a write delegation (§10.4: no other client may open the file then).
    /// The attributes of the grant are the open's (its size only a hint for reads: the server's eof decides).
    /// </summary>
    private NfsOpenFile? TryOpenUnderDelegation(string path, OpenRequest request, RpcCredential credential)
    {
        if (request.Access == OpenShareAccess.None || request.Deny != OpenShareDeny.None || request.Create is not null || request.Truncate
            || !_delegations.TryGetByPath(NfsPath.Normalize(path), out var delegation)
            || (request.Access != OpenShareAccess.Read && !delegation.IsWrite)
            || !PrincipalComparer.Instance.Equals(delegation.Credential, credential))
        {
            return null;
        }

        var owner = _owners.AcquireOpenOwner(delegation.Path, credential);
        var file = new NfsOpenFile(this, delegation.Path, delegation.FileHandle, owner, delegation.StateId, request.Access, request.Deny, delegation.Attributes, delegation.Granted);
        file.EnterDelegation(delegation);
        if (!delegation.AddLocalOpen(file))
        {
            // Its return began meanwhile: the open goes to the server.
            _owners.ReleaseOpenOwner(owner, delegation.Path);
            return null;
        }

        _owners.AddHandle(owner, delegation.FileHandle);
        Register(file);
        if ((request.Access & OpenShareAccess.Write) != 0)
        {
            // Counted as any open for write (NoteClosed takes it off): the caches do not serve what it changes.
            _writeOpens.AddOrUpdate(delegation.FileHandle, 1, static (_, n) => n + 1);
        }

        Interlocked.Increment(ref _localOpens);
        DelegationLog.OpenedLocally(_logger, ServerName, delegation.Path, delegation.StateId);
        return file;
    }

    /// <summary>How many OPENs were made locally under a delegation (tests, statistics).</summary>
    public long LocalOpens => Interlocked.Read(ref _localOpens);

    private long _localOpens;

    /// <summary>
    /// Before a DELEGRETURN: every open made locally under <paramref name="delegation"/> is made on the server, OPEN
    /// with CLAIM_DELEG_CUR_FH (RFC 8881 §10.4.3, §18.16.3) by its own owner, and goes on under the stateid that gives.
    /// One that fails is reported lost, as recovery does; one closed meanwhile is CLOSEd again at once.
    /// </summary>
    private async Task PushLocalOpensAsync(Delegation delegation, CancellationToken cancellationToken)
    {
        foreach (var file in delegation.LocalOpens())
        {
            if (file.UnderDelegation != delegation)
            {
                continue;
            }

            try
            {
                var stateId = await RunOwnerOpAsync(
                    file.Owner,
                    seqOpIndex: 1,
                    (_, ct) => AttemptAsync(
                        "open",
                        (file.FileHandle, file.Owner.Name, delegation.StateId, file.Access),
                        static (ref CompoundEncoder e, (NfsFh Fh, StateOwner4 Owner, StateId4 Deleg, OpenShareAccess Access) c) =>
                        {
                            e.PutFh(c.Fh);
                            e.Open(0, c.Access, OpenShareDeny.None, c.Owner, null, null, default, new OpenClaim4(OpenClaimType4.DelegCurFh, DelegateStateId: c.Deleg));
                        },
                        static (ref XdrReader r) =>
                        {
                            var results = CompoundResults.Begin(ref r);
                            results.PutFh(ref r);
                            return results.Open(ref r).StateId;
                        },
                        ct,
                        file.Owner.Credential),
                    cancellationToken).ConfigureAwait(false);
                if (file.UnderDelegation == delegation)
                {
                    file.LeaveDelegation(stateId);
                    delegation.RemoveLocalOpen(file);
                }
                else
                {
                    // Closed while the OPEN was on its way: give the server's open back.
                    await RunAsync(
                        "close",
                        (file.FileHandle, stateId),
                        static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId) c) =>
                        {
                            e.PutFh(c.Fh);
                            e.Close(0, c.StateId);
                        },
                        static (ref XdrReader r) =>
                        {
                            var results = CompoundResults.Begin(ref r);
                            results.PutFh(ref r);
                            return results.Close(ref r);
                        },
                        cancellationToken,
                        retryAfterRecovery: false,
                        credential: file.Owner.Credential).ConfigureAwait(false);
                }
            }
            catch (NfsException ex)
            {
                DelegationLog.PushFailed(_logger, ServerName, file.Path, ex.Status);
                var tally = new ReclaimTally();
                file.MarkLost(ex.Status, "its delegation was recalled and the server refused to take over the open made under it", tally);
                file.LeaveDelegation(null);
            }
        }
    }

    /// <summary>Keeps the delegation an OPEN granted; one whose recall came first is given back at once.</summary>
    internal void NoteDelegation(NfsFh fileHandle, string path, OpenDelegation granted, RpcCredential credential, NfsAttributes attributes)
    {
        if (granted.Type == OpenDelegationType4.None)
        {
            return;
        }

        DelegationLog.Granted(_logger, ServerName, granted.Type, granted.StateId, path);
        var recalled = _delegations.Add(fileHandle, path, granted, credential, attributes, out var replaced);
        if (replaced is not null && _delegations.BeginReturn(replaced, DelegationEndReason.Returned))
        {
            StartReturn(replaced);
        }

        if (recalled is not null && _delegations.BeginReturn(recalled, DelegationEndReason.Recalled))
        {
            StartReturn(recalled);
        }
        else if (((ICallbackTarget)this).BackChannel is null && _delegations.TryGet(fileHandle, out var unrecallable)
            && _delegations.BeginReturn(unrecallable, DelegationEndReason.Returned))
        {
            // No back channel (NFSv4.0, whose SETCLIENTID names no callback path, or a session without one): the server
            // could never recall it, so it is not used but given back at once.
            StartReturn(unrecallable);
        }
        else
        {
            HoldDelegatedAttributes(fileHandle, path, attributes);
        }
    }

    private void StartReturn(Delegation delegation) =>
        _ = NfsCallContext.StartDetached(() => ReturnDelegationAsync(delegation, CancellationToken.None));

    /// <summary>
    /// DELEGRETURN (RFC 8881 §18.6) of a delegation whose return has begun. Under a write delegation the data written is
    /// flushed first — write-behind drained, then COMMIT (§10.4.1: modified data is written back before the return) —
    /// and the opens made locally under it are made on the server (<see cref="PushLocalOpensAsync"/>). A stateid the
    /// server no longer knows needs no return; the delegation is forgotten whatever happens.
    /// </summary>
    private async Task ReturnDelegationAsync(Delegation delegation, CancellationToken cancellationToken)
    {
        try
        {
            if (delegation.IsWrite)
            {
                await FlushUnderDelegationAsync(delegation, cancellationToken).ConfigureAwait(false);
            }

            await PushLocalOpensAsync(delegation, cancellationToken).ConfigureAwait(false);
            await RunAsync(
                "delegreturn",
                delegation,
                static (ref CompoundEncoder e, Delegation d) =>
                {
                    e.PutFh(d.FileHandle);
                    e.DelegReturn(d.StateId);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    results.DelegReturn(ref r);
                    return true;
                },
                cancellationToken,
                retryAfterRecovery: false,
                credential: MachineCredential).ConfigureAwait(false);
            Interlocked.Increment(ref _delegationsReturned);
            DelegationLog.Returned(_logger, ServerName, delegation.StateId, delegation.Path);
        }
        catch (Exception ex) when (ex is NfsException or RpcException or OperationCanceledException or ObjectDisposedException)
        {
            DelegationLog.ReturnFailed(_logger, ServerName, delegation.StateId, delegation.Path, ex.Message);
        }
        finally
        {
            _delegations.Remove(delegation);
        }
    }

    /// <summary>The writes of every open of a write-delegated file on stable storage on the server, before the DELEGRETURN.</summary>
    private async Task FlushUnderDelegationAsync(Delegation delegation, CancellationToken cancellationToken)
    {
        foreach (var file in ReclaimOrder())
        {
            if (!file.FileHandle.Equals(delegation.FileHandle) || file.IsClosed || (file.Access & OpenShareAccess.Write) == 0)
            {
                continue;
            }

            try
            {
                await file.DrainWritesAsync(cancellationToken).ConfigureAwait(false);
                await file.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException ex)
            {
                // The handle reports its own failure (write-behind error, lost data); the delegation is returned anyway.
                DelegationLog.ReturnFailed(_logger, ServerName, delegation.StateId, file.Path, "flush: " + ex.Message);
            }
        }
    }

    /// <summary>
    /// Gives every delegation back before the client closes (DESTROY_CLIENTID refuses a client id that holds state),
    /// within <see cref="ReturnOnCloseTimeout"/>.
    /// </summary>
    private async Task ReturnAllDelegationsAsync()
    {
        if (_delegations.Count == 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(ReturnOnCloseTimeout);
        var returns = new List<Task>();
        foreach (var delegation in _delegations.All)
        {
            if (_delegations.BeginReturn(delegation, DelegationEndReason.Returned))
            {
                returns.Add(ReturnDelegationAsync(delegation, timeout.Token));
            }
        }

        await Task.WhenAll(returns).ConfigureAwait(false);
    }

    /// <summary>
    /// After a server restart, within its grace period (RFC 8881 §10.2.1, §18.16.3): each delegation held is reclaimed
    /// with OPEN CLAIM_PREVIOUS naming its type, by an owner of the principal it was granted to. The OPEN also makes an
    /// open, which is CLOSEd at once; the delegation goes on under the stateid the reply gives (and is returned at once if
    /// the server set its recall flag). One the server will not give back is dropped. Opens made locally under a
    /// delegation become ordinary opens first: the reclaims of opens that follow reclaim them like any other.
    /// </summary>
    private async Task ReclaimDelegationsAsync()
    {
        var held = _delegations.All.Where(d => !d.Returning).ToList();
        DropDelegations();
        foreach (var old in held)
        {
            var owner = _owners.AcquireOpenOwner(old.FileHandle, old.Credential);
            try
            {
                var access = old.IsWrite ? OpenShareAccess.Both : OpenShareAccess.Read;
                var result = await RunOwnerOpAsync(
                    owner,
                    seqOpIndex: 1,
                    (_, ct) => AttemptAsync(
                        "open_reclaim",
                        (old.FileHandle, owner.Name, access, old.Type),
                        static (ref CompoundEncoder e, (NfsFh Fh, StateOwner4 Owner, OpenShareAccess Access, OpenDelegationType4 Type) c) =>
                        {
                            e.PutFh(c.Fh);
                            e.Open(0, c.Access, OpenShareDeny.None, c.Owner, null, null, default, OpenClaim4.Previous(c.Type));
                        },
                        static (ref XdrReader r) =>
                        {
                            var results = CompoundResults.Begin(ref r);
                            results.PutFh(ref r);
                            return results.Open(ref r);
                        },
                        ct,
                        owner.Credential),
                    CancellationToken.None,
                    partOfRecovery: true).ConfigureAwait(false);
                owner.Confirmed = true;
                await CloseReclaimOpenAsync(owner, old.FileHandle, result.StateId).ConfigureAwait(false);
                if (result.Delegation.Type == OpenDelegationType4.None)
                {
                    DelegationLog.NotReclaimed(_logger, ServerName, old.Path, NfsStat4.Ok);
                    continue;
                }

                DelegationLog.Reclaimed(_logger, ServerName, old.Path, result.Delegation.StateId);
                NoteDelegation(old.FileHandle, old.Path, result.Delegation, old.Credential, old.Attributes);
                if (result.Delegation.Recall && _delegations.TryGet(old.FileHandle, out var reclaimed) && _delegations.BeginReturn(reclaimed, DelegationEndReason.Recalled))
                {
                    // The server wants it back already (§10.2.1): taken and returned, so no open made under it is lost.
                    StartReturn(reclaimed);
                }
            }
            catch (NfsException ex)
            {
                // NO_GRACE, RECLAIM_BAD, RECLAIM_CONFLICT: the delegation is not ours any more.
                DelegationLog.NotReclaimed(_logger, ServerName, old.Path, ex.Status);
            }
            finally
            {
                _owners.ReleaseOpenOwner(owner, old.FileHandle);
            }
        }
    }

    /// <summary>CLOSE of the open a delegation's reclaim made, as part of recovery.</summary>
    private async Task CloseReclaimOpenAsync(OwnerState owner, NfsFh fileHandle, StateId4 stateId)
    {
        try
        {
            await RunOwnerOpAsync(
                owner,
                seqOpIndex: 1,
                (_, ct) => AttemptAsync(
                    "close",
                    (fileHandle, stateId),
                    static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId) c) =>
                    {
                        e.PutFh(c.Fh);
                        e.Close(0, c.StateId);
                    },
                    static (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.PutFh(ref r);
                        return results.Close(ref r);
                    },
                    ct,
                    owner.Credential),
                CancellationToken.None,
                partOfRecovery: true).ConfigureAwait(false);
        }
        catch (NfsException ex)
        {
            DelegationLog.ReturnFailed(_logger, ServerName, stateId, "(reclaim open)", ex.Message);
        }
    }

    /// <summary>A new client id (server restart): the old delegations are gone with the old one; caches stop trusting them.</summary>
    private void DropDelegations()
    {
        foreach (var delegation in _delegations.All)
        {
            _delegations.BeginReturn(delegation, DelegationEndReason.Dropped);
            foreach (var file in delegation.LocalOpens())
            {
                // Registered like any open: the reclaims that follow make it an ordinary open (CLAIM_PREVIOUS).
                file.LeaveDelegation(null);
            }
        }

        _delegations.DropAll();
    }
}

/// <summary>Log messages of delegations (event ids 2250–2254, 2258–2259).</summary>
internal static partial class DelegationLog
{
    [LoggerMessage(2250, LogLevel.Debug, "{Server}: {Type} delegation {StateId} granted on {Path}")]
    public static partial void Granted(ILogger logger, string server, OpenDelegationType4 type, StateId4 stateId, string path);

    [LoggerMessage(2251, LogLevel.Debug, "{Server}: delegation {StateId} on {Path} returned")]
    public static partial void Returned(ILogger logger, string server, StateId4 stateId, string path);

    [LoggerMessage(2253, LogLevel.Debug, "{Server}: {Path} opened locally under delegation {StateId}")]
    public static partial void OpenedLocally(ILogger logger, string server, string path, StateId4 stateId);

    [LoggerMessage(2254, LogLevel.Warning, "{Server}: {Path}: the open made under a recalled delegation could not be made on the server ({Status})")]
    public static partial void PushFailed(ILogger logger, string server, string path, NfsStat4 status);

    [LoggerMessage(2258, LogLevel.Information, "{Server}: delegation on {Path} reclaimed after the server restarted ({StateId})")]
    public static partial void Reclaimed(ILogger logger, string server, string path, StateId4 stateId);

    [LoggerMessage(2259, LogLevel.Information, "{Server}: delegation on {Path} not reclaimed after the server restarted ({Status})")]
    public static partial void NotReclaimed(ILogger logger, string server, string path, NfsStat4 status);

    [LoggerMessage(2252, LogLevel.Warning, "{Server}: DELEGRETURN of {StateId} on {Path} failed: {Reason}")]
    public static partial void ReturnFailed(ILogger logger, string server, StateId4 stateId, string path, string reason);
}
