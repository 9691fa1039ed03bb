using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DokanNfs.SideBySide;
using DokanNfs.TestSupport.Ganesha;

// DokanNfs and libnfs side by side on one NFS-Ganesha (issue 9). Run it through bench/run.sh, which builds
// the libnfs driver first; see bench/README.md.
const string Usage = "usage: DokanNfs.SideBySide --libnfs-bench PATH [--quick] [--runs N] [--only NAME[,NAME…]] [--contenders NAME[,NAME…]] [--server-attr-expiration SECONDS] [--fresh-server] [--leave-page-reporting] [--out FILE]";

string? driver = null, output = null;
var quick = false;
int? runs = null;
// Ganesha's own default for an export's Attr_Expiration_Time, the server an administrator runs. The tests' fixture
// has 0 (tests change the export behind the server's back); `--server-attr-expiration 0` benchmarks that server.
var attrExpiration = 60;
// The server is measured as it runs in service (DokanNfsSide.WarmServerAsync); --fresh-server measures a server that
// has only ever served READs of 1 MiB or less, whose every READ maps and faults in a new buffer.
var freshServer = false;
// Free page reporting to the hypervisor is held off during the run (FreePageReporting); --leave-page-reporting keeps it.
var leavePageReporting = false;
string[] only = [];
string[] contenders = [];
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
    switch (args[i])
    {
        case "--libnfs-bench": driver = Next(); break;
        case "--quick": quick = true; break;
        case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--only": only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
        case "--contenders": contenders = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
        case "--server-attr-expiration": attrExpiration = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--fresh-server": freshServer = true; break;
        case "--leave-page-reporting": leavePageReporting = true; break;
        case "--out": output = Next(); break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

if (driver is null || !File.Exists(driver))
{
    Console.Error.WriteLine($"The libnfs driver is missing (build it with bench/run.sh). {Usage}");
    return 2;
}

var sizes = quick ? Sizes.Quick : Sizes.Full;
if (runs is { } n)
{
    sizes = sizes with { Runs = Math.Max(1, n) };
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var log = Console.Error;
var local = Directory.CreateTempSubdirectory("dokannfs-bench-").FullName;
// A run stopped by a signal does not reach the finally below; the local copy of the data (~0.5 GB) goes anyway.
using var removeLocal = new OnTermination(() => DeleteLocal(local));
var started = DateTime.UtcNow;
var loadBefore = LoadAverage();
using var pageReporting = FreePageReporting.HoldOff(leavePageReporting);

// The fixture's server: 127.0.0.1 on a free port, NFSv4 only, no grace period, stopped by pid on dispose.
// A 60 s lease (Ganesha's default) instead of the tests' 5 s, so that RENEW does not show in the counts; attributes
// cached as --server-attr-expiration says. The harness's own changes in the export directory never depend on the
// server seeing them early: the data is written before any client looks, and every run's new files and directories
// have names no client has looked up before.
await using var server = await GaneshaServer.StartAsync(
    new GaneshaOptions { LeaseLifetimeSeconds = 60, AttrExpirationSeconds = attrExpiration }, stop.Token);
try
{
    log.WriteLine($"Ganesha pid {server.ProcessId} on {server.EndPoint}, export {server.ExportPath}");
    var data = new DataSet(server.ExportPath, local, sizes);
    var preparing = Stopwatch.StartNew();
    data.Prepare();
    log.WriteLine($"Data prepared in {preparing.Elapsed.TotalSeconds:0.0} s");
    if (!freshServer)
    {
        await DokanNfsSide.WarmServerAsync(server.EndPoint, new DokanNfsSide(server.PseudoPath).Remote(DataSet.BigFile), stop.Token);
        log.WriteLine("Server warmed: one 2 MiB READ (bench/README.md, \"The server's state\")");
    }

    var scenarios = Scenarios.All(data, server.PseudoPath, new LibnfsSide(Path.GetFullPath(driver)))
        .Where(s => only.Length == 0 || only.Any(o => s.Name.Contains(o, StringComparison.OrdinalIgnoreCase)))
        // --contenders DokanNfs: one client alone, e.g. to profile it (no ratios are reported then).
        .Select(s => contenders.Length == 0 ? s : s with { Contenders = [.. s.Contenders.Where(c => contenders.Contains(c.Name, StringComparer.OrdinalIgnoreCase))] })
        .Where(s => s.Contenders.Count > 0)
        .ToList();
    var runner = new Runner(server.EndPoint, new ServerCpu(server.ProcessId), sizes.Runs, log);
    var results = new List<ScenarioResult>();
    foreach (var scenario in scenarios)
    {
        results.Add(await runner.RunAsync(scenario, stop.Token));
    }

    var elapsed = DateTime.UtcNow - started;
    var header = new List<string>
    {
        $"## Side-by-side run{(quick ? " (--quick)" : string.Empty)}, {started:yyyy-MM-dd HH:mm} UTC, {elapsed.TotalMinutes:0.0} min",
        string.Empty,
        $"- Machine: {CpuModel()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}; load average {loadBefore} before, {LoadAverage()} after.",
        $"- Server: NFS-Ganesha {PackageVersion("nfs-ganesha")} (FSAL VFS, Attr_Expiration_Time = {attrExpiration}) on {server.EndPoint}, NFSv4.0 for both clients (the read also runs DokanNfs over NFSv4.1, what its commands' vers=auto gets here); {(freshServer ? "fresh (--fresh-server: only READs of 1 MiB served, each READ buffer mapped anew)" : "warmed by one 2 MiB READ (its allocator as in service)")}. libnfs {PackageVersion("libnfs13")}. {RuntimeInformation.FrameworkDescription}.",
        $"- Memory: {pageReporting.Description}.",
        $"- Every workload: one warm-up run per contender, then {sizes.Runs} runs alternating between the contenders (sequential read and write: at least {Scenarios.SequentialRuns}); one more run per NFS client through a counting relay.",
    };
    header.AddRange(scenarios.Select(s => $"- **{s.Name}**: {s.Notes}"));
    var markdown = Report.Render(results, header);
    Console.WriteLine(markdown);
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, markdown, stop.Token);
        log.WriteLine($"Written to {output}");
    }

    return 0;
}
finally
{
    DeleteLocal(local);
}

static void DeleteLocal(string local)
{
    try
    {
        Directory.Delete(local, recursive: true);
    }
    catch (DirectoryNotFoundException)
    {
        // Already gone: a signal's handler and the finally may both get here.
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        // Never thrown out of a signal's handler, which would end the process before the others ran.
        Console.Error.WriteLine($"Could not remove {local}: {e.Message}");
    }
}

static string LoadAverage()
{
    try
    {
        return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "?";
    }
}

static string CpuModel()
{
    try
    {
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    }
    catch (IOException)
    {
        return "unknown CPU";
    }
}

static string PackageVersion(string package)
{
    try
    {
        var start = new ProcessStartInfo("dpkg-query", ["-W", "-f", "${Version}", package]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var version = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && version.Length > 0 ? version : "?";
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "?";
    }
}
