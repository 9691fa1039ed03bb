namespace DokanNfs.Core.Nfs4;

/// <summary>
/// The values of an fattr4 (RFC 7530 §2.2.8, §5): every NFSv4.0 attribute with a bounded encoding, plus the
/// NFSv4.1 suppattr_exclcreat (RFC 8881 §5.8.1.14). A property is null when the attribute was not returned.
/// <para>
/// Storage is compact on purpose (one of these is made per directory entry): values live in plain fields,
/// booleans in one bit set, and a presence bit set says which are meaningful, so a value type costs its own
/// size and not that of a <see cref="Nullable{T}"/>. <see cref="Returned"/> is that presence set.
/// </para>
/// </summary>
public sealed partial class NfsAttributes
{
    // Presence: bit n of _present (n < 64) or bit n - 64 of _present2 is set when attribute n has a value.
    private ulong _present;
    private uint _present2;

    // The boolean attributes, all numbered below 64: bit n holds attribute n's value.
    private ulong _flags;

    private Bitmap4 _supportedAttrs;
    private Bitmap4 _suppAttrExclCreat;
    private NfsFtype4 _type;
    private NfsStat4 _rdattrError;
    private uint _fhExpireType;
    private uint _leaseTime;
    private uint _aclSupport;
    private uint _maxLink;
    private uint _maxName;
    private uint _mode;
    private uint _numLinks;
    private SpecData4 _rawDev;
    private Fsid4 _fsid;
    private ulong _change;
    private ulong _size;
    private ulong _fileId;
    private ulong _filesAvail;
    private ulong _filesFree;
    private ulong _filesTotal;
    private ulong _maxFileSize;
    private ulong _maxRead;
    private ulong _maxWrite;
    private ulong _quotaAvailHard;
    private ulong _quotaAvailSoft;
    private ulong _quotaUsed;
    private ulong _spaceAvail;
    private ulong _spaceFree;
    private ulong _spaceTotal;
    private ulong _spaceUsed;
    private ulong _mountedOnFileId;
    private NfsTime4 _timeAccess;
    private NfsTime4 _timeBackup;
    private NfsTime4 _timeCreate;
    private NfsTime4 _timeDelta;
    private NfsTime4 _timeMetadata;
    private NfsTime4 _timeModify;
    private NfsAce4[]? _acl;
    private NfsFh? _fileHandle;
    private FsLocations4? _fsLocations;
    private string? _mimeType;
    private string? _owner;
    private string? _ownerGroup;

    /// <summary>The attributes that have a value: for a decoded fattr4, those actually decoded.</summary>
    public Bitmap4 Returned => new((uint)_present, (uint)(_present >> 32), _present2);

    // REQUIRED attributes (RFC 7530 §5.6, §5.8.1).

    /// <summary>supported_attrs (attribute 0, RFC 7530 §5.8.1.1).</summary>
    public Bitmap4? SupportedAttrs { get => Has(FAttr4.SupportedAttrs) ? _supportedAttrs : null; init => _supportedAttrs = Store(FAttr4.SupportedAttrs, value); }

    /// <summary>type (attribute 1, RFC 7530 §5.8.1.2).</summary>
    public NfsFtype4? Type { get => Has(FAttr4.Type) ? _type : null; init => _type = Store(FAttr4.Type, value); }

    /// <summary>fh_expire_type (attribute 2, RFC 7530 §5.8.1.3): FH4_* bits, as in the FhExpireType class.</summary>
    public uint? FhExpireType { get => Has(FAttr4.FhExpireType) ? _fhExpireType : null; init => _fhExpireType = Store(FAttr4.FhExpireType, value); }

    /// <summary>change (attribute 3, RFC 7530 §5.8.1.4).</summary>
    public ulong? Change { get => Has(FAttr4.Change) ? _change : null; init => _change = Store(FAttr4.Change, value); }

    /// <summary>size (attribute 4, RFC 7530 §5.8.1.5).</summary>
    public ulong? Size { get => Has(FAttr4.Size) ? _size : null; init => _size = Store(FAttr4.Size, value); }

    /// <summary>link_support (attribute 5, RFC 7530 §5.8.1.6).</summary>
    public bool? LinkSupport { get => Flag(FAttr4.LinkSupport); init => StoreFlag(FAttr4.LinkSupport, value); }

    /// <summary>symlink_support (attribute 6, RFC 7530 §5.8.1.7).</summary>
    public bool? SymlinkSupport { get => Flag(FAttr4.SymlinkSupport); init => StoreFlag(FAttr4.SymlinkSupport, value); }

    /// <summary>named_attr (attribute 7, RFC 7530 §5.8.1.8).</summary>
    public bool? NamedAttr { get => Flag(FAttr4.NamedAttr); init => StoreFlag(FAttr4.NamedAttr, value); }

