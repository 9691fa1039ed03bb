using System.Collections.Immutable;
using System.Globalization;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Dokan.Security;

/// <summary>
/// The Unix identity a request is sent under: what an AUTH_SYS credential carries (RFC 5531 Appendix A) —
/// a uid, a primary gid and at most 16 supplementary gids.
/// </summary>
public sealed record NfsIdentity
{
    public NfsIdentity(uint uid, uint gid, params ReadOnlySpan<uint> supplementaryGids)
    {
        if (supplementaryGids.Length > RpcLimits.MaxAuthSysGids)
        {
            throw new ArgumentException(
                $"AUTH_SYS carries at most {RpcLimits.MaxAuthSysGids} supplementary gids, not {supplementaryGids.Length}.", nameof(supplementaryGids));
        }

        Uid = uid;
        Gid = gid;
        SupplementaryGids = [.. supplementaryGids];
    }

    public uint Uid { get; }

    public uint Gid { get; }

    public ImmutableArray<uint> SupplementaryGids { get; }

    public bool Equals(NfsIdentity? other) =>
        other is not null && Uid == other.Uid && Gid == other.Gid && SupplementaryGids.AsSpan().SequenceEqual(other.SupplementaryGids.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Uid, Gid, SupplementaryGids.Length);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"uid={Uid} gid={Gid} gids=[{string.Join(',', SupplementaryGids)}]");
}

/// <summary>What a request from a Windows user with no mapping is sent as.</summary>
public enum UnmappedUserPolicy
{
    /// <summary>As the anonymous identity (<see cref="IdentityMap.AnonymousUid"/>, <see cref="IdentityMap.AnonymousGid"/>).</summary>
    Anonymous,

    /// <summary>Not at all: the request is refused (STATUS_ACCESS_DENIED).</summary>
    Refuse,
}

/// <summary>A Windows user and the identity its requests are sent under.</summary>
public sealed record UserMapping(Sid User, NfsIdentity Identity);

/// <summary>A Windows group and the gid it stands for.</summary>
public sealed record GroupMapping(Sid Group, uint Gid);
