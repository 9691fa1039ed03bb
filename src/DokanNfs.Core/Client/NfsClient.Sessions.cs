using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client;

// NFSv4.1 (RFC 8881) beside NFSv4.0: the version chosen (NfsClientOptions.Version), the session every COMPOUND goes
// through once it exists, and what changes with it — owners without seqids (§8.13), no OPEN_CONFIRM, RENEW or
// RELEASE_LOCKOWNER, I/O sized to the fore channel, and the reclaims after a new client id run by the session's hook.
public sealed partial class NfsClient
{
    /// <summary>
    /// The COMPOUND tags that create or change state besides those the outage rules call non-idempotent
    /// (<see cref="OutageClock.IsNotIdempotent"/>): their re-sends must be answered from the server's reply cache
    /// (sa_cachethis), as a second execution would not give the same answer (RFC 8881 §2.10.6.1.3).
    /// </summary>
    private static readonly HashSet<string> StateTags = new(StringComparer.Ordinal)
    {
        "open", "open_reclaim", "open_downgrade", "close", "lock", "locku",
    };

    private NfsSession? _session;
    private uint _minorVersion;
    private bool _versionKnown;

    /// <summary>The NFSv4.1 session, or null under NFSv4.0 (or before the first call of a 4.1 client).</summary>
    public NfsSession? Session => Volatile.Read(ref _session);

    /// <summary>The minor version in use (0 or 1), or null while a 4.1 or "auto" client has not made its first call yet.</summary>
    public uint? MinorVersionInUse => VersionSettled ? MinorVersion : null;

    /// <summary>True once the minor version is known: from the start under 4.0, after the first call otherwise.</summary>
    private bool VersionSettled => _options.Version == NfsVersion.V40 || Volatile.Read(ref _versionKnown);

    /// <summary>
    /// How many components one path-walk COMPOUND looks up: <see cref="MaxComponentsPerWalk"/>, fewer when the session's
    /// fore channel allows fewer operations (ca_maxoperations, RFC 8881 §18.36.3; SEQUENCE counts). Each component
    /// costs a LOOKUP and a GETFH; besides them a walk holds SEQUENCE, PUTFH, GETATTR and, when it looks at a name,
    /// LOOKUP, GETFH and GETATTR more.
    /// </summary>
    internal int ComponentsPerWalk =>
        Session is { } session
            ? Math.Clamp(((int)Math.Min(session.ForeChannel.MaxOperations, 1024) - 6) / 2, 1, MaxComponentsPerWalk)
            : MaxComponentsPerWalk;