    /// <summary>fsid (attribute 8, RFC 7530 §5.8.1.9).</summary>
    public Fsid4? Fsid { get => Has(FAttr4.FsId) ? _fsid : null; init => _fsid = Store(FAttr4.FsId, value); }

    /// <summary>unique_handles (attribute 9, RFC 7530 §5.8.1.10).</summary>
    public bool? UniqueHandles { get => Flag(FAttr4.UniqueHandles); init => StoreFlag(FAttr4.UniqueHandles, value); }

    /// <summary>lease_time in seconds (attribute 10, RFC 7530 §5.8.1.11).</summary>
    public uint? LeaseTime { get => Has(FAttr4.LeaseTime) ? _leaseTime : null; init => _leaseTime = Store(FAttr4.LeaseTime, value); }

    /// <summary>rdattr_error (attribute 11, RFC 7530 §5.8.1.12): why READDIR could not get an entry's attributes.</summary>
    public NfsStat4? RdattrError { get => Has(FAttr4.RdAttrError) ? _rdattrError : null; init => _rdattrError = Store(FAttr4.RdAttrError, value); }

    /// <summary>filehandle (attribute 19, RFC 7530 §5.8.1.13).</summary>
    public NfsFh? FileHandle { get => _fileHandle; init => _fileHandle = StoreRef(FAttr4.FileHandle, value); }

    // RECOMMENDED attributes (RFC 7530 §5.7, §5.8.2, §6.2).

    /// <summary>acl (attribute 12, RFC 7530 §6.2.1).</summary>
    public IReadOnlyList<NfsAce4>? Acl { get => _acl; init => _acl = StoreRef<NfsAce4[]>(FAttr4.Acl, value is null ? null : [.. value]); }

    /// <summary>aclsupport (attribute 13, RFC 7530 §6.2.1.2): ACL4_SUPPORT_* bits.</summary>
    public uint? AclSupport { get => Has(FAttr4.AclSupport) ? _aclSupport : null; init => _aclSupport = Store(FAttr4.AclSupport, value); }

    /// <summary>archive (attribute 14, RFC 7530 §5.8.2.1).</summary>
    public bool? Archive { get => Flag(FAttr4.Archive); init => StoreFlag(FAttr4.Archive, value); }

    /// <summary>cansettime (attribute 15, RFC 7530 §5.8.2.2).</summary>
    public bool? CanSetTime { get => Flag(FAttr4.CanSetTime); init => StoreFlag(FAttr4.CanSetTime, value); }

    /// <summary>case_insensitive (attribute 16, RFC 7530 §5.8.2.3).</summary>
    public bool? CaseInsensitive { get => Flag(FAttr4.CaseInsensitive); init => StoreFlag(FAttr4.CaseInsensitive, value); }

    /// <summary>case_preserving (attribute 17, RFC 7530 §5.8.2.4).</summary>
    public bool? CasePreserving { get => Flag(FAttr4.CasePreserving); init => StoreFlag(FAttr4.CasePreserving, value); }

    /// <summary>chown_restricted (attribute 18, RFC 7530 §5.8.2.5).</summary>
    public bool? ChownRestricted { get => Flag(FAttr4.ChownRestricted); init => StoreFlag(FAttr4.ChownRestricted, value); }

    /// <summary>fileid (attribute 20, RFC 7530 §5.8.2.6).</summary>
    public ulong? FileId { get => Has(FAttr4.FileId) ? _fileId : null; init => _fileId = Store(FAttr4.FileId, value); }

    /// <summary>files_avail (attribute 21, RFC 7530 §5.8.2.7).</summary>
    public ulong? FilesAvail { get => Has(FAttr4.FilesAvail) ? _filesAvail : null; init => _filesAvail = Store(FAttr4.FilesAvail, value); }

    /// <summary>files_free (attribute 22, RFC 7530 §5.8.2.8).</summary>
    public ulong? FilesFree { get => Has(FAttr4.FilesFree) ? _filesFree : null; init => _filesFree = Store(FAttr4.FilesFree, value); }

    /// <summary>files_total (attribute 23, RFC 7530 §5.8.2.9).</summary>
    public ulong? FilesTotal { get => Has(FAttr4.FilesTotal) ? _filesTotal : null; init => _filesTotal = Store(FAttr4.FilesTotal, value); }

    /// <summary>fs_locations (attribute 24, RFC 7530 §5.8.2.10, §8.8).</summary>
    public FsLocations4? FsLocations { get => _fsLocations; init => _fsLocations = StoreRef(FAttr4.FsLocations, value); }

    /// <summary>hidden (attribute 25, RFC 7530 §5.8.2.11).</summary>
    public bool? Hidden { get => Flag(FAttr4.Hidden); init => StoreFlag(FAttr4.Hidden, value); }

