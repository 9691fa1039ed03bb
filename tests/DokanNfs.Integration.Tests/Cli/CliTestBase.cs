using System.Globalization;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>
/// What every CLI test needs: a Ganesha server of its own (started on demand), a scratch directory on
/// the local side, a state directory for the child, and assertions on exit codes that show the output.
/// </summary>
public abstract class CliTestBase(TestContext testContext) : GaneshaTestBase(testContext), IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("dokannfs-cli-test-").FullName;
    private bool _disposed;

    /// <summary>The local side of copies; deleted after the test.</summary>
    protected string LocalDirectory => Directory.CreateDirectory(Path.Combine(_scratch, "local")).FullName;

    private protected CliRunner Cli => new(Directory.CreateDirectory(Path.Combine(_scratch, "state")).FullName);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test over.
        }
    }

    /// <summary>nfs://127.0.0.1:PORT/export[/relative].</summary>
    protected static string Url(GaneshaServer server, string relative = "") =>
        string.Create(CultureInfo.InvariantCulture, $"nfs://{server.Address}:{server.Port}{server.PseudoPath}") + (relative.Length == 0 ? string.Empty : "/" + relative);

    private protected Task<CliResult> RunAsync(params string[] args) => RunAsync(Cli, args);

    private protected async Task<CliResult> RunAsync(CliRunner cli, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(cli);
        var result = await cli.RunAsync(Ct, args);
        TestContext.WriteLine($"$ dokannfs {string.Join(' ', args)}\n{result}");
        return result;
    }

    private protected static CliResult ExpectExit(int expected, CliResult result)
    {
        Assert.AreEqual(expected, result.ExitCode, result.ToString());
        return result;
    }

    /// <summary>Succeeded, with nothing on stderr.</summary>
    private protected static CliResult ExpectOk(CliResult result)
    {
        ExpectExit(0, result);
        Assert.AreEqual(string.Empty, result.StdErr, result.ToString());
        return result;
    }

    /// <summary>Failed with <paramref name="expected"/> and exactly one line on stderr, no stack trace.</summary>
    private protected static CliResult ExpectError(int expected, CliResult result, string mustContain)
    {
        ExpectExit(expected, result);
        Assert.HasCount(1, result.StdErrLines, result.ToString());
        Assert.StartsWith("dokannfs: ", result.StdErrLines[0], result.ToString());
        Assert.Contains(mustContain, result.StdErr, result.ToString());
        Assert.DoesNotContain("   at ", result.StdErr, "no stack trace without --verbose");
        return result;
    }
}
