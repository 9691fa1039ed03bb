using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Rpc;

/// <summary>Source-generated log messages of the RPC layer; event ids are stable (1000–1099).</summary>
internal static partial class RpcLog
{
    [LoggerMessage(1000, LogLevel.Information, "RPC connected to {Server} (connection {Generation})")]
    public static partial void Connected(ILogger logger, string server, long generation);

    [LoggerMessage(1001, LogLevel.Warning, "RPC connect to {Server} failed; next attempt in {Backoff}")]
    public static partial void ConnectFailed(ILogger logger, string server, TimeSpan backoff, Exception exception);

    [LoggerMessage(1002, LogLevel.Warning, "RPC connection to {Server} lost with {Pending} calls in flight: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string server, int pending, string reason);

    [LoggerMessage(1003, LogLevel.Debug, "RPC reply from {Server} with unknown xid {Xid:x8} dropped (late reply of a timed-out or cancelled call)")]
    public static partial void UnknownXid(ILogger logger, string server, uint xid);

    [LoggerMessage(1004, LogLevel.Warning, "RPC record from {Server} too short to hold an xid ({Length} bytes); connection broken")]
    public static partial void RuntRecord(ILogger logger, string server, int length);

    [LoggerMessage(1005, LogLevel.Debug, "RPC CALL message from {Server} (xid {Xid:x8}) dropped: no callback program is served on this connection")]
    public static partial void UnexpectedCall(ILogger logger, string server, uint xid);

    [LoggerMessage(1006, LogLevel.Debug, "RPC call xid {Xid:x8} to {Server} timed out")]
    public static partial void CallTimedOut(ILogger logger, string server, uint xid);
}
