using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

/// <summary>
/// The credential the calls of the current logical flow go out with: a front end serving many local users
/// (the Dokan adapter) sets the requester's AUTH_SYS identity around each request, so one user never acts on
/// the server with another's. Calls made with no credential set use <see cref="NfsClientOptions.Credential"/>.
/// <code>
/// using (NfsCallContext.Use(RpcCredential.Sys(uid, gid, gids)))
/// {
///     await client.OpenAsync(path, request, ct);
/// }
/// </code>
/// What the client does on its own behalf ignores it: client id and lease management (SETCLIENTID,
/// SETCLIENTID_CONFIRM, RENEW) always use the options' (machine) credential, and every later call on an
/// <see cref="NfsOpenFile"/> — I/O, locks, CLOSE, and its reclaim after a server restart — uses the credential
/// it was opened with, whatever is current then.
/// </summary>
public static class NfsCallContext
{
    private static readonly AsyncLocal<RpcCredential?> Ambient = new();

    /// <summary>The credential set for the current flow, or null when none is.</summary>
    public static RpcCredential? Current => Ambient.Value;

    /// <summary>
    /// Makes <paramref name="credential"/> current until the returned scope is disposed, which restores the
    /// one current before. Setting the credential that is already current changes (and allocates) nothing.
    /// Null makes the client's own credential apply again.
    /// </summary>
    /// <remarks>
    /// Like any <see cref="AsyncLocal{T}"/>, a value set inside an async method is not seen by its caller once
    /// the method returns, and work started from the flow (tasks, timers) sees the value current when it was
    /// started unless the flow is suppressed (see <see cref="StartDetached"/>).
    /// </remarks>
    public static Scope Use(RpcCredential? credential)
    {
        var previous = Ambient.Value;
        if (ReferenceEquals(previous, credential))
        {
            return default;
        }

        Ambient.Value = credential;
        return new Scope(previous);
    }

    /// <summary>
    /// Starts background work (lease renewal, recovery) without the caller's execution context, so it never
    /// carries the credential of the request that happened to start it.
    /// </summary>
    internal static Task StartDetached(Func<Task> work)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(work, CancellationToken.None);
        }
    }

    /// <summary>Restores the credential current before <see cref="Use"/> when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly RpcCredential? _previous;
        private readonly bool _changed;

        internal Scope(RpcCredential? previous)
        {
            _previous = previous;
            _changed = true;
        }

        public void Dispose()
        {
            if (_changed)
            {
                Ambient.Value = _previous;
            }
        }
    }
}
