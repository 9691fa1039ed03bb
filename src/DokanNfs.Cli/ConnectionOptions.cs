using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using DokanNfs.Core.Client;

namespace DokanNfs.Cli;

/// <summary>
/// The options every command shares (--port, --uid, --gid, --vers, --timeout, --verbose, --quiet, --set),
/// declared once on the root command as recursive options so they may be written before or after the
/// command name.
/// <para>
/// The same settings may come from an nfs:// URL's query (<c>?port=…&amp;uid=…&amp;gid=…&amp;vers=…</c>).
/// An explicit flag always wins over the URL, and the URL over the default, one setting at a time: a
/// script can keep the server's settings in the URL and override one of them on the command line.
/// </para>
/// </summary>
internal sealed class ConnectionOptions
{
    /// <summary>The query keys an nfs:// URL may carry; anything else is a typo and refused.</summary>
    private static readonly string[] QueryKeys = ["port", "uid", "gid", "vers"];

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public ConnectionOptions()
    {
        // Custom parsers so a bad value gets a message about the option, not about Nullable<UInt32>.
        Port.CustomParser = result => ParseNumber<int>(result, "--port", "a TCP port number (1-65535)", static t => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535 ? p : (int?)null);
        Uid.CustomParser = result => ParseNumber(result, "--uid", "a numeric uid", ParseId);
        Gid.CustomParser = result => ParseNumber(result, "--gid", "a numeric gid", ParseId);
        Timeout.CustomParser = result => ParseNumber<double>(result, "--timeout", "a number of seconds above 0", static t =>
            double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s is > 0 and <= 86400 ? s : (double?)null);
        Vers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } vers && !TryParseVersion(vers, out _, out var error))
            {
                result.AddError(error);
            }
        });
    }

    public Option<int?> Port { get; } = new("--port")
    {
        Description = "TCP port of the NFS server (default 2049; overrides the URL's port and ?port=).",
        HelpName = "PORT",
        Recursive = true,
    };

    public Option<uint?> Uid { get; } = new("--uid")
    {
        Description = "AUTH_SYS uid to send (default 0; overrides ?uid=).",
        HelpName = "UID",
        Recursive = true,
    };

    public Option<uint?> Gid { get; } = new("--gid")
    {
        Description = "AUTH_SYS gid to send (default 0; overrides ?gid=).",
        HelpName = "GID",
        Recursive = true,
    };

    public Option<string?> Vers { get; } = new("--vers")
    {
        Description = "NFS version: auto (the default: 4.1 if the server speaks it, else 4.0), 4.0 or 4.1; overrides ?vers=.",
        HelpName = "VERSION",
        Recursive = true,
    };

    public Option<double?> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for a connection or a reply (default 30).",
        HelpName = "SECONDS",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log debug detail to the console, and print the full exception (with stack trace) when a command fails.",
        Recursive = true,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "Log only errors to the console (mount logs information by default).",
        Recursive = true,
    };

    /// <summary>The command-line layer of the configuration (Configuration/ConfigurationLoader.cs): it wins over every file and variable.</summary>
    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Set a configuration key for this run, e.g. --set Logging:File:Level=Debug (repeatable; wins over files and DOKANNFS__ variables).",
        HelpName = "KEY=VALUE",
        Recursive = true,
        Arity = ArgumentArity.OneOrMore,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Port);
        root.Options.Add(Uid);
        root.Options.Add(Gid);
        root.Options.Add(Vers);
        root.Options.Add(Timeout);
        root.Options.Add(Verbose);
        root.Options.Add(Quiet);
        root.Options.Add(Set);
    }

    /// <summary>Parses an NFS location and settles its connection settings: flag, then URL query, then default.</summary>
    public NfsTarget Resolve(ParseResult parse, string text)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var url = ParseLocation(text);

        // NfsUrl has already put ?port= (or the URL's own :port) into url.Port.
        var port = parse.GetValue(Port) ?? url.Port;
        var uid = parse.GetValue(Uid) ?? QueryId(url, "uid") ?? 0;
        var gid = parse.GetValue(Gid) ?? QueryId(url, "gid") ?? 0;
        // "auto" unless told, as Linux's mount.nfs4 negotiates the highest minor version both sides speak.
        var versText = parse.GetValue(Vers) ?? (url.Query.TryGetValue("vers", out var v) ? v : "auto");
        if (!TryParseVersion(versText, out var version, out var error))
        {
            throw CliException.BadArguments(error);
        }

        var timeout = parse.GetValue(Timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultTimeout;
        var settings = new ConnectionSettings(url.Host, port, uid, gid, version, timeout);
        return new NfsTarget(url with { Port = port }, settings);
    }

    /// <summary>Parses an NFS location as every command takes it: one of the three forms, with only the known URL keys.</summary>
    public static NfsUrl ParseLocation(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith('-'))
        {
            // System.CommandLine hands an unknown option to a free argument slot; name it for what it is.
            throw CliException.BadArguments($"unknown option '{text}'.");
        }

        if (!NfsUrl.TryParse(text, out var url, out var error))
        {
            throw CliException.BadArguments(error);
        }

        foreach (var key in url.Query.Keys)
        {
            if (!QueryKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw CliException.BadArguments($"'{key}' in {text} is not a known URL key: use port, uid, gid or vers.");
            }
        }

        return url;
    }

    /// <summary>
    /// "4" or "4.0" to NFSv4.0, "4.1" to NFSv4.1, "auto" to 4.1 with a fall-back to 4.0; anything else is refused with a
    /// message saying what is supported.
    /// </summary>
    public static bool TryParseVersion(string text, out NfsVersion version, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = string.Empty;
        switch (text.Trim().ToLowerInvariant())
        {
            case "4" or "4.0":
                version = NfsVersion.V40;
                return true;
            case "4.1":
                version = NfsVersion.V41;
                return true;
            case "auto":
                version = NfsVersion.Auto;
                return true;
            default:
                version = NfsVersion.V40;
                error = $"NFS version '{text}' is not supported: use 4.0, 4.1 or auto.";
                return false;
        }
    }

    /// <summary>The <c>vers=</c> spelling of <paramref name="version"/>, as <see cref="TryParseVersion"/> reads it.</summary>
    public static string FormatVersion(NfsVersion version) => version switch
    {
        NfsVersion.V41 => "4.1",
        NfsVersion.Auto => "auto",
        _ => "4.0",
    };

    private static T? ParseNumber<T>(ArgumentResult result, string option, string what, Func<string, T?> parse)
        where T : struct
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (parse(text) is { } value)
        {
            return value;
        }

        result.AddError($"{option} {text} is not {what}.");
        return null;
    }

    public static uint? ParseId(string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private static uint? QueryId(NfsUrl url, string key)
    {
        if (!url.Query.TryGetValue(key, out var text))
        {
            return null;
        }

        return ParseId(text) ?? throw CliException.BadArguments($"{key}={text} is not a numeric id.");
    }
}

/// <summary>How to reach one server: the settled values of the connection options.</summary>
internal sealed record ConnectionSettings(string Host, int Port, uint Uid, uint Gid, NfsVersion Version, TimeSpan Timeout)
{
    /// <summary>True when both name the same server (host as written, and port), so one client serves both.</summary>
    public bool SameServerAs(ConnectionSettings other) =>
        string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase) && Port == other.Port;
}

/// <summary>An NFS location the user named, with the settings to reach it.</summary>
internal sealed record NfsTarget(NfsUrl Url, ConnectionSettings Settings)
{
    /// <summary>The absolute path on the server (from its pseudo root).</summary>
    public string Path => Url.Path;

    public override string ToString() => Url.ToString();
}
