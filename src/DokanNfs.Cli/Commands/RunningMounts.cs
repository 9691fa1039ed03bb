using System.Text.Json;
using DokanNfs.Cli.Mounting;

namespace DokanNfs.Cli.Commands;

/// <summary>What list, stats and unmount know of running mounts: the registry's live entries, refreshed over each one's pipe.</summary>
internal static class RunningMounts
{
    /// <summary>How long a running mount has to answer on its pipe before its registry entry is shown as it is.</summary>
    public static readonly TimeSpan PipeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Each live mount as it reports itself now ("status"), or as its file says when it does not answer.</summary>
    public static async Task<List<MountEntryJson>> StatusAsync(MountRegistry registry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var entries = registry.ReadLive();
        var fresh = await Task.WhenAll(entries.Select(async entry =>
        {
            var reply = await TryAskAsync(entry, ControlChannel.Status, cancellationToken);
            return reply is null ? entry : Deserialize(reply, MountJsonContext.Compact.MountEntryJson) ?? entry;
        }));
        return [.. fresh];
    }

    /// <summary>Each live mount's statistics; a mount that does not answer is listed with no servers.</summary>
    public static async Task<StatsJson> StatsAsync(MountRegistry registry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var entries = registry.ReadLive();
        var stats = await Task.WhenAll(entries.Select(async entry =>
        {
            var reply = await TryAskAsync(entry, ControlChannel.Stats, cancellationToken);
            return (reply is null ? null : Deserialize(reply, MountJsonContext.Compact.MountStatsJson))
                ?? new MountStatsJson { MountPoint = entry.MountPoint };
        }));
        return new StatsJson { Mounts = [.. stats] };
    }

    /// <summary>The reply, or null when the mount's pipe cannot be reached (it may be ending this instant).</summary>
    public static async Task<string?> TryAskAsync(MountEntryJson entry, string request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            return await ControlChannel.SendAsync(ControlChannel.PipeName(entry.Id), request, PipeTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static T? Deserialize<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
