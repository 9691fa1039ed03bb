using System.Globalization;
using System.Text;

namespace DokanNfs.SideBySide;

/// <summary>The results as Markdown: times, ratios, RPC counts, CPU, the COMPOUNDs behind each count, raw runs.</summary>
public static class Report
{
    private const double MiB = 1024 * 1024;
    private const double GiB = 1024 * MiB;
    private const int SignaturesShown = 12;

    private static readonly string[] RowOrder =
    [
        Scenarios.Read, Scenarios.Write, Scenarios.List, Scenarios.StatCold, Scenarios.StatWarm,
        Scenarios.CreateDelete, Scenarios.TreeDown, Scenarios.TreeUp, Scenarios.OpenReadClose,
    ];

    public static string Render(IReadOnlyList<ScenarioResult> results, IReadOnlyList<string> header)
    {
        var samples = results.SelectMany(r => r.Samples).ToDictionary(p => p.Key, p => p.Value);
        var rpcs = results.SelectMany(r => r.Rpcs).ToDictionary(p => p.Key, p => p.Value);
        var rows = RowOrder.Where(row => samples.Keys.Any(k => k.Row == row)).ToList();
        var md = new StringBuilder();
        foreach (var line in header)
        {
            md.AppendLine(line);
        }

        Targets.Render(md, samples, rpcs);
        md.AppendLine();
        md.AppendLine("### Time (median of the timed runs, min–max in brackets)");
        md.AppendLine();
        md.AppendLine("| Workload | DokanNfs | libnfs | DokanNfs ÷ libnfs | Reference | DokanNfs ÷ reference |");
        md.AppendLine("|---|---|---|---:|---|---:|");
        foreach (var row in rows)
        {
            var dokan = Get(samples, Contenders.DokanNfs, row);
            var libnfs = Get(samples, Contenders.Libnfs, row);
            var references = References(samples, row);
            var referenceCells = references.Count == 0 ? "—" : string.Join("<br>", references.Select(r => $"{r.Name}: {Cell(r.Samples)}"));
            var referenceRatios = references.Count == 0 ? "—" : string.Join("<br>", references.Select(r => Ratio(dokan, r.Samples)));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {row} | {Cell(dokan)} | {Cell(libnfs)} | {Ratio(dokan, libnfs)} | {referenceCells} | {referenceRatios} |");
        }

        md.AppendLine();
        md.AppendLine("A ratio below 1 means DokanNfs took less time. Rates are from the median time.");
        md.AppendLine();
        md.AppendLine("### Round trips (one counting run through a relay, mount excluded)");
        md.AppendLine();
        md.AppendLine("| Workload | DokanNfs COMPOUNDs | per item | libnfs COMPOUNDs | per item | DokanNfs ops per COMPOUND |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var items = Get(samples, Contenders.DokanNfs, row)?.FirstOrDefault()?.Count ?? 0;
            var dokan = rpcs.GetValueOrDefault((Contenders.DokanNfs, row));
            var libnfs = rpcs.GetValueOrDefault((Contenders.Libnfs, row));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {row} | {Calls(dokan)} | {PerItem(dokan, items)} | {Calls(libnfs)} | {PerItem(libnfs, items)} | {OpsPerCompound(dokan)} |");
        }

        md.AppendLine();
        md.AppendLine("### CPU time (medians; client = the process doing the workload, server = ganesha.nfsd)");
        md.AppendLine();
        md.AppendLine("| Workload | DokanNfs client | libnfs client | server, DokanNfs runs | server, libnfs runs | reference client |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var dokan = Get(samples, Contenders.DokanNfs, row);
            var libnfs = Get(samples, Contenders.Libnfs, row);
            var reference = string.Join("<br>", References(samples, row).Select(r => Cpu(r.Samples, s => s.ClientCpuSeconds)));
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {row} | {Cpu(dokan, s => s.ClientCpuSeconds)} | {Cpu(libnfs, s => s.ClientCpuSeconds)} | {Cpu(dokan, s => s.ServerCpuSeconds)} | {Cpu(libnfs, s => s.ServerCpuSeconds)} | {(reference.Length == 0 ? "—" : reference)} |");
        }

        if (Get(samples, Contenders.DokanNfs, Scenarios.Read) is { } readDokan)
        {
            md.AppendLine();
            md.Append("Client CPU per GiB read: DokanNfs ").Append(PerGiB(readDokan));
            md.Append(", libnfs ").Append(PerGiB(Get(samples, Contenders.Libnfs, Scenarios.Read)));
            md.Append(", nfs-cat (whole process) ").Append(PerGiB(Get(samples, Contenders.Tool, Scenarios.Read)));
            md.Append(", DokanNfs over NFSv4.1 ").Append(PerGiB(Get(samples, Contenders.DokanNfsV41, Scenarios.Read)));
            md.AppendLine(".");
        }

        md.AppendLine();
        md.AppendLine("### Managed allocations of DokanNfs (median per timed run, the whole process; mount excluded)");
        md.AppendLine();
        md.AppendLine("| Workload | allocated | per item | per COMPOUND |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var row in rows)
        {
            var dokan = Get(samples, Contenders.DokanNfs, row);
            if (dokan is null || Summary.Of(dokan.Select(s => s.AllocatedBytes).OfType<long>().Select(b => (double)b)) is not { } allocated)
            {
                continue;
            }

            var items = dokan[0].Count;
            var compounds = rpcs.GetValueOrDefault((Contenders.DokanNfs, row))?.Compounds ?? 0;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {row} | {Size(allocated.Median)} | {(items > 0 ? Size(allocated.Median / items) : "—")} | {(compounds > 0 ? Size(allocated.Median / compounds) : "—")} |");
        }

        md.AppendLine();
        md.AppendLine("### The COMPOUNDs behind the counts (operations of each, most frequent first)");
        md.AppendLine();
        foreach (var row in rows)
        {
            foreach (var contender in new[] { Contenders.DokanNfs, Contenders.Libnfs })
            {
                if (rpcs.TryGetValue((contender, row), out var counts))
                {
                    var shown = counts.Signatures.Take(SignaturesShown).Select(p => $"{p.Value.ToString(CultureInfo.InvariantCulture)} × {p.Key}");
                    var more = counts.Signatures.Count > SignaturesShown ? $"; {counts.Signatures.Count - SignaturesShown} more kinds" : string.Empty;
                    var other = counts.Calls - counts.Compounds;
                    var nonCompound = other > 0 ? $"; plus {other.ToString(CultureInfo.InvariantCulture)} non-COMPOUND calls" : string.Empty;
                    md.AppendLine(CultureInfo.InvariantCulture, $"- {row}, {contender}: {string.Join(", ", shown)}{more}{nonCompound}");
                }
            }
        }

        md.AppendLine();
        md.AppendLine("### Every timed run (seconds, in run order)");
        md.AppendLine();
        foreach (var ((contender, row), list) in samples.OrderBy(p => Array.IndexOf(RowOrder, p.Key.Row)).ThenBy(p => p.Key.Contender, StringComparer.Ordinal))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {row}, {contender}: {string.Join(" ", list.Select(s => s.Seconds.ToString("0.0000", CultureInfo.InvariantCulture)))}");
        }

        return md.ToString();
    }

