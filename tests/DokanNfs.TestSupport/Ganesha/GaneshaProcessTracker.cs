using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// Makes sure no ganesha.nfsd outlives the test process that started it.
/// </summary>
/// <remarks>
/// Every started process is registered here; when the test process exits (normally, or on
/// SIGTERM, SIGINT, SIGHUP or SIGQUIT) the live ones are killed by pid. A test process that dies
/// by SIGKILL cannot run a handler, so each server directory also records its owner (pid and
/// start time), and the first start in a later test process kills servers whose owner is gone
/// and removes their directories. Processes are only ever addressed by pid, and a pid from a directory is only
/// signalled when /proc shows it runs that directory's config, so nothing else is touched.
/// </remarks>
internal static class GaneshaProcessTracker
{
    public const string DirectoryPrefix = "dokannfs-ganesha-";
    public const string OwnerFileName = "owner.pid";

    private static readonly ConcurrentDictionary<Process, string> Live = new();

    // Kept for the life of the process: disposing a registration removes its handler.
    private static readonly List<PosixSignalRegistration> SignalRegistrations = [];

    private static int _initialized;

    /// <summary>Hooks process exit and sweeps orphans of earlier test runs, once per process.</summary>
    public static void EnsureInitialized()
    {
        if (Interlocked.Exchange(ref _initialized, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();

        // Since .NET 10 a SIGTERM no longer raises ProcessExit: the process just dies. Kill the
        // servers first; the handler leaves the signal uncancelled, so the default action follows.
        foreach (PosixSignal signal in (PosixSignal[])[PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP, PosixSignal.SIGQUIT])
        {
            SignalRegistrations.Add(PosixSignalRegistration.Create(signal, _ => KillAll()));
        }

        SweepOrphans();
    }

    /// <summary>"pid starttime" of this process, for the owner file of a server directory.</summary>
    public static string OwnerStamp() =>
        $"{Environment.ProcessId} {ProcessStartTime(Environment.ProcessId)?.ToString(CultureInfo.InvariantCulture) ?? "0"}";

    public static void Register(Process process, string rootDirectory) => Live[process] = rootDirectory;

    public static void Unregister(Process process) => Live.TryRemove(process, out _);

    /// <summary>Sends <paramref name="signal"/> to <paramref name="process"/> if it has not exited yet.</summary>
    public static void Signal(Process process, int signal)
    {
        // HasExited before kill: once .NET has reaped the child its pid may belong to someone else.
        if (!process.HasExited)
        {
            _ = NativeMethods.Kill(process.Id, signal);
        }
    }

    private static void KillAll()
    {
        foreach ((Process process, string rootDirectory) in Live)
        {
            try
            {
                Signal(process, NativeMethods.SigKill);
                _ = process.WaitForExit(2000);
                Directory.Delete(rootDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Best effort while the process is going away; the next run's sweep finishes the job.
            }
        }
    }

    private static void SweepOrphans()
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetDirectories(Path.GetTempPath(), DirectoryPrefix + "*");
        }
        catch (IOException)
        {
            return;
        }

        foreach (string directory in candidates)
        {
            try
            {
                SweepOne(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another test process may be sweeping the same directory; leave it to them.
            }
        }
    }

    private static void SweepOne(string directory)
    {
        // No owner file yet: a live process is still creating it. Owner alive: not an orphan.
        string[]? owner = ReadWords(Path.Combine(directory, OwnerFileName));
        if (owner is not [string ownerPid, string ownerStart]
            || !int.TryParse(ownerPid, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            || !long.TryParse(ownerStart, NumberStyles.None, CultureInfo.InvariantCulture, out long startTime)
            || pid == Environment.ProcessId
            || IsAlive(pid, startTime))
        {
            return;
        }

        string[]? server = ReadWords(Path.Combine(directory, "ganesha.pid"));
        if (server is [string serverPid]
            && int.TryParse(serverPid, NumberStyles.None, CultureInfo.InvariantCulture, out int serverId)
            && serverId > 1
            && RunsConfig(serverId, Path.Combine(directory, "ganesha.conf")))
        {
            _ = NativeMethods.Kill(serverId, NativeMethods.SigKill);
        }

        Directory.Delete(directory, recursive: true);
    }

    /// <summary>
    /// Whether the owner still runs: its pid exists, is not a zombie (a killed test process can
    /// linger as one until init reaps it) and started at the recorded time (not a reused pid).
    /// </summary>
    private static bool IsAlive(int pid, long startTime) =>
        ProcessStartTime(pid) is long actual && (startTime == 0 || actual == startTime);

    /// <summary>Field 22 of /proc/pid/stat (start time in clock ticks), or null if gone or a zombie.</summary>
    private static long? ProcessStartTime(int pid)
    {
        try
        {
            // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 19 && fields[0] is not ("Z" or "X")
                && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
                ? start
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool RunsConfig(int pid, string configPath)
    {
        try
        {
            // cmdline is NUL-separated; the config path is one whole argument.
            string[] arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return arguments.Contains(configPath, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string[]? ReadWords(string path)
    {
        try
        {
            return File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
