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
    /// <summary>The COMPOUND tags whose second execution could differ from the first.</summary>
    private static readonly HashSet<string> NotIdempotent = new(StringComparer.Ordinal)
    {
        "remove", "rename", "create", "link", "setattr", "release_lockowner",
    };

    private long _firstFailureTicks;
    private TimeSpan _delay = options.RetryDelayMin;

    public TimeSpan Delay => _delay;

    /// <summary>
    /// True to wait and send again. A server never reached at all is not an outage but a wrong address or a
    /// server that is down: that is reported at once, as a mount would (<paramref name="everConnected"/>).
    /// </summary>
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
        if (!safe)
        {
            return false;
        }

        var now = Environment.TickCount64;
        if (_firstFailureTicks == 0)
        {
            _firstFailureTicks = now;
        }

        if (options.Mount == NfsMountType.Soft && now - _firstFailureTicks >= (long)options.SoftTimeout.TotalMilliseconds)
        {
            throw new RpcTimeoutException($"The server did not answer for {options.SoftTimeout.TotalSeconds:F0} s (soft mount): {error.Message}");
        }

        return true;
    }

    /// <summary>Waits the current delay and doubles the next (synchronously: a struct's async method would double a copy).</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var delay = _delay;
        _delay = _delay * 2 < options.RetryDelayMax ? _delay * 2 : options.RetryDelayMax;
        return Task.Delay(delay, cancellationToken);
    }
}

/// <summary>How calls behave while the server is unreachable (the hard / soft mount option).</summary>
public enum NfsMountType
{
    /// <summary>Wait through outages, however long (the default, as with the Linux client).</summary>
    Hard,

    /// <summary>Fail calls with a timeout error after <see cref="NfsClientOptions.SoftTimeout"/>.</summary>
    Soft,
}
