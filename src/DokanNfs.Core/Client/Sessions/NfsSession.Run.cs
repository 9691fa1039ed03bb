using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client.Sessions;

/// <summary>
/// Decodes the results of a COMPOUND sent through a session, from the first result after SEQUENCE's: the same
/// <see cref="CompoundResults"/> methods as for NFSv4.0, without <see cref="CompoundResults.Begin"/>.
/// </summary>
public delegate TResult CompoundResultsDecoder<TResult>(ref CompoundResults results, ref XdrReader reader);

// Sending COMPOUNDs through the session: SEQUENCE in front, a slot held for the whole request, re-sends on the same
// slot and sequence id, and the error table of SequenceErrors acted on.
public sealed partial class NfsSession
{
    /// <summary>How many BIND_CONN_TO_SESSION one request may need before NFS4ERR_CONN_NOT_BOUND_TO_SESSION is its error.</summary>
    private const int MaxBindsPerRequest = 2;

    /// <summary>
    /// Sends one COMPOUND with SEQUENCE in front of <paramref name="encodeOps"/>'s operations and decodes what follows
    /// SEQUENCE's result with <paramref name="decode"/>. The request holds one slot from before it is first sent until
    /// its reply is in:
    /// <list type="bullet">
    /// <item>a lost connection or a timeout sends it again on the same slot with the same sequence id once the server
    /// can be reached (within <see cref="NfsSessionOptions.RetryBudget"/>), so the server answers a request it already
    /// ran from its reply cache — with the whole reply when <paramref name="cacheThis"/> (sa_cachethis) was set, which
    /// non-idempotent requests (CREATE, REMOVE, RENAME, OPEN, LOCK...) must set: without it the request is taken for
    /// idempotent, and a re-send the server ran before goes again as a new request (Ganesha then answers a CREATE
    /// NFS4ERR_EXIST);</item>
    /// <item>NFS4ERR_DELAY on SEQUENCE waits and sends it again, same slot and sequence id;</item>
    /// <item>NFS4ERR_BADSESSION, DEADSESSION, BADSLOT and SEQ_MISORDERED replace the session (a new client id too if
    /// the server lost it) and send it again on the new one — except a <paramref name="cacheThis"/> request that may
    /// already have run: the new session's reply cache cannot know it, so the error goes to the caller, whose
    /// version-carrying replay decides;</item>
    /// <item>NFS4ERR_RETRY_UNCACHED_REP (a re-send the server ran before but kept no reply for) sends a request without
    /// <paramref name="cacheThis"/> again as a new one; with it, the error goes to the caller: the request ran;</item>
    /// <item>an operation's failure after SEQUENCE is the caller's, as <see cref="NfsException"/>.</item>
    /// </list>
    /// Every reply renews the lease and reports sr_status_flags (<see cref="StatusFlags"/>). The call goes out with
    /// <paramref name="credential"/>, else the ambient one (<see cref="NfsCallContext"/>), else the client's. With
    /// <paramref name="giveBackWhenUnreachable"/> a lost connection, a timeout or a failed reconnect is not waited out but
    /// given to the caller at once: a WRITE the disconnected-write journal can take (issue 8 §5) goes there instead.
    /// </summary>
    public ValueTask<TResult> RunAsync<TState, TResult>(
        string tag,
        TState state,
        CompoundOpsEncoder<TState> encodeOps,
        CompoundResultsDecoder<TResult> decode,
        CancellationToken cancellationToken,
        bool cacheThis = false,
        RpcCredential? credential = null,
        bool giveBackWhenUnreachable = false) =>
        RunCoreAsync(tag, state, encodeOps, decode, cancellationToken, cacheThis, credential, giveBackWhenUnreachable, extra: null);

