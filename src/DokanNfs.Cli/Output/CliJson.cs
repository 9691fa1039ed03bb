using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DokanNfs.Cli.Output;

/// <summary>One object of <c>ls --json</c>. Unknown attributes are null, never left out, so scripts see one shape.</summary>
internal sealed record EntryJson
{
    /// <summary>The entry's full path on the server; only with -R, where names alone are ambiguous.</summary>
    [JsonPropertyName("path")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Path { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("size")]
    public ulong? Size { get; init; }

    [JsonPropertyName("mode")]
    public string? Mode { get; init; }

    [JsonPropertyName("numlinks")]
    public uint? NumLinks { get; init; }

    [JsonPropertyName("owner")]
    public string? Owner { get; init; }

    [JsonPropertyName("group")]
    public string? Group { get; init; }

    [JsonPropertyName("mtime")]
    public string? MTime { get; init; }

    [JsonPropertyName("atime")]
    public string? ATime { get; init; }

    [JsonPropertyName("ctime")]
    public string? CTime { get; init; }

    [JsonPropertyName("fileid")]
    public ulong? FileId { get; init; }

    /// <summary>True for a referral: a directory whose contents live on another server.</summary>
    [JsonPropertyName("referral")]
    public bool Referral { get; init; }

    /// <summary>A symbolic link's target.</summary>
    [JsonPropertyName("target")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }
}

/// <summary>The object <c>stat --json</c> prints.</summary>
internal sealed record StatJson
{
    [JsonPropertyName("path")]
    public required string Path { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("size")]
    public ulong? Size { get; init; }

    [JsonPropertyName("mode")]
    public string? Mode { get; init; }

    [JsonPropertyName("numlinks")]
    public uint? NumLinks { get; init; }

    [JsonPropertyName("owner")]
    public string? Owner { get; init; }

    [JsonPropertyName("group")]
    public string? Group { get; init; }

    [JsonPropertyName("fileid")]
    public ulong? FileId { get; init; }

    /// <summary>"major:minor" of fsid4; a change between a directory and its child marks a mount point.</summary>
    [JsonPropertyName("fsid")]
    public string? Fsid { get; init; }

    [JsonPropertyName("spaceused")]
    public ulong? SpaceUsed { get; init; }

    /// <summary>The server that answered, "address:port:/export" of the mount the path is on.</summary>
    [JsonPropertyName("server")]
    public string? Server { get; init; }

    /// <summary>The drive path of that mount: "/" for the export named in the URL, deeper for a grafted referral or mirror mount.</summary>
    [JsonPropertyName("mount")]
    public string? Mount { get; init; }

    [JsonPropertyName("atime")]
    public string? ATime { get; init; }

    [JsonPropertyName("mtime")]
    public string? MTime { get; init; }

    /// <summary>time_metadata: when the attributes last changed (POSIX ctime).</summary>
    [JsonPropertyName("ctime")]
    public string? CTime { get; init; }

    /// <summary>The change attribute, a counter the server bumps on every modification.</summary>
    [JsonPropertyName("change")]
    public ulong? Change { get; init; }

    [JsonPropertyName("target")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Target { get; init; }
}

/// <summary>Source-generated serialization: no reflection, so no trimming or AOT warnings.</summary>
[JsonSerializable(typeof(List<EntryJson>))]
[JsonSerializable(typeof(StatJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>Indented, and names in any script left readable rather than \u-escaped (still valid JSON).</summary>
    public static CliJsonContext Output { get; } = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
