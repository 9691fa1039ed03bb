namespace DokanNfs.Core.Rpc;

/// <summary>Settings of one <see cref="RpcClient"/>.</summary>
public sealed record RpcClientOptions
{
    /// <summary>How long one call waits for its reply before failing with <see cref="RpcTimeoutException"/>.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The first wait before reconnecting after a failed connect; it doubles per failure up to the cap.</summary>
    public TimeSpan ReconnectDelayMin { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The largest reply record accepted. An NFS READ or READDIR reply is at most the negotiated size
    /// (1 MiB here) plus headers; anything much larger is a broken or hostile peer.
    /// </summary>
    public int MaxRecordSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Calls longer than this go out as several fragments (RFC 5531 §11).</summary>
    public int MaxFragmentSize { get; init; } = RecordMarking.MaxFragmentLength;

    public RpcCredential Credential { get; init; } = RpcCredential.None;

    /// <summary>
    /// Run each caller's continuation on the receive loop when its reply arrives, instead of queueing it to the thread
    /// pool: one thread hop less per call. Safe only when no code awaiting a call ever blocks synchronously (e.g.
    /// GetAwaiter().GetResult() on another call) before its next await — that would stop the loop that must deliver
    /// the reply. Off by default; the dokannfs commands, which are asynchronous throughout, turn it on.
    /// </summary>
    public bool InlineReplyContinuations { get; init; }
}
