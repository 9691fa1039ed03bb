using System.Net;

namespace DokanNfs.Namespace;

/// <summary>
/// Which servers a referral may send the drive to (the seed's inherited mount properties): a hostile or
/// compromised server must not redirect the client anywhere it likes. Checked before a name is resolved,
/// so a refused server is never contacted.
/// </summary>
public abstract record ReferralPolicy
{
    private ReferralPolicy()
    {
    }

    /// <summary>Every server a referral names (the default, as the Linux client does).</summary>
    public static ReferralPolicy FollowAll { get; } = new FollowAllPolicy();

    /// <summary>No referral is followed: trigger points stay unmounted and accessing them fails.</summary>
    public static ReferralPolicy None { get; } = new NonePolicy();

    /// <summary>Only servers named here: host names (case-insensitive, as fs_locations spells them) or addresses.</summary>
    public static ReferralPolicy AllowList(params IEnumerable<string> servers) => new AllowListPolicy([.. servers]);

    /// <summary>Whether the server named <paramref name="server"/> in fs_locations may be followed at all.</summary>
    public abstract bool AllowsName(string server);

    /// <summary>Whether <paramref name="address"/>, one of a named server's addresses, may be followed.</summary>
    public abstract bool AllowsAddress(string server, IPAddress address);

    private sealed record FollowAllPolicy : ReferralPolicy
    {
        public override bool AllowsName(string server) => true;

        public override bool AllowsAddress(string server, IPAddress address) => true;

        public override string ToString() => "FollowAll";
    }

    private sealed record NonePolicy : ReferralPolicy
    {
        public override bool AllowsName(string server) => false;

        public override bool AllowsAddress(string server, IPAddress address) => false;

        public override string ToString() => "None";
    }

    private sealed record AllowListPolicy(IReadOnlyList<string> Servers) : ReferralPolicy
    {
        // A name not on the list may still resolve to a listed address: then only those addresses are tried.
        public override bool AllowsName(string server) => true;

        public override bool AllowsAddress(string server, IPAddress address) =>
            Servers.Any(s => string.Equals(s, server, StringComparison.OrdinalIgnoreCase) ||
                (IPAddress.TryParse(s, out var listed) && listed.Equals(address)));

        public override string ToString() => $"AllowList({string.Join(", ", Servers)})";
    }
}
