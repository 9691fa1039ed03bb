namespace DokanNfs.Namespace;

/// <summary>How the trigger layer follows referrals.</summary>
public sealed record NamespaceOptions
{
    /// <summary>The NFS port (RFC 7530 §3.1.1).</summary>
    public const int NfsPort = 2049;

    /// <summary>
    /// The port referral targets are reached on. fs_locations name servers without a port, so it is
    /// 2049; change it only to reach test servers that cannot bind 2049 (or a proxy in front of one).
    /// </summary>
    public int ReferralPort { get; init; } = NfsPort;

    /// <summary>How long one server address of a location may take to answer NULL and the root-path walk.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Names in fs_locations to addresses.</summary>
    public IHostResolver HostResolver { get; init; } = DnsHostResolver.Instance;

    /// <summary>How many referrals one access may cross (a referral whose target is itself a referral, …).</summary>
    public int MaxReferralDepth { get; init; } = 8;
}
