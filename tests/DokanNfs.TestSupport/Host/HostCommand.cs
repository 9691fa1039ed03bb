using System.Diagnostics;

namespace DokanNfs.TestSupport.Host;

/// <summary>Runs a program of this machine (stat, chown, …) for facts System.IO does not give, and returns its output.</summary>
public static class HostCommand
{
    /// <summary>The program's standard output; <see cref="InvalidOperationException"/> with its error output when it fails.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {error.Result}");
    }
}
