using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// The wait-and-retry part of the retry policy for one call: NFS4ERR_DELAY and GRACE are retried with a
/// doubling delay until the budget is spent; NFS4ERR_RESOURCE only a few times, because in NFSv4.0 it
/// usually means "this COMPOUND is too big for me", which waiting does not change (RFC 7530 §13.1.10.5).
/// </summary>
internal struct RetryBackoff(NfsClientOptions options)
{
    private const int MaxResourceRetries = 3;

    private readonly long _deadline = Environment.TickCount64 + (long)options.RetryBudget.TotalMilliseconds;
    private int _resourceRetries;

    public TimeSpan Delay { get; private set; } = options.RetryDelayMin;

    public bool ShouldRetry(NfsStat4 status)
    {
        if (NfsErrorPolicy.Classify(status) != NfsErrorAction.RetryAfterDelay || Environment.TickCount64 >= _deadline)
        {
            return false;
        }

        return status != NfsStat4.Resource || ++_resourceRetries <= MaxResourceRetries;
    }

    /// <summary>Waits the current delay and doubles the next one (synchronously: a struct's async method would double a copy).</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var delay = Delay;
        Delay = Delay * 2 < options.RetryDelayMax ? Delay * 2 : options.RetryDelayMax;
        return Task.Delay(delay, cancellationToken);
    }
}
