namespace DokanNfs.Core.Rpc;

/// <summary>Base of every failure of an RPC call. Callers catch the subclass that matters to them.</summary>
public abstract class RpcException : Exception
{
    protected RpcException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The connection the call was on died (reset, closed, or broken on purpose after a malformed record)
/// before its reply came. Whether the server executed the call is unknown.
/// </summary>
public sealed class RpcConnectionLostException(string message, Exception? innerException = null)
    : RpcException(message, innerException);

/// <summary>No connection could be made to the server (refused, unreachable, or still backing off).</summary>
public sealed class RpcConnectException(string message, Exception? innerException = null)
    : RpcException(message, innerException);

/// <summary>No reply within the per-call timeout. The connection stays up; a late reply is dropped.</summary>
public sealed class RpcTimeoutException(string message)
    : RpcException(message);

/// <summary>The reply could not be parsed as an RPC reply (RFC 5531 §9), or its record framing was broken.</summary>
public sealed class RpcMalformedReplyException(string message, Exception? innerException = null)
    : RpcException(message, innerException);

/// <summary>MSG_ACCEPTED with an accept_stat other than SUCCESS (RFC 5531 §9).</summary>
public sealed class RpcAcceptedErrorException : RpcException
{
    public RpcAcceptedErrorException(RpcAcceptStat acceptStat, uint mismatchLow = 0, uint mismatchHigh = 0)
        : base(Describe(acceptStat, mismatchLow, mismatchHigh))
    {
        AcceptStat = acceptStat;
        MismatchLow = mismatchLow;
        MismatchHigh = mismatchHigh;
    }

    public RpcAcceptStat AcceptStat { get; }

    /// <summary>For PROG_MISMATCH: the lowest and highest program versions the server supports.</summary>
    public uint MismatchLow { get; }

    public uint MismatchHigh { get; }

    private static string Describe(RpcAcceptStat stat, uint low, uint high) => stat switch
    {
        RpcAcceptStat.ProgUnavail => "RPC PROG_UNAVAIL: the server does not export this program.",
        RpcAcceptStat.ProgMismatch => $"RPC PROG_MISMATCH: the server supports versions {low} to {high} only.",
        RpcAcceptStat.ProcUnavail => "RPC PROC_UNAVAIL: the server does not support this procedure.",
        RpcAcceptStat.GarbageArgs => "RPC GARBAGE_ARGS: the server could not decode the call's arguments.",
        RpcAcceptStat.SystemErr => "RPC SYSTEM_ERR: the server failed (e.g. out of memory).",
        _ => $"RPC accept_stat {(int)stat}.",
    };
}

/// <summary>MSG_DENIED (RFC 5531 §9): RPC_MISMATCH or AUTH_ERROR.</summary>
public sealed class RpcDeniedException : RpcException
{
    public RpcDeniedException(RpcRejectStat rejectStat, RpcAuthStat authStat = RpcAuthStat.AuthOk, uint mismatchLow = 0, uint mismatchHigh = 0)
        : base(rejectStat == RpcRejectStat.RpcMismatch
            ? $"RPC_MISMATCH: the server speaks RPC versions {mismatchLow} to {mismatchHigh}."
            : $"RPC AUTH_ERROR: {authStat}.")
    {
        RejectStat = rejectStat;
        AuthStat = authStat;
        MismatchLow = mismatchLow;
        MismatchHigh = mismatchHigh;
    }

    public RpcRejectStat RejectStat { get; }

    public RpcAuthStat AuthStat { get; }

    public uint MismatchLow { get; }

    public uint MismatchHigh { get; }
}
