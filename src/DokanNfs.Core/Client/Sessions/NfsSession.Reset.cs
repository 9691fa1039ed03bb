using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client.Sessions;

// Replacing the session (RFC 8881 §2.10.13): one reset at a time; the requests that met the dead session wait for it
// and go again on the new one. CREATE_SESSION with the same client id first; NFS4ERR_STALE_CLIENTID there means the
// server no longer knows the client (it restarted, or let the lease go): a new client id with the same owner and
// verifier, the reclaim hook, RECLAIM_COMPLETE.
public sealed partial class NfsSession
{
    private readonly CancellationTokenSource _lifetime = new();
    private long _resetCount;
    private Task _afterNewClientId = Task.CompletedTask;

    /// <summary>
    /// Completes when the work after the latest new client id is done: the lease time read again, the
    /// <see cref="NfsSessionOptions.Reclaim"/> hook run, RECLAIM_COMPLETE sent. Already complete when there is none.
    /// </summary>
    public Task ReclaimCompletion => Volatile.Read(ref _afterNewClientId);

    /// <summary>
    /// Replaces <paramref name="failed"/> unless another request did so already. Waiting callers of its slot table fail
    /// with <see cref="SessionResetException"/> and come here too; they find the reset done and go on.
    /// </summary>
    private async ValueTask ResetSessionAsync(SessionState failed, NfsStat4 cause, CancellationToken cancellationToken)
    {
        Task? afterNewClientId = null;
        await _resetLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ReferenceEquals(Volatile.Read(ref _current), failed))
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            failed.Slots.Close(new SessionResetException(failed.Id, cause));
            SessionLog.SessionReset(_logger, ServerName, failed.Id, cause);
            try
            {
                Install(await CreateSessionAsync(ClientId, cancellationToken).ConfigureAwait(false));
                if (cause is NfsStat4.SeqMisordered or NfsStat4.BadSlot)
                {
                    // The old session may live on at the server, out of step with us; it would keep the client id busy.
                    await DestroyStaleSessionAsync(failed.Id, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.StaleClientId)
            {
                SessionLog.ClientIdLost(_logger, ServerName, ClientId, ex.Status);
                await NewClientIdAsync(cancellationToken).ConfigureAwait(false);
                afterNewClientId = NfsCallContext.StartDetached(() => AfterNewClientIdAsync(_lifetime.Token));
                Volatile.Write(ref _afterNewClientId, afterNewClientId);
            }

            Interlocked.Increment(ref _resetCount);
        }
        finally
        {
            _resetLock.Release();
        }

        if (afterNewClientId is not null)
        {
            // The request that found the server restarted waits for the reclaim; the others go on (and meet
            // NFS4ERR_GRACE until RECLAIM_COMPLETE if they want new state).
            await afterNewClientId.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs detached from the request that found the client id gone, for the session's lifetime: its caller's
    /// cancellation must not leave the server in grace waiting for our RECLAIM_COMPLETE. What fails here is logged, not
    /// thrown at the request that happened to find the restart: the reclaim hook reports its own losses, and a
    /// RECLAIM_COMPLETE that fails on yet another dead session is sent again after the next reset.
    /// </summary>
    private async Task AfterNewClientIdAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshLeaseTimeAsync(cancellationToken).ConfigureAwait(false);
            if (_options.Reclaim is { } reclaim)
            {
                await reclaim(this, cancellationToken).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The hook is the caller's code; whatever it throws must not stop RECLAIM_COMPLETE.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            SessionLog.ReclaimFailed(_logger, ServerName, ex);
        }

        try
        {
            // RFC 8881 §18.51.3: sent whatever the reclaims came to; what was not reclaimed is lost either way.
            await ReclaimCompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or RpcException or SessionResetException)
        {
            SessionLog.ReclaimFailed(_logger, ServerName, ex);
        }
    }

    private async ValueTask DestroyStaleSessionAsync(SessionId4 sessionId, CancellationToken cancellationToken)
    {
        try
        {
            var args = new CompoundArgs<SessionId4>("destroy_session", _options.MinorVersion, sessionId, static (ref CompoundEncoder e, SessionId4 id) => e.DestroySession(id));
            await _rpc.CallAsync(
                NfsProgram.Program,
                NfsProgram.Version4,
                NfsProgram.ProcCompound,
                args,
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.DestroySession(ref r);
                    return true;
                },
                cancellationToken,
                _options.Credential).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or RpcException)
        {
            SessionLog.TeardownFailed(_logger, ServerName, $"DESTROY_SESSION of the abandoned session {sessionId}", ex.Message);
        }
    }
}

/// <summary>The slot table's session was replaced; the request goes again on the new one.</summary>
public sealed class SessionResetException : Exception
{
    public SessionResetException(SessionId4 sessionId, NfsStat4 cause)
        : base($"NFSv4.1 session {sessionId} was reset after {cause}.")
    {
        SessionId = sessionId;
        Cause = cause;
    }

    public SessionId4 SessionId { get; }

    public NfsStat4 Cause { get; }
}
