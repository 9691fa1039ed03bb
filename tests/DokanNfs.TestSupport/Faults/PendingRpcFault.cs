namespace DokanNfs.TestSupport.Faults;

internal enum RpcFaultKind
{
    DropCall,
    DropReply,
}

/// <summary>
/// An RPC fault that has picked its call (and so its XID and connection) and now waits for the
/// connection to be cut to report back to the test.
/// </summary>
internal sealed class PendingRpcFault(RpcFaultKind kind, uint xid, TaskCompletionSource<uint> completion)
{
    public RpcFaultKind Kind { get; } = kind;

    public uint Xid { get; } = xid;

    /// <summary>When the fault has taken effect, the proxy starts a blackhole just before it cuts the connection.</summary>
    public bool HoldAfter { get; init; }

    /// <summary>True once the dropped record has been chosen, so none of its bytes will be forwarded.</summary>
    public bool Effective { get; set; }

    /// <summary>Reports the outcome once the connection is gone: the XID if the drop happened, else a failure.</summary>
    public void Complete()
    {
        if (Effective)
        {
            completion.TrySetResult(Xid);
            return;
        }

        var failure = new IOException(
            $"The connection closed before {(Kind == RpcFaultKind.DropReply ? "the reply to the call" : "the call")} with XID 0x{Xid:x8} could be dropped.");
        if (completion.TrySetException(failure))
        {
            // Mark the failure observed: a test that never awaits this task must not get an
            // UnobservedTaskException from the finalizer; one that awaits it still sees the failure.
            _ = completion.Task.Exception;
        }
    }
}
