using System.Globalization;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Security;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// One drive to map, settled and checked: the export (<paramref name="Url"/>, as the user wrote it in
/// <paramref name="UrlText"/>), where to map it and with which options. <paramref name="Source"/> names where it came
/// from in messages: "command line" or "Mounts:0".
/// </summary>
internal sealed record MountRequest(string UrlText, NfsUrl Url, MountPoint MountPoint, MountOptions Options, string Source)
{
    /// <summary>The host as written (a name or an address).</summary>
    public string Server => Url.Host;

    public int Port => Options.Port ?? Url.Port;

    /// <summary>The exported path on the server, from its pseudo root.</summary>
    public string Export => NfsPath.Normalize(Url.Path);

    /// <summary>nfs://host[:port]/export, with the port settled.</summary>
    public string DisplayUrl => (Url with { Port = Port, Path = Export }).ToString();

    /// <summary>
    /// Settles a request from its parts, each layer over the one before: the defaults, the URL's query keys
    /// (port, uid, gid, vers), <paramref name="overrides"/> (the global --port/--uid/--gid/--vers/--timeout flags),
    /// then the <c>-o</c> text and the label. Every mistake is a bad-arguments error naming its source.
    /// </summary>
    public static MountRequest Create(string? url, string? mountPoint, string? optionText, string? label, string source, Func<MountOptions, MountOptions>? overrides = null)
    {
        var where = source == "command line" ? string.Empty : source + ":";
        if (string.IsNullOrWhiteSpace(url))
        {
            throw CliException.BadArguments(where.Length == 0 ? "mount needs a URL and a mount point (or --all)." : $"{where}Url: an NFS location is required.");
        }

        NfsUrl parsed;
        try
        {
            parsed = ConnectionOptions.ParseLocation(url);
        }
        catch (CliException ex) when (where.Length > 0)
        {
            throw CliException.BadArguments($"{where}Url: {ex.Message}");
        }

        var point = MountPoint.Parse(mountPoint, where.Length == 0 ? "mount point" : where + "MountPoint");
        var options = new MountOptions();
        options = FromQuery(options, parsed, where.Length == 0 ? url : where + "Url");
        options = overrides?.Invoke(options) ?? options;
        options = MountOptionParser.Apply(options, optionText, where.Length == 0 ? "-o" : where + "Options");
        if (!string.IsNullOrEmpty(label))
        {
            options = options with { Label = MountOptionParser.CheckLabel(label, where.Length == 0 ? "--label" : where + "Label") };
        }

        return new MountRequest(url, parsed, point, options, source);
    }

    /// <summary>The client options of the mount's root server; referral targets inherit them (all but the server).</summary>
    public NfsClientOptions ClientOptions(IdentityMap identity, ClientIdentity clientIdentity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var o = Options;
        return new NfsClientOptions
        {
            Version = o.Version,

            // The mount's own credential: what it sends when requests are not mapped per Windows user, and for
            // its lease (RENEW) either way.
            Credential = RpcCredential.Sys(o.Uid ?? identity.AnonymousUid, o.Gid ?? identity.AnonymousGid),
            CallTimeout = o.Timeout,
            ConnectTimeout = o.Timeout < MaxConnectTimeout ? o.Timeout : MaxConnectTimeout,
            Mount = o.MountType,
            SoftTimeout = o.SoftTimeout,
            MaxReadSize = o.ReadSize,
            MaxWriteSize = o.WriteSize,
            WriteBehindBytes = NfsClientOptions.DefaultWriteBehindBytes,
            AcRegMin = o.AcRegMin,
            AcRegMax = o.AcRegMax,
            AcDirMin = o.AcDirMin,
            AcDirMax = o.AcDirMax,
            ReadConnections = o.ReadConnections,
            Delegations = o.Delegations,
            Identity = clientIdentity,
            ServerName = Url.Host,
        };
    }

    public NamespaceOptions NamespaceOptions(int referralPort) => new()
    {
        ReferralPolicy = Options.Referrals,
        ReadOnly = Options.ReadOnly,
        ReferralPort = referralPort,
        ProbeTimeout = Options.Timeout < MaxProbeTimeout ? Options.Timeout : MaxProbeTimeout,
    };

    /// <summary>
    /// How Windows sees the drive. uid=/gid= replace the configured anonymous ids (as AnonymousUid/Gid do for
    /// Windows' Client for NFS); requests are mapped per Windows user when any user is configured.
    /// </summary>
    public DokanAdapterOptions AdapterOptions(IdentityMap identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var map = identity with
        {
            AnonymousUid = Options.Uid ?? identity.AnonymousUid,
            AnonymousGid = Options.Gid ?? identity.AnonymousGid,
        };
        return new DokanAdapterOptions
        {
            VolumeLabel = Options.Label ?? DefaultLabel,
            CaseInsensitive = Options.CaseInsensitive,
            ReadOnly = Options.ReadOnly,
            Identity = map,
            MapRequesters = !map.Users.IsEmpty,
        };
    }

    public const string DefaultLabel = "NFS";

    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromSeconds(15);

    private static MountOptions FromQuery(MountOptions options, NfsUrl url, string source)
    {
        // NfsUrl has put ?port= (or the URL's own :port) into Port; only a port other than the default is a setting.
        if (url.Port != NfsProgram.DefaultPort)
        {
            options = options with { Port = url.Port };
        }

        foreach (var (key, value) in url.Query)
        {
            options = key.ToLowerInvariant() switch
            {
                "uid" => options with { Uid = ConnectionOptions.ParseId(value) ?? throw CliException.BadArguments($"{source}: uid={value} is not a numeric id.") },
                "gid" => options with { Gid = ConnectionOptions.ParseId(value) ?? throw CliException.BadArguments($"{source}: gid={value} is not a numeric id.") },
                "vers" => MountOptionParser.Apply(options, "vers=" + value, source),
                _ => options,
            };
        }

        return options;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{DisplayUrl} at {MountPoint}");
}
