using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Core.Client.Sessions;

/// <summary>
/// An NFSv4.1 client id and session with one server over an existing <see cref="RpcClient"/> (RFC 8881 §2.4, §2.10):
/// EXCHANGE_ID, CREATE_SESSION and RECLAIM_COMPLETE to start; every COMPOUND with SEQUENCE in front through the
/// <see cref="SlotTable"/> (<see cref="RunAsync"/>); the lease renewed by SEQUENCE when nothing else renewed it; the
/// session replaced when the server loses it, and the client id when the server lost that too; DESTROY_SESSION and
/// DESTROY_CLIENTID at the end. It does not own the RPC client.
/// </summary>
/// <remarks>
/// Split by concern: this file starts and ends the session, <c>.Run</c> sends COMPOUNDs through it, <c>.Reset</c>
/// replaces it, <c>.Lease</c> renews the lease and reports sr_status_flags.
/// </remarks>
public sealed partial class NfsSession : IAsyncDisposable
{
    private readonly RpcClient _rpc;
    private readonly NfsSessionOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _resetLock = new(1, 1);
    private readonly SemaphoreSlim _bindLock = new(1, 1);
    private SessionState? _current;
    private ExchangeIdResult? _exchangeId;
    private ulong _clientId;
    private long _clientIdGeneration;

    /// <summary>csa_sequence of the next CREATE_SESSION (RFC 8881 §18.36.4).</summary>
    private uint _createSessionSequence;
    private long _bindCount;
    private bool _disposed;

    private NfsSession(RpcClient rpc, NfsSessionOptions options, ILogger? logger)
    {
        _rpc = rpc;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        ServerName = options.ServerName ?? rpc.EndPoint.ToString() ?? "server";
    }

    public string ServerName { get; }

    public NfsSessionOptions Options => _options;

    public uint MinorVersion => _options.MinorVersion;

    /// <summary>The confirmed client id (eir_clientid).</summary>
    public ulong ClientId => Interlocked.Read(ref _clientId);

    /// <summary>Grows by one for every new client id: 1 after <see cref="EstablishAsync"/>, more after server restarts.</summary>
    public long ClientIdGeneration => Interlocked.Read(ref _clientIdGeneration);

    /// <summary>What EXCHANGE_ID answered last: server owner and scope, flags, implementation.</summary>
    public ExchangeIdResult ExchangeIdResult => _exchangeId ?? throw new InvalidOperationException("The session is not established.");

    public SessionId4 SessionId => Current.Id;

    /// <summary>Grows by one for every session: 1 after <see cref="EstablishAsync"/>, more after each reset.</summary>
    public long SessionGeneration => Current.Generation;

    /// <summary>The fore channel the server granted (csr_fore_chan_attrs).</summary>
    public ChannelAttrs4 ForeChannel => Current.Created.ForeChannel;

    /// <summary>The back channel the server granted (csr_back_chan_attrs).</summary>
    public ChannelAttrs4 BackChannel => Current.Created.BackChannel;

    /// <summary>csr_flags: e.g. whether the server took the connection for the back channel too.</summary>
    public CreateSessionFlags SessionFlags => Current.Created.Flags;

    /// <summary>The current session's slot table.</summary>
    public SlotTable Slots => Current.Slots;

    /// <summary>The most WRITE data one COMPOUND may carry within the granted request size.</summary>
    public uint MaxWritePayload => SubtractAllowance(ForeChannel.MaxRequestSize);

    /// <summary>The most READ data one reply may carry within the granted response size.</summary>
    public uint MaxReadPayload => SubtractAllowance(ForeChannel.MaxResponseSize);

    /// <summary>How many times a connection was bound with BIND_CONN_TO_SESSION.</summary>
    public long BindCount => Interlocked.Read(ref _bindCount);

    /// <summary>How many times the session was replaced after the server lost it or fell out of step.</summary>
    public long ResetCount => Interlocked.Read(ref _resetCount);

    private SessionState Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("The session is not established.");

