using System.Net;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Core.Client;

/// <summary>
/// The client state for one NFSv4 server: the RPC connection, the client id, owners and stateids, and the
/// retry loop. One attempt (<see cref="AttemptAsync"/>) is kept apart from the policy that decides what to
/// do with its failure (<see cref="RunAsync"/>, after the Linux client's nfs4proc.c). The operations live
/// in partial files by concern: paths and attributes, directories, opens, I/O, names, locks.
/// </summary>
public sealed partial class NfsClient : IAsyncDisposable
{
    private readonly RpcClient _rpc;
    private readonly NfsClientOptions _options;
    private readonly ILogger _logger;
    private readonly ClientIdentity _identity;
    private readonly bool _ownsIdentity;
    private readonly SemaphoreSlim _clientIdLock = new(1, 1);
    private ulong _clientId;
    private long _clientIdGeneration;

    /// <summary>
    /// The SETCLIENTID verifier: the identity's boot verifier, replaced once our lease has expired so that
    /// the server drops whatever it still holds of the old incarnation (RFC 7530 §9.1.1).
    /// </summary>
    private ulong _verifier;
    private bool _disposed;

    public NfsClient(EndPoint endPoint, NfsClientOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        _options = options ?? new NfsClientOptions();
        _logger = logger ?? NullLogger.Instance;
        _ownsIdentity = _options.Identity is null;
        _identity = _options.Identity ?? ClientIdentity.Acquire(ClientIdentity.DefaultStateDirectory);
        _verifier = _identity.BootVerifier;
        ServerName = _options.ServerName ?? endPoint.ToString() ?? "server";
        _rpc = new RpcClient(
            endPoint,
            new RpcClientOptions { Credential = _options.Credential, CallTimeout = _options.CallTimeout, ConnectTimeout = _options.ConnectTimeout, InlineReplyContinuations = _options.InlineReplyContinuations },
            logger);
        _owners = new OwnerTable(this);
        Ids = new IdMapper(_options.IdMapping);
        OpenJournal();
    }

    /// <summary>Owner and group strings ↔ ids, cached per distinct string.</summary>
    public IdMapper Ids { get; }

    public string ServerName { get; }

    /// <summary>The NFSv4 minor version in use: 0 or 1, settled by the first call under <see cref="NfsVersion.Auto"/>.</summary>
    public uint MinorVersion => Volatile.Read(ref _minorVersion);

    public NfsClientOptions Options => _options;

    public RpcClient Rpc => _rpc;

    public ClientIdentity Identity => _identity;

    /// <summary>
    /// The credential of the client itself (<see cref="NfsClientOptions.Credential"/>): client id and lease
    /// management, and calls whose answer is shared by every user (the file system's limits).
    /// </summary>
    internal RpcCredential MachineCredential => _options.Credential;

    /// <summary>The credential a call made now on behalf of the caller goes out with: the ambient one, else the client's.</summary>
    internal RpcCredential CallerCredential => NfsCallContext.Current ?? _options.Credential;

    /// <summary>The confirmed client id, or 0 before the first stateful call.</summary>
    public ulong ClientId => Interlocked.Read(ref _clientId);

    /// <summary>The NFS NULL procedure: proves the server speaks NFSv4 on this connection.</summary>
    public ValueTask<bool> NullAsync(CancellationToken cancellationToken) =>
        _rpc.NullAsync(NfsProgram.Program, NfsProgram.Version4, cancellationToken);

    /// <summary>
    /// The client id, established once (SETCLIENTID + SETCLIENTID_CONFIRM, RFC 7530 §16.33–34) before the
    /// first operation that needs state; afterwards the lease is renewed in the background.
    /// </summary>
    public async ValueTask<ulong> EnsureClientIdAsync(CancellationToken cancellationToken)
    {
        var id = ClientId;
        if (id != 0)
        {
            return id;
        }

        await _clientIdLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_clientId != 0)
            {
                return _clientId;
            }

