using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace DokanNfs.Core.Rpc;

/// <summary>
/// One call waiting for its reply: a reusable <see cref="IValueTaskSource{TResult}"/>, so waiting for a reply
/// allocates nothing once the pool is warm. Exactly one party completes it: whoever removes it from the
/// connection's pending table (the receive loop, the timeout sweep, cancellation, or Break).
/// </summary>
internal sealed class PendingCall : IValueTaskSource<ReceivedRecord>
{
    private static readonly ConcurrentQueue<PendingCall> Pool = new();

    private ManualResetValueTaskSourceCore<ReceivedRecord> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;

    public uint Xid { get; private set; }

    /// <summary>Environment.TickCount64 after which the timeout sweep fails the call.</summary>
    public long DeadlineTicks { get; private set; }

    public RpcConnection? Connection { get; private set; }

    public short Version => _core.Version;

    public static PendingCall Rent(RpcConnection connection, uint xid, long deadlineTicks)
    {
        if (!Pool.TryDequeue(out var call))
        {
            call = new PendingCall();
        }

        call.Connection = connection;
        call.Xid = xid;
        call.DeadlineTicks = deadlineTicks;
        return call;
    }

    /// <summary>Arms cancellation once the call is in the pending table.</summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) =>
                {
                    var call = (PendingCall)state!;
                    call.Connection?.TryFail(call, new OperationCanceledException(token));
                },
                this);
        }
    }

    public void SetResult(ReceivedRecord record) => _core.SetResult(record);

    public void SetException(Exception exception) => _core.SetException(exception);

    public ReceivedRecord GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // Dispose waits for a running cancellation callback, so none can touch this object after reuse.
            _cancellation.Dispose();
            _cancellation = default;
            Connection = null;
            _core.Reset();
            Pool.Enqueue(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
