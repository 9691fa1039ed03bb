using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>
/// The benchmark harness (bench/DokanNfs.SideBySide) changes a machine-wide kernel setting for the length of a run
/// (FreePageReporting): however the run ends, the setting is put back, the Ganesha it started is stopped and the data it
/// made is removed.
/// </summary>
[TestClass]
public sealed partial class BenchHarnessTests(TestContext testContext)
{
    private CancellationToken Ct => testContext.CancellationToken;

    [TestMethod]
    [TestCategory("Ganesha")]
    [SupportedOSPlatform("linux")]
    public async Task A_harness_stopped_by_SIGTERM_puts_free_page_reporting_back_stops_its_server_and_removes_its_data()
    {
        // A file stands in for /sys/module/page_reporting/parameters/page_reporting_order, and a driver that only
        // waits stands in for libnfs: once the driver runs, the harness is in the middle of a run.
        var directory = Directory.CreateTempSubdirectory("dokannfs-bench-harness-").FullName;
        var knob = Path.Combine(directory, "page_reporting_order");
        var driverPid = Path.Combine(directory, "driver.pid");
        var driver = Path.Combine(directory, "libnfs-bench");
        await File.WriteAllTextAsync(knob, "9\n", Ct);
        await File.WriteAllTextAsync(driver, $"#!/bin/sh\necho $$ > '{driverPid}'\nexec sleep 120\n", Ct);
        File.SetUnixFileMode(driver, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temp = Directory.CreateDirectory(Path.Combine(directory, "tmp")).FullName;

        var start = new ProcessStartInfo(ChildProcess.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var arg in (string[])[Repository.SideBySidePath, "--libnfs-bench", driver, "--quick", "--only", "sequential read", "--contenders", "libnfs", "--runs", "1"])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOKANNFS_BENCH_PAGE_REPORTING_KNOB"] = knob;
        start.Environment["TMPDIR"] = temp;
        using var harness = Process.Start(start) ?? throw new InvalidOperationException("the harness did not start");
        harness.StandardInput.Close();
        var stdout = harness.StandardOutput.ReadToEndAsync(Ct);
        var stderr = harness.StandardError.ReadToEndAsync(Ct);
        try
        {
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
            {
                deadline.CancelAfter(TimeSpan.FromMinutes(2));
                while (!File.Exists(driverPid) || (await File.ReadAllTextAsync(driverPid, deadline.Token)).Trim().Length == 0)
                {
                    Assert.IsFalse(harness.HasExited, $"the harness ended before its run: {await stderr}");
                    await Task.Delay(50, deadline.Token);
                }
            }

            Assert.AreEqual("11", (await File.ReadAllTextAsync(knob, Ct)).Trim(), "held off during the run");
            // The shell's own kill: /bin/kill comes with procps, which a minimal Debian does not have.
            using (var kill = Process.Start("/bin/sh", ["-c", "kill -TERM \"$1\"", "sh", harness.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Ct);
            }

            await harness.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(1), Ct);
            var log = await stderr;
            var ganesha = GaneshaPid().Match(log);
            Assert.IsTrue(ganesha.Success, log);

            Assert.AreEqual("9", (await File.ReadAllTextAsync(knob, Ct)).Trim(), $"restored after SIGTERM\n{log}");
            Assert.IsFalse(IsGanesha(int.Parse(ganesha.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), "the harness's Ganesha is stopped");
            Assert.IsEmpty(Directory.GetDirectories(temp, "dokannfs-*"), "the local data and the server's directory are removed");
            _ = await stdout;
        }
        finally
        {
            if (!harness.HasExited)
            {
                harness.Kill(entireProcessTree: true);
                await harness.WaitForExitAsync(CancellationToken.None);
            }

            // The stand-in driver outlives a harness killed by a signal: stopped by its pid.
            if (File.Exists(driverPid) && int.TryParse(File.ReadAllText(driverPid).Trim(), out var pid) && IsProcess(pid, "sleep"))
            {
                using var sleeper = Process.GetProcessById(pid);
                sleeper.Kill();
                await sleeper.WaitForExitAsync(CancellationToken.None);
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static bool IsGanesha(int pid) => IsProcess(pid, "ganesha.nfsd");

    /// <summary>Whether <paramref name="pid"/> is a live process called <paramref name="name"/> (a zombie is not: it has exited).</summary>
    private static bool IsProcess(int pid, string name)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ..."; comm may itself hold ") ".
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            return open >= 0 && close > open && stat[(open + 1)..close] == name && close + 2 < stat.Length && stat[close + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"Ganesha pid (\d+) on")]
    private static partial Regex GaneshaPid();
}