            await WaitForRecoveryAsync(cancellationToken).ConfigureAwait(false);
            var established = _options.Version == NfsVersion.V40
                ? await EstablishClientIdAsync(cancellationToken).ConfigureAwait(false)
                : await EstablishSessionOrFallBackAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _clientIdGeneration);
            if (_session is null)
            {
                // NFSv4.1 has no RENEW: the session's SEQUENCE renews the lease (NfsSession.Lease).
                StartLeaseRenewal();
            }

            return established;
        }
        finally
        {
            _clientIdLock.Release();
        }
    }

    /// <summary>
    /// SETCLIENTID + SETCLIENTID_CONFIRM with this identity's id string for the server and this process's
    /// boot verifier, then the lease time (again: a restarted server may have another). Used at first use and
    /// by recovery; sends directly, without waiting for recovery.
    /// </summary>
    private async ValueTask<ulong> EstablishClientIdAsync(CancellationToken cancellationToken)
    {
        var args = (Verifier: new Verifier4(Volatile.Read(ref _verifier)), Id: _identity.IdFor(ServerName));
        var (clientId, confirm) = await RetryDirectAsync(
            "setclientid",
            args,
            static (ref CompoundEncoder e, (Verifier4 Verifier, byte[] Id) a) =>
                e.SetClientId(a.Verifier, a.Id, 0, "tcp", "0.0.0.0.0.0", 0),
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                return results.SetClientId(ref r);
            },
            cancellationToken).ConfigureAwait(false);

        var sent = Environment.TickCount64;
        await RetryDirectAsync(
            "setclientid_confirm",
            (clientId, confirm),
            static (ref CompoundEncoder e, (ulong ClientId, Verifier4 Confirm) a) => e.SetClientIdConfirm(a.ClientId, a.Confirm),
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.SetClientIdConfirm(ref r);
                return true;
            },
            cancellationToken).ConfigureAwait(false);

        Interlocked.Exchange(ref _clientId, clientId);
        NoteLeaseRenewed(sent);
        await RefreshLeaseTimeAsync(cancellationToken).ConfigureAwait(false);
        ClientLog.ClientIdEstablished(_logger, ServerName, clientId);
        return clientId;
    }

    /// <summary>
    /// Runs one COMPOUND under the retry policy: NFS4ERR_DELAY, GRACE and a few RESOURCE wait with backoff
    /// and go again; a lost client id or lease (STALE_CLIENTID, STALE_STATEID, EXPIRED) starts recovery, and
    /// the call waits for it and goes again — unless <paramref name="retryAfterRecovery"/> is false, for calls
    /// whose arguments carry a stateid that recovery replaces: those callers rebuild and resend themselves.
    /// An unreachable server is waited out (hard mount) or reported after the soft timeout. Requests are
    /// held while recovery runs. Everything else goes to the caller. Every attempt goes out with
    /// <paramref name="credential"/>, or when null with the credential current when the call began
    /// (<see cref="NfsCallContext"/>, else the client's).
    /// </summary>
    public ValueTask<TResult> RunAsync<TState, TResult>(
        string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, bool retryAfterRecovery = true, RpcCredential? credential = null) =>
        RunCoreAsync(tag, state, encodeOps, decode, cancellationToken, retryAfterRecovery, credential, journalOnOutage: false);

    /// <summary>
    /// <see cref="RunAsync"/>; with <paramref name="journalOnOutage"/> (a WRITE that the journal can take, issue 8 §5)
    /// an unreachable server is not waited out: the error goes to the caller, which journals the write.
    /// </summary>
    internal async ValueTask<TResult> RunCoreAsync<TState, TResult>(
        string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, bool retryAfterRecovery, RpcCredential? credential, bool journalOnOutage)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // What an earlier run of the client left in the journal is replayed before anything is served.
        await WaitForJournalStartupAsync(cancellationToken).ConfigureAwait(false);
        credential ??= CallerCredential;
        var backoff = new RetryBackoff(_options);
        var outage = new OutageClock(_options);
        var recovered = false;

        // Fix (found by ServerRestartTests.Writes_in_progress_across_a_server_kill_end_byte_identical and
        // RecoveryFakeTests.One_restart_is_recovered_once_even_when_an_io_built_before_it_is_sent_after_it):
        // the generation was read anew each round, after waiting for recovery. A call whose arguments were
        // built before a recovery (a WRITE with the old stateid, held off by DELAY or an outage while another
        // call's recovery ran) then took its STALE_STATEID for a new restart and ran recovery a second time:
        // a new SETCLIENTID, owners reset to seqid 0 — the server, which knew them, answered the reclaims
        // NFS4ERR_BAD_SEQID and every open was lost. The generation is the one the arguments were built under.
        var generation = ClientIdGeneration;
        var connectionLost = false;
        while (true)
        {
            await WaitForRecoveryAsync(cancellationToken).ConfigureAwait(false);
            if (!journalOnOutage)
            {
                // (A write the journal can take learns of an outage from its own attempt, without the soft wait.)
                await outage.ConnectBeforeAttemptAsync(_rpc, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                // Under NFSv4.1 such a WRITE asks the session to give an unreachable server back instead of waiting it out.
                var result = await (journalOnOutage && Volatile.Read(ref _session) is { } session
                    ? AttemptOnSessionAsync(session, tag, state, encodeOps, decode, cancellationToken, credential, giveBackWhenUnreachable: true)
                    : AttemptAsync(tag, state, encodeOps, decode, cancellationToken, credential)).ConfigureAwait(false);
                NoteServerAnswered();
                return result;
            }
            catch (NfsException ex) when (backoff.ShouldRetry(ex.Status))
            {
                ClientLog.RetryAfterDelay(_logger, ServerName, tag, ex.Status, backoff.Delay);
                await backoff.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException ex) when (NfsErrorPolicy.Classify(ex.Status) == NfsErrorAction.RecoverLease && ClientId != 0 && !recovered)
            {
                // One recovery per call: if the same call still meets a stale client id afterwards, what it
                // carries is stale (not the server), and another recovery would not help.
                recovered = true;
                await RecoverAsync(ex.Status, generation, cancellationToken).ConfigureAwait(false);
                if (!retryAfterRecovery)
                {
                    throw;
                }
            }
            catch (RpcException ex) when ((_session is null || journalOnOutage) && outage.ShouldRetry(ex, tag, _rpc.ConnectionCount > 0))
            {
                // With a session, the session has waited out the outage itself (same slot, same sequence id) for
                // as long as the mount allows: what it gives up on is the caller's — except a WRITE the journal can
                // take, which the session gave back at once and which goes on as under NFSv4.0.
                // Here: no connection, no answer in time, or a connection lost twice in a row is an unreachable server
                // (one lost connection is a reconnect away, and the call goes again).
                if (ex is RpcConnectException or RpcTimeoutException || connectionLost)
                {
                    NoteServerUnreachable(ex);
                }

                connectionLost = ex is RpcConnectionLostException;
                if (journalOnOutage && IsServerUnreachable)
                {
                    if (ex is RpcTimeoutException)
                    {
                        // The call given up on may still sit in the connection: dropped with it, it cannot be carried out
                        // after the journal's replay.
                        _rpc.Disconnect(ex);
                    }

                    throw;
                }

                ClientLog.ServerUnreachable(_logger, ServerName, tag, ex.Message);
                await outage.WaitAsync(_rpc, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A call made by recovery itself (or by client-id set-up): waits out DELAY / GRACE and an unreachable
    /// server like <see cref="RunAsync"/>, but never waits for recovery — it is part of it. It is the client's
    /// own business, so it goes out with the machine credential whoever's request led to it.
    /// </summary>
    private async ValueTask<TResult> RetryDirectAsync<TState, TResult>(
        string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken)
    {
        var backoff = new RetryBackoff(_options);
        var outage = new OutageClock(_options);
        while (true)
        {
            await outage.ConnectBeforeAttemptAsync(_rpc, cancellationToken).ConfigureAwait(false);
            try
            {
                return await AttemptAsync(tag, state, encodeOps, decode, cancellationToken, MachineCredential).ConfigureAwait(false);
            }
            catch (NfsException ex) when (backoff.ShouldRetry(ex.Status))
            {
                await backoff.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (outage.ShouldRetry(ex, tag, _rpc.ConnectionCount > 0))
            {
                ClientLog.ServerUnreachable(_logger, ServerName, tag, ex.Message);
                await outage.WaitAsync(_rpc, ex, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One COMPOUND, sent once: no retries, no recovery. It goes out with <paramref name="credential"/>, or when
    /// null with the current one (<see cref="NfsCallContext"/>, else the client's). Under NFSv4.1 it goes through the
    /// session (SEQUENCE in front; <see cref="AttemptOnSessionAsync"/>), which re-sends it itself after a lost
    /// connection; the first call of a 4.1 or "auto" client establishes the session (or settles on 4.0) first.
    /// </summary>
    public ValueTask<TResult> AttemptAsync<TState, TResult>(
        string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, RpcCredential? credential = null)
    {
        if (Volatile.Read(ref _session) is { } session)
        {
            return AttemptOnSessionAsync(session, tag, state, encodeOps, decode, cancellationToken, credential);
        }

        if (!VersionSettled)
        {
            return AttemptOnceSettledAsync(tag, state, encodeOps, decode, cancellationToken, credential);
        }

        return CallCompoundAsync(_rpc, tag, state, encodeOps, decode, cancellationToken, credential);
    }

    /// <summary>One COMPOUND without a session, as it is, over <paramref name="connection"/> (the client's own, or an extra read connection).</summary>
    internal ValueTask<TResult> CallCompoundAsync<TState, TResult>(
        RpcClient connection, string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, RpcCredential? credential)
    {
        var args = new CompoundArgs<TState>(tag, MinorVersion, state, encodeOps);
        return connection.CallAsync(NfsProgram.Program, NfsProgram.Version4, NfsProgram.ProcCompound, args, decode, cancellationToken, credential ?? CallerCredential);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await ReturnAllDelegationsAsync().ConfigureAwait(false);
        _disposed = true;
        await CloseJournalAsync().ConfigureAwait(false);
        await StopLeaseRenewalAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _session) is { } session)
        {
            // DESTROY_SESSION and DESTROY_CLIENTID (RFC 8881 §18.37, §18.50): the server forgets us at once.
            await session.DisposeAsync().ConfigureAwait(false);
        }

        await _rpc.DisposeAsync().ConfigureAwait(false);
        await DisposeReadConnectionsAsync().ConfigureAwait(false);
        _clientIdLock.Dispose();
        _owners.Dispose();
        if (_ownsIdentity)
        {
            _identity.Dispose();
        }
    }
}
