using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>What an OPEN asks for.</summary>
public sealed record OpenRequest
{
    public OpenShareAccess Access { get; init; } = OpenShareAccess.Read;

    public OpenShareDeny Deny { get; init; } = OpenShareDeny.None;

    /// <summary>
    /// Null: the file must exist. UNCHECKED4 creates or opens; GUARDED4 fails with EXIST; EXCLUSIVE4 creates
    /// with a verifier, so a re-sent create succeeds instead of failing, and sets the attributes after. A GUARDED4
    /// create by a new open-owner goes out as EXCLUSIVE4 (see <see cref="NfsClient.OpenAsync"/>).
    /// </summary>
    public CreateMode4? Create { get; init; }

    /// <summary>Attributes of a new file (mode, owner, …); with UNCHECKED4, only size applies to an existing one.</summary>
    public SetAttributes? CreateAttributes { get; init; }

    /// <summary>The EXCLUSIVE4 verifier; a random one when not given. Re-sending with the same one is safe.</summary>
    public Verifier4? ExclusiveVerifier { get; init; }

    /// <summary>Truncate an existing file to zero bytes once it is open.</summary>
    public bool Truncate { get; init; }

    public static OpenRequest ForRead { get; } = new();

    public static OpenRequest ForReadWrite { get; } = new() { Access = OpenShareAccess.Both };
}
