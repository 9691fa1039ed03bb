using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// One mount as the registry file keeps it, <c>list --json</c> prints it, <c>mount --json</c> announces it and the
/// control pipe's "status" answers it (docs: README "Mapping a drive"; the PowerShell module reads these names).
/// </summary>
internal sealed record MountEntryJson
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("mountPoint")]
    public required string MountPoint { get; init; }

    [JsonPropertyName("url")]
    public required string Url { get; init; }

    [JsonPropertyName("server")]
    public required string Server { get; init; }

    [JsonPropertyName("port")]
    public int Port { get; init; }

    [JsonPropertyName("export")]
    public required string Export { get; init; }

    [JsonPropertyName("label")]
    public string? Label { get; init; }

    /// <summary>Each -o key and its value ("true"/"false" for flags).</summary>
    [JsonPropertyName("options")]
    public Dictionary<string, string> Options { get; init; } = [];

    /// <summary>The same options as one -o text.</summary>
    [JsonPropertyName("optionString")]
    public string OptionString { get; init; } = string.Empty;

    /// <summary>mounting, mounted, reconnecting, recovering, retrying or unmounting.</summary>
    [JsonPropertyName("state")]
    public required string State { get; init; }

    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    /// <summary>When the serving process started (ISO 8601), so a reused pid is not taken for it.</summary>
    [JsonPropertyName("processStart")]
    public string? ProcessStart { get; init; }

    [JsonPropertyName("startedAt")]
    public string? StartedAt { get; init; }

    /// <summary>Where it came from: "command line" or a configuration entry ("Mounts:0").</summary>
    [JsonPropertyName("source")]
    public string? Source { get; init; }

    /// <summary>Why the last attempt failed, while waiting to mount again.</summary>
    [JsonPropertyName("lastError")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastError { get; init; }

    /// <summary>The root mount's server: the NFS version in use ("4.0", "4.1"); null until negotiated.</summary>
    [JsonPropertyName("nfsVersion")]
    public string? NfsVersion { get; init; }

    /// <summary>The root mount's NFSv4.1 session id (32 hex digits); null under NFSv4.0.</summary>
    [JsonPropertyName("sessionId")]
    public string? SessionId { get; init; }

    [JsonPropertyName("nested")]
    public List<NestedMountJson> Nested { get; init; } = [];
}

/// <summary>A referral or mirror mount grafted inside a drive.</summary>
internal sealed record NestedMountJson
{
    /// <summary>Where on the drive, '/' separated from its root.</summary>
    [JsonPropertyName("path")]
    public required string Path { get; init; }

    [JsonPropertyName("server")]
    public required string Server { get; init; }

    [JsonPropertyName("export")]
    public required string Export { get; init; }

    [JsonPropertyName("state")]
    public required string State { get; init; }

    /// <summary>The NFS version in use with this server ("4.0", "4.1"); null until a 4.1 or "auto" client has negotiated it.</summary>
    [JsonPropertyName("nfsVersion")]
    public string? NfsVersion { get; init; }

    /// <summary>The NFSv4.1 session id (32 hex digits); null under NFSv4.0.</summary>
    [JsonPropertyName("sessionId")]
    public string? SessionId { get; init; }
}

/// <summary><c>stats --json</c>: every mount's servers.</summary>
internal sealed record StatsJson
{
    [JsonPropertyName("mounts")]
    public List<MountStatsJson> Mounts { get; init; } = [];
}

internal sealed record MountStatsJson
{
    [JsonPropertyName("mountPoint")]
    public required string MountPoint { get; init; }

    [JsonPropertyName("servers")]
    public List<ServerStatsJson> Servers { get; init; } = [];
}

internal sealed record ServerStatsJson
{
    [JsonPropertyName("server")]
    public required string Server { get; init; }

    /// <summary>The NFS version in use with this server ("4.0", "4.1"); null until a 4.1 or "auto" client has negotiated it.</summary>
    [JsonPropertyName("nfsVersion")]
    public string? NfsVersion { get; init; }

    /// <summary>The NFSv4.1 session id (32 hex digits); null under NFSv4.0.</summary>
    [JsonPropertyName("sessionId")]
    public string? SessionId { get; init; }

    /// <summary>Requests per operation (READ, WRITE, GETATTR, …), only those that happened.</summary>
    [JsonPropertyName("calls")]
    public Dictionary<string, long> Calls { get; init; } = [];

    [JsonPropertyName("latencyMs")]
    public LatencyJson LatencyMs { get; init; } = new();

    [JsonPropertyName("lease")]
    public LeaseJson Lease { get; init; } = new();

    [JsonPropertyName("recoveryEvents")]
    public List<RecoveryEventJson> RecoveryEvents { get; init; } = [];
}

/// <summary>Percentiles of request latency in milliseconds; null before the first request.</summary>
internal sealed record LatencyJson
{
    [JsonPropertyName("p50")]
    public double? P50 { get; init; }

    [JsonPropertyName("p90")]
    public double? P90 { get; init; }

    [JsonPropertyName("p99")]
    public double? P99 { get; init; }
}

internal sealed record LeaseJson
{
    /// <summary>none (no client id yet), valid, recovering.</summary>
    [JsonPropertyName("state")]
    public string State { get; init; } = "none";

    [JsonPropertyName("renewals")]
    public long Renewals { get; init; }
}

internal sealed record RecoveryEventJson
{
    [JsonPropertyName("time")]
    public required string Time { get; init; }

    /// <summary>"recovery" (the client's state with the server was rebuilt) or "migration".</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    [JsonPropertyName("detail")]
    public required string Detail { get; init; }
}

/// <summary>The control pipe's answer to "unmount", and its answer to a request it does not know.</summary>
internal sealed record ControlReplyJson
{
    [JsonPropertyName("ok")]
    public bool Ok { get; init; }

    [JsonPropertyName("error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}

[JsonSerializable(typeof(MountEntryJson))]
[JsonSerializable(typeof(List<MountEntryJson>))]
[JsonSerializable(typeof(MountStatsJson))]
[JsonSerializable(typeof(StatsJson))]
[JsonSerializable(typeof(ControlReplyJson))]
internal sealed partial class MountJsonContext : JsonSerializerContext
{
    /// <summary>For output: indented, non-ASCII left readable.</summary>
    public static MountJsonContext Output { get; } = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>For files and the pipe: one line, strict escaping.</summary>
    public static MountJsonContext Compact { get; } = new(new JsonSerializerOptions { WriteIndented = false });
}