    /// <summary>
    /// Establishes a client id and a session over <paramref name="rpc"/>: EXCHANGE_ID (SP4_NONE), CREATE_SESSION with
    /// csa_sequence = eir_sequenceid, RECLAIM_COMPLETE (one_fs = false: a new client has nothing to reclaim), the lease
    /// time; then lease renewal starts. A server that does not speak the minor version fails with
    /// <see cref="NfsException"/> NFS4ERR_MINOR_VERS_MISMATCH, for the caller to fall back to NFSv4.0.
    /// </summary>
    public static async Task<NfsSession> EstablishAsync(RpcClient rpc, NfsSessionOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var session = new NfsSession(rpc, options, logger);
        try
        {
            await session.NewClientIdAsync(cancellationToken).ConfigureAwait(false);
            await session.ReclaimCompleteAsync(cancellationToken).ConfigureAwait(false);
            await session.RefreshLeaseTimeAsync(cancellationToken).ConfigureAwait(false);
            session.StartRenewal();
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// RECLAIM_COMPLETE with rca_one_fs = false (RFC 8881 §18.51): the client has reclaimed what it will. A server in
    /// grace may end it early once every client has said so. NFS4ERR_COMPLETE_ALREADY counts as done.
    /// </summary>
    public async ValueTask ReclaimCompleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(
                "reclaim_complete",
                0,
                static (ref CompoundEncoder e, int _) => e.ReclaimComplete(oneFs: false),
                static (ref CompoundResults results, ref XdrReader r) =>
                {
                    results.ReclaimComplete(ref r);
                    return true;
                },
                cancellationToken,
                credential: _options.Credential).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.CompleteAlready)
        {
        }
    }

    /// <summary>
    /// BIND_CONN_TO_SESSION for the current connection (RFC 8881 §18.34), connecting first if none is up. Done by
    /// the session itself after every reconnect when it has a back channel.
    /// </summary>
    public ValueTask<BindConnToSessionResult> BindConnectionAsync(ChannelDirFromClient4 direction, CancellationToken cancellationToken) =>
        BindConnectionCoreAsync(Current, direction, cancellationToken);

    private async ValueTask<BindConnToSessionResult> BindConnectionCoreAsync(SessionState session, ChannelDirFromClient4 direction, CancellationToken cancellationToken)
    {
        await _rpc.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var connection = _rpc.ConnectionCount;
        var result = await RetryDirectAsync(
            "bind_conn_to_session",
            (session.Id, direction),
            static (ref CompoundEncoder e, (SessionId4 Id, ChannelDirFromClient4 Direction) a) => e.BindConnToSession(a.Id, a.Direction),
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                return results.BindConnToSession(ref r);
            },
            cancellationToken).ConfigureAwait(false);
        if (result.SessionId != session.Id)
        {
            throw new RpcMalformedReplyException($"BIND_CONN_TO_SESSION answered for session {result.SessionId}, not {session.Id}.");
        }

