using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace DokanNfs.SideBySide;

/// <summary>
/// The libnfs side: bench/libnfs/libnfs_bench.c (built by bench/run.sh) run as a child process per run, in
/// step mode, so the harness reads the server's CPU and the counting relay between its passes; and, for
/// reference, the libnfs-utils tools themselves (nfs-cat, nfs-ls), timed as whole processes.
/// </summary>
public sealed class LibnfsSide(string driverPath)
{
    /// <summary>libnfs 4.0 takes the port as a URL argument (nfsport) and speaks NFSv4 only when asked (version=4).</summary>
    public static string Url(IPEndPoint server, string exportPseudoPath) =>
        $"nfs://{server.Address}{exportPseudoPath}?version=4&nfsport={server.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Runs one workload; <paramref name="rows"/> names the driver's passes in order (one row per pass line).
    /// The driver's own wall and CPU time are the sample's; the probe adds the server's CPU and the RPC counts.
    /// </summary>
    public async Task<IReadOnlyList<RowSample>> RunAsync(string url, IReadOnlyList<string> arguments, IReadOnlyList<string> rows, Probe probe, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(driverPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(url);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LIBNFS_BENCH_STEP"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {driverPath}.");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            var samples = new List<RowSample>();
            await ExpectAsync(process, "ready", stderr, cancellationToken);
            foreach (var row in rows)
            {
                probe.Begin();
                await process.StandardInput.WriteLineAsync();
                await process.StandardInput.FlushAsync(cancellationToken);
                var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
                var pass = Parse(line) ?? throw await FailureAsync(process, $"expected a pass line, got '{line}'", stderr);
                samples.Add(probe.EndExternal(row, pass.Seconds, pass.Cpu, pass.Bytes, pass.Count));
            }

            await process.StandardInput.WriteLineAsync();
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? samples : throw await FailureAsync(process, $"exit code {process.ExitCode}", stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <summary>
    /// A libnfs-utils tool run as a whole process with its output to /dev/null, through bash so that its
    /// CPU time comes from the shell's <c>times</c> (user and system time of waited-for children).
    /// </summary>
    public static async Task<RowSample> RunToolAsync(string row, string tool, string url, long bytes, long count, Probe probe, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-c", "\"$1\" \"$2\" > /dev/null || exit 1; times", "bash", tool, url })
        {
            start.ArgumentList.Add(argument);
        }

        probe.Begin();
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
        var stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {url} failed: {stderr.Trim()}");
        }

        // times prints the shell's user/system time, then its children's: "0m0.012s 0m0.034s".
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var cpu = lines.Length >= 2 ? ParseTimes(lines[^1]) : null;
        return probe.EndExternal(row, seconds, cpu, bytes, count);
    }

    private static double? ParseTimes(string line)
    {
        double total = 0;
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var m = part.IndexOf('m', StringComparison.Ordinal);
            if (m < 0 || !part.EndsWith('s')
                || !double.TryParse(part[..m], NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes)
                || !double.TryParse(part[(m + 1)..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            {
                return null;
            }

            total += minutes * 60 + seconds;
        }

        return total;
    }

    private static async Task ExpectAsync(Process process, string expected, Task<string> stderr, CancellationToken cancellationToken)
    {
        var line = await process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line != expected)
        {
            throw await FailureAsync(process, $"expected '{expected}', got '{line}'", stderr);
        }
    }

    private static async Task<Exception> FailureAsync(Process process, string what, Task<string> stderr)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
        return new InvalidOperationException($"libnfs-bench: {what}. {(await stderr).Trim()}");
    }

    private static (double Seconds, double Cpu, long Count, long Bytes)? Parse(string? line)
    {
        if (line is null || !line.StartsWith("pass=", StringComparison.Ordinal))
        {
            return null;
        }

        var fields = line.Split(' ').Select(f => f.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return (
            double.Parse(fields["seconds"], CultureInfo.InvariantCulture),
            double.Parse(fields["cpu"], CultureInfo.InvariantCulture),
            long.Parse(fields["count"], CultureInfo.InvariantCulture),
            long.Parse(fields["bytes"], CultureInfo.InvariantCulture));
    }
}