    /// <summary>
    /// An idempotent request (a READ ahead) sent first over <paramref name="extra"/>, a connection of the client's besides
    /// the session's own: under SP4_NONE state protection a COMPOUND with SEQUENCE on a connection not yet bound binds it to
    /// the session's fore channel by itself (RFC 8881 §2.10.3.1), and a slot is the session's on every connection. If
    /// anything goes wrong with the extra connection (lost, timed out, refused, or the server will not bind it:
    /// NFS4ERR_CONN_NOT_BOUND_TO_SESSION), <paramref name="extraFailed"/> hears of it and the request goes on as
    /// <see cref="RunAsync"/> sends it, over the session's own connection, on the same slot with the same sequence id
    /// (RFC 8881 §2.10.6.2: a retry may come on another connection; the server answers it from its reply cache, or with
    /// NFS4ERR_RETRY_UNCACHED_REP, after which it goes again as a new request, or runs it). OverExtra says whether the
    /// reply came over <paramref name="extra"/>.
    /// </summary>
    internal async ValueTask<(TResult Result, bool OverExtra)> RunOverExtraConnectionAsync<TState, TResult>(
        RpcClient extra,
        Action<Exception> extraFailed,
        string tag,
        TState state,
        CompoundOpsEncoder<TState> encodeOps,
        CompoundResultsDecoder<TResult> decode,
        CancellationToken cancellationToken,
        RpcCredential? credential)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var via = new ExtraConnection(extra, extraFailed);
        var result = await RunCoreAsync(tag, state, encodeOps, decode, cancellationToken, cacheThis: false, credential, giveBackWhenUnreachable: false, via).ConfigureAwait(false);
        return (result, !via.HasFailed);
    }

    private async ValueTask<TResult> RunCoreAsync<TState, TResult>(
        string tag,
        TState state,
        CompoundOpsEncoder<TState> encodeOps,
        CompoundResultsDecoder<TResult> decode,
        CancellationToken cancellationToken,
        bool cacheThis,
        RpcCredential? credential,
        bool giveBackWhenUnreachable,
        ExtraConnection? extra)
    {
        ArgumentNullException.ThrowIfNull(encodeOps);
        ArgumentNullException.ThrowIfNull(decode);
        ObjectDisposedException.ThrowIf(_disposed, this);
        credential ??= NfsCallContext.Current ?? _options.Credential;
        var call = new SequencedCall<TState, TResult>(state, encodeOps, decode, cacheThis);
        var clock = new SessionRetryClock(_options);
        var mayHaveRun = false;
        var binds = 0;
        while (true)
        {
            var session = Current;
            SessionSlot slot;
            try
            {
                slot = await session.Slots.AcquireAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SessionResetException)
            {
                // The table closed under us: a reset is running or failed. Join it (or run it again), then go on.
                await ResetSessionAsync(session, NfsStat4.BadSession, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var nextSlot = false;
            while (!nextSlot)
            {
                call.Prepare(session.Id, slot);
                var sent = Environment.TickCount64;
                try
                {
                    var rpc = extra is { HasFailed: false } ? extra.Rpc : _rpc;
                    if (rpc == _rpc)
                    {
                        await ConnectWithinBudgetAsync(clock, cancellationToken).ConfigureAwait(false);
                        await EnsureBoundAsync(session, cancellationToken).ConfigureAwait(false);
                    }

                    var args = new CompoundArgs<SequencedCall<TState, TResult>>(tag, _options.MinorVersion, call, SequencedCall<TState, TResult>.Encode);
                    var result = await rpc.CallAsync(
                        NfsProgram.Program, NfsProgram.Version4, NfsProgram.ProcCompound, args, call.Decoder, cancellationToken, credential).ConfigureAwait(false);
                    Completed(session, call, sent);
                    return result;
                }
                catch (NfsException ex) when (call.SequenceDone && ex.Status == NfsStat4.RetryUncachedRep && !cacheThis)
                {
                    // A re-send the server had run but kept no reply for: SEQUENCE replays, and the operation after it
                    // says NFS4ERR_RETRY_UNCACHED_REP (RFC 8881 §2.10.6.1.3; Ganesha and Linux nfsd answer so). No other
                    // operation returns it, so its position is not checked (decoders shared with NFSv4.0 number
                    // operations from the one after SEQUENCE, CompoundResults.Continue). An idempotent request goes
                    // again as a new one.
                    Completed(session, call, sent);
                    mayHaveRun = false;
                    nextSlot = true;
                }
                catch (Exception) when (call.SequenceDone)
                {
                    // SEQUENCE succeeded: the slot moved on whatever failed after it (an operation, a malformed result).
                    Completed(session, call, sent);
                    throw;
                }
                catch (NfsException ex) when (
                    extra is { HasFailed: false } && ex.Operation == NfsOpnum4.Sequence && ex.OpIndex == 0 && ex.Status == NfsStat4.ConnNotBoundToSession)
                {
                    // The server did not bind the extra connection by itself: the request goes over the session's own.
                    extra.Fail(ex);
                }
                catch (NfsException ex) when (ex.Operation == NfsOpnum4.Sequence && ex.OpIndex == 0)
                {
                    var action = SequenceErrors.Classify(ex.Status, slot, session.Slots);
                    SessionLog.SequenceFailed(_logger, ServerName, tag, slot, ex.Status, action);
                    switch (action)
                    {
                        case SequenceErrorAction.RetrySameSlot when clock.CanWait():
                            await WaitHoldingSlotAsync(clock.WaitAsync(cancellationToken), session, slot, mayHaveRun).ConfigureAwait(false);
                            break;
                        case SequenceErrorAction.Resequence:
                            slot = session.Slots.Resequence(slot);
                            break;
                        case SequenceErrorAction.BindConnection when binds++ < MaxBindsPerRequest:
                            await BindHoldingSlotAsync(session, slot, mayHaveRun, cancellationToken).ConfigureAwait(false);
                            break;
                        case SequenceErrorAction.RetryOtherSlot:
                            session.Slots.Release(slot, SlotRelease.Unchanged);
                            nextSlot = true;
                            break;
                        case SequenceErrorAction.RetryAsNewRequest when !cacheThis:
                            // The server ran it and kept no reply; running an idempotent request again is harmless.
                            session.Slots.Release(slot, SlotRelease.Advanced);
                            mayHaveRun = false;
                            nextSlot = true;
                            break;
                        case SequenceErrorAction.ResetSession:
                            session.Slots.Release(slot, SlotRelease.Unchanged);
                            await ResetSessionAsync(session, ex.Status, cancellationToken).ConfigureAwait(false);
                            if (cacheThis && mayHaveRun)
                            {
                                throw;
                            }

                            nextSlot = true;
                            break;
                        default:
                            var release = SequenceErrors.ReleaseFor(ex.Status);
                            session.Slots.Release(slot, release == SlotRelease.Unchanged && mayHaveRun ? SlotRelease.Unknown : release);
                            throw;
                    }
                }
                catch (NfsException)
                {
                    // The COMPOUND failed before SEQUENCE ran (NFS4ERR_MINOR_VERS_MISMATCH, say): the slot is as it was.
                    session.Slots.Release(slot, mayHaveRun ? SlotRelease.Unknown : SlotRelease.Unchanged);
                    throw;
                }
                catch (RpcException ex) when (extra is { HasFailed: false })
                {
                    // Same slot, same sequence id, over the session's own connection: if the server ran it, its reply
                    // cache answers (or NFS4ERR_RETRY_UNCACHED_REP, and it goes again as new: it is idempotent).
                    mayHaveRun |= ex is not RpcConnectException;
                    extra.Fail(ex);
                }
                catch (RpcException ex) when (IsUnreachable(ex) && clock.CanWait() && !giveBackWhenUnreachable)
                {
                    // Same slot, same sequence id: if the server ran it, its reply cache answers.
                    mayHaveRun |= ex is not RpcConnectException;
                    SessionLog.Resending(_logger, ServerName, tag, slot, ex.Message);
                    await WaitHoldingSlotAsync(clock.WaitAsync(cancellationToken), session, slot, mayHaveRun).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // Given up (budget spent, cancelled, refused, malformed): whether it ran may be unknown.
                    var unknown = mayHaveRun || ex is OperationCanceledException or RpcMalformedReplyException or RpcConnectionLostException or RpcTimeoutException;
                    session.Slots.Release(slot, unknown ? SlotRelease.Unknown : SlotRelease.Unchanged);
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// With a limited budget (a soft mount) and the connection down: reconnects within what is left of it, so that one
    /// attempt does not wait in the RPC client's reconnect backoff (up to 15 s) far past the budget; a hard mount's
    /// attempt connects itself, as long as it takes. Fails as an unreachable server, which the caller's catch weighs.
    /// </summary>
    private async ValueTask ConnectWithinBudgetAsync(SessionRetryClock clock, CancellationToken cancellationToken)
    {
        if (clock.Left() is not { } left || _rpc.ConnectionCount == 0 || _rpc.Connection is { IsBroken: false })
        {
            return;
        }

        if (left <= TimeSpan.Zero)
        {
            throw new RpcConnectException($"{ServerName} could not be reached within {_options.RetryBudget.TotalSeconds:F0} s.");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(left);
        try
        {
            await _rpc.ConnectAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcConnectException($"{ServerName} could not be reached within {_options.RetryBudget.TotalSeconds:F0} s.");
        }
    }

    /// <summary>A request with nothing but SEQUENCE: renews the lease and fetches sr_status_flags.</summary>
    public ValueTask SequenceAsync(CancellationToken cancellationToken) =>
        IgnoreResult(RunAsync(
            "sequence",
            0,
            static (ref CompoundEncoder e, int _) => { },
            static (ref CompoundResults results, ref XdrReader r) => true,
            cancellationToken,
            credential: _options.Credential));

    private static async ValueTask IgnoreResult(ValueTask<bool> task) => await task.ConfigureAwait(false);

    /// <summary>Waits while holding the slot; if the wait is cancelled, gives the slot back first.</summary>
    private static async ValueTask WaitHoldingSlotAsync(Task wait, SessionState session, SessionSlot slot, bool mayHaveRun)
    {
        try
        {
            await wait.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            session.Slots.Release(slot, mayHaveRun ? SlotRelease.Unknown : SlotRelease.Unchanged);
            throw;
        }
    }

    private async ValueTask BindHoldingSlotAsync(SessionState session, SessionSlot slot, bool mayHaveRun, CancellationToken cancellationToken)
    {
        try
        {
            await BindAsync(session, force: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or RpcException or OperationCanceledException)
        {
            session.Slots.Release(slot, mayHaveRun ? SlotRelease.Unknown : SlotRelease.Unchanged);
            throw;
        }
    }

    /// <summary>
    /// With a back channel, a new connection is bound to the session (BIND_CONN_TO_SESSION, both channels if the
    /// server will) before anything is sent on it: the server calls back only on bound connections. Without one,
    /// SP4_NONE lets SEQUENCE bind the fore channel by itself (RFC 8881 §2.10.3.1).
    /// </summary>
    private async ValueTask EnsureBoundAsync(SessionState session, CancellationToken cancellationToken)
    {
        if ((session.Created.Flags & CreateSessionFlags.ConnBackChan) == 0)
        {
            return;
        }

        await _rpc.ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (_rpc.ConnectionCount == Volatile.Read(ref session.BoundConnection))
        {
            return;
        }

        try
        {
            await BindAsync(session, force: false, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status is NfsStat4.BadSession or NfsStat4.DeadSession)
        {
            // The session is gone: SEQUENCE will say so too, and that path replaces it.
        }
    }

    /// <summary>Binds the current connection unless it is bound already (<paramref name="force"/>: the server says it is not).</summary>
    private async ValueTask BindAsync(SessionState session, bool force, CancellationToken cancellationToken)
    {
        await _bindLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (force || _rpc.ConnectionCount != Volatile.Read(ref session.BoundConnection))
            {
                await BindConnectionCoreAsync(session, ChannelDirFromClient4.ForeOrBoth, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _bindLock.Release();
        }
    }

    private void Completed(SessionState session, SequencedCall call, long sentTicks)
    {
        var sequence = call.Sequence;
        session.Slots.Complete(call.Slot, sequence.HighestSlotId, sequence.TargetHighestSlotId);
        NoteRenewed(sentTicks);
        NoteStatusFlags(sequence.StatusFlags);
    }

    /// <summary>The extra connection a request is first sent over (<see cref="RunOverExtraConnectionAsync"/>), until it fails.</summary>
    private sealed class ExtraConnection(RpcClient rpc, Action<Exception> failed)
    {
        public RpcClient Rpc { get; } = rpc;

        public bool HasFailed { get; private set; }

        public void Fail(Exception error)
        {
            HasFailed = true;
            failed(error);
        }
    }

    /// <summary>What every attempt of one request shares: the slot it holds and what SEQUENCE answered.</summary>
    private abstract class SequencedCall(bool cacheThis)
    {
        public SessionId4 SessionId { get; private set; }

        public SessionSlot Slot { get; private set; }

        public bool CacheThis { get; } = cacheThis;

        public SequenceResult Sequence { get; protected set; }

        /// <summary>True once this attempt's reply held a successful SEQUENCE result.</summary>
        public bool SequenceDone { get; protected set; }

        public void Prepare(SessionId4 sessionId, SessionSlot slot)
        {
            SessionId = sessionId;
            Slot = slot;
            SequenceDone = false;
        }

        protected void CheckSequence(SequenceResult sequence)
        {
            // RFC 8881 §18.46.3: the reply echoes the session, slot and sequence id; anything else is not our reply.
            if (sequence.SessionId != SessionId || sequence.SlotId != Slot.SlotId || sequence.SequenceId != Slot.SequenceId)
            {
                throw new XdrException(
                    $"SEQUENCE answered session {sequence.SessionId} slot {sequence.SlotId} seq {sequence.SequenceId} to session {SessionId} {Slot}.");
            }

            Sequence = sequence;
            SequenceDone = true;
        }
    }

    private sealed class SequencedCall<TState, TResult> : SequencedCall
    {
        private readonly TState _state;
        private readonly CompoundOpsEncoder<TState> _encodeOps;
        private readonly CompoundResultsDecoder<TResult> _decode;

        public SequencedCall(TState state, CompoundOpsEncoder<TState> encodeOps, CompoundResultsDecoder<TResult> decode, bool cacheThis)
            : base(cacheThis)
        {
            _state = state;
            _encodeOps = encodeOps;
            _decode = decode;
            Decoder = Decode;
        }

        public RpcResultDecoder<TResult> Decoder { get; }

        public static void Encode(ref CompoundEncoder encoder, SequencedCall<TState, TResult> call)
        {
            var slot = call.Slot;
            encoder.Sequence(call.SessionId, slot.SequenceId, slot.SlotId, slot.HighestSlotId, call.CacheThis);
            call._encodeOps(ref encoder, call._state);
        }

        private TResult Decode(ref XdrReader reader)
        {
            var results = CompoundResults.Begin(ref reader);
            CheckSequence(results.Sequence(ref reader));
            return _decode(ref results, ref reader);
        }
    }
}
