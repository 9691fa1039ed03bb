using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using DokanNfs.Core.Client;

namespace DokanNfs.Dokan.Security;

/// <summary>
/// The mapping between Windows accounts and NFS identities, immutable: which uid/gids a Windows user's
/// requests are sent under (AUTH_SYS trusts them as they are), and which SIDs a file's owner and group are
/// shown as. Ids nobody mapped are shown as Samba's S-1-22-1-uid / S-1-22-2-gid, and those SIDs map back.
/// Lookups are frozen dictionaries: nothing is allocated per request.
/// </summary>
public sealed partial record IdentityMap
{
    /// <summary>"nobody"/"nogroup" on most Unix systems, and Ganesha's default anonymous id.</summary>
    public const uint DefaultAnonymousId = 65534;

    private ImmutableArray<UserMapping> _users = [];
    private ImmutableArray<GroupMapping> _groups = [];
    private FrozenDictionary<Sid, NfsIdentity> _identityByUser = FrozenDictionary<Sid, NfsIdentity>.Empty;
    private FrozenDictionary<uint, Sid> _userByUid = FrozenDictionary<uint, Sid>.Empty;
    private FrozenDictionary<Sid, uint> _gidByGroup = FrozenDictionary<Sid, uint>.Empty;
    private FrozenDictionary<uint, Sid> _groupByGid = FrozenDictionary<uint, Sid>.Empty;
    private uint _anonymousUid = DefaultAnonymousId;
    private uint _anonymousGid = DefaultAnonymousId;
    private NfsIdentity _anonymous = new(DefaultAnonymousId, DefaultAnonymousId);

    /// <summary>No mappings; unmapped users are sent as 65534:65534.</summary>
    public static IdentityMap Empty { get; } = new();

    /// <summary>
    /// Windows users and their identities, in order: when several users have one uid, the first is the SID
    /// shown as owner of that uid's files. A SID listed twice is an <see cref="ArgumentException"/>.
    /// </summary>
    public ImmutableArray<UserMapping> Users
    {
        get => _users;
        init
        {
            _users = value.IsDefault ? [] : value;
            var byUser = new Dictionary<Sid, NfsIdentity>();
            var byUid = new Dictionary<uint, Sid>();
            foreach (var mapping in _users)
            {
                ArgumentNullException.ThrowIfNull(mapping, nameof(value));
                if (!byUser.TryAdd(mapping.User, mapping.Identity))
                {
                    throw new ArgumentException($"The user {mapping.User} is mapped twice.", nameof(value));
                }

                byUid.TryAdd(mapping.Identity.Uid, mapping.User);
            }

            _identityByUser = byUser.ToFrozenDictionary();
            _userByUid = byUid.ToFrozenDictionary();
        }
    }

    /// <summary>Windows groups and their gids, in order: the first group of a gid is the SID shown for it.</summary>
    public ImmutableArray<GroupMapping> Groups
    {
        get => _groups;
        init
        {
            _groups = value.IsDefault ? [] : value;
            var byGroup = new Dictionary<Sid, uint>();
            var byGid = new Dictionary<uint, Sid>();
            foreach (var mapping in _groups)
            {
                ArgumentNullException.ThrowIfNull(mapping, nameof(value));
                if (!byGroup.TryAdd(mapping.Group, mapping.Gid))
                {
                    throw new ArgumentException($"The group {mapping.Group} is mapped twice.", nameof(value));
                }

                byGid.TryAdd(mapping.Gid, mapping.Group);
            }

            _gidByGroup = byGroup.ToFrozenDictionary();
            _groupByGid = byGid.ToFrozenDictionary();
        }
    }

    public uint AnonymousUid
    {
        get => _anonymousUid;
        init
        {
            _anonymousUid = value;
            _anonymous = new NfsIdentity(_anonymousUid, _anonymousGid);
        }
    }

    public uint AnonymousGid
    {
        get => _anonymousGid;
        init
        {
            _anonymousGid = value;
            _anonymous = new NfsIdentity(_anonymousUid, _anonymousGid);
        }
    }

    public UnmappedUserPolicy UnmappedUserPolicy { get; init; } = UnmappedUserPolicy.Anonymous;

