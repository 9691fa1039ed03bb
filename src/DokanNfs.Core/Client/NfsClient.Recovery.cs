using System.Collections.Concurrent;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

// The state manager (after the Linux client's nfs4state.c): one recovery at a time per server, new requests
// held while it runs, and three outcomes — the server restarted (reclaim every open and lock within its
// grace period), the lease expired (whatever we held is gone: report it lost), or nothing to do because a
// recovery already ran since the failing call was sent.
public sealed partial class NfsClient
{
    private readonly Lock _recoveryLock = new();
    private readonly ConcurrentDictionary<NfsOpenFile, byte> _openFiles = new();
    private readonly List<NfsRecoveryEvent> _recoveryEvents = [];
    private Task? _recovery;

    /// <summary>
    /// Grows by one when the first client id is established and when each recovery has finished (client id,
    /// reclaims and all): state read under one generation is current until the next.
    /// </summary>
    public long ClientIdGeneration => Interlocked.Read(ref _clientIdGeneration);

    public bool IsRecovering => Volatile.Read(ref _recovery) is { IsCompleted: false };

    public NfsLeaseState LeaseState => IsRecovering ? NfsLeaseState.Recovering : ClientId == 0 ? NfsLeaseState.None : NfsLeaseState.Valid;

    /// <summary>The recoveries this client went through, oldest first.</summary>
    public IReadOnlyList<NfsRecoveryEvent> RecoveryEvents
    {
        get
        {
            lock (_recoveryEvents)
            {
                return [.. _recoveryEvents];
            }
        }
    }

    /// <summary>The files open through this client (for reclaim).</summary>
    public IReadOnlyCollection<NfsOpenFile> OpenFiles => (IReadOnlyCollection<NfsOpenFile>)_openFiles.Keys;

    internal void Register(NfsOpenFile file) => _openFiles.TryAdd(file, 0);

    internal void Unregister(NfsOpenFile file) => _openFiles.TryRemove(file, out _);

    /// <summary>Holds a request while recovery runs (RFC 7530 §9.6.2: no new state before the reclaims).</summary>
    internal Task WaitForRecoveryAsync(CancellationToken cancellationToken)
    {
        var recovery = Volatile.Read(ref _recovery);
        return recovery is null || recovery.IsCompleted ? Task.CompletedTask : recovery.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Starts recovery for <paramref name="cause"/>, or joins the one running. A caller whose call was sent
    /// under client-id generation <paramref name="generationSeen"/> finds nothing to do if a recovery has
    /// completed since: its retry will use the new state.
    /// </summary>
    internal Task RecoverAsync(NfsStat4 cause, long generationSeen, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _session) is { } session)
        {
            return RecoverUnderSessionAsync(session, cause, generationSeen, cancellationToken);
        }

        Task recovery;
        lock (_recoveryLock)
        {
            if (_recovery is { IsCompleted: false } running)
            {
                recovery = running;
            }
            else if (ClientIdGeneration != generationSeen)
            {
                return Task.CompletedTask;
            }
            else
            {
                // Not in the flow of the call that met the error: recovery acts for the client (machine
                // credential) and for each open file (the credential it was opened with), never for that caller.
                recovery = _recovery = NfsCallContext.StartDetached(() => RunRecoveryAsync(cause));
            }
        }

