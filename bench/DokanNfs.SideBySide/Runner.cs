using System.Net;

namespace DokanNfs.SideBySide;

/// <summary>Every sample and count one scenario produced.</summary>
public sealed class ScenarioResult(Scenario scenario)
{
    public Scenario Scenario { get; } = scenario;

    /// <summary>Timed samples by contender and row, in run order.</summary>
    public Dictionary<(string Contender, string Row), List<Sample>> Samples { get; } = [];

    /// <summary>The counting run's RPCs by contender and row.</summary>
    public Dictionary<(string Contender, string Row), RpcCounts> Rpcs { get; } = [];
}

/// <summary>
/// Runs a scenario: one warm-up run of every contender (discarded), then <c>runs</c> rounds (at least the scenario's
/// <see cref="Scenario.MinRuns"/>) in which the contenders take turns (A B A B …), then one counting run per NFS client
/// through a <see cref="CountingRelay"/>.
/// </summary>
public sealed class Runner(IPEndPoint server, ServerCpu serverCpu, int runs, TextWriter log)
{
    public async Task<ScenarioResult> RunAsync(Scenario scenario, CancellationToken cancellationToken)
    {

        var result = new ScenarioResult(scenario);
        var timed = new Probe(serverCpu, relay: null);
        var rounds = Math.Max(runs, scenario.MinRuns);
        log.WriteLine($"== {scenario.Name}: warm-up, {rounds} alternating runs, a counting run");
        foreach (var contender in scenario.Contenders)
        {
            _ = await RunOnceAsync(contender, new RunContext(0, timed, server, cancellationToken));
        }

        for (var run = 1; run <= rounds; run++)
        {
            foreach (var contender in scenario.Contenders)
            {
                foreach (var row in await RunOnceAsync(contender, new RunContext(run, timed, server, cancellationToken)))
                {
                    var key = (contender.Name, row.Row);
                    if (!result.Samples.TryGetValue(key, out var list))
                    {
                        result.Samples[key] = list = [];
                    }

                    list.Add(row.Sample);
                    log.WriteLine($"   run {run} {contender.Name,-12} {row.Row,-22} {row.Sample.Seconds,9:0.0000} s{Cpu(row.Sample)}");
                }
            }
        }

        await using var relay = CountingRelay.Start(server);
        var counting = new Probe(serverCpu, relay);
        foreach (var contender in scenario.Contenders.Where(c => c.Counted))
        {
            foreach (var row in await RunOnceAsync(contender, new RunContext(rounds + 1, counting, relay.EndPoint, cancellationToken)))
            {
                result.Rpcs[(contender.Name, row.Row)] = row.Rpcs ?? RpcCounts.Empty;
                log.WriteLine($"   counted {contender.Name,-12} {row.Row,-22} {row.Rpcs?.Compounds} COMPOUNDs");
            }
        }

        return result;
    }

    /// <summary>
    /// One run, from a collected heap: DokanNfs and the local copies run in this process, and one run's garbage
    /// must not be collected in the next one's timed span.
    /// </summary>
    /// <summary>The run's CPU times for the log, as far as they were measured (A/B comparisons read them from there).</summary>
    private static string Cpu(Sample sample) =>
        (sample.ClientCpuSeconds is { } client ? FormattableString.Invariant($", client CPU {client * 1000:0.0} ms") : string.Empty) +
        (sample.ServerCpuSeconds is { } server ? FormattableString.Invariant($", server CPU {server * 1000:0} ms") : string.Empty);

    private static Task<IReadOnlyList<RowSample>> RunOnceAsync(Contender contender, RunContext context)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return contender.RunAsync(context);
    }
}
