using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

/// <summary>
/// Credentials compared by what they say, not by instance: two <see cref="RpcCredential.Sys"/> made for the same
/// uid, gid and groups are one principal. State that belongs to a principal — open-owners and lock-owners (RFC
/// 7530 §9.1.5: one owner's seqid stream carries one principal) and the directory handles a path walk found —
/// is kept apart per principal with it.
/// </summary>
internal sealed class PrincipalComparer : IEqualityComparer<RpcCredential>
{
    public static PrincipalComparer Instance { get; } = new();

    public bool Equals(RpcCredential? x, RpcCredential? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.Flavor == y.Flavor && x.CredentialAndVerifier.SequenceEqual(y.CredentialAndVerifier));

    public int GetHashCode(RpcCredential obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = default(HashCode);
        hash.AddBytes(obj.CredentialAndVerifier);
        return hash.ToHashCode();
    }
}
