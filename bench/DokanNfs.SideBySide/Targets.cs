using System.Globalization;
using System.Text;

namespace DokanNfs.SideBySide;

/// <summary>Issue 9 §3's targets, judged from one run's medians and counts.</summary>
public static class Targets
{
    private const double GiB = 1024.0 * 1024 * 1024;

    public static void Render(StringBuilder md, Dictionary<(string, string), List<Sample>> samples, Dictionary<(string, string), RpcCounts> rpcs)
    {
        ArgumentNullException.ThrowIfNull(md);
        md.AppendLine();
        md.AppendLine("### Issue 9 targets in this run");
        md.AppendLine();
        md.AppendLine("| Target | Measured | Met |");
        md.AppendLine("|---|---|---|");

        if (Median(samples, Contenders.DokanNfs, Scenarios.Read) is { } readDokan && Median(samples, Contenders.Libnfs, Scenarios.Read) is { } readLibnfs)
        {
            var speed = readLibnfs / readDokan;
            Row(md, "sequential read ≥ 1.2× libnfs's throughput", $"{F(speed)}×", speed >= 1.2);
        }

        if (Median(samples, Contenders.DokanNfs, Scenarios.List) is { } listDokan && Median(samples, Contenders.Libnfs, Scenarios.List) is { } listLibnfs)
        {
            var ratio = listDokan / listLibnfs;
            var tool = Median(samples, Contenders.Tool, Scenarios.List) is { } nfsLs ? $" (vs nfs-ls: {F(listDokan / nfsLs)}×)" : string.Empty;
            Row(md, "listing with attributes in ≤ 0.1× libnfs's time", $"{F(ratio)}× libnfs's time{tool}", ratio <= 0.1);
        }

        if (PerItem(samples, rpcs, Scenarios.StatWarm) is { } warm)
        {
            Row(md, "warm stat: 0 RPCs", $"{Compounds(warm)} per stat", warm == 0);
        }

        if (PerItem(samples, rpcs, Scenarios.StatCold) is { } cold)
        {
            Row(md, "cold stat: exactly 1 COMPOUND", $"{Compounds(cold)} per stat (the first also walks to the directory)", Math.Round(cold, 2) <= 1.0);
        }

        if (PerItem(samples, rpcs, Scenarios.OpenReadClose) is { } orc)
        {
            Row(md, "open-read-close of a small file ≤ 2 round trips", $"{Compounds(orc)} per file", Math.Round(orc, 2) <= 2.0);
        }

        WriteTarget(md, samples);

        if (CpuPerGiB(samples, Contenders.DokanNfs) is { } cpuDokan && CpuPerGiB(samples, Contenders.Libnfs) is { } cpuLibnfs)
        {
            Row(md, "client CPU per GiB read ≤ libnfs's", $"{Report.Duration(cpuDokan)} vs {Report.Duration(cpuLibnfs)} ({F(cpuDokan / cpuLibnfs)}×)", cpuDokan <= cpuLibnfs);
        }
    }

    /// <summary>
    /// ≥ 70 % of the local-copy ceiling, or the server's CPU the limit (a core busy for the whole span). The ceiling
    /// judged is the copy followed by fsync: <c>dokannfs cp</c> ends with COMMIT, as every NFS client's close does, so its
    /// bytes are on the server's disk when it returns — the plain copy leaves them in the page cache, work no NFS write
    /// can stop at. Both shares are shown.
    /// </summary>
    private static void WriteTarget(StringBuilder md, Dictionary<(string, string), List<Sample>> samples)
    {
        if (Median(samples, Contenders.DokanNfs, Scenarios.Write) is not { } write)
        {
            return;
        }

        var ceilings = new[] { Contenders.LocalCopy, Contenders.LocalCopySync }
            .Select(name => (Name: name, Time: Median(samples, name, Scenarios.Write)))
            .Where(c => c.Time is not null)
            .Select(c => (c.Name, Share: c.Time!.Value / write))
            .ToList();
        var serverCpu = Summary.Of(samples[(Contenders.DokanNfs, Scenarios.Write)].Select(s => s.ServerCpuSeconds).OfType<double>())?.Median;
        var serverShare = serverCpu is { } cpu ? cpu / write : (double?)null;
        var shares = string.Join(", ", ceilings.Select(c => $"{(c.Share * 100).ToString("0", CultureInfo.InvariantCulture)} % of {c.Name}"));
        var server = serverShare is { } busy ? $"; ganesha.nfsd busy {(busy * 100).ToString("0", CultureInfo.InvariantCulture)} % of one core" : string.Empty;

        // Without the fsync ceiling (--contenders), the plain copy stands in: the stricter of the two.
        var judged = ceilings.Where(c => c.Name == Contenders.LocalCopySync).Concat(ceilings).Select(c => (double?)c.Share).FirstOrDefault();
        var met = judged >= 0.7 || serverShare >= 0.9;
        Row(md, "sequential write ≥ 70 % of the local-copy ceiling (copy + fsync, the durability COMMIT gives), or server-CPU bound", shares + server, met);
    }

    private static void Row(StringBuilder md, string target, string measured, bool met) =>
        md.AppendLine(CultureInfo.InvariantCulture, $"| {target} | {measured} | {(met ? "yes" : "**no**")} |");

    private static double? Median(Dictionary<(string, string), List<Sample>> samples, string contender, string row) =>
        samples.TryGetValue((contender, row), out var list) ? Summary.Of(list.Select(s => s.Seconds))?.Median : null;

    private static double? PerItem(Dictionary<(string, string), List<Sample>> samples, Dictionary<(string, string), RpcCounts> rpcs, string row) =>
        rpcs.TryGetValue((Contenders.DokanNfs, row), out var counts) && samples.TryGetValue((Contenders.DokanNfs, row), out var list) && list[0].Count > 0
            ? (double)counts.Compounds / list[0].Count
            : null;

    private static double? CpuPerGiB(Dictionary<(string, string), List<Sample>> samples, string contender) =>
        samples.TryGetValue((contender, Scenarios.Read), out var list) && list[0].Bytes > 0
            ? Summary.Of(list.Select(s => s.ClientCpuSeconds).OfType<double>())?.Median * GiB / list[0].Bytes
            : null;

    private static string Compounds(double perItem) => F(perItem) + (F(perItem) == "1" ? " COMPOUND" : " COMPOUNDs");

    private static string F(double value) => value.ToString(value >= 10 ? "0.#" : "0.###", CultureInfo.InvariantCulture);
}
