using System.Buffers.Binary;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

/// <summary>
/// An open-owner or lock-owner (RFC 7530 §9.1.5) and its seqid. Requests of one owner are serialized by
/// <see cref="Gate"/>: the server checks that each carries the next seqid, so two in flight at once would
/// fail one of them with NFS4ERR_BAD_SEQID. An owner belongs to one principal, and all its requests go out
/// with that principal's <see cref="Credential"/>: a server may check that the requests of one owner come
/// from one principal (RFC 7530 §9.1.5, §16.16.5), and one user's owner must never carry another's requests.
/// </summary>
public sealed class OwnerState : IDisposable
{
    internal OwnerState(StateOwner4 name, bool isLockOwner, RpcCredential credential)
    {
        Name = name;
        IsLockOwner = isLockOwner;
        Credential = credential;
    }

    /// <summary>The client id and opaque name; the client id part changes when recovery gets a new one.</summary>
    public StateOwner4 Name { get; internal set; }

    public bool IsLockOwner { get; }

    /// <summary>The principal whose opens or locks this owner holds; every request of the owner goes out with it.</summary>
    public RpcCredential Credential { get; }

    /// <summary>The seqid the next request of this owner carries.</summary>
    public uint SeqId { get; internal set; }

    /// <summary>An NFSv4.0 open-owner is confirmed by its first OPEN_CONFIRM (RFC 7530 §16.18).</summary>
    public bool Confirmed { get; internal set; }

    /// <summary>Set after NFS4ERR_BAD_SEQID: the server and we disagree on the seqid, so the owner is never used again.</summary>
    public bool Retired { get; internal set; }

    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>
    /// Files this open-owner holds an open on (by filehandle, or by path while the handle is unknown);
    /// an owner is reused only for other files.
    /// </summary>
    internal HashSet<object> OpenFiles { get; } = [];

    public void Dispose() => Gate.Dispose();

    public override string ToString() => Name.ToString();
}

/// <summary>
/// Hands out open-owners. Windows programs open one file through many handles with different share
/// modes, and the server checks share reservations only between different owners (RFC 7530 §9.9), so
/// each open of a file gets an owner that holds no other open of that file. Owners are reused across
/// files, so NFSv4.0's OPEN_CONFIRM round trip is paid once per owner, not once per open — but only by the
/// same principal: two users never share an owner.
/// </summary>
internal sealed class OwnerTable(NfsClient client) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<OwnerState> _openOwners = [];
    private long _nextOwnerNumber;

    /// <summary>
    /// An owner of <paramref name="credential"/>'s principal with no open of <paramref name="file"/>. Only
    /// confirmed owners are shared: a new owner serves one OPEN (and its OPEN_CONFIRM) alone, so no second OPEN
    /// can slip in before it is confirmed.
    /// </summary>
    public OwnerState AcquireOpenOwner(object file, RpcCredential credential)
    {
        lock (_lock)
        {
            var clientId = client.ClientId;
            foreach (var owner in _openOwners)
            {
                if (owner.Confirmed && !owner.Retired && owner.Name.ClientId == clientId
                    && PrincipalComparer.Instance.Equals(owner.Credential, credential) && owner.OpenFiles.Add(file))
                {
                    return owner;
                }
            }

            var created = new OwnerState(new StateOwner4(clientId, NewOwnerName("open")), isLockOwner: false, credential);
            created.OpenFiles.Add(file);
            _openOwners.Add(created);
            return created;
        }
    }

    public void ReleaseOpenOwner(OwnerState owner, object file)
    {
        lock (_lock)
        {
            owner.OpenFiles.Remove(file);
        }
    }

    /// <summary>
    /// Adds the file's handle to an owner's claim on the path it was acquired for; the open releases both.
    /// </summary>
    /// <remarks>
    /// Fix (found by ShareReservationTests.Two_opens_of_one_file_by_one_client_get_distinct_owners_and_conflict_like_two_clients):
    /// this used to move the claim from the path to the handle, but owners are acquired by path (the handle is
    /// not known before the OPEN), so the next open of the same path found no claim and got the same owner;
    /// the server then merged the two opens into one and checked no share reservation between them.
    /// </remarks>
    public void AddHandle(OwnerState owner, NfsFh handle)
    {
        lock (_lock)
        {
            owner.OpenFiles.Add(handle);
        }
    }

    public void Retire(OwnerState owner)
    {
        lock (_lock)
        {
            owner.Retired = true;
            _openOwners.Remove(owner);
        }
    }

    /// <summary>
    /// After a new client id (recovery), every open-owner is new to the server: same opaque name, the new
    /// client id, seqid 0, to be confirmed again. Each owner's gate is taken so no request of it is
    /// half-way through when its seqid is reset.
    /// </summary>
    public async ValueTask MoveToClientIdAsync(ulong clientId)
    {
        OwnerState[] owners;
        lock (_lock)
        {
            owners = [.. _openOwners];
        }

        foreach (var owner in owners)
        {
            await owner.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                owner.Name = owner.Name with { ClientId = clientId };
                owner.SeqId = 0;
                owner.Confirmed = false;
            }
            finally
            {
                owner.Gate.Release();
            }
        }
    }

    /// <summary>
    /// A lock-owner for one open file handle: Windows locks belong to the handle that took them. It carries the
    /// handle's credential (the open-owner's, whose seqid its first LOCK uses).
    /// </summary>
    public OwnerState NewLockOwner(RpcCredential credential) => new(new StateOwner4(client.ClientId, NewOwnerName("lock")), isLockOwner: true, credential);

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var owner in _openOwners)
            {
                owner.Dispose();
            }

            _openOwners.Clear();
        }
    }

    private byte[] NewOwnerName(string kind)
    {
        // Unique within this client id: a kind tag, the process's boot verifier and a counter.
        var name = new byte[4 + 8 + 8];
        System.Text.Encoding.ASCII.GetBytes(kind.AsSpan(0, 4), name);
        BinaryPrimitives.WriteUInt64BigEndian(name.AsSpan(4), client.Identity.BootVerifier);
        BinaryPrimitives.WriteInt64BigEndian(name.AsSpan(12), Interlocked.Increment(ref _nextOwnerNumber));
        return name;
    }
}