        Volatile.Write(ref session.BoundConnection, connection);
        Interlocked.Increment(ref _bindCount);
        SessionLog.ConnectionBound(_logger, ServerName, connection, session.Id, result.Direction);
        return result;
    }

    /// <summary>
    /// DESTROY_SESSION, then DESTROY_CLIENTID (RFC 8881 §18.37, §18.50): the server forgets this client at once instead
    /// of when its lease runs out. The client id must hold no state by then (opens closed, locks released), or the
    /// server answers NFS4ERR_CLIENTID_BUSY. A session or client id the server no longer knows counts as destroyed.
    /// </summary>
    public async ValueTask DestroyAsync(CancellationToken cancellationToken)
    {
        await StopRenewalAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _current) is not { } session)
        {
            return;
        }

        session.Slots.Close(new ObjectDisposedException(nameof(NfsSession), "The session was destroyed."));
        try
        {
            await RetryDirectAsync(
                "destroy_session",
                session.Id,
                static (ref CompoundEncoder e, SessionId4 id) => e.DestroySession(id),
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.DestroySession(ref r);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status is NfsStat4.BadSession or NfsStat4.DeadSession)
        {
        }

        try
        {
            await RetryDirectAsync(
                "destroy_clientid",
                ClientId,
                static (ref CompoundEncoder e, ulong id) => e.DestroyClientId(id),
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.DestroyClientId(ref r);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status is NfsStat4.StaleClientId)
        {
        }

        Volatile.Write(ref _current, null);
    }

    /// <summary>Stops renewal and destroys the session and client id within <see cref="NfsSessionOptions.TeardownTimeout"/>, logging what fails.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using var timeout = new CancellationTokenSource(_options.TeardownTimeout);
        try
        {
            await DestroyAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or RpcException or OperationCanceledException or InvalidOperationException)
        {
            SessionLog.TeardownFailed(_logger, ServerName, "DESTROY_SESSION / DESTROY_CLIENTID", ex.Message);
        }
        finally
        {
            await StopRenewalAsync().ConfigureAwait(false);
            Volatile.Read(ref _current)?.Slots.Close(new ObjectDisposedException(nameof(NfsSession)));

            // The reset and bind locks are not disposed, as RpcClient keeps its connect lock: a request still running
            // would fail with ObjectDisposedException on release instead of its own error.
            _lifetime.Dispose();
        }
    }

    /// <summary>
    /// EXCHANGE_ID with our owner and verifier, then CREATE_SESSION for the client id it gives (which confirms it), and
    /// the new session installed. Used at the start and when the server no longer knows our client id.
    /// </summary>
    private async ValueTask NewClientIdAsync(CancellationToken cancellationToken)
    {
        var exchanged = await ExchangeIdAsync(cancellationToken).ConfigureAwait(false);
        _createSessionSequence = exchanged.SequenceId;
        var created = await CreateSessionAsync(exchanged.ClientId, cancellationToken).ConfigureAwait(false);
        _exchangeId = exchanged;
        Interlocked.Exchange(ref _clientId, exchanged.ClientId);
        Interlocked.Increment(ref _clientIdGeneration);
        SessionLog.ClientIdEstablished(
            _logger, ServerName, _options.MinorVersion, exchanged.ClientId, exchanged.ServerOwner, exchanged.ServerImplId?.ToString() ?? "no implementation id");
        Install(created);
    }

    private async ValueTask<ExchangeIdResult> ExchangeIdAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RetryDirectAsync(
                "exchange_id",
                _options,
                static (ref CompoundEncoder e, NfsSessionOptions o) =>
                    e.ExchangeId(new Verifier4(o.Verifier), o.OwnerId.Span, o.ExchangeIdFlags, o.ImplementationId),
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    return results.ExchangeId(ref r);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.ClidInuse)
        {
            // RFC 8881 §18.35.4: another principal holds a client id with this owner.
            throw new NfsException(
                ex.Status,
                NfsOpnum4.ExchangeId,
                null,
                "NFS4ERR_CLID_INUSE: the server says this client id is already in use by another user or machine. " +
                "Give this client its own identity (state directory) or connect as the same user.");
        }
    }

    /// <summary>
    /// CREATE_SESSION with the next csa_sequence. RFC 8881 §18.36.4: the server keeps one reply per client id for a
    /// retry, so a re-send after a lost connection carries the same sequence; any answer but NFS4ERR_DELAY and
    /// NFS4ERR_STALE_CLIENTID moves it on (as the Linux client does since "Fix the CREATE_SESSION slot number
    /// accounting").
    /// </summary>
    private async ValueTask<CreateSessionResult> CreateSessionAsync(ulong clientId, CancellationToken cancellationToken)
    {
        var args = (ClientId: clientId, Sequence: _createSessionSequence, Options: _options);
        CreateSessionResult created;
        try
        {
            created = await RetryDirectAsync(
                "create_session",
                args,
                static (ref CompoundEncoder e, (ulong ClientId, uint Sequence, NfsSessionOptions Options) a) =>
                    e.CreateSession(
                        a.ClientId, a.Sequence, a.Options.CreateSessionFlags, a.Options.ForeChannel, a.Options.BackChannel, a.Options.CallbackProgram, a.Options.CallbackSecurity),
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    return results.CreateSession(ref r);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status != NfsStat4.StaleClientId)
        {
            _createSessionSequence = unchecked(args.Sequence + 1);
            throw;
        }

        _createSessionSequence = unchecked(args.Sequence + 1);
        if (created.SequenceId != args.Sequence)
        {
            throw new RpcMalformedReplyException($"CREATE_SESSION answered csr_sequence {created.SequenceId} for csa_sequence {args.Sequence}.");
        }

        if (created.ForeChannel.MaxRequests == 0 || created.ForeChannel.MaxOperations < 2)
        {
            throw new RpcMalformedReplyException(
                $"CREATE_SESSION granted {created.ForeChannel.MaxRequests} slots and {created.ForeChannel.MaxOperations} operations per COMPOUND: too few to send anything.");
        }

        return created;
    }

    private void Install(CreateSessionResult created)
    {
        var generation = (Volatile.Read(ref _current)?.Generation ?? 0) + 1;
        var state = new SessionState(created.SessionId, new SlotTable(created.ForeChannel.MaxRequests, _options.SlotCapacity), generation, created)
        {
            // CREATE_SESSION's connection is bound to the session (both channels with CONN_BACK_CHAN).
            BoundConnection = _rpc.ConnectionCount,
        };
        Volatile.Write(ref _current, state);
        var fore = created.ForeChannel;
        SessionLog.SessionCreated(
            _logger, ServerName, created.SessionId, fore.MaxRequests, fore.MaxOperations, fore.MaxRequestSize, fore.MaxResponseSize, fore.MaxResponseSizeCached, created.Flags);
    }

    /// <summary>
    /// A COMPOUND without SEQUENCE (EXCHANGE_ID, CREATE_SESSION, DESTROY_*, BIND_CONN_TO_SESSION: each alone in its
    /// COMPOUND) with the client's credential; NFS4ERR_DELAY and an unreachable server are waited out within the
    /// retry budget. Each of these is safe to send again: CREATE_SESSION's own reply cache answers its re-send.
    /// </summary>
    private async ValueTask<TResult> RetryDirectAsync<TState, TResult>(
        string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken)
    {
        var clock = new SessionRetryClock(_options);
        while (true)
        {
            try
            {
                var args = new CompoundArgs<TState>(tag, _options.MinorVersion, state, encodeOps);
                return await _rpc.CallAsync(NfsProgram.Program, NfsProgram.Version4, NfsProgram.ProcCompound, args, decode, cancellationToken, _options.Credential)
                    .ConfigureAwait(false);
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.Delay && clock.CanWait())
            {
                await clock.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex) when (IsUnreachable(ex) && clock.CanWait())
            {
                await clock.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// True for the failures worth waiting out: a lost connection, a timeout, a failed reconnect. A server never reached
    /// at all is not an outage but a wrong address or a server that is down: that is reported at once, as
    /// NfsClient's OutageClock does.
    /// </summary>
    private bool IsUnreachable(RpcException ex) =>
        ex is RpcConnectionLostException or RpcTimeoutException || (ex is RpcConnectException && _rpc.ConnectionCount > 0);

    private static uint SubtractAllowance(uint size) => size > NfsSessionOptions.IoHeaderAllowance ? size - NfsSessionOptions.IoHeaderAllowance : 0;

    /// <summary>One session: its id, slot table and generation, replaced whole by a reset.</summary>
    private sealed class SessionState(SessionId4 id, SlotTable slots, long generation, CreateSessionResult created)
    {
        public SessionId4 Id { get; } = id;

        public SlotTable Slots { get; } = slots;

        public long Generation { get; } = generation;

        public CreateSessionResult Created { get; } = created;

        /// <summary>The RPC connection (<see cref="RpcClient.ConnectionCount"/>) last bound to this session.</summary>
        public long BoundConnection;
    }
}
