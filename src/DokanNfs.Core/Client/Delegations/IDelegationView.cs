using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Delegations;

/// <summary>Why a delegation stopped being held.</summary>
public enum DelegationEndReason
{
    /// <summary>The server recalled it (CB_RECALL) and we gave it back.</summary>
    Recalled,

    /// <summary>We gave it back on our own (the client is closing).</summary>
    Returned,

    /// <summary>It is gone without a return: the server restarted or revoked it.</summary>
    Dropped,
}

/// <summary>A delegation ended; whatever was trusted because of it must be checked with the server again.</summary>
public sealed class DelegationEndedEventArgs(NfsFh fileHandle, OpenDelegationType4 type, DelegationEndReason reason) : EventArgs
{
    public NfsFh FileHandle { get; } = fileHandle;

    public OpenDelegationType4 Type { get; } = type;

    public DelegationEndReason Reason { get; } = reason;
}

/// <summary>
/// What the client's caches need to know of its delegations (RFC 8881 §10.4): while a read delegation is held on a
/// file, no other client can change it, so attributes and data cached for it are authoritative and need no
/// revalidation; under a write delegation no other client can even read it. The moment the server recalls one (or it
/// is lost) <see cref="Ended"/> fires before the return is sent, and the cache goes back to revalidating.
/// </summary>
public interface IDelegationView
{
    /// <summary>The delegation held on <paramref name="fileHandle"/>, if one is held and not being returned.</summary>
    bool TryGetDelegation(NfsFh fileHandle, out OpenDelegationType4 type);

    /// <summary>
    /// The file at <paramref name="path"/> and its attributes as the OPEN that got a read delegation returned them
    /// (<c>AttributeRequests.Stat</c>): valid without asking the server while the delegation is held, as no other client
    /// can change the file (RFC 8881 §10.4; its access time aside). False for a write delegation, whose file our own
    /// writes change, and once the return has begun. The hook for a stat served with no round trip.
    /// </summary>
    bool TryGetDelegatedAttributes(string path, out NfsNode node);

    /// <summary>How many delegations are held now.</summary>
    int Count { get; }

    /// <summary>Raised once per delegation when it is recalled, returned or dropped.</summary>
    event EventHandler<DelegationEndedEventArgs>? Ended;
}
