using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client;

/// <summary>
/// Extra connections for READs ahead (<see cref="NfsClientOptions.ReadConnections"/>, Linux's nconnect for reads):
/// Ganesha sends one connection's replies one after another, so with READs ahead spread over two connections it sends
/// two at once (docs/PERFORMANCE.md). Under NFSv4.0 a stateid is the client's on every connection (RFC 7530 §9.1.4)
/// and a READ ahead on an extra connection is one attempt: whatever goes wrong with it, it is sent again the usual way
/// (NfsOpenFile.ReadAheadAsync). Under NFSv4.1 it goes through the session, which binds the extra connection to its fore
/// channel with the first SEQUENCE sent on it (SP4_NONE, RFC 8881 §2.10.3.1) and, if the extra connection fails, sends
/// the request again over its own connection on the same slot (NfsSession.RunOverExtraConnectionAsync). Either way a
/// connection that failed is left alone for a while.
/// </summary>
public sealed partial class NfsClient
{
    /// <summary>How long an extra read connection that failed is not used.</summary>
    private static readonly TimeSpan ReadConnectionHoldOff = TimeSpan.FromSeconds(5);

    private readonly Lock _readConnectionsLock = new();
    private RpcClient?[]? _readConnections;
    private long _readConnectionsHeldOffUntil;
    private long _readsOnExtraConnections;
    private Action<Exception>? _readConnectionFailed;

    /// <summary>READs ahead answered over the extra read connections (for statistics and tests).</summary>
    public long ReadsOnExtraConnections => Interlocked.Read(ref _readsOnExtraConnections);

    /// <summary>
    /// The extra connection a handle's <paramref name="sequence"/>th READ ahead goes over, or null for the client's own.
    /// Null too whenever a call would not simply go out at once: during recovery, journal replay or an outage, while the
    /// client's own connection is down, or for a while after an extra connection failed.
    /// </summary>
    internal RpcClient? ReadConnectionFor(long sequence)
    {
        var count = Math.Clamp(
            _options.ReadConnections ?? (Volatile.Read(ref _session) is null ? NfsClientOptions.DefaultReadConnectionsV40 : NfsClientOptions.DefaultReadConnectionsV41),
            1,
            NfsClientOptions.MaxReadConnections);
        var index = (int)(sequence % count);
        if (index == 0 || !VersionSettled ||
            Volatile.Read(ref _startupReplayPending) != 0 || Volatile.Read(ref _recovery) is { IsCompleted: false } ||
            Volatile.Read(ref _unreachable) != 0 || _rpc.Connection is not { IsBroken: false } ||
            Environment.TickCount64 < Interlocked.Read(ref _readConnectionsHeldOffUntil))
        {
            return null;
        }

        lock (_readConnectionsLock)
        {
            if (_disposed)
            {
                return null;
            }

            _readConnections ??= new RpcClient?[count - 1];
            return _readConnections[index - 1] ??= new RpcClient(_rpc.EndPoint, _rpc.Options, _logger);
        }
    }

    /// <summary>
    /// One COMPOUND of a READ ahead over <paramref name="connection"/>, an extra read connection: under NFSv4.0 one attempt
    /// as it is (the caller counts it, <see cref="NoteReadOnExtraConnection"/>, or sends it again the usual way if it
    /// fails); under NFSv4.1 through the session, which goes on over its own connection if the extra one fails, and counts
    /// it here when the reply came over the extra one.
    /// </summary>
    internal ValueTask<TResult> CallOnReadConnectionAsync<TState, TResult>(
        RpcClient connection, string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, RpcCredential? credential) =>
        Volatile.Read(ref _session) is { } session
            ? CallOnReadConnectionInSessionAsync(session, connection, tag, state, encodeOps, decode, cancellationToken, credential)
            : CallCompoundAsync(connection, tag, state, encodeOps, decode, cancellationToken, credential);

    /// <summary>An NFSv4.0 READ ahead was answered over an extra connection.</summary>
    internal void NoteReadOnExtraConnection() => Interlocked.Increment(ref _readsOnExtraConnections);

    private async ValueTask<TResult> CallOnReadConnectionInSessionAsync<TState, TResult>(
        NfsSession session, RpcClient connection, string tag, TState state, CompoundOpsEncoder<TState> encodeOps, RpcResultDecoder<TResult> decode, CancellationToken cancellationToken, RpcCredential? credential)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (result, overExtra) = await session.RunOverExtraConnectionAsync(
            connection,
            _readConnectionFailed ??= NoteReadConnectionFailed,
            tag,
            state,
            encodeOps,
            AfterSequence(decode),
            cancellationToken,
            credential ?? CallerCredential).ConfigureAwait(false);
        if (overExtra)
        {
            Interlocked.Increment(ref _readsOnExtraConnections);
        }

        return result;
    }

    /// <summary>A READ ahead over an extra connection failed: the extra connections are left alone for a while.</summary>
    internal void NoteReadConnectionFailed(Exception error)
    {
        Interlocked.Exchange(ref _readConnectionsHeldOffUntil, Environment.TickCount64 + (long)ReadConnectionHoldOff.TotalMilliseconds);
        ClientLog.ReadConnectionFailed(_logger, ServerName, error.Message);
    }

    private async ValueTask DisposeReadConnectionsAsync()
    {
        RpcClient?[]? connections;
        lock (_readConnectionsLock)
        {
            (connections, _readConnections) = (_readConnections, null);
        }

        foreach (var connection in connections ?? [])
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