    /// <summary>
    /// For <see cref="NfsVersion.V41"/> and <see cref="NfsVersion.Auto"/>: EXCHANGE_ID, CREATE_SESSION and RECLAIM_COMPLETE
    /// (<see cref="NfsSession.EstablishAsync"/>) over this client's connection. A server that does not speak 4.1 answers
    /// NFS4ERR_MINOR_VERS_MISMATCH: "auto" then goes on with SETCLIENTID (NFSv4.0), "4.1" fails saying so.
    /// </summary>
    private async ValueTask<ulong> EstablishSessionOrFallBackAsync(CancellationToken cancellationToken)
    {
        NfsSession session;
        try
        {
            session = await NfsSession.EstablishAsync(_rpc, WithBackChannel(SessionOptions()), _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.MinorVersMismatch && _options.Version == NfsVersion.Auto)
        {
            SessionClientLog.FellBackToV40(_logger, ServerName);
            Volatile.Write(ref _minorVersion, 0);
            Volatile.Write(ref _versionKnown, true);
            return await EstablishClientIdAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.MinorVersMismatch)
        {
            throw new NfsException(
                ex.Status,
                ex.Operation,
                null,
                $"{ServerName} does not speak NFSv4.1 (NFS4ERR_MINOR_VERS_MISMATCH): use vers=4.0, or vers=auto to let the client choose.");
        }

        Interlocked.Exchange(ref _clientId, session.ClientId);
        session.StatusFlagsChanged += OnStatusFlagsChanged;
        Volatile.Write(ref _minorVersion, session.MinorVersion);
        Volatile.Write(ref _session, session);
        Volatile.Write(ref _versionKnown, true);
        SessionClientLog.SessionInUse(_logger, ServerName, session.MinorVersion, session.ClientId, session.MaxReadPayload, session.MaxWritePayload);
        return session.ClientId;
    }

    /// <summary>
    /// The session's settings from the client's: the identity's id string for this server (the same one SETCLIENTID
    /// sends, so a restarted client's new verifier makes the server drop its crashed incarnation's state, RFC 8881
    /// §2.4.3), this process's verifier, the machine credential, a fore channel for the I/O sizes asked for, and the
    /// retry delays; a hard mount re-sends through an outage for as long as it lasts, a soft one for its soft timeout.
    /// </summary>
    private NfsSessionOptions SessionOptions()
    {
        var defaults = new NfsSessionOptions { OwnerId = _identity.IdFor(ServerName), Verifier = Volatile.Read(ref _verifier) };
        var fore = defaults.ForeChannel;
        return defaults with
        {
            Credential = MachineCredential,
            ServerName = ServerName,
            ForeChannel = fore with
            {
                MaxRequestSize = Math.Max(fore.MaxRequestSize, _options.MaxWriteSize + NfsSessionOptions.IoHeaderAllowance),
                MaxResponseSize = Math.Max(fore.MaxResponseSize, Math.Max(_options.MaxReadSize, _options.ReadDirMaxCount) + NfsSessionOptions.IoHeaderAllowance),
            },
            LeaseRenewFloor = _options.LeaseRenewFloor,
            RetryDelayMin = _options.RetryDelayMin,
            RetryDelayMax = _options.RetryDelayMax,
            RetryBudget = _options.Mount == NfsMountType.Hard ? Timeout.InfiniteTimeSpan : _options.SoftTimeout,
            Reclaim = ReclaimAfterNewClientIdAsync,
        };
    }

    /// <summary>
    /// One COMPOUND through the session: SEQUENCE in front, the COMPOUND header's minor version the session's, and the
    /// decoder shared with NFSv4.0 reading from the first result after SEQUENCE (<see cref="CompoundResults.Continue"/>).
    /// Requests whose second execution would differ ask the server to cache their reply (sa_cachethis).
    /// </summary>
    private ValueTask<TResult> AttemptOnSessionAsync<TState, TResult>(
        NfsSession session, string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, RpcCredential? credential, bool giveBackWhenUnreachable = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var run = session.RunAsync(
            tag,
            state,
            encodeOps,
            AfterSequence(decode),
            cancellationToken,
            cacheThis: CachesReply(tag),
            credential: credential ?? CallerCredential,
            giveBackWhenUnreachable: giveBackWhenUnreachable);

        // A request given back at once (a WRITE for the journal) goes to RunCoreAsync's outage rules as it came.
        return _options.Mount == NfsMountType.Soft && !giveBackWhenUnreachable ? SoftTimeoutOnSessionAsync(run) : run;
    }

    /// <summary>
    /// An NFSv4.0-style decoder (from the COMPOUND's header on) for what a session decodes: the results after SEQUENCE's,
    /// the operations numbered from the one after it.
    /// </summary>
    private static CompoundResultsDecoder<TResult> AfterSequence<TResult>(RpcResultDecoder<TResult> decode) =>
        (ref CompoundResults results, ref Xdr.XdrReader reader) => CompoundResults.Continue(results, ref reader, decode);

    /// <summary>
    /// A soft mount's session request: the session waits an outage out for the soft timeout (its retry budget); what
    /// it then gives up with is reported as under NFSv4.0 — the soft timeout's <see cref="RpcTimeoutException"/> —
    /// not as the last attempt's raw connection error.
    /// </summary>
    private async ValueTask<TResult> SoftTimeoutOnSessionAsync<TResult>(ValueTask<TResult> run)
    {
        try
        {
            return await run.ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex is RpcConnectException or RpcTimeoutException or RpcConnectionLostException)
        {
            throw OutageClock.SoftTimeoutError(_options, ex);
        }
    }

    /// <summary>The first call of a 4.1 or "auto" client: the version is settled (a session, or 4.0) before it goes out.</summary>
    private async ValueTask<TResult> AttemptOnceSettledAsync<TState, TResult>(
        string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, RpcCredential? credential)
    {
        await EnsureClientIdAsync(cancellationToken).ConfigureAwait(false);
        return await AttemptAsync(tag, state, encodeOps, decode, cancellationToken, credential).ConfigureAwait(false);
    }

    /// <summary>True for the requests whose reply the server must keep for a re-send (sa_cachethis).</summary>
    internal static bool CachesReply(string tag) => OutageClock.IsNotIdempotent(tag) || StateTags.Contains(tag);

    /// <summary>
    /// True when the session was replaced under a request that may already have run (it set sa_cachethis): the new
    /// session's reply cache cannot know it, so the session gives the request back (NfsSession.RunAsync). Its outcome is
    /// unknown, as after a lost connection under NFSv4.0.
    /// </summary>
    internal static bool SessionLostOutcome(NfsException error) =>
        (error.Operation == NfsOpnum4.Sequence && error.Status is NfsStat4.BadSession or NfsStat4.DeadSession or NfsStat4.BadSlot or NfsStat4.SeqMisordered)
        || error.Status == NfsStat4.RetryUncachedRep;

    /// <summary>
    /// An owner's state call under NFSv4.1: the seqid is 0 and not tracked (RFC 8881 §8.13: the session's slot and
    /// sequence id order the requests, and its reply cache answers re-sends), so the owner's requests are not serialized
    /// either. DELAY / GRACE wait; a stale or expired state waits for recovery (once) and goes again; a request the
    /// session gave back after a reset goes again once the reclaims after it are done.
    /// </summary>
    private async ValueTask<TResult> RunSessionOwnerOpAsync<TResult>(
        NfsSession session, OwnerState owner, Func<uint, CancellationToken, ValueTask<TResult>> attempt, CancellationToken cancellationToken, bool partOfRecovery)
    {
        var backoff = new RetryBackoff(_options);
        var recovered = false;
        var resent = false;
        while (true)
        {
            if (!partOfRecovery)
            {
                await WaitForRecoveryAsync(cancellationToken).ConfigureAwait(false);
            }

            ObjectDisposedException.ThrowIf(owner.Retired, owner);
            var generation = ClientIdGeneration;
            var sent = Environment.TickCount64;
            try
            {
                // Not abandoned half-way, as under 4.0: the state it creates or releases is known only from its reply.
                var result = await attempt(0, CancellationToken.None).ConfigureAwait(false);
                NoteLeaseRenewed(sent);
                return result;
            }
            catch (NfsException ex) when (backoff.ShouldRetry(ex.Status))
            {
                ClientLog.RetryAfterDelay(_logger, ServerName, "owner-op", ex.Status, backoff.Delay);
                await backoff.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException ex) when (!partOfRecovery && !recovered && NfsErrorPolicy.Classify(ex.Status) == NfsErrorAction.RecoverLease)
            {
                recovered = true;
                await RecoverAsync(ex.Status, generation, cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException ex) when (!partOfRecovery && !resent && SessionLostOutcome(ex))
            {
                // The server lost the session (it restarted, or dropped us): what the request did, if it ran, went
                // with it. Sent again, with the state current after the reclaims.
                resent = true;
                await session.ReclaimCompletion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// <see cref="NfsSessionOptions.Reclaim"/>: the session has a new client id because the server no longer knew the
    /// old one (a restart, or a lease that ran out). Runs as the client's recovery (new requests wait for it): owners
    /// move to the new client id, every open is reclaimed with CLAIM_PREVIOUS and its locks with reclaim = true, as
    /// under 4.0; the session sends RECLAIM_COMPLETE afterwards. A server that is not in grace answers NFS4ERR_NO_GRACE:
    /// that handle is lost, as 4.0 marks it.
    /// </summary>
    private ValueTask ReclaimAfterNewClientIdAsync(NfsSession session, CancellationToken cancellationToken)
    {
        Task recovery;
        lock (_recoveryLock)
        {
            // Not chained to a recovery still running: that one may be waiting, inside a request, for this hook.
            recovery = _recovery = NfsCallContext.StartDetached(() => RunSessionRecoveryAsync(session));
        }

        return new ValueTask(recovery.WaitAsync(cancellationToken));
    }

    private async Task RunSessionRecoveryAsync(NfsSession session)
    {
        const string reason = "the server restarted or ended our lease (NFS4ERR_STALE_CLIENTID at CREATE_SESSION)";
        ClientLog.RecoveryStarted(_logger, ServerName, reason);
        var tally = new ReclaimTally();
        Interlocked.Exchange(ref _clientId, session.ClientId);
        await _owners.MoveToClientIdAsync(session.ClientId).ConfigureAwait(false);
        await ReclaimDelegationsAsync().ConfigureAwait(false);
        await ReclaimAndRevalidateAsync(tally).ConfigureAwait(false);
        FinishRecovery(reason, tally);
    }

    /// <summary>
    /// A stale or expired state met under 4.1. A server restart is found by the session (BADSESSION, then
    /// STALE_CLIENTID at CREATE_SESSION), which runs the reclaims itself; a call that met a stale stateid waits for
    /// them and goes again. NFS4ERR_EXPIRED with the session alive means the server revoked our state after a lapse of
    /// the lease: every open is reported lost, as under 4.0 (TEST_STATEID / FREE_STATEID per stateid are not done yet).
    /// </summary>
    private async Task RecoverUnderSessionAsync(NfsSession session, NfsStat4 cause, long generationSeen, CancellationToken cancellationToken)
    {
        await session.ReclaimCompletion.WaitAsync(cancellationToken).ConfigureAwait(false);
        await WaitForRecoveryAsync(cancellationToken).ConfigureAwait(false);
        if (ClientIdGeneration != generationSeen || cause != NfsStat4.Expired)
        {
            return;
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
                return;
            }
            else
            {
                recovery = _recovery = NfsCallContext.StartDetached(() =>
                {
                    const string reason = "the lease expired (NFS4ERR_EXPIRED)";
                    var tally = new ReclaimTally();
                    foreach (var file in ReclaimOrder())
                    {
                        file.MarkLost(cause, "the lease expired while the server could not be reached; another client may have taken the file", tally);
                    }

                    FinishRecovery(reason, tally);
                    return Task.CompletedTask;
                });
            }
        }

        await recovery.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Log messages of the NFSv4.1 wiring (event ids 2190–2199 of the client's range).</summary>
internal static partial class SessionClientLog
{
    [LoggerMessage(2190, LogLevel.Information, "{Server}: NFSv4.{Minor} session in use (client id {ClientId:x16}; at most {MaxRead} bytes per READ, {MaxWrite} per WRITE)")]
    public static partial void SessionInUse(ILogger logger, string server, uint minor, ulong clientId, uint maxRead, uint maxWrite);

    [LoggerMessage(2191, LogLevel.Information, "{Server}: does not speak NFSv4.1 (NFS4ERR_MINOR_VERS_MISMATCH); using NFSv4.0")]
    public static partial void FellBackToV40(ILogger logger, string server);
}
