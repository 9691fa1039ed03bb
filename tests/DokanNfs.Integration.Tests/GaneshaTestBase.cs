using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests;

/// <summary>
/// What every test class against real NFS-Ganesha needs: its servers (MSTest makes an instance per test,
/// so each test has its own), stopped at cleanup, with their logs written out when the test did not pass.
/// Derived classes that hold clients override <see cref="DisposeBeforeServersAsync"/> so nothing talks to a
/// server that is going away.
/// </summary>
public abstract class GaneshaTestBase(TestContext testContext)
{
    protected GaneshaServerGroup Servers { get; } = new();

    protected TestContext TestContext => testContext;

    protected CancellationToken Ct => testContext.CancellationToken;

    protected Task<GaneshaServer> StartServerAsync(GaneshaOptions? options = null) => Servers.StartAsync(options, Ct);

    [TestCleanup]
    public async Task CleanupServersAsync()
    {
        if (testContext.CurrentTestOutcome is not (UnitTestOutcome.Passed or UnitTestOutcome.Inconclusive))
        {
            Servers.WriteLogs(testContext.WriteLine);
        }

        try
        {
            await DisposeBeforeServersAsync();
        }
        finally
        {
            await Servers.DisposeAsync();
        }
    }

    /// <summary>Runs at cleanup before the servers stop.</summary>
    protected virtual ValueTask DisposeBeforeServersAsync() => ValueTask.CompletedTask;
}
