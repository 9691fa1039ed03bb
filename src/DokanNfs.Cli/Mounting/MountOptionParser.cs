using System.Globalization;
using DokanNfs.Core.Client;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// Parses mount options written as <c>key=value,flag,…</c>: the keys of Windows' <c>mount -o</c> (rsize, wsize,
/// timeout, retry, mtype, casesensitive) and of ms-nfs41-client / Linux (vers, sec, port, timeo, retrans,
/// hard, soft, ro, rw, and the attribute cache's acregmin, acregmax, acdirmin, acdirmax, actimeo, noac of nfs(5)),
/// plus uid, gid, referrals, label, deleg / nodeleg (whether NFSv4.1 delegations are asked for), and nconnect (how many
/// connections READs ahead take turns over). A later key wins over an earlier one, as with
/// mount(8). A mistake is a <see cref="CliException"/> (bad arguments) naming where the text came from and the key.
/// </summary>
internal static class MountOptionParser
{
    /// <summary>Every key, for the help text and the error that lists them.</summary>
    public const string KnownKeys =
        "vers, sec, port, rsize, wsize, timeo (timeout), retrans (retry), mtype=hard|soft, hard, soft, ro, rw, uid, gid, " +
        "casesensitive, caseinsensitive, referrals=follow|none|allow:HOST;HOST, label, " +
        "acregmin, acregmax, acdirmin, acdirmax, actimeo, noac, deleg, nodeleg, nconnect";

