using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// The lease (RFC 7530 §9.5): every call that uses the client id or one of its stateids renews it, and
// RENEW does so when nothing else has. The lease is known good from the moment the renewing call was SENT
// (RFC 7530 §9.8): the server may have granted it the instant it arrived, and counting from the reply
// would overestimate what is left.
public sealed partial class NfsClient
{
    private long _leaseRenewedSentTicks;
    private uint _leaseTimeSeconds;
    private CancellationTokenSource? _renewalStop;
    private Task? _renewal;
    private long _renewCount;
    private TaskCompletionSource _leaseTimeChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The server's lease time, read again after every new client id (by the session under NFSv4.1).</summary>
    public TimeSpan LeaseTime => Session is { } session ? session.LeaseTime : TimeSpan.FromSeconds(Volatile.Read(ref _leaseTimeSeconds));

    /// <summary>
    /// How many calls were sent only to renew the lease (for statistics and tests): RENEW under NFSv4.0, SEQUENCE alone
    /// under NFSv4.1, which has no RENEW (every SEQUENCE renews the lease, RFC 8881 §8.3).
    /// </summary>
    public long RenewCount => Session is { } session ? session.RenewCount : Interlocked.Read(ref _renewCount);

    /// <summary>
    /// Renewal is due once this much of the lease has passed since the last renewing call was sent: two thirds
    /// of the part of the lease a server can be relied on to honour (<see cref="LeaseRoundingAllowance"/>).
    /// </summary>
    /// <remarks>
    /// Fix (found by LeaseRenewalTests.Idle_client_renews_and_keeps_its_open_and_lock_for_three_leases and
    /// ServerRestartTests.Opens_and_locks_are_reclaimed_and_after_grace_a_second_client_is_refused_the_lock):
    /// servers count leases in whole seconds — Ganesha holds a lease valid while last_renew + lease > now, both
    /// in seconds (valid_lease), so a lease renewed at 10.9 s ends at 12.0 s, not 12.9 s — and up to a second
    /// of it is lost to rounding. With a 2 s lease, RENEW two thirds of it (1.33 s) after the last renewal was
    /// answered NFS4ERR_EXPIRED. Two thirds of the lease less that second keep the same margin against the
    /// lease the server really counts; for the usual 90 s lease the difference is 0.7 s.
    /// </remarks>
    public TimeSpan RenewInterval
    {
        get
        {
            var honoured = LeaseTime - LeaseRoundingAllowance;
            var twoThirds = honoured * 2 / 3;
            return twoThirds > _options.LeaseRenewFloor ? twoThirds : _options.LeaseRenewFloor;
        }
    }

    /// <summary>What a server that counts the lease in whole seconds may cut off it.</summary>
    public static TimeSpan LeaseRoundingAllowance { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Records that a call which renews the lease, sent at <paramref name="sentTicks"/>, succeeded.</summary>
    internal void NoteLeaseRenewed(long sentTicks)
    {
        var seen = Volatile.Read(ref _leaseRenewedSentTicks);
        while (sentTicks > seen)
        {
            var previous = Interlocked.CompareExchange(ref _leaseRenewedSentTicks, sentTicks, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private async ValueTask RefreshLeaseTimeAsync(CancellationToken cancellationToken)
    {
        var attrs = await RetryDirectAsync(
            "lease_time",
            0,
            static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.GetAttr(Bitmap4.Of(FAttr4.LeaseTime));
            },
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutRootFh(ref r);
                return results.GetAttr(ref r);
            },
            cancellationToken).ConfigureAwait(false);

        // A server that reports no lease (or zero) gets the protocol's customary 90 s.
        var seconds = attrs.LeaseTime is > 0 ? attrs.LeaseTime.Value : 90u;
        if (seconds != Volatile.Read(ref _leaseTimeSeconds))
        {
            Volatile.Write(ref _leaseTimeSeconds, seconds);
            ClientLog.LeaseTime(_logger, ServerName, seconds, RenewInterval);
            Interlocked.Exchange(ref _leaseTimeChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private void StartLeaseRenewal()
    {
        if (_renewal is not null)
        {
            return;
        }

        _renewalStop = new CancellationTokenSource();
        var stop = _renewalStop.Token;
        // Started by whichever request first needed the client id: not in its flow, or the loop would carry
        // that user's credential for as long as the client lives.
        _renewal = NfsCallContext.StartDetached(() => RenewLoopAsync(stop));
    }

    private async ValueTask StopLeaseRenewalAsync()
    {
        if (_renewalStop is null || _renewal is null)
        {
            return;
        }

        await _renewalStop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _renewal.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _renewalStop.Dispose();
    }

    /// <summary>
    /// Sends RENEW whenever <see cref="RenewInterval"/> has passed since the last renewing call was sent. A
    /// RENEW that finds the client id stale or the lease expired starts recovery; one that cannot reach the
    /// server is tried again at the next tick (the lease may still be saved).
    /// </summary>
    private async Task RenewLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var leaseTimeChanged = Volatile.Read(ref _leaseTimeChanged).Task;
            var due = Volatile.Read(ref _leaseRenewedSentTicks) + (long)RenewInterval.TotalMilliseconds - Environment.TickCount64;
            var wait = TimeSpan.FromMilliseconds(Math.Max(due, 0));
            var floor = _options.LeaseRenewFloor / 2;

            // Fix (found by LeaseChangeTests.Server_restarted_with_a_shorter_lease_is_followed): the wait was
            // computed once from the old lease, so after a server came back with a shorter one the loop slept
            // through it (an 8 s lease: a 4.7 s wait, longer than the whole new 3 s lease; RENEW then found the
            // lease expired and every open was reported lost). A new lease time wakes the loop.
            using (var wake = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                var delay = Task.Delay(wait > floor ? wait : floor, wake.Token);
                if (await Task.WhenAny(delay, leaseTimeChanged).ConfigureAwait(false) != delay)
                {
                    await wake.CancelAsync().ConfigureAwait(false);
                    continue;
                }

                await delay.ConfigureAwait(false);
            }

            if (Environment.TickCount64 - Volatile.Read(ref _leaseRenewedSentTicks) < (long)RenewInterval.TotalMilliseconds || IsRecovering)
            {
                continue;
            }

            var clientId = ClientId;
            var generation = ClientIdGeneration;
            var sent = Environment.TickCount64;
            try
            {
                Interlocked.Increment(ref _renewCount);
                await AttemptAsync(
                    "renew",
                    clientId,
                    static (ref CompoundEncoder e, ulong id) => e.Renew(id),
                    static (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.Renew(ref r);
                        return true;
                    },
                    stop,
                    MachineCredential).ConfigureAwait(false);
                NoteLeaseRenewed(sent);
            }
            catch (NfsException ex) when (NfsErrorPolicy.Classify(ex.Status) == NfsErrorAction.RecoverLease)
            {
                ClientLog.RenewFailed(_logger, ServerName, ex.Message);
                await RecoverAsync(ex.Status, generation, stop).ConfigureAwait(false);
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.CbPathDown)
            {
                // RFC 7530 §16.28.4: the lease WAS renewed; only the callback path is down, and we run none.
                NoteLeaseRenewed(sent);
            }
            catch (Exception ex) when (ex is NfsException or RpcException)
            {
                ClientLog.RenewFailed(_logger, ServerName, ex.Message);
            }
        }
    }
}
