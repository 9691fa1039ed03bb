using DokanNfs.Cli.Configuration;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;

namespace DokanNfs.Cli.Logging;

/// <summary>
/// The <c>Logging</c> section:
/// <code>
/// "Logging": {
///   "Console": { "Level": "Information" },
///   "File": { "Path": "…/dokannfs-.log", "Level": "Information", "Format": "text", "RollingInterval": "Day",
///             "RetainedFileCount": 14, "FileSizeLimitMB": 50 },
///   "Levels": { "DokanNfs.Dokan": "Debug" }
/// }
/// </code>
/// Levels are Verbose, Debug, Information, Warning, Error, Fatal or Off (Trace and Critical, the
/// Microsoft.Extensions.Logging names, are taken too). Null members were not configured.
/// </summary>
internal sealed record LoggingSettings
{
    public const string SectionName = "Logging";

    private static readonly string[] LevelNames = ["Verbose", "Trace", "Debug", "Information", "Warning", "Error", "Fatal", "Critical", "Off", "None"];

    /// <summary>Console level; null: the command's default (Information for mount, off otherwise).</summary>
    public LogLevelSetting? ConsoleLevel { get; init; }

    /// <summary>Rolling file path (environment variables expanded); null: not configured, "" : no file.</summary>
    public string? FilePath { get; init; }

    public LogLevelSetting FileLevel { get; init; } = new(LogEventLevel.Information);

    /// <summary>"text" (one line per event) or "json" (one object per event, every property kept).</summary>
    public string FileFormat { get; init; } = "text";

    public RollingInterval RollingInterval { get; init; } = RollingInterval.Day;

    public int RetainedFileCount { get; init; } = 14;

    public long FileSizeLimitBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Per-source minimum levels: a logger's category ("DokanNfs.Dokan") and everything under it.</summary>
    public IReadOnlyDictionary<string, LogLevelSetting> Levels { get; init; } = new Dictionary<string, LogLevelSetting>();

    public static LoggingSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        SettingsReader.OnlyKnownKeys(section, "Console", "File", "Levels");
        var console = section.GetSection("Console");
        SettingsReader.OnlyKnownKeys(console, "Level");
        var file = section.GetSection("File");
        SettingsReader.OnlyKnownKeys(file, "Path", "Level", "Format", "RollingInterval", "RetainedFileCount", "FileSizeLimitMB");

        var levels = new Dictionary<string, LogLevelSetting>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in section.GetSection("Levels").GetChildren())
        {
            levels[entry.Key] = Level(entry.Value, entry.Path) ?? throw SettingsReader.Error(entry.Path, "a level is required.");
        }

        var defaults = new LoggingSettings();
        var path = SettingsReader.String(file, "Path");
        return new LoggingSettings
        {
            ConsoleLevel = Level(SettingsReader.String(console, "Level"), console.GetSection("Level").Path),
            FilePath = path is null ? null : Environment.ExpandEnvironmentVariables(path.Trim()),
            FileLevel = Level(SettingsReader.String(file, "Level"), file.GetSection("Level").Path) ?? defaults.FileLevel,
            FileFormat = SettingsReader.Choice(file, "Format", "text", "json") ?? defaults.FileFormat,
            RollingInterval = SettingsReader.Choice(file, "RollingInterval", "Day", "Hour", "Month", "Year", "Infinite") is { } interval
                ? Enum.Parse<RollingInterval>(interval)
                : defaults.RollingInterval,
            RetainedFileCount = (int?)SettingsReader.UInt(file, "RetainedFileCount", 1, 1000) ?? defaults.RetainedFileCount,
            FileSizeLimitBytes = SettingsReader.UInt(file, "FileSizeLimitMB", 1, 100_000) is { } mb ? mb * 1024L * 1024 : defaults.FileSizeLimitBytes,
            Levels = levels,
        };
    }

    private static LogLevelSetting? Level(string? text, string key)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return text.Trim().ToLowerInvariant() switch
        {
            "verbose" or "trace" => new(LogEventLevel.Verbose),
            "debug" => new(LogEventLevel.Debug),
            "information" or "info" => new(LogEventLevel.Information),
            "warning" or "warn" => new(LogEventLevel.Warning),
            "error" => new(LogEventLevel.Error),
            "fatal" or "critical" => new(LogEventLevel.Fatal),
            "off" or "none" => LogLevelSetting.Off,
            _ => throw SettingsReader.Error(key, $"'{text}' is not a level: use {string.Join(", ", LevelNames)}."),
        };
    }
}

/// <summary>A Serilog level, or off (which Serilog has no level for).</summary>
internal sealed record LogLevelSetting(LogEventLevel Level, bool IsOff = false)
{
    public static LogLevelSetting Off { get; } = new(LogEventLevel.Fatal, IsOff: true);

    public override string ToString() => IsOff ? "Off" : Level.ToString();
}