        return recovery.WaitAsync(cancellationToken);
    }

    private async Task RunRecoveryAsync(NfsStat4 cause)
    {
        // A server restart is told by a stale client id or stateid; an expired lease means our state is gone.
        var reboot = cause is NfsStat4.StaleClientId or NfsStat4.StaleStateId;
        var reason = reboot ? $"the server restarted ({cause})" : $"the lease expired ({cause})";
        ClientLog.RecoveryStarted(_logger, ServerName, reason);
        var tally = new ReclaimTally();
        if (!reboot)
        {
            // After an expiry the server may still hold our opens and locks (its reaper had not run yet); a
            // SETCLIENTID with the old verifier would get the same client id back and keep them alive under
            // our renewals forever, though we report them lost. A new verifier makes the server drop them at
            // SETCLIENTID_CONFIRM (RFC 7530 §16.33.5): what we call lost is really gone.
            Volatile.Write(ref _verifier, NewVerifier(_verifier));
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await EstablishClientIdAsync(CancellationToken.None).ConfigureAwait(false);
                await _owners.MoveToClientIdAsync(ClientId).ConfigureAwait(false);
                if (reboot)
                {
                    await ReclaimAndRevalidateAsync(tally).ConfigureAwait(false);
                }
                else
                {
                    foreach (var file in ReclaimOrder())
                    {
                        file.MarkLost(cause, "the lease expired while the server could not be reached; another client may have taken the file", tally);
                    }
                }

                break;
            }
            catch (NfsException ex) when (ex.Status is NfsStat4.StaleClientId or NfsStat4.Expired && attempt < 5)
            {
                // The server restarted (again) in the middle of recovery: start over with a fresh client id.
                reboot = true;
                tally = new ReclaimTally();
            }
        }

        FinishRecovery(reason, tally);
    }

    /// <summary>Every open reclaimed (write opens first) with its locks, then every open file's version checked.</summary>
    private async ValueTask ReclaimAndRevalidateAsync(ReclaimTally tally)
    {
        foreach (var file in ReclaimOrder())
        {
            await file.ReclaimAsync(tally).ConfigureAwait(false);
        }

        // Issue 8 §4: what we knew before the restart is checked against the server's current versions. Cached
        // directory handles bind paths to handles, which only a walk can check, so they are dropped and the next walks
        // look again; every open file's version is compared.
        Handles.Clear();
        DropMetadataCaches();
        foreach (var file in ReclaimOrder())
        {
            await file.RevalidateAfterRestartAsync(tally).ConfigureAwait(false);
        }
    }

    /// <summary>The end of every recovery, NFSv4.0's and the session's: the new generation, lost data resolved, the event recorded.</summary>
    private void FinishRecovery(string reason, ReclaimTally tally)
    {
        // Only now is the state rebuilt: a call that read its stateid or owner before this point and meets a
        // stale one finds the generation moved on, and goes again instead of starting another recovery.
        Interlocked.Increment(ref _clientIdGeneration);

        // Whatever the recovery was (a restart, an expired lease), attributes and names cached before it may no longer hold.
        DropMetadataCaches();

        // Data the restart may have lost is resolved now rather than at the handle's next flush: the sooner it
        // is written again, the smaller the window for another client to find the file without it.
        foreach (var file in _openFiles.Keys.Where(f => f.NeedsResolution))
        {
            _ = NfsCallContext.StartDetached(file.ResolveDetachedAsync);
        }

        var recorded = new NfsRecoveryEvent(DateTimeOffset.UtcNow, reason, tally.OpensReclaimed, tally.LocksReclaimed, tally.OpensLost, tally.LocksLost)
        {
            FilesChanged = tally.FilesChanged,
            FilesWentBack = tally.FilesWentBack,
            FilesGone = tally.FilesGone,
        };
        lock (_recoveryEvents)
        {
            _recoveryEvents.Add(recorded);
        }

        ClientLog.RecoveryDone(_logger, ServerName, reason, tally.OpensReclaimed, tally.LocksReclaimed, tally.OpensLost, tally.LocksLost);
    }

    private static ulong NewVerifier(ulong old)
    {
        ulong next;
        do
        {
            next = (ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.Next() << 32);
        }
        while (next == old);
        return next;
    }

    /// <summary>
    /// Opens for writing first (RFC 7530 §9.6.2 leaves the order to us; data matters more than reads). A handle in the
    /// middle of its close counts until its open is given back: its close may still have lost data to write again.
    /// </summary>
    private List<NfsOpenFile> ReclaimOrder() =>
        [.. _openFiles.Keys.Where(f => !f.IsOpenReleased).OrderByDescending(f => (f.Access & OpenShareAccess.Write) != 0)];

    internal void LogStateLost(string path, string reason) => ClientLog.StateLost(_logger, ServerName, path, reason);

    internal void LogReclaimed(string path, OpenShareAccess access, OpenShareDeny deny, int locks) =>
        ClientLog.Reclaimed(_logger, ServerName, path, access, deny, locks);

    internal void LogVersionChecked(string path, NfsFileVersionCheck check, string found, NfsFileVersion latest, NfsFileVersion stable) =>
        ClientLog.VersionChecked(_logger, ServerName, path, check, found, latest, stable);

    internal void LogRewritingLostWrites(string path, long bytes, NfsFileVersionCheck check, string found) =>
        ClientLog.RewritingLostWrites(_logger, ServerName, path, bytes, check, found);

    internal void LogConflictCopySaved(string path, long bytes, NfsFileVersionCheck check, string reason, string copy) =>
        ClientLog.ConflictCopySaved(_logger, ServerName, path, bytes, check, reason, copy);

    internal void LogConflictCopyFailed(string path, long bytes, string copy, string error) =>
        ClientLog.ConflictCopyFailed(_logger, ServerName, path, bytes, copy, error);
}

/// <summary>What one recovery reclaimed and lost.</summary>
internal sealed class ReclaimTally
{
    public int OpensReclaimed;
    public int LocksReclaimed;
    public int OpensLost;
    public int LocksLost;
    public int FilesChanged;
    public int FilesWentBack;
    public int FilesGone;
}
