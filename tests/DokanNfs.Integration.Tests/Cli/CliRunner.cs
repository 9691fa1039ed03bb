using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>What one run of dokannfs left behind.</summary>
internal sealed record CliResult(int ExitCode, byte[] StdOutBytes, string StdErr)
{
    public string StdOut => Encoding.UTF8.GetString(StdOutBytes);

    /// <summary>Non-empty stderr lines, for "one line per error" checks.</summary>
    public string[] StdErrLines => StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// Runs the built dokannfs as a user would: <c>dotnet dokannfs.dll ARGS</c> in a child process with stdin,
/// stdout and stderr redirected (so it is not on a terminal), its own state directory, and its own machine
/// and user configuration directories (empty unless a test writes a dokannfs.json there), so the machine's
/// /etc/dokannfs and ~/.config/dokannfs never reach a test.
/// </summary>
internal sealed class CliRunner(string stateDirectory)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The dokannfs.dll the build of this test project recorded (see the test .csproj).</summary>
    public static string CliPath { get; } = FindCli();

    public static string DotnetHost { get; } = FindDotnet();

    public string StateDirectory { get; } = stateDirectory;

    /// <summary>DOKANNFS_CONFIG_DIR of the child: where its machine dokannfs.json is read from.</summary>
    public string MachineConfigDirectory => Path.Combine(StateDirectory, "config-machine");

    /// <summary>DOKANNFS_USER_CONFIG_DIR of the child: where its user dokannfs.json is read from.</summary>
    public string UserConfigDirectory => Path.Combine(StateDirectory, "config-user");

    /// <summary>Extra environment variables for the child (e.g. the test-only DOKANNFS_REFERRAL_PORT).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public Task<CliResult> RunAsync(CancellationToken cancellationToken, params string[] args) =>
        RunAsync(null, cancellationToken, args);

    public async Task<CliResult> RunAsync(string? workingDirectory, CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? StateDirectory,
        };
        start.ArgumentList.Add(CliPath);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOKANNFS_STATE_DIR"] = StateDirectory;
        start.Environment["DOKANNFS_CONFIG_DIR"] = MachineConfigDirectory;
        start.Environment["DOKANNFS_USER_CONFIG_DIR"] = UserConfigDirectory;
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("DOKANNFS__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            // Configuration variables of the machine running the tests are not the test's.
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.StandardInput.Close();
        using var stdout = new MemoryStream();
        var stdoutTask = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
        var stderrTask = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dokannfs {string.Join(' ', args)} did not finish within {RunTimeout}.");
        }

        await stdoutTask;
        var stderr = await stderrTask;
        return new CliResult(process.ExitCode, stdout.ToArray(), stderr);
    }

    private static string FindCli()
    {
        var path = typeof(CliRunner).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "DokanNfsCliPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new FileNotFoundException($"dokannfs.dll is not where the build recorded it ('{path}'); build the solution first.");
        }

        return path;
    }

    /// <summary>The dotnet host running these tests; the one on PATH otherwise.</summary>
    private static string FindDotnet()
    {
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var self = System.Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