    /// <summary>homogeneous (attribute 26, RFC 7530 §5.8.2.12).</summary>
    public bool? Homogeneous { get => Flag(FAttr4.Homogeneous); init => StoreFlag(FAttr4.Homogeneous, value); }

    /// <summary>maxfilesize (attribute 27, RFC 7530 §5.8.2.13).</summary>
    public ulong? MaxFileSize { get => Has(FAttr4.MaxFileSize) ? _maxFileSize : null; init => _maxFileSize = Store(FAttr4.MaxFileSize, value); }

    /// <summary>maxlink (attribute 28, RFC 7530 §5.8.2.14).</summary>
    public uint? MaxLink { get => Has(FAttr4.MaxLink) ? _maxLink : null; init => _maxLink = Store(FAttr4.MaxLink, value); }

    /// <summary>maxname (attribute 29, RFC 7530 §5.8.2.15).</summary>
    public uint? MaxName { get => Has(FAttr4.MaxName) ? _maxName : null; init => _maxName = Store(FAttr4.MaxName, value); }

    /// <summary>maxread (attribute 30, RFC 7530 §5.8.2.16).</summary>
    public ulong? MaxRead { get => Has(FAttr4.MaxRead) ? _maxRead : null; init => _maxRead = Store(FAttr4.MaxRead, value); }

    /// <summary>maxwrite (attribute 31, RFC 7530 §5.8.2.17).</summary>
    public ulong? MaxWrite { get => Has(FAttr4.MaxWrite) ? _maxWrite : null; init => _maxWrite = Store(FAttr4.MaxWrite, value); }

    /// <summary>mimetype (attribute 32, RFC 7530 §5.8.2.18).</summary>
    public string? MimeType { get => _mimeType; init => _mimeType = StoreRef(FAttr4.MimeType, value); }

    /// <summary>mode (attribute 33, RFC 7530 §6.2.2): MODE4_* bits.</summary>
    public uint? Mode { get => Has(FAttr4.Mode) ? _mode : null; init => _mode = Store(FAttr4.Mode, value); }

    /// <summary>no_trunc (attribute 34, RFC 7530 §5.8.2.20).</summary>
    public bool? NoTrunc { get => Flag(FAttr4.NoTrunc); init => StoreFlag(FAttr4.NoTrunc, value); }

    /// <summary>numlinks (attribute 35, RFC 7530 §5.8.2.21).</summary>
    public uint? NumLinks { get => Has(FAttr4.NumLinks) ? _numLinks : null; init => _numLinks = Store(FAttr4.NumLinks, value); }

    /// <summary>owner (attribute 36, RFC 7530 §5.8.2.22, §5.9): "user@domain" or a numeric id.</summary>
    public string? Owner { get => _owner; init => _owner = StoreRef(FAttr4.Owner, value); }

    /// <summary>owner_group (attribute 37, RFC 7530 §5.8.2.23, §5.9).</summary>
    public string? OwnerGroup { get => _ownerGroup; init => _ownerGroup = StoreRef(FAttr4.OwnerGroup, value); }

    /// <summary>quota_avail_hard (attribute 38, RFC 7530 §5.8.2.24).</summary>
    public ulong? QuotaAvailHard { get => Has(FAttr4.QuotaAvailHard) ? _quotaAvailHard : null; init => _quotaAvailHard = Store(FAttr4.QuotaAvailHard, value); }

    /// <summary>quota_avail_soft (attribute 39, RFC 7530 §5.8.2.25).</summary>
    public ulong? QuotaAvailSoft { get => Has(FAttr4.QuotaAvailSoft) ? _quotaAvailSoft : null; init => _quotaAvailSoft = Store(FAttr4.QuotaAvailSoft, value); }

    /// <summary>quota_used (attribute 40, RFC 7530 §5.8.2.26).</summary>
    public ulong? QuotaUsed { get => Has(FAttr4.QuotaUsed) ? _quotaUsed : null; init => _quotaUsed = Store(FAttr4.QuotaUsed, value); }

    /// <summary>rawdev (attribute 41, RFC 7530 §5.8.2.27).</summary>
    public SpecData4? RawDev { get => Has(FAttr4.RawDev) ? _rawDev : null; init => _rawDev = Store(FAttr4.RawDev, value); }

    /// <summary>space_avail (attribute 42, RFC 7530 §5.8.2.28).</summary>
    public ulong? SpaceAvail { get => Has(FAttr4.SpaceAvail) ? _spaceAvail : null; init => _spaceAvail = Store(FAttr4.SpaceAvail, value); }

