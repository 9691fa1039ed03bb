using System.Globalization;
using DokanNfs.Cli.Logging;
using DokanNfs.Cli.Mounting;
using DokanNfs.Dokan.Security;
using Microsoft.Extensions.Configuration;

namespace DokanNfs.Cli.Configuration;

/// <summary>
/// Everything dokannfs takes from configuration, read and checked once at start: the persistent mounts
/// (<c>Mounts</c>), the account mapping (<c>Identity</c>), <c>Logging</c> and the re-mount backoff
/// (<c>Remount</c>). A bad value fails the run with a message naming its key ("configuration: Mounts:0:Url: …").
/// docs/dokannfs.sample.json shows every key.
/// </summary>
internal sealed record DokanNfsSettings
{
    public IReadOnlyList<MountRequest> Mounts { get; init; } = [];

    public IdentityMap Identity { get; init; } = IdentityMap.Empty;

    public LoggingSettings Logging { get; init; } = new();

    /// <summary>The first wait before mounting again after a failure; it doubles up to <see cref="RemountMaxDelay"/>.</summary>
    public TimeSpan RemountMinDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RemountMaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    public static DokanNfsSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var remount = configuration.GetSection("Remount");
        SettingsReader.OnlyKnownKeys(remount, "MinDelaySeconds", "MaxDelaySeconds");
        var min = SettingsReader.Seconds(remount, "MinDelaySeconds", 0.1, 3600) ?? 1;
        var max = SettingsReader.Seconds(remount, "MaxDelaySeconds", 0.1, 86400) ?? 60;
        if (max < min)
        {
            throw SettingsReader.Error(remount.GetSection("MaxDelaySeconds").Path, $"{max} is less than Remount:MinDelaySeconds ({min}).");
        }

        return new DokanNfsSettings
        {
            Mounts = ReadMounts(configuration.GetSection("Mounts")),
            Identity = IdentitySettings.Read(configuration),
            Logging = LoggingSettings.Read(configuration),
            RemountMinDelay = TimeSpan.FromSeconds(min),
            RemountMaxDelay = TimeSpan.FromSeconds(max),
        };
    }

    /// <summary>
    /// <c>Mounts</c>: a list of { Url, MountPoint, Options, Label, Delegations }. Errors name the entry by its index, as
    /// configuration keys do ("Mounts:1:MountPoint"); two entries on one mount point are refused.
    /// </summary>
    private static List<MountRequest> ReadMounts(IConfigurationSection section)
    {
        var mounts = new List<MountRequest>();
        if (section.Value is { Length: > 0 })
        {
            throw SettingsReader.Error(section.Path, "expected a list of mounts ({ \"Url\": …, \"MountPoint\": … }).");
        }

        // Children come ordered as their keys sort: "0", "1", "10", "2" — put list indices in number order.
        var entries = section.GetChildren()
            .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
            .ThenBy(c => c.Key, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            SettingsReader.OnlyKnownKeys(entry, "Url", "MountPoint", "Options", "Label", "Delegations");

            // "Delegations": true|false is the deleg / nodeleg option; written after Options, it wins over them.
            var delegations = SettingsReader.Choice(entry, "Delegations", "true", "false");
            var options = SettingsReader.String(entry, "Options");
            if (delegations is not null)
            {
                options = (string.IsNullOrWhiteSpace(options) ? string.Empty : options + ",") + (delegations == "true" ? "deleg" : "nodeleg");
            }

            MountRequest request;
            try
            {
                request = MountRequest.Create(
                    SettingsReader.String(entry, "Url"),
                    SettingsReader.String(entry, "MountPoint"),
                    options,
                    SettingsReader.String(entry, "Label"),
                    entry.Path);
            }
            catch (CliException ex) when (!ex.Message.StartsWith("configuration: ", StringComparison.Ordinal))
            {
                throw CliException.BadArguments("configuration: " + ex.Message);
            }

            if (mounts.FirstOrDefault(m => m.MountPoint.SameAs(request.MountPoint)) is { } clash)
            {
                throw SettingsReader.Error(entry.Path + ":MountPoint", $"{request.MountPoint} is already the mount point of {clash.Source}.");
            }

            mounts.Add(request);
        }

        return mounts;
    }
}
