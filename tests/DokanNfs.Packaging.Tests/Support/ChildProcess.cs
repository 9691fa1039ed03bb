using System.Diagnostics;

namespace DokanNfs.Packaging.Tests.Support;

/// <summary>What one run of a child process left behind.</summary>
internal sealed record ChildResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"$ {Command}\nexit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs dotnet (a built program, or an SDK command) to the end with its output captured.</summary>
internal static class ChildProcess
{
    /// <summary>The dotnet host running these tests; the one on PATH otherwise.</summary>
    public static string DotnetHost { get; } = FindDotnet();

    /// <summary>Runs the built dokannfs with its own state directory, so no real mount or identity is seen.</summary>
    public static Task<ChildResult> RunCliAsync(string stateDirectory, CancellationToken cancellationToken, params string[] args) =>
        RunDotnetAsync([Repository.CliPath, .. args], new Dictionary<string, string> { ["DOKANNFS_STATE_DIR"] = stateDirectory }, TimeSpan.FromMinutes(2), cancellationToken);

    public static async Task<ChildResult> RunDotnetAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var command = "dotnet " + string.Join(' ', args);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} did not finish within {timeout}.");
        }

        return new ChildResult(command, process.ExitCode, await stdout, await stderr);
    }

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