    /// <summary>space_free (attribute 43, RFC 7530 §5.8.2.29).</summary>
    public ulong? SpaceFree { get => Has(FAttr4.SpaceFree) ? _spaceFree : null; init => _spaceFree = Store(FAttr4.SpaceFree, value); }

    /// <summary>space_total (attribute 44, RFC 7530 §5.8.2.30).</summary>
    public ulong? SpaceTotal { get => Has(FAttr4.SpaceTotal) ? _spaceTotal : null; init => _spaceTotal = Store(FAttr4.SpaceTotal, value); }

    /// <summary>space_used (attribute 45, RFC 7530 §5.8.2.31).</summary>
    public ulong? SpaceUsed { get => Has(FAttr4.SpaceUsed) ? _spaceUsed : null; init => _spaceUsed = Store(FAttr4.SpaceUsed, value); }

    /// <summary>system (attribute 46, RFC 7530 §5.8.2.32).</summary>
    public bool? System { get => Flag(FAttr4.System); init => StoreFlag(FAttr4.System, value); }

    /// <summary>time_access (attribute 47, RFC 7530 §5.8.2.33).</summary>
    public NfsTime4? TimeAccess { get => Has(FAttr4.TimeAccess) ? _timeAccess : null; init => _timeAccess = Store(FAttr4.TimeAccess, value); }

    /// <summary>time_backup (attribute 49, RFC 7530 §5.8.2.35).</summary>
    public NfsTime4? TimeBackup { get => Has(FAttr4.TimeBackup) ? _timeBackup : null; init => _timeBackup = Store(FAttr4.TimeBackup, value); }

    /// <summary>time_create (attribute 50, RFC 7530 §5.8.2.36).</summary>
    public NfsTime4? TimeCreate { get => Has(FAttr4.TimeCreate) ? _timeCreate : null; init => _timeCreate = Store(FAttr4.TimeCreate, value); }

    /// <summary>time_delta (attribute 51, RFC 7530 §5.8.2.37): the server's timestamp granularity.</summary>
    public NfsTime4? TimeDelta { get => Has(FAttr4.TimeDelta) ? _timeDelta : null; init => _timeDelta = Store(FAttr4.TimeDelta, value); }

    /// <summary>time_metadata (attribute 52, RFC 7530 §5.8.2.38).</summary>
    public NfsTime4? TimeMetadata { get => Has(FAttr4.TimeMetadata) ? _timeMetadata : null; init => _timeMetadata = Store(FAttr4.TimeMetadata, value); }

    /// <summary>time_modify (attribute 53, RFC 7530 §5.8.2.39).</summary>
    public NfsTime4? TimeModify { get => Has(FAttr4.TimeModify) ? _timeModify : null; init => _timeModify = Store(FAttr4.TimeModify, value); }

    /// <summary>mounted_on_fileid (attribute 55, RFC 7530 §5.8.2.19): the fileid of the directory a mount point covers.</summary>
    public ulong? MountedOnFileId { get => Has(FAttr4.MountedOnFileId) ? _mountedOnFileId : null; init => _mountedOnFileId = Store(FAttr4.MountedOnFileId, value); }

    // NFSv4.1 (RFC 8881 §5.8.1.14).

    /// <summary>suppattr_exclcreat (attribute 75): what EXCLUSIVE4_1 creation can set.</summary>
    public Bitmap4? SuppAttrExclCreat { get => Has(FAttr4.SuppAttrExclCreat) ? _suppAttrExclCreat : null; init => _suppAttrExclCreat = Store(FAttr4.SuppAttrExclCreat, value); }

    private bool Has(int attribute) => attribute < 64
        ? (_present & (1UL << attribute)) != 0
        : (_present2 & (1u << (attribute - 64))) != 0;

    private void Mark(int attribute, bool present)
    {
        if (attribute < 64)
        {
            _present = present ? _present | (1UL << attribute) : _present & ~(1UL << attribute);
        }
        else
        {
            _present2 = present ? _present2 | (1u << (attribute - 64)) : _present2 & ~(1u << (attribute - 64));
        }
    }

    private T Store<T>(int attribute, T? value)
        where T : struct
    {
        Mark(attribute, value.HasValue);
        return value.GetValueOrDefault();
    }

    private T? StoreRef<T>(int attribute, T? value)
        where T : class
    {
        Mark(attribute, value is not null);
        return value;
    }

    private bool? Flag(int attribute) => Has(attribute) ? (_flags & (1UL << attribute)) != 0 : null;

    private void StoreFlag(int attribute, bool? value)
    {
        Mark(attribute, value.HasValue);
        SetFlag(attribute, value.GetValueOrDefault());
    }

    private void SetFlag(int attribute, bool value) =>
        _flags = value ? _flags | (1UL << attribute) : _flags & ~(1UL << attribute);
}
