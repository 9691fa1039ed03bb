using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client.Sessions;

/// <summary>sr_status_flags changed: what they were and what they are (RFC 8881 §18.46.3).</summary>
public sealed class SequenceStatusFlagsChangedEventArgs(SequenceStatusFlags previous, SequenceStatusFlags current) : EventArgs
{
    public SequenceStatusFlags Previous { get; } = previous;

    public SequenceStatusFlags Current { get; } = current;

    /// <summary>The flags set now that were not before.</summary>
    public SequenceStatusFlags Raised => Current & ~Previous;
}

// The lease (RFC 8881 §8.3): every SEQUENCE that succeeds renews it, counted from when it was sent; when nothing else
// has renewed it for RenewInterval, a COMPOUND of SEQUENCE alone does. Every SEQUENCE reply carries sr_status_flags,
// which are kept and reported when they change.
public sealed partial class NfsSession
{
    /// <summary>What a server that counts leases in whole seconds may cut off one (see NfsClient.RenewInterval).</summary>
    private static readonly TimeSpan LeaseRoundingAllowance = TimeSpan.FromSeconds(1);

    /// <summary>The longest the renewal loop sleeps before looking again, so a shorter new lease is never slept through.</summary>
    private static readonly TimeSpan RenewalCheckPeriod = TimeSpan.FromSeconds(1);

    private long _renewedSentTicks;
    private uint _leaseTimeSeconds;
    private long _renewCount;
    private uint _statusFlags;
    private Task? _renewal;

    /// <summary>
    /// sr_status_flags changed. Raised on the thread that read the reply, before the request completes: handlers
    /// must be quick and must not block on the session (start work, do not wait for it).
    /// </summary>
    public event EventHandler<SequenceStatusFlagsChangedEventArgs>? StatusFlagsChanged;

    /// <summary>sr_status_flags of the latest SEQUENCE reply.</summary>
    public SequenceStatusFlags StatusFlags => (SequenceStatusFlags)Volatile.Read(ref _statusFlags);

    /// <summary>The server's lease time, read again after every new client id (90 s if it names none).</summary>
    public TimeSpan LeaseTime => TimeSpan.FromSeconds(Volatile.Read(ref _leaseTimeSeconds));

    /// <summary>How long the lease may go without a SEQUENCE before one is sent for it alone.</summary>
    public TimeSpan RenewInterval
    {
        get
        {
            if (_options.RenewInterval is { } fixedInterval)
            {
                return fixedInterval;
            }

            var twoThirds = (LeaseTime - LeaseRoundingAllowance) * 2 / 3;
            return twoThirds > _options.LeaseRenewFloor ? twoThirds : _options.LeaseRenewFloor;
        }
    }

    /// <summary>How many SEQUENCE-only COMPOUNDs the renewal loop sent.</summary>
    public long RenewCount => Interlocked.Read(ref _renewCount);

    /// <summary>When the last SEQUENCE that succeeded was sent (Environment.TickCount64).</summary>
    public long LastRenewedTicks => Volatile.Read(ref _renewedSentTicks);

    private void NoteRenewed(long sentTicks)
    {
        var seen = Volatile.Read(ref _renewedSentTicks);
        while (sentTicks > seen)
        {
            var previous = Interlocked.CompareExchange(ref _renewedSentTicks, sentTicks, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private void NoteStatusFlags(SequenceStatusFlags flags)
    {
        var previous = (SequenceStatusFlags)Interlocked.Exchange(ref _statusFlags, (uint)flags);
        if (previous == flags)
        {
            return;
        }

        SessionLog.StatusFlagsChanged(_logger, ServerName, previous, flags);
        if (StatusFlagsChanged is not { } handler)
        {
            return;
        }

        try
        {
            handler(this, new SequenceStatusFlagsChangedEventArgs(previous, flags));
        }
#pragma warning disable CA1031 // A subscriber's bug must not fail the request whose reply carried the flags.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SessionLog.StatusHandlerFailed(_logger, ServerName, ex);
        }
    }

    /// <summary>PUTROOTFH + GETATTR(lease_time) through the session.</summary>
    private async ValueTask RefreshLeaseTimeAsync(CancellationToken cancellationToken)
    {
        var attributes = await RunAsync(
            "lease_time",
            0,
            static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.GetAttr(Bitmap4.Of(FAttr4.LeaseTime));
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutRootFh(ref r);
                return results.GetAttr(ref r);
            },
            cancellationToken,
            credential: _options.Credential).ConfigureAwait(false);
        var seconds = attributes.LeaseTime is > 0 ? attributes.LeaseTime.Value : 90u;
        Volatile.Write(ref _leaseTimeSeconds, seconds);
        SessionLog.LeaseTime(_logger, ServerName, seconds, RenewInterval);
    }

    private void StartRenewal()
    {
        // Detached: the loop must not carry the credential of whoever established the session.
        _renewal ??= NfsCallContext.StartDetached(() => RenewLoopAsync(_lifetime.Token));
    }

    private async ValueTask StopRenewalAsync()
    {
        if (!_lifetime.IsCancellationRequested)
        {
            await _lifetime.CancelAsync().ConfigureAwait(false);
        }

        if (_renewal is { } renewal)
        {
            try
            {
                await renewal.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        try
        {
            await ReclaimCompletion.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or NfsException or RpcException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Sends SEQUENCE alone whenever <see cref="RenewInterval"/> has passed since the last SEQUENCE that succeeded was
    /// sent. A dead session found this way is replaced by <see cref="RunAsync"/> itself; an unreachable server is tried
    /// again at the next check (the lease may still be saved).
    /// </summary>
    private async Task RenewLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var due = TimeSpan.FromMilliseconds(Volatile.Read(ref _renewedSentTicks) + (long)RenewInterval.TotalMilliseconds - Environment.TickCount64);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due < RenewalCheckPeriod ? due : RenewalCheckPeriod, stop).ConfigureAwait(false);
                continue;
            }

            try
            {
                Interlocked.Increment(ref _renewCount);
                await SequenceAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NfsException or RpcException or SessionResetException)
            {
                SessionLog.RenewFailed(_logger, ServerName, ex.Message);
                await Task.Delay(_options.LeaseRenewFloor, stop).ConfigureAwait(false);
            }
        }
    }
}
