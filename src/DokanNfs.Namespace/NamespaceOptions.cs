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

    /// <summary>
    /// Which servers referrals may lead to; a referral to any other fails with <see cref="NfsReferralException"/>
    /// naming the server and the policy, and the server is not contacted.
    /// </summary>
    public ReferralPolicy ReferralPolicy { get; init; } = ReferralPolicy.FollowAll;

    /// <summary>
    /// A read-only drive: creating, writing, removing, renaming and setting attributes fail with
    /// NFS4ERR_ROFS before anything is sent, on the root and every nested mount alike.
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// A nested mount with no open handle and no access for this long is unmounted by the harvester and
    /// grafted again on the next access. <see cref="Timeout.InfiniteTimeSpan"/> keeps every mount.
    /// </summary>
    public TimeSpan IdleExpiry { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the harvester looks for idle nested mounts.</summary>
    public TimeSpan HarvestInterval { get; init; } = TimeSpan.FromSeconds(30);
}
