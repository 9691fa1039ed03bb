using System.Diagnostics;
using System.Globalization;

namespace DokanNfs.SideBySide;

/// <summary>One timed span of one run.</summary>
/// <param name="Seconds">Wall time.</param>
/// <param name="ClientCpuSeconds">CPU time of the client (user + system) over the span; null when not measured.</param>
/// <param name="ServerCpuSeconds">CPU time of ganesha.nfsd over the span (10 ms ticks); null when not measured.</param>
/// <param name="Bytes">Data moved, for throughput.</param>
/// <param name="Count">Files or entries handled, for time per item.</param>
/// <param name="AllocatedBytes">Managed bytes the process allocated over the span (workloads run in this process only).</param>
public sealed record Sample(double Seconds, double? ClientCpuSeconds, double? ServerCpuSeconds, long Bytes, long Count, long? AllocatedBytes = null);

/// <summary>A sample of one row (a workload may time more than one span per run, e.g. cold and warm stat).</summary>
public sealed record RowSample(string Row, Sample Sample, RpcCounts? Rpcs);

/// <summary>
/// Brackets one timed span: wall clock, this process's CPU time, ganesha.nfsd's CPU time, and — in a counting
/// run — the relay's count, reset at <see cref="Begin"/> and read at <see cref="End"/>.
/// </summary>
public sealed class Probe(ServerCpu serverCpu, CountingRelay? relay)
{
    private long _start;
    private long _allocated;
    private TimeSpan _selfCpu;
    private double? _serverCpu;

    public void Begin()
    {
        relay?.Reset();
        _serverCpu = serverCpu.Seconds();
        _selfCpu = SelfCpu();
        _allocated = GC.GetTotalAllocatedBytes(precise: true);
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Ends the span of a workload that ran in this process.</summary>
    public RowSample End(string row, long bytes, long count)
    {
        var elapsed = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        var cpu = (SelfCpu() - _selfCpu).TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - _allocated;
        return new RowSample(row, new Sample(elapsed, cpu, ServerDelta(), bytes, count, allocated), relay?.Snapshot());
    }

    /// <summary>Ends the span of a workload that ran in a child process, which measured its own time and CPU.</summary>
    public RowSample EndExternal(string row, double seconds, double? clientCpu, long bytes, long count) =>
        new(row, new Sample(seconds, clientCpu, ServerDelta(), bytes, count), relay?.Snapshot());

    /// <summary>
    /// This process's user + system time from getrusage (Environment.CpuUsage), to the microsecond as libnfs_bench
    /// measures its own: Process.TotalProcessorTime reads /proc's 10 ms ticks, a tenth of a 512 MiB read's CPU.
    /// </summary>
    private static TimeSpan SelfCpu() => Environment.CpuUsage.TotalTime;

    private double? ServerDelta()
    {
        var now = serverCpu.Seconds();
        return now is { } end && _serverCpu is { } start ? end - start : null;
    }
}

/// <summary>CPU time (user + system, all threads) of one process, from /proc/PID/stat.</summary>
public sealed class ServerCpu(int? processId)
{
    /// <summary>USER_HZ: /proc reports times in 1/100 s on every Linux architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    public double? Seconds()
    {
        if (processId is not { } pid)
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
            var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>Median and range of a set of values.</summary>
public readonly record struct Summary(double Median, double Min, double Max, int N)
{
    public static Summary? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Summary(median, sorted[0], sorted[^1], sorted.Length);
    }
}