    /// <summary>
    /// Applies <paramref name="text"/> over <paramref name="options"/>. <paramref name="source"/> names where the text
    /// came from in errors: "-o" on the command line, "Mounts:0:Options" in configuration.
    /// </summary>
    public static MountOptions Apply(MountOptions options, string? text, string source)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(text))
        {
            return options;
        }

        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = raw.IndexOf('=', StringComparison.Ordinal);
            var key = (equals < 0 ? raw : raw[..equals]).Trim().ToLowerInvariant();
            var value = equals < 0 ? null : raw[(equals + 1)..].Trim();
            options = ApplyOne(options, key, value, raw, source);
        }

        return options;
    }

    /// <summary>The referral policy as <c>referrals=</c> writes it.</summary>
    public static string FormatReferrals(ReferralPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (ReferenceEquals(policy, ReferralPolicy.FollowAll))
        {
            return "follow";
        }

        if (ReferenceEquals(policy, ReferralPolicy.None))
        {
            return "none";
        }

        // AllowList's ToString is "AllowList(a, b)".
        var text = policy.ToString();
        var open = text.IndexOf('(', StringComparison.Ordinal);
        return "allow:" + text[(open + 1)..^1].Replace(", ", ";", StringComparison.Ordinal);
    }

    /// <summary>A volume label Windows accepts; the error names <paramref name="source"/>.</summary>
    public static string CheckLabel(string label, string source)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Length is 0 or > MountOptions.MaxLabelLength)
        {
            throw Bad(source, $"label '{label}' must be 1 to {MountOptions.MaxLabelLength} characters.");
        }

        // A comma would end the option in -o text; control characters have no place in a label.
        if (label.Any(c => c == ',' || char.IsControl(c)))
        {
            throw Bad(source, $"label '{label}' may not contain commas or control characters.");
        }

        return label;
    }

    private static MountOptions ApplyOne(MountOptions o, string key, string? value, string raw, string source)
    {
        switch (key)
        {
            case "vers":
            case "nfsvers":
                if (!ConnectionOptions.TryParseVersion(Need(key, value, source), out var version, out var error))
                {
                    throw Bad(source, $"vers={value}: {error}");
                }

                return o with { Version = version };
            case "sec":
                // Only AUTH_SYS is implemented: krb5* would need RPCSEC_GSS.
                return string.Equals(Need(key, value, source), "sys", StringComparison.OrdinalIgnoreCase)
                    ? o
                    : throw Bad(source, $"sec={value} is not supported: only sec=sys (AUTH_SYS).");
            case "port":
                return o with { Port = (int)Number(key, value, source, 1, 65535) };
            case "rsize":
                return o with { ReadSize = (uint)Number(key, value, source, MountOptions.MinTransferSize, MountOptions.MaxTransferSize) };
            case "wsize":
                return o with { WriteSize = (uint)Number(key, value, source, MountOptions.MinTransferSize, MountOptions.MaxTransferSize) };
            case "timeo":
            case "timeout":
                return o with { Timeout = Seconds(key, value, source) };
            case "retrans":
            case "retry":
                return o with { Retransmissions = (int)Number(key, value, source, 0, 100) };
            case "mtype":
                return Need(key, value, source).ToLowerInvariant() switch
                {
                    "hard" => o with { MountType = NfsMountType.Hard },
                    "soft" => o with { MountType = NfsMountType.Soft },
                    _ => throw Bad(source, $"mtype={value}: use mtype=hard or mtype=soft."),
                };
            case "hard":
                return Flag(o with { MountType = NfsMountType.Hard }, key, value, source);
            case "soft":
                return Flag(o with { MountType = NfsMountType.Soft }, key, value, source);
            case "ro":
                return Flag(o with { ReadOnly = true }, key, value, source);
            case "rw":
                return Flag(o with { ReadOnly = false }, key, value, source);
            case "uid":
            case "anonuid":
                return o with { Uid = (uint)Number(key, value, source, 0, uint.MaxValue) };
            case "gid":
            case "anongid":
                return o with { Gid = (uint)Number(key, value, source, 0, uint.MaxValue) };
            case "casesensitive":
                // Windows' mount writes casesensitive=yes|no; the bare word means yes.
                return o with { CaseInsensitive = !YesNo(key, value, source) };
            case "caseinsensitive":
                return o with { CaseInsensitive = YesNo(key, value, source) };
            case "referrals":
                return o with { Referrals = Referrals(Need(key, value, source), source) };
            case "label":
                return o with { Label = CheckLabel(Need(key, value, source), source) };
            case "nconnect":
                return o with { ReadConnections = (int)Number(key, value, source, 1, NfsClientOptions.MaxReadConnections) };
            case "acregmin":
                return o with { AcRegMin = CacheSeconds(key, value, source) };
            case "acregmax":
                return o with { AcRegMax = CacheSeconds(key, value, source) };
            case "acdirmin":
                return o with { AcDirMin = CacheSeconds(key, value, source) };
            case "acdirmax":
                return o with { AcDirMax = CacheSeconds(key, value, source) };
            case "actimeo":
                var all = CacheSeconds(key, value, source);
                return o with { AcRegMin = all, AcRegMax = all, AcDirMin = all, AcDirMax = all };
            case "noac":
                // nfs(5): noac caches no attributes (actimeo=0).
                return Flag(o with { AcRegMin = TimeSpan.Zero, AcRegMax = TimeSpan.Zero, AcDirMin = TimeSpan.Zero, AcDirMax = TimeSpan.Zero }, key, value, source);
            case "deleg":
                return Flag(o with { Delegations = true }, key, value, source);
            case "nodeleg":
                return Flag(o with { Delegations = false }, key, value, source);
            default:
                throw Bad(source, $"unknown mount option '{(raw.Contains('=', StringComparison.Ordinal) ? key : raw)}'; the options are: {KnownKeys}.");
        }
    }

    private static ReferralPolicy Referrals(string value, string source)
    {
        if (value.Equals("follow", StringComparison.OrdinalIgnoreCase) || value.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return ReferralPolicy.FollowAll;
        }

        if (value.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return ReferralPolicy.None;
        }

        if (value.StartsWith("allow:", StringComparison.OrdinalIgnoreCase))
        {
            var hosts = value["allow:".Length..].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (hosts.Length > 0)
            {
                return ReferralPolicy.AllowList(hosts);
            }
        }

        throw Bad(source, $"referrals={value}: use referrals=follow, referrals=none or referrals=allow:HOST;HOST.");
    }

    private static string Need(string key, string? value, string source) =>
        string.IsNullOrEmpty(value) ? throw Bad(source, $"mount option '{key}' needs a value ({key}=…).") : value;

    private static MountOptions Flag(MountOptions o, string key, string? value, string source) =>
        value is null ? o : throw Bad(source, $"mount option '{key}' takes no value (write '{key}', not '{key}={value}').");

    private static bool YesNo(string key, string? value, string source) => value?.ToLowerInvariant() switch
    {
        null or "yes" or "true" or "1" => true,
        "no" or "false" or "0" => false,
        _ => throw Bad(source, $"{key}={value}: use yes or no."),
    };

    private static long Number(string key, string? value, string source, long min, long max)
    {
        var text = Need(key, value, source);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw Bad(source, $"{key}={text} is not a whole number from {min} to {max}.");
    }

    private static TimeSpan Seconds(string key, string? value, string source)
    {
        var text = Need(key, value, source);
        return double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s is >= 0.1 and <= 3600
            ? TimeSpan.FromSeconds(s)
            : throw Bad(source, $"{key}={text} is not a number of seconds from 0.1 to 3600.");
    }

    /// <summary>An attribute-cache time: whole seconds as nfs(5) writes them, 0 (off) to an hour.</summary>
    private static TimeSpan CacheSeconds(string key, string? value, string source) =>
        TimeSpan.FromSeconds(Number(key, value, source, 0, 3600));

    private static CliException Bad(string source, string message) => CliException.BadArguments($"{source}: {message}");
}
