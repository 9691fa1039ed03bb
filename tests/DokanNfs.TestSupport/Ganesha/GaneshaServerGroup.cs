namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// The servers of one test: starts them, writes their logs when the test failed, and stops
/// them all and deletes their directories on disposal. MSTest creates one test class instance
/// per test, so a field of this type holds exactly that test's servers even when tests run in
/// parallel.
/// </summary>
/// <example>
/// <code>
/// private readonly GaneshaServerGroup _servers = new();
///
/// [TestCleanup]
/// public async Task CleanupAsync()
/// {
///     if (testContext.CurrentTestOutcome != UnitTestOutcome.Passed)
///     {
///         _servers.WriteLogs(testContext.WriteLine);
///     }
///
///     await _servers.DisposeAsync();
/// }
/// </code>
/// </example>
public sealed class GaneshaServerGroup : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<GaneshaServer> _servers = [];
    private readonly List<GaneshaException> _failedStarts = [];
    private bool _disposed;

    /// <summary>The servers started so far, in start order.</summary>
    public IReadOnlyList<GaneshaServer> Servers
    {
        get
        {
            lock (_gate)
            {
                return [.. _servers];
            }
        }
    }

    /// <summary>Starts a server (see <see cref="GaneshaServer.StartAsync"/>) that this group owns.</summary>
    public async Task<GaneshaServer> StartAsync(GaneshaOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        GaneshaServer server;
        try
        {
            server = await GaneshaServer.StartAsync(options, cancellationToken);
        }
        catch (GaneshaException e)
        {
            // Kept so WriteLogs shows it even if the test swallowed the exception.
            lock (_gate)
            {
                _failedStarts.Add(e);
            }

            throw;
        }

        bool adopted;
        lock (_gate)
        {
            adopted = !_disposed;
            if (adopted)
            {
                _servers.Add(server);
            }
        }

        if (!adopted)
        {
            await server.DisposeAsync();
            throw new ObjectDisposedException(nameof(GaneshaServerGroup));
        }

        return server;
    }

    /// <summary>Starts <paramref name="count"/> servers concurrently with the same options.</summary>
    public async Task<GaneshaServer[]> StartManyAsync(int count, GaneshaOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartAsync(options, cancellationToken)));
    }

    /// <summary>
    /// Writes the last <paramref name="maxLinesPerServer"/> log lines of every server, and the
    /// message of every failed start, through <paramref name="writeLine"/> (e.g. TestContext.WriteLine).
    /// Works before and after disposal.
    /// </summary>
    public void WriteLogs(Action<string> writeLine, int maxLinesPerServer = 200)
    {
        ArgumentNullException.ThrowIfNull(writeLine);
        GaneshaServer[] servers;
        GaneshaException[] failedStarts;
        lock (_gate)
        {
            servers = [.. _servers];
            failedStarts = [.. _failedStarts];
        }

        foreach (GaneshaServer server in servers)
        {
            server.WriteLogTail(writeLine, maxLinesPerServer);
        }

        foreach (GaneshaException failure in failedStarts)
        {
            writeLine("---- failed ganesha start ----");
            writeLine(failure.Message);
        }
    }

    /// <summary>Stops every server and deletes its directory; logs stay readable.</summary>
    public async ValueTask DisposeAsync()
    {
        GaneshaServer[] servers;
        lock (_gate)
        {
            _disposed = true;
            servers = [.. _servers];
        }

        await Task.WhenAll(servers.Select(server => server.DisposeAsync().AsTask()));
    }
}
