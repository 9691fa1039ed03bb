using System.Globalization;
using DokanNfs.Dokan.Security;
using Microsoft.Extensions.Configuration;

namespace DokanNfs.Cli.Configuration;

/// <summary>
/// The <c>Identity</c> section: which uid/gids a Windows account's requests are sent under, which Windows
/// group a gid is shown as, and what happens to everyone else.
/// <code>
/// "Identity": {
///   "Users":  { "S-1-5-21-…-1001": "1000:1000:10,20" },   // SID: uid:gid[:supplementary gids]
///   "Groups": { "S-1-5-21-…-513": 100 },                    // SID: gid
///   "AnonymousUid": 65534, "AnonymousGid": 65534,
///   "Unmapped": "anonymous"                                 // or "refuse"
/// }
/// </code>
/// Configuration keys have no order, so users and groups are taken in SID order: when two users share a uid,
/// the SID that sorts first is the one shown as owner.
/// </summary>
internal static class IdentitySettings
{
    public const string SectionName = "Identity";

    public static IdentityMap Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        SettingsReader.OnlyKnownKeys(section, "Users", "Groups", "AnonymousUid", "AnonymousGid", "Unmapped");

        var users = new List<UserMapping>();
        foreach (var entry in section.GetSection("Users").GetChildren().OrderBy(c => c.Key, StringComparer.OrdinalIgnoreCase))
        {
            users.Add(new UserMapping(ParseSid(entry), ParseIdentity(entry)));
        }

        var groups = new List<GroupMapping>();
        foreach (var entry in section.GetSection("Groups").GetChildren().OrderBy(c => c.Key, StringComparer.OrdinalIgnoreCase))
        {
            var gid = ParseId(entry.Value, entry.Path, "a gid");
            groups.Add(new GroupMapping(ParseSid(entry), gid));
        }

        var unmapped = SettingsReader.Choice(section, "Unmapped", "anonymous", "refuse");
        try
        {
            return new IdentityMap
            {
                Users = [.. users],
                Groups = [.. groups],
                AnonymousUid = SettingsReader.UInt(section, "AnonymousUid") ?? IdentityMap.DefaultAnonymousId,
                AnonymousGid = SettingsReader.UInt(section, "AnonymousGid") ?? IdentityMap.DefaultAnonymousId,
                UnmappedUserPolicy = unmapped == "refuse" ? UnmappedUserPolicy.Refuse : UnmappedUserPolicy.Anonymous,
            };
        }
        catch (ArgumentException ex)
        {
            // Two spellings of one SID ("S-1-5-32-544" and "S-1-0x000000000005-32-544") land here.
            throw SettingsReader.Error(section.Path, ex.Message);
        }
    }

    private static Sid ParseSid(IConfigurationSection entry)
    {
        try
        {
            return Sid.Parse(entry.Key);
        }
        catch (FormatException ex)
        {
            throw SettingsReader.Error(entry.Path, ex.Message);
        }
    }

    /// <summary>"uid:gid" or "uid:gid:g1,g2,…".</summary>
    private static NfsIdentity ParseIdentity(IConfigurationSection entry)
    {
        var text = entry.Value;
        var parts = text?.Split(':') ?? [];
        if (parts.Length is < 2 or > 3)
        {
            throw SettingsReader.Error(entry.Path, $"'{text}' is not uid:gid or uid:gid:gid,gid,….");
        }

        var uid = ParseId(parts[0], entry.Path, "a uid");
        var gid = ParseId(parts[1], entry.Path, "a gid");
        var gids = parts.Length == 3 && parts[2].Trim().Length > 0
            ? parts[2].Split(',').Select(g => ParseId(g, entry.Path, "a supplementary gid")).ToArray()
            : [];
        try
        {
            return new NfsIdentity(uid, gid, gids);
        }
        catch (ArgumentException ex)
        {
            throw SettingsReader.Error(entry.Path, ex.Message);
        }
    }

    private static uint ParseId(string? text, string key, string what) =>
        uint.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw SettingsReader.Error(key, $"'{text}' is not {what} (a whole number).");
}
