namespace DokanNfs.TestSupport.Ganesha;

/// <summary>Where a test server listens.</summary>
public enum GaneshaAddressMode
{
    /// <summary>
    /// 127.0.0.1 on a free port. The client under test must be told the port; this is the
    /// cheapest mode and the right one for everything except referrals.
    /// </summary>
    FreePort,

    /// <summary>
    /// Port 2049 on a loopback address of its own (127.0.0.N, N in 10..250). Needed as a
    /// referral target: a referral names only an address, so the client reaches it on 2049.
    /// </summary>
    OwnAddressPort2049,
}

/// <summary>
/// How one NFS-Ganesha test server is configured. The defaults suit ordinary tests: no grace
/// period, a short lease, NFSv4.0/4.1/4.2 and no attribute caching.
/// </summary>
public sealed record GaneshaOptions
{
    /// <summary>Where the server listens; see <see cref="GaneshaAddressMode"/>.</summary>
    public GaneshaAddressMode AddressMode { get; init; } = GaneshaAddressMode.FreePort;

    /// <summary>
    /// Skip the grace period (NFSV4 Graceless = true). On by default so tests that do not
    /// exercise reclaim never meet NFS4ERR_GRACE. Reclaim tests set it to false.
    /// </summary>
    public bool Graceless { get; init; } = true;

    /// <summary>
    /// Grace period in seconds when <see cref="Graceless"/> is false. Ganesha lifts grace only
    /// on a reaper run (every min(10, lease/2) s), so the real wait can be a little longer.
    /// </summary>
    public int GracePeriodSeconds { get; init; } = 5;

    /// <summary>
    /// Lease lifetime in seconds. Short so expiry tests do not wait a minute, but not the
    /// minimum (2): a loaded test machine must not expire a well-behaved client's lease.
    /// Values below 2 break Ganesha's reaper and are rejected.
    /// </summary>
    public int LeaseLifetimeSeconds { get; init; } = 5;

    /// <summary>NFSv4 minor versions the server accepts (Minor_Versions); 0..2.</summary>
    public IReadOnlyList<int> MinorVersions { get; init; } = [0, 1, 2];

    /// <summary>
    /// Turn NFSv4 delegations on: NFSV4 Delegations = true and the export's Delegations = RW. Off by default, as
    /// Ganesha's own default is. Note: Ganesha 4.3's VFS FSAL still grants none (its fsinfo has delegations = 0, and
    /// OPEN answers OPEN_DELEGATE_NONE); the switch matters for FSALs that support them. Delegations are tested against
    /// Linux knfsd instead (KernelNfsServer).
    /// </summary>
    public bool Delegations { get; init; }

    /// <summary>
    /// The export's Attr_Expiration_Time: how long Ganesha trusts the attributes (and directory entries) it has
    /// cached before it reads them from its file system again. 0 for tests, which change the export directory
    /// behind the server's back and must see it at once; Ganesha's own default is 60. The benchmark harness runs
    /// with 60, the server as an administrator gets it (bench/README.md).
    /// </summary>
    public int AttrExpirationSeconds { get; init; }

    /// <summary>Send owners as numbers ("0") instead of "root@localdomain".</summary>
    public bool OnlyNumericOwners { get; init; }

    /// <summary>Ganesha log level without the NIV_ prefix: EVENT, INFO, DEBUG, FULL_DEBUG...</summary>
    public string LogLevel { get; init; } = "EVENT";

    /// <summary>How long a start may take before it counts as failed.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// ganesha.nfsd to run. Null means: $DOKANNFS_GANESHA, else ganesha.nfsd on PATH, else
    /// /usr/bin or /usr/sbin. See <see cref="GaneshaBinary.Locate(string?)"/>.
    /// </summary>
    public string? BinaryPath { get; init; }

    /// <summary>
    /// Last-moment edit of the generated ganesha.conf text (applied on every start). For tests
    /// that need an option the fixture does not model, or a deliberately broken config.
    /// </summary>
    public Func<string, string>? ConfigTransform { get; init; }

    internal void Validate()
    {
        if (LeaseLifetimeSeconds < 2)
        {
            throw new ArgumentOutOfRangeException(
                nameof(LeaseLifetimeSeconds), LeaseLifetimeSeconds,
                "Ganesha's reaper misbehaves with a lease below 2 s (grace never ends, opens fail).");
        }

        if (AttrExpirationSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(AttrExpirationSeconds), AttrExpirationSeconds, "Must be 0 (no attribute caching) or more.");
        }

        if (GracePeriodSeconds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(GracePeriodSeconds), GracePeriodSeconds, "Must be at least 1 s.");
        }

        if (MinorVersions.Count == 0 || MinorVersions.Any(v => v is < 0 or > 2))
        {
            throw new ArgumentOutOfRangeException(nameof(MinorVersions), "Ganesha 4 serves NFSv4 minor versions 0, 1 and 2 only.");
        }

        if (string.IsNullOrWhiteSpace(LogLevel) || !LogLevel.All(c => char.IsAsciiLetterUpper(c) || c == '_'))
        {
            throw new ArgumentException($"Log level '{LogLevel}' must look like EVENT or FULL_DEBUG.", nameof(LogLevel));
        }

        if (ReadyTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReadyTimeout), ReadyTimeout, "Must be positive.");
        }
    }
}
