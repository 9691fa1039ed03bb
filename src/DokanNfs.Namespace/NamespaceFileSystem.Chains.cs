using System.Collections.Concurrent;
using System.Net;
using DokanNfs.Core.Client;

namespace DokanNfs.Namespace;

/// <summary>
/// Nested referrals: a referral inside a referred-to file system, or a referral whose target is itself a
/// referral. Each mount remembers the chain of referral points that led to it ("server:path" each); a new
/// point is added to its parent's chain, and a chain longer than <see cref="NamespaceOptions.MaxReferralDepth"/>
/// or one that comes back to a point already in it (A → B → A) stops with "too many levels of referral"
/// naming the chain, as ELOOP does for symbolic links — never a hang.
/// </summary>
public sealed partial class NamespaceFileSystem
{
    /// <summary>The referral chain of each referral mount by drive path; the root (and mirrors of it) have none.</summary>
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _chains = new(StringComparer.Ordinal);

    /// <summary>The chain that led to <paramref name="mount"/>: its own, or that of the nearest referral mount above it (a mirror inherits).</summary>
    private IReadOnlyList<string> ChainOf(Mount mount)
    {
        var parts = NfsPath.Split(mount.DrivePath);
        for (var n = parts.Length; n > 0; n--)
        {
            if (_chains.TryGetValue(NfsPath.Join(parts[..n]), out var chain))
            {
                return chain;
            }
        }

        return [];
    }

    /// <summary><paramref name="chain"/> and one more referral point, or the "too many levels" error.</summary>
    private List<string> ExtendChain(IReadOnlyList<string> chain, string drivePath, EndPoint server, string referralServerPath)
    {
        var point = $"{server}:{NfsPath.Normalize(referralServerPath)}";
        List<string> longer = [.. chain, point];
        if (chain.Contains(point, StringComparer.Ordinal))
        {
            throw TooManyLevels(drivePath, longer, "a loop");
        }

        if (longer.Count > _options.MaxReferralDepth)
        {
            throw TooManyLevels(drivePath, longer, $"more than {_options.MaxReferralDepth}");
        }

        return longer;
    }

    private static NfsReferralException TooManyLevels(string drivePath, IReadOnlyList<string> chain, string why) =>
        new(drivePath, $"too many levels of referral ({why}): {string.Join(" -> ", chain)}");

    /// <summary>
    /// The bound on referral and mirror grafts within one access, a guard against a server that keeps
    /// answering MOVED for a point already mounted: every real graft is one component deeper, so more
    /// grafts than components (plus the referral depth, for chained targets) cannot be progress.
    /// </summary>
    private int MaxHops(string drivePath) => NfsPath.Split(drivePath).Length + _options.MaxReferralDepth + 1;
}
