using System.Globalization;
using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// The settled options of one mount, from the <c>-o key=value,…</c> text users know from Windows' <c>mount</c>
/// and ms-nfs41-client's <c>nfs_mount</c> (<see cref="MountOptionParser"/>). <see cref="MountPlan"/> turns them into
/// the client, namespace and adapter options.
/// </summary>
internal sealed record MountOptions
{
    /// <summary>The Linux client's and Dokan's practical ceiling: 1 MiB per READ or WRITE.</summary>
    public const uint MaxTransferSize = 1024 * 1024;

    /// <summary>Below this a READ or WRITE carries more header than data.</summary>
    public const uint MinTransferSize = 4096;

    /// <summary>The longest NTFS volume label.</summary>
    public const int MaxLabelLength = 32;

    /// <summary>vers= : NFSv4.0, 4.1 or auto (ConnectionOptions.TryParseVersion); auto unless told, as Linux's mount does.</summary>
    public NfsVersion Version { get; init; } = NfsVersion.Auto;

    /// <summary>The server's port; null: the URL's (2049 unless it says otherwise).</summary>
    public int? Port { get; init; }

    public uint ReadSize { get; init; } = MaxTransferSize;

    public uint WriteSize { get; init; } = MaxTransferSize;

    /// <summary>timeo: how long to wait for one reply before the call counts as unanswered.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>retrans: with a soft mount, a call fails after <see cref="Timeout"/> × (retrans + 1) without an answer.</summary>
    public int Retransmissions { get; init; } = 1;

    public NfsMountType MountType { get; init; } = NfsMountType.Hard;

    public bool ReadOnly { get; init; }

    /// <summary>uid= : the AUTH_SYS uid of requests no configured account covers; null: the identity map's anonymous uid.</summary>
    public uint? Uid { get; init; }

    /// <summary>gid= : as <see cref="Uid"/>, for the gid.</summary>
    public uint? Gid { get; init; }

    public bool CaseInsensitive { get; init; }

    public ReferralPolicy Referrals { get; init; } = ReferralPolicy.FollowAll;

    /// <summary>
    /// nconnect= : how many TCP connections the READs ahead of a sequential read take turns over (as Linux's nconnect, for
    /// READs ahead only; 1 keeps every call on one connection). Null: the client's default for the version (2 under
    /// NFSv4.0, 1 under NFSv4.1: NfsClientOptions.ReadConnections).
    /// </summary>
    public int? ReadConnections { get; init; }

    /// <summary>acregmin= : the least seconds a file's attributes are trusted without asking the server (nfs(5); 3 as Linux).</summary>
    public TimeSpan AcRegMin { get; init; } = Defaults.AcRegMin;

    /// <summary>acregmax= : the most seconds a file's attributes are trusted (60).</summary>
    public TimeSpan AcRegMax { get; init; } = Defaults.AcRegMax;

    /// <summary>acdirmin= : the least seconds a directory's attributes and the names in it are trusted (30).</summary>
    public TimeSpan AcDirMin { get; init; } = Defaults.AcDirMin;

    /// <summary>acdirmax= : the most seconds a directory's attributes are trusted (60).</summary>
    public TimeSpan AcDirMax { get; init; } = Defaults.AcDirMax;

    /// <summary>
    /// Whether the client sets up a back channel so the server may grant delegations (NFSv4.1; RFC 8881 §10.4): files
    /// re-opened, stat'ed and read again without round trips while one is held. <c>nodeleg</c> turns them off.
    /// </summary>
    public bool Delegations { get; init; } = true;

    /// <summary>The volume label Explorer shows; null: "NFS".</summary>
    public string? Label { get; init; }

    /// <summary>With a soft mount, how long a server may stay silent before calls fail.</summary>
    public TimeSpan SoftTimeout => Timeout * (Retransmissions + 1);

    /// <summary>
    /// The options as <c>-o</c> would spell them, every key given, in a fixed order: what <c>list</c> shows and
    /// what parsing again gives back.
    /// </summary>
    public string ToOptionString(int defaultPort)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in ToDictionary(defaultPort))
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(value switch
            {
                "true" => key,
                "false" when key == "ro" => "rw",
                "false" when key == "casesensitive" => "caseinsensitive",
                "false" when key == "deleg" => "nodeleg",
                _ => key + "=" + value,
            });
        }

        return text.ToString();
    }

    /// <summary>Each -o key and its value (flags as "true"/"false"), for <c>list --json</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToDictionary(int defaultPort)
    {
        var list = new List<KeyValuePair<string, string>>
        {
            new("vers", ConnectionOptions.FormatVersion(Version)),
            new("sec", "sys"),
            new("port", Number(Port ?? defaultPort)),
            new("rsize", Number(ReadSize)),
            new("wsize", Number(WriteSize)),
            new("timeo", Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
            new("retrans", Number(Retransmissions)),
            new("mtype", MountType == NfsMountType.Hard ? "hard" : "soft"),
            new("ro", ReadOnly ? "true" : "false"),
            new("casesensitive", CaseInsensitive ? "false" : "true"),
            new("referrals", MountOptionParser.FormatReferrals(Referrals)),
            new("deleg", Delegations ? "true" : "false"),
        };
        // The attribute-cache times only when they differ from the defaults, so the usual string stays short.
        AddIfChanged(list, "acregmin", AcRegMin, Defaults.AcRegMin);
        AddIfChanged(list, "acregmax", AcRegMax, Defaults.AcRegMax);
        AddIfChanged(list, "acdirmin", AcDirMin, Defaults.AcDirMin);
        AddIfChanged(list, "acdirmax", AcDirMax, Defaults.AcDirMax);
        if (ReadConnections is { } connections)
        {
            list.Add(new("nconnect", Number(connections)));
        }
        if (Uid is { } uid)
        {
            list.Add(new("uid", Number(uid)));
        }

        if (Gid is { } gid)
        {
            list.Add(new("gid", Number(gid)));
        }

        if (Label is { } label)
        {
            list.Add(new("label", label));
        }

        return list;
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void AddIfChanged(List<KeyValuePair<string, string>> list, string key, TimeSpan value, TimeSpan defaultValue)
    {
        if (value != defaultValue)
        {
            list.Add(new(key, Number((long)value.TotalSeconds)));
        }
    }

    /// <summary>The client's own defaults (Linux's: 3, 60, 30, 60 s).</summary>
    private static NfsClientOptions Defaults { get; } = new();
}
