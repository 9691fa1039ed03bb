using DokanNfs.Core.Client;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// Namespace tests against scripted fake servers (no Ganesha): quick client options, and everything the test
/// starts disposed at cleanup, newest first, so namespaces and their clients go before the servers.
/// </summary>
public abstract class FakeNamespaceTestBase
{
    protected static readonly NfsClientOptions FastOptions = new()
    {
        ServerName = "origin",
        RetryDelayMin = TimeSpan.FromMilliseconds(10),
        RetryDelayMax = TimeSpan.FromMilliseconds(80),
        RetryBudget = TimeSpan.FromSeconds(5),
        CallTimeout = TimeSpan.FromSeconds(5),
        ConnectTimeout = TimeSpan.FromSeconds(2),

        // These tests act on the fake server behind the client's back (moves, referrals) and expect the next call to
        // meet it: no attribute or name cache answers in its place (noac), no READ rides in an OPEN's COMPOUND.
        AcRegMin = TimeSpan.Zero,
        AcRegMax = TimeSpan.Zero,
        AcDirMin = TimeSpan.Zero,
        AcDirMax = TimeSpan.Zero,
        OpenReadSize = 0,
    };

    /// <summary>
    /// <see cref="FastOptions"/> with the default caches (attribute, name, negative; a READ in the OPEN) when
    /// <paramref name="caches"/>: the same scenario run both ways shows that a cached handle meeting MOVED still migrates or grafts.
    /// </summary>
    protected static NfsClientOptions Options(bool caches)
    {
        if (!caches)
        {
            return FastOptions;
        }

        var defaults = new NfsClientOptions();
        return FastOptions with
        {
            AcRegMin = defaults.AcRegMin,
            AcRegMax = defaults.AcRegMax,
            AcDirMin = defaults.AcDirMin,
            AcDirMax = defaults.AcDirMax,
            OpenReadSize = defaults.OpenReadSize,
        };
    }

    private readonly List<IAsyncDisposable> _disposables = [];

    public TestContext TestContext { get; set; } = null!;

    protected CancellationToken Ct => TestContext.CancellationToken;

    [TestCleanup]
    public async Task CleanupAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }
    }

    protected T Track<T>(T disposable)
        where T : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }
}
