using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    private readonly OwnerTable _owners;

    /// <summary>Marks "wait for the server to come back" in the owner-op loop (not a status any server sends).</summary>
    private const NfsStat4 Unreachable = (NfsStat4)(-1);

    /// <summary>
    /// Runs one seqid-bearing COMPOUND for <paramref name="owner"/>, serialized with the owner's other
    /// requests, and advances the seqid by the rules of RFC 7530 §9.1.7. <paramref name="seqOpIndex"/> is the
    /// position of the seqid-bearing operation in the COMPOUND: a failure before it leaves the seqid alone.
    /// <list type="bullet">
    /// <item>A call whose connection died is sent again with the SAME seqid, so the server's replay cache
    /// answers it if it had executed the first one (RFC 7530 §9.1.8) — on a hard mount for as long as the
    /// outage lasts.</item>
    /// <item>DELAY / GRACE / RESOURCE wait and go again with whatever seqid is current then.</item>
    /// <item>A stale client id or an expired lease releases the owner, waits for recovery and goes again:
    /// <paramref name="attempt"/> must read the owner's name and the stateids it sends afresh each time.</item>
    /// <item>NFS4ERR_BAD_SEQID retires the owner.</item>
    /// </list>
    /// With <paramref name="partOfRecovery"/>, the call is one of recovery's own reclaims: it neither waits for
    /// nor starts recovery. Under NFSv4.1 the seqid is 0 and none of this applies (<see cref="RunSessionOwnerOpAsync"/>).
    /// </summary>
    internal async ValueTask<TResult> RunOwnerOpAsync<TResult>(
        OwnerState owner, int seqOpIndex, Func<uint, CancellationToken, ValueTask<TResult>> attempt, CancellationToken cancellationToken, bool partOfRecovery = false)
    {
        if (Volatile.Read(ref _session) is { } session)
        {
            // NFSv4.1: no seqids to keep in step (NfsClient.Sessions.cs).
            return await RunSessionOwnerOpAsync(session, owner, attempt, cancellationToken, partOfRecovery).ConfigureAwait(false);
        }

        var backoff = new RetryBackoff(_options);
        var outage = new OutageClock(_options);
        var recovered = false;
        while (true)
        {
            if (!partOfRecovery)
            {
                await WaitForRecoveryAsync(cancellationToken).ConfigureAwait(false);
            }

            await outage.ConnectBeforeAttemptAsync(_rpc, cancellationToken).ConfigureAwait(false);
            var generation = ClientIdGeneration;
            NfsStat4 recoverFrom;
            RpcException? unreachable = null;
            await owner.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(owner.Retired, owner);
                var seqid = owner.SeqId;
                var sent = Environment.TickCount64;
                try
                {
                    // Once sent, a seqid-bearing call is not abandoned half-way: its reply decides the seqid,
                    // and an answer we stopped waiting for would leave us out of step with the server.
                    var result = await attempt(seqid, CancellationToken.None).ConfigureAwait(false);
                    owner.SeqId = SeqIdRules.Next(seqid);
                    NoteLeaseRenewed(sent);
                    return result;
                }
                catch (NfsException ex)
                {
                    var ran = ex.OpIndex > seqOpIndex || (ex.OpIndex == seqOpIndex && SeqIdRules.Advances(ex.Status));
                    if (ran)
                    {
                        owner.SeqId = SeqIdRules.Next(seqid);
                    }

                    if (ex.Status == NfsStat4.BadSeqId)
                    {
                        ClientLog.OwnerRetired(_logger, ServerName, owner.ToString());
                        _owners.Retire(owner);
                        throw;
                    }

                    if (backoff.ShouldRetry(ex.Status))
                    {
                        ClientLog.RetryAfterDelay(_logger, ServerName, "owner-op", ex.Status, backoff.Delay);
                        recoverFrom = NfsStat4.Ok;
                    }
                    else if (!partOfRecovery && !recovered && NfsErrorPolicy.Classify(ex.Status) == NfsErrorAction.RecoverLease)
                    {
                        // Once per call, as in RunAsync.
                        recovered = true;
                        recoverFrom = ex.Status;
                    }
                    else
                    {
                        throw;
                    }
                }
                catch (RpcException ex) when (ex is not RpcConnectException && outage.ShouldRetry(ex, "owner-op", _rpc.ConnectionCount > 0))
                {
                    // Outcome unknown: the same seqid again lets the server answer from its replay cache.
                    ClientLog.ServerUnreachable(_logger, ServerName, "owner-op", ex.Message);
                    outage.ThrowIfSoftTimeoutPassed(ex);
                    continue;
                }
                catch (RpcConnectException ex) when (outage.ShouldRetry(ex, "owner-op", _rpc.ConnectionCount > 0))
                {
                    // Never sent: nothing to replay, the same seqid is simply still next.
                    ClientLog.ServerUnreachable(_logger, ServerName, "owner-op", ex.Message);
                    recoverFrom = Unreachable;
                    unreachable = ex;
                }
            }
            finally
            {
                owner.Gate.Release();
            }

            // Waiting happens with the owner released: recovery needs every owner to reclaim with it.
            if (recoverFrom == Unreachable)
            {
                await outage.WaitAsync(_rpc, unreachable!, cancellationToken).ConfigureAwait(false);
            }
            else if (recoverFrom == NfsStat4.Ok)
            {
                await backoff.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RecoverAsync(recoverFrom, generation, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
