using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using DokanNfs.Integration.Tests.Cli;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// tests/DokanNfs.TestClient run as a real process: <c>dotnet DokanNfs.TestClient.dll hold ADDRESS PORT STATE-DIR PATH [4.0|4.1]</c>
/// opens PATH denying both, locks it whole, prints "READY clientid" and waits to be killed — here with SIGKILL,
/// by pid, so it sends nothing more to the server and the kernel releases its identity's lock file.
/// </summary>
public sealed class TestClientProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private TestClientProcess(Process process)
    {
        _process = process;
        ProcessId = process.Id;
    }

    /// <summary>The DokanNfs.TestClient.dll the build of this test project recorded (see the test .csproj).</summary>
    public static string DllPath { get; } = FindDll();

    public int ProcessId { get; }

    /// <summary>The client id the process got, as it printed it (16 hex digits).</summary>
    public string ClientIdHex { get; private set; } = "?";

    public bool HasExited => _process.HasExited;

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the process and waits for READY. It is added to <paramref name="owner"/> at once, so a test that fails
    /// while it starts still kills it. "-" as <paramref name="stateDirectory"/>: a fresh identity, never stored.
    /// </summary>
    public static async Task<TestClientProcess> StartHoldingAsync(
        IPEndPoint server, string stateDirectory, string path, List<TestClientProcess> owner, CancellationToken cancellationToken, string version = "4.0")
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(owner);
        var start = new ProcessStartInfo(CliRunner.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { DllPath, "hold", server.Address.ToString(), server.Port.ToString(CultureInfo.InvariantCulture), stateDirectory, path, version })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var child = new TestClientProcess(process);
        owner.Add(child);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                {
                    child._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        process.StandardInput.Close();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The test client did not print READY within {ReadyTimeout.TotalSeconds} s; stderr:\n{child.StandardError}");
        }

        if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal))
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            throw new InvalidOperationException($"The test client printed '{line}' instead of READY (exit {process.ExitCode}); stderr:\n{child.StandardError}");
        }

        child.ClientIdHex = line["READY ".Length..].Trim();
        return child;
    }

    /// <summary>SIGKILL by pid (what Process.Kill sends on Unix), then waits until the process is gone.</summary>
    public async Task KillHardAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillHardAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private static string FindDll()
    {
        var path = typeof(TestClientProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "DokanNfsTestClientPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new FileNotFoundException($"DokanNfs.TestClient.dll is not where the build recorded it ('{path}'); build the solution first.");
        }

        return path;
    }
}
