using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace DokanNfs.Cli.Configuration;

/// <summary>
/// Reads typed values out of configuration sections with errors that name the full key
/// ("Mounts:0:Url: …"), the way a user finds it in their file. Keys a section does not know are refused,
/// so a typo is an error rather than a setting that silently does nothing.
/// </summary>
internal static class SettingsReader
{
    public static CliException Error(string key, string message) => CliException.BadArguments($"configuration: {key}: {message}");

    /// <summary>Refuses children of <paramref name="section"/> other than <paramref name="known"/> (case-insensitive).</summary>
    public static void OnlyKnownKeys(IConfigurationSection section, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(section);
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw Error(child.Path, $"unknown setting; {section.Path} knows {string.Join(", ", known)}.");
            }
        }
    }

    /// <summary>A value set to a section (or a section where a value belongs) is a mistake too.</summary>
    public static string? String(IConfigurationSection section, string key)
    {
        ArgumentNullException.ThrowIfNull(section);
        var child = section.GetSection(key);
        if (child.Value is null && child.GetChildren().Any())
        {
            throw Error(child.Path, "expected a value, found a section.");
        }

        return child.Value;
    }

    public static uint? UInt(IConfigurationSection section, string key, uint min = 0, uint max = uint.MaxValue)
    {
        var text = String(section, key);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(section.GetSection(key).Path, $"'{text}' is not a whole number from {min} to {max}.");
    }

    public static double? Seconds(IConfigurationSection section, string key, double min, double max)
    {
        var text = String(section, key);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(section.GetSection(key).Path, $"'{text}' is not a number of seconds from {min} to {max}.");
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), as written in the first choice's case.</summary>
    public static string? Choice(IConfigurationSection section, string key, params string[] choices)
    {
        var text = String(section, key);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return choices.FirstOrDefault(c => c.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw Error(section.GetSection(key).Path, $"'{text}' is not one of {string.Join(", ", choices)}.");
    }
}
