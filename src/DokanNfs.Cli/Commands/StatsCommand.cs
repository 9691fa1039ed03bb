using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DokanNfs.Cli.Mounting;
using DokanNfs.Cli.Output;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs stats [--json]</c>: per mapped drive and server, requests by operation, latency percentiles,
/// lease state and recovery events — what nfsstat and mountstats show for a Linux mount.
/// </summary>
internal static class StatsCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var json = new Option<bool>("--json")
        {
            Description = "Print {\"mounts\":[{mountPoint, servers:[{server, nfsVersion, sessionId, calls, latencyMs{p50,p90,p99}, lease{state,renewals}, recoveryEvents}]}]}.",
        };
        var command = new Command("stats", "Show request counts, latency, lease state and recovery events of the mapped NFS drives, per server.") { json };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async (runtime, ct) =>
        {
            var stats = await RunningMounts.StatsAsync(MountRegistry.Default, ct);
            await using var output = StdOut.Open();
            if (parse.GetValue(json))
            {
                await output.FlushAsync(ct);
                await JsonSerializer.SerializeAsync(output.BaseStream, stats, MountJsonContext.Output.StatsJson, ct);
                await output.BaseStream.WriteAsync("\n"u8.ToArray(), ct);
                return ExitCodes.Ok;
            }

            if (stats.Mounts.Count == 0)
            {
                await output.WriteLineAsync(ListCommand.NothingMounted);
                return ExitCodes.Ok;
            }

            foreach (var mount in stats.Mounts)
            {
                await output.WriteLineAsync(mount.MountPoint);
                if (mount.Servers.Count == 0)
                {
                    await output.WriteLineAsync("  (no statistics: not mounted yet, or not answering)");
                }

                foreach (var server in mount.Servers)
                {
                    await output.WriteLineAsync($"  server {server.Server}: {Protocol(server)}, lease {server.Lease.State}, {Number(server.Lease.Renewals)} renewals");
                    var calls = server.Calls.Count == 0 ? "none" : string.Join(", ", server.Calls.Select(c => $"{c.Key} {Number(c.Value)}"));
                    await output.WriteLineAsync($"    requests: {calls}");
                    var latency = server.LatencyMs;
                    await output.WriteLineAsync(latency.P50 is null
                        ? "    latency:  -"
                        : $"    latency:  p50 {Ms(latency.P50)} ms, p90 {Ms(latency.P90)} ms, p99 {Ms(latency.P99)} ms");
                    foreach (var e in server.RecoveryEvents)
                    {
                        await output.WriteLineAsync($"    {e.Time} {e.Kind}: {e.Detail}");
                    }
                }
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>"NFSv4.0", "NFSv4.1 session …", or what is known before the first call settles the version.</summary>
    private static string Protocol(ServerStatsJson server) => server switch
    {
        { NfsVersion: null } => "NFS version not negotiated yet",
        { SessionId: { } session } => $"NFSv{server.NfsVersion} session {session}",
        _ => $"NFSv{server.NfsVersion}",
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ms(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";
}
