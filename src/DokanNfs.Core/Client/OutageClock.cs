using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

/// <summary>
/// What one call does when the server cannot be reached: on a hard mount it waits, with a backoff up to
/// <see cref="NfsClientOptions.RetryDelayMax"/>, for as long as it takes; on a soft mount it gives up after
/// <see cref="NfsClientOptions.SoftTimeout"/> with <see cref="RpcTimeoutException"/>. A call that may have
/// reached the server before the connection died is sent again only if sending it twice is harmless; for
/// the others the caller learns that the outcome is unknown (version-carrying replay decides them).
/// </summary>
internal struct OutageClock(NfsClientOptions options)
{
    /// <summary>
    /// The COMPOUND tags whose second execution could differ from the first. The name calls among them (and their
    /// "-replay" forms, sent behind VERIFY) are resolved by version-carrying replay (NfsClient.Replay.cs).
    /// </summary>
    private static readonly HashSet<string> NotIdempotent = new(StringComparer.Ordinal)
    {
        "remove", "rename", "create", "link", "setattr", "release_lockowner",
        "remove-replay", "rename-replay", "create-replay", "link-replay", "setattr-replay",
    };

    private long _firstFailureTicks;

    /// <summary>True for the tags whose second execution could differ from the first.</summary>
    public static bool IsNotIdempotent(string tag) => NotIdempotent.Contains(tag);
    private TimeSpan _delay = options.RetryDelayMin;

    public TimeSpan Delay => _delay;

    /// <summary>
    /// True to wait and send again. A server never reached at all is not an outage but a wrong address or a
    /// server that is down: that is reported at once, as a mount would (<paramref name="everConnected"/>).
    /// </summary>
    /// <remarks>
    /// Fix (found by MountTypeTests.Soft_mount_fails_calls_with_a_timeout_while_the_server_is_down_and_later_calls_work_once_it_is_back):
    /// this is called in exception filters, and it used to throw the soft mount's timeout error itself — but an
    /// exception thrown in a filter is swallowed and the filter counts as false, so the caller got the raw
    /// RpcConnectException or one call's RpcTimeoutException instead. It is a plain predicate now; the soft
    /// timeout is enforced by <see cref="ThrowIfSoftTimeoutPassed"/> and <see cref="WaitAsync"/>.
    /// </remarks>
    public bool ShouldRetry(RpcException error, string tag, bool everConnected)
    {
        if (!everConnected)
        {
            return false;
        }

        var safe = error switch
        {
            RpcConnectException => true,
            RpcConnectionLostException or RpcTimeoutException => !NotIdempotent.Contains(tag),
            _ => false,
        };
        if (safe && _firstFailureTicks == 0)
        {
            _firstFailureTicks = Environment.TickCount64;
        }

        return safe;
    }

    /// <summary>On a soft mount, fails with <see cref="RpcTimeoutException"/> once the soft timeout has passed since the first failure.</summary>
    public readonly void ThrowIfSoftTimeoutPassed(RpcException error)
    {
        if (SoftTimeLeft() <= TimeSpan.Zero)
        {
            throw SoftTimeoutError(options, error);
        }
    }

    /// <summary>
    /// Waits the current delay and doubles the next. On a soft mount the wait never outlasts the soft timeout:
    /// past it, or if the server cannot be connected to again before it, this fails with
    /// <see cref="RpcTimeoutException"/>.
    /// </summary>
    public Task WaitAsync(RpcClient rpc, RpcException error, CancellationToken cancellationToken)
    {
        ThrowIfSoftTimeoutPassed(error);
        var delay = _delay;
        _delay = _delay * 2 < options.RetryDelayMax ? _delay * 2 : options.RetryDelayMax;
        return options.Mount == NfsMountType.Soft && _firstFailureTicks != 0
            ? WaitSoftAsync(rpc, error, delay, SoftTimeLeft(), options, cancellationToken)
            : Task.Delay(delay, cancellationToken);
    }

    /// <summary>
    /// Before each attempt of a soft mount's call: with no connection up (and one made before), connects first,
    /// without sending, within what is left of the soft timeout — which starts now if it has not already.
    /// </summary>
    /// <remarks>
    /// Fix (found by MountTypeTests.Soft_mount_fails_calls_with_a_timeout_while_the_server_is_down_and_later_calls_work_once_it_is_back):
    /// a soft mount's call could wait far past its soft timeout (55 s for a 2 s timeout) inside the RPC client's
    /// reconnect, whose backoff grows to 15 s and serves the calls waiting for it one at a time: the timeout was
    /// only looked at once an attempt had failed, and an attempt waiting to connect had not failed yet. Now no
    /// attempt of a soft call waits for a connection past the call's soft timeout (see also <see cref="WaitAsync"/>).
    /// A hard mount's attempt connects itself, waiting as long as it takes.
    /// </remarks>
    public Task ConnectBeforeAttemptAsync(RpcClient rpc, CancellationToken cancellationToken)
    {
        if (options.Mount != NfsMountType.Soft || rpc.ConnectionCount == 0 || rpc.Connection is { IsBroken: false })
        {
            return Task.CompletedTask;
        }

        if (_firstFailureTicks == 0)
        {
            _firstFailureTicks = Environment.TickCount64;
        }

        var left = SoftTimeLeft();
        return left > TimeSpan.Zero
            ? ConnectWithinAsync(rpc, null, left, options, cancellationToken)
            : Task.FromException(SoftTimeoutError(options, null));
    }

    /// <summary>How much of the soft timeout is left (always some on a hard mount).</summary>
    private readonly TimeSpan SoftTimeLeft() =>
        options.Mount != NfsMountType.Soft || _firstFailureTicks == 0
            ? TimeSpan.MaxValue
            : options.SoftTimeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - _firstFailureTicks);

    // The async parts are static: an async method of a struct would count on a copy of it.
    private static async Task WaitSoftAsync(RpcClient rpc, RpcException error, TimeSpan delay, TimeSpan left, NfsClientOptions options, CancellationToken cancellationToken)
    {
        if (delay >= left)
        {
            await Task.Delay(left, cancellationToken).ConfigureAwait(false);
            throw SoftTimeoutError(options, error);
        }

        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        await ConnectWithinAsync(rpc, error, left - delay, options, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ConnectWithinAsync(RpcClient rpc, RpcException? error, TimeSpan left, NfsClientOptions options, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(left);
        while (true)
        {
            try
            {
                // The RPC client paces its connect attempts with its own backoff: this loop does not spin.
                await rpc.ConnectAsync(deadline.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw SoftTimeoutError(options, error);
            }
            catch (RpcConnectException ex)
            {
                error = ex;
            }
        }
    }

    internal static RpcTimeoutException SoftTimeoutError(NfsClientOptions options, RpcException? error) =>
        new($"The server did not answer for {options.SoftTimeout.TotalSeconds:F0} s (soft mount): {error?.Message ?? "no connection could be made."}");
}

/// <summary>How calls behave while the server is unreachable (the hard / soft mount option).</summary>
public enum NfsMountType
{
    /// <summary>Wait through outages, however long (the default, as with the Linux client).</summary>
    Hard,

    /// <summary>Fail calls with a timeout error after <see cref="NfsClientOptions.SoftTimeout"/>.</summary>
    Soft,
}