    /// <summary>The identity unmapped users are sent under with <see cref="UnmappedUserPolicy.Anonymous"/>: no supplementary gids.</summary>
    public NfsIdentity AnonymousIdentity => _anonymous;

    /// <summary>
    /// The identity a request from <paramref name="user"/> (the requester's token user) is sent under; false
    /// when the user is unmapped and the policy is <see cref="UnmappedUserPolicy.Refuse"/>.
    /// </summary>
    public bool TryMapRequester(Sid user, [MaybeNullWhen(false)] out NfsIdentity identity)
    {
        if (_identityByUser.TryGetValue(user, out identity))
        {
            return true;
        }

        if (UnmappedUserPolicy == UnmappedUserPolicy.Anonymous)
        {
            identity = _anonymous;
            return true;
        }

        identity = null;
        return false;
    }

    /// <summary>The SID shown as owner of a file owned by <paramref name="uid"/>: a mapped user's, else S-1-22-1-uid.</summary>
    public Sid OwnerSid(uint uid) => _userByUid.TryGetValue(uid, out var sid) ? sid : Sid.UnixUser(uid);

    /// <summary>The SID shown as group of a file whose group is <paramref name="gid"/>: a mapped group's, else S-1-22-2-gid.</summary>
    public Sid GroupSid(uint gid) => _groupByGid.TryGetValue(gid, out var sid) ? sid : Sid.UnixGroup(gid);

    /// <summary>The owner SID for an NFS owner string ("1000", "alice@domain"), through the client's id cache.</summary>
    public Sid OwnerSid(string nfsOwner, IdMapper ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return OwnerSid(ids.UidOf(nfsOwner));
    }

    /// <summary>The group SID for an NFS owner_group string, through the client's id cache.</summary>
    public Sid GroupSid(string nfsOwnerGroup, IdMapper ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return GroupSid(ids.GidOf(nfsOwnerGroup));
    }

    /// <summary>The uid a SID stands for: a mapped user's, or the uid of S-1-22-1-uid.</summary>
    public bool TryGetUid(Sid sid, out uint uid)
    {
        if (_identityByUser.TryGetValue(sid, out var identity))
        {
            uid = identity.Uid;
            return true;
        }

        return sid.TryGetUnixUid(out uid);
    }

    /// <summary>The gid a SID stands for: a mapped group's, or the gid of S-1-22-2-gid.</summary>
    public bool TryGetGid(Sid sid, out uint gid) => _gidByGroup.TryGetValue(sid, out gid) || sid.TryGetUnixGid(out gid);

    /// <summary>The NFS owner string to set for a new owner SID (SetFileSecurity); false when the SID maps to no uid.</summary>
    public bool TryGetOwnerString(Sid sid, IdMapper ids, [MaybeNullWhen(false)] out string nfsOwner)
    {
        ArgumentNullException.ThrowIfNull(ids);
        nfsOwner = TryGetUid(sid, out var uid) ? ids.OwnerOf(uid) : null;
        return nfsOwner is not null;
    }

    /// <summary>The NFS owner_group string to set for a new group SID; false when the SID maps to no gid.</summary>
    public bool TryGetGroupString(Sid sid, IdMapper ids, [MaybeNullWhen(false)] out string nfsOwnerGroup)
    {
        ArgumentNullException.ThrowIfNull(ids);
        nfsOwnerGroup = TryGetGid(sid, out var gid) ? ids.GroupOf(gid) : null;
        return nfsOwnerGroup is not null;
    }

    public bool Equals(IdentityMap? other) =>
        other is not null
        && _anonymousUid == other._anonymousUid
        && _anonymousGid == other._anonymousGid
        && UnmappedUserPolicy == other.UnmappedUserPolicy
        && _users.SequenceEqual(other._users)
        && _groups.SequenceEqual(other._groups);

    public override string ToString() =>
        $"IdentityMap {{ {_users.Length} users, {_groups.Length} groups, anonymous {_anonymousUid}:{_anonymousGid}, unmapped users: {UnmappedUserPolicy} }}";

    public override int GetHashCode() => HashCode.Combine(_anonymousUid, _anonymousGid, UnmappedUserPolicy, _users.Length, _groups.Length);
}