    private static List<Sample>? Get(Dictionary<(string, string), List<Sample>> samples, string contender, string row) =>
        samples.GetValueOrDefault((contender, row));

    /// <summary>The rows' other contenders: the libnfs tool, DokanNfs over NFSv4.1, the local-copy ceilings.</summary>
    private static List<(string Name, List<Sample> Samples)> References(Dictionary<(string, string), List<Sample>> samples, string row)
    {
        var references = new List<(string, List<Sample>)>();
        if (Get(samples, Contenders.Tool, row) is { } tool)
        {
            references.Add((row == Scenarios.List ? "nfs-ls" : "nfs-cat", tool));
        }

        if (Get(samples, Contenders.DokanNfsV41, row) is { } v41)
        {
            references.Add((Contenders.DokanNfsV41, v41));
        }

        foreach (var name in new[] { Contenders.LocalCopy, Contenders.LocalCopySync })
        {
            if (Get(samples, name, row) is { } copy)
            {
                references.Add((name, copy));
            }
        }

        return references;
    }

    private static string Cell(List<Sample>? list)
    {
        if (list is null || Summary.Of(list.Select(s => s.Seconds)) is not { } time)
        {
            return "—";
        }

        var first = list[0];
        var rate = first.Bytes > 0 && first.Count <= 1
            ? $", {(first.Bytes / MiB / time.Median).ToString("0", CultureInfo.InvariantCulture)} MiB/s"
            : first.Count > 1 ? $", {Duration(time.Median / first.Count)}/item" : string.Empty;
        return $"{Duration(time.Median)} ({Duration(time.Min)}–{Duration(time.Max)}){rate}";
    }

    private static string Ratio(List<Sample>? a, List<Sample>? b) =>
        a is not null && b is not null && Summary.Of(a.Select(s => s.Seconds)) is { } x && Summary.Of(b.Select(s => s.Seconds)) is { } y && y.Median > 0
            ? (x.Median / y.Median).ToString("0.00", CultureInfo.InvariantCulture)
            : "—";

    private static string Calls(RpcCounts? counts) => counts is null ? "—" : counts.Compounds.ToString("N0", CultureInfo.InvariantCulture);

    private static string PerItem(RpcCounts? counts, long items) =>
        counts is null || items == 0 ? "—" : ((double)counts.Compounds / items).ToString("0.###", CultureInfo.InvariantCulture);

    private static string OpsPerCompound(RpcCounts? counts) =>
        counts is null || counts.Compounds == 0 ? "—" : ((double)counts.Operations / counts.Compounds).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Cpu(List<Sample>? list, Func<Sample, double?> select) =>
        list is not null && Summary.Of(list.Select(select).OfType<double>()) is { } cpu ? Duration(cpu.Median) : "—";

    private static string PerGiB(List<Sample>? list)
    {
        if (list is null || list.Count == 0 || Summary.Of(list.Select(s => s.ClientCpuSeconds).OfType<double>()) is not { } cpu)
        {
            return "—";
        }

        return Duration(cpu.Median * GiB / list[0].Bytes);
    }

    /// <summary>Three significant digits in s, ms or µs.</summary>
    /// <summary>A byte count for the allocation table: B, KiB or MiB.</summary>
    private static string Size(double bytes) => bytes switch
    {
        < 1024 => bytes.ToString("0", CultureInfo.InvariantCulture) + " B",
        < MiB => (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => (bytes / MiB).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
    };

    public static string Duration(double seconds) => seconds switch
    {
        >= 1 => seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s",
        >= 0.1 => (seconds * 1e3).ToString("0", CultureInfo.InvariantCulture) + " ms",
        >= 0.01 => (seconds * 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        >= 0.001 => (seconds * 1e3).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        _ => (seconds * 1e6).ToString("0", CultureInfo.InvariantCulture) + " µs",
    };
}
