namespace DokanNfs.Core.Rpc;

/// <summary>
/// Takes the CALL messages a server sends on a client's own connection: the NFSv4.1 back channel runs on the fore
/// channel's connection (RFC 8881 §2.10.3.1), so the receive loop sees the server's calls between its replies.
/// </summary>
internal interface IRpcCallHandler
{
    /// <summary>
    /// One CALL record, owned by the handler from now on (it must <see cref="ReceivedRecord.Return"/> it). Called on the
    /// connection's receive loop: it must not block; the reply goes out later with <see cref="RpcConnection.SendReplyAsync"/>.
    /// </summary>
    void HandleCall(RpcConnection connection, ReceivedRecord record);
}
