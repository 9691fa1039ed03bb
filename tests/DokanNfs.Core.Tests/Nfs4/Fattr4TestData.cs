using System.Reflection;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Nfs4;

/// <summary>
/// Test-only fattr4 writer for every attribute <see cref="NfsAttributes"/> models, including the read-only
/// ones a client never sends, plus sample values and a deep comparison.
/// </summary>
internal static class Fattr4TestData
{
    /// <summary>The property of <see cref="NfsAttributes"/> that holds each attribute.</summary>
    public static readonly IReadOnlyDictionary<int, string> PropertyOf = new Dictionary<int, string>
    {
        [FAttr4.SupportedAttrs] = nameof(NfsAttributes.SupportedAttrs),
        [FAttr4.Type] = nameof(NfsAttributes.Type),
        [FAttr4.FhExpireType] = nameof(NfsAttributes.FhExpireType),
        [FAttr4.Change] = nameof(NfsAttributes.Change),
        [FAttr4.Size] = nameof(NfsAttributes.Size),
        [FAttr4.LinkSupport] = nameof(NfsAttributes.LinkSupport),
        [FAttr4.SymlinkSupport] = nameof(NfsAttributes.SymlinkSupport),
        [FAttr4.NamedAttr] = nameof(NfsAttributes.NamedAttr),
        [FAttr4.FsId] = nameof(NfsAttributes.Fsid),
        [FAttr4.UniqueHandles] = nameof(NfsAttributes.UniqueHandles),
        [FAttr4.LeaseTime] = nameof(NfsAttributes.LeaseTime),
        [FAttr4.RdAttrError] = nameof(NfsAttributes.RdattrError),
        [FAttr4.Acl] = nameof(NfsAttributes.Acl),
        [FAttr4.AclSupport] = nameof(NfsAttributes.AclSupport),
        [FAttr4.Archive] = nameof(NfsAttributes.Archive),
        [FAttr4.CanSetTime] = nameof(NfsAttributes.CanSetTime),
        [FAttr4.CaseInsensitive] = nameof(NfsAttributes.CaseInsensitive),
        [FAttr4.CasePreserving] = nameof(NfsAttributes.CasePreserving),
        [FAttr4.ChownRestricted] = nameof(NfsAttributes.ChownRestricted),
        [FAttr4.FileHandle] = nameof(NfsAttributes.FileHandle),
        [FAttr4.FileId] = nameof(NfsAttributes.FileId),
        [FAttr4.FilesAvail] = nameof(NfsAttributes.FilesAvail),
        [FAttr4.FilesFree] = nameof(NfsAttributes.FilesFree),
        [FAttr4.FilesTotal] = nameof(NfsAttributes.FilesTotal),
        [FAttr4.FsLocations] = nameof(NfsAttributes.FsLocations),
        [FAttr4.Hidden] = nameof(NfsAttributes.Hidden),
        [FAttr4.Homogeneous] = nameof(NfsAttributes.Homogeneous),
        [FAttr4.MaxFileSize] = nameof(NfsAttributes.MaxFileSize),
        [FAttr4.MaxLink] = nameof(NfsAttributes.MaxLink),
        [FAttr4.MaxName] = nameof(NfsAttributes.MaxName),
        [FAttr4.MaxRead] = nameof(NfsAttributes.MaxRead),
        [FAttr4.MaxWrite] = nameof(NfsAttributes.MaxWrite),
        [FAttr4.MimeType] = nameof(NfsAttributes.MimeType),
        [FAttr4.Mode] = nameof(NfsAttributes.Mode),
        [FAttr4.NoTrunc] = nameof(NfsAttributes.NoTrunc),
        [FAttr4.NumLinks] = nameof(NfsAttributes.NumLinks),
        [FAttr4.Owner] = nameof(NfsAttributes.Owner),
        [FAttr4.OwnerGroup] = nameof(NfsAttributes.OwnerGroup),
        [FAttr4.QuotaAvailHard] = nameof(NfsAttributes.QuotaAvailHard),
        [FAttr4.QuotaAvailSoft] = nameof(NfsAttributes.QuotaAvailSoft),
        [FAttr4.QuotaUsed] = nameof(NfsAttributes.QuotaUsed),
        [FAttr4.RawDev] = nameof(NfsAttributes.RawDev),
        [FAttr4.SpaceAvail] = nameof(NfsAttributes.SpaceAvail),
        [FAttr4.SpaceFree] = nameof(NfsAttributes.SpaceFree),
        [FAttr4.SpaceTotal] = nameof(NfsAttributes.SpaceTotal),
        [FAttr4.SpaceUsed] = nameof(NfsAttributes.SpaceUsed),
        [FAttr4.System] = nameof(NfsAttributes.System),
        [FAttr4.TimeAccess] = nameof(NfsAttributes.TimeAccess),
        [FAttr4.TimeBackup] = nameof(NfsAttributes.TimeBackup),
        [FAttr4.TimeCreate] = nameof(NfsAttributes.TimeCreate),
        [FAttr4.TimeDelta] = nameof(NfsAttributes.TimeDelta),
        [FAttr4.TimeMetadata] = nameof(NfsAttributes.TimeMetadata),
        [FAttr4.TimeModify] = nameof(NfsAttributes.TimeModify),
        [FAttr4.MountedOnFileId] = nameof(NfsAttributes.MountedOnFileId),
        [FAttr4.SuppAttrExclCreat] = nameof(NfsAttributes.SuppAttrExclCreat),
    };

    /// <summary>Every attribute set, each to a distinct value that a byte-order or offset slip would change.</summary>
    public static NfsAttributes Full() => new()
    {
        SupportedAttrs = new Bitmap4(0xFFFF_FFFF, 0x00FF_FFFF, 0x0000_0800),
        Type = NfsFtype4.Lnk,
        FhExpireType = FhExpireType.VolatileAny | FhExpireType.VolRename,
        Change = 0x0102_0304_0506_0708,
        Size = 0x1122_3344_5566_7788,
        LinkSupport = true,
        SymlinkSupport = false,
        NamedAttr = true,
        Fsid = new Fsid4(0xAAAA_0000_0000_0001, 0xBBBB_0000_0000_0002),
        UniqueHandles = false,
        LeaseTime = 90,
        RdattrError = NfsStat4.Moved,
        Acl =
        [
            new NfsAce4(AceType4.AccessAllowed, 0x3, 0x0012_0081, "OWNER@"),
            new NfsAce4(AceType4.AccessDenied, 0x40, 0x0000_0002, "staff@example.org"),
        ],
        AclSupport = 0x3,
        Archive = true,
        CanSetTime = true,
        CaseInsensitive = false,
        CasePreserving = true,
        ChownRestricted = true,
        FileHandle = new NfsFh([0xDE, 0xAD, 0xBE, 0xEF, 0x01]),
        FileId = 0x0000_0001_0000_0002,
        FilesAvail = 1_000_001,
        FilesFree = 1_000_002,
        FilesTotal = 1_000_003,
        FsLocations = new FsLocations4(["export", "moved"], [new FsLocation4(["srv1.example.org", "10.0.0.2"], ["data", "moved"])]),
        Hidden = false,
        Homogeneous = true,
        MaxFileSize = 0x7FFF_FFFF_FFFF_FFFF,
        MaxLink = 32_000,
        MaxName = 255,
        MaxRead = 1 << 20,
        MaxWrite = 1 << 19,
        MimeType = "text/plain",
        Mode = 0x1ED,
        NoTrunc = true,
        NumLinks = 3,
        Owner = "alice@example.org",
        OwnerGroup = "users@example.org",
        QuotaAvailHard = 5_000_000_001,
        QuotaAvailSoft = 5_000_000_002,
        QuotaUsed = 5_000_000_003,
        RawDev = new SpecData4(8, 17),
        SpaceAvail = 6_000_000_001,
        SpaceFree = 6_000_000_002,
        SpaceTotal = 6_000_000_003,
        SpaceUsed = 4096,
        System = false,
        TimeAccess = new NfsTime4(1_700_000_001, 1),
        TimeBackup = new NfsTime4(1_700_000_002, 2),
        TimeCreate = new NfsTime4(-1, 500_000_000),
        TimeDelta = new NfsTime4(0, 1),
        TimeMetadata = new NfsTime4(1_700_000_005, 999_999_999),
        TimeModify = new NfsTime4(1_700_000_006, 6),
        MountedOnFileId = 0xFEDC_BA98_7654_3210,
        SuppAttrExclCreat = Bitmap4.Of(FAttr4.Size, FAttr4.Mode, FAttr4.TimeAccessSet),
    };

    /// <summary>An <see cref="NfsAttributes"/> holding only <paramref name="attribute"/>, valued as in <see cref="Full"/>.</summary>
    public static NfsAttributes Only(int attribute)
    {
        var property = Property(attribute);
        var attributes = new NfsAttributes();
        property.SetValue(attributes, property.GetValue(Full()));
        return attributes;
    }

    public static PropertyInfo Property(int attribute) =>
        typeof(NfsAttributes).GetProperty(PropertyOf[attribute]) ?? throw new InvalidOperationException(PropertyOf[attribute]);

    /// <summary>A whole fattr4 of <paramref name="attributes"/> (bitmap4, then attrlist4).</summary>
    public static byte[] Encode(NfsAttributes attributes)
    {
        using var writer = new XdrWriter();
        Encode(writer, attributes);
        return writer.WrittenSpan.ToArray();
    }

    public static void Encode(XdrWriter writer, NfsAttributes attributes)
    {
        attributes.Returned.Encode(writer);
        var lengthAt = writer.ReserveUInt32();
        var start = writer.Length;
        EncodeValues(writer, attributes);
        writer.PatchUInt32(lengthAt, (uint)(writer.Length - start));
    }

    /// <summary>The values of every attribute in <see cref="NfsAttributes.Returned"/>, lowest number first.</summary>
    public static void EncodeValues(XdrWriter w, NfsAttributes a)
    {
        foreach (var attribute in a.Returned.Attributes())
        {
            switch (attribute)
            {
                case FAttr4.SupportedAttrs: a.SupportedAttrs!.Value.Encode(w); break;
                case FAttr4.Type: w.WriteEnum(a.Type!.Value); break;
                case FAttr4.FhExpireType: w.WriteUInt32(a.FhExpireType!.Value); break;
                case FAttr4.Change: w.WriteUInt64(a.Change!.Value); break;
                case FAttr4.Size: w.WriteUInt64(a.Size!.Value); break;
                case FAttr4.LinkSupport: w.WriteBool(a.LinkSupport!.Value); break;
                case FAttr4.SymlinkSupport: w.WriteBool(a.SymlinkSupport!.Value); break;
                case FAttr4.NamedAttr: w.WriteBool(a.NamedAttr!.Value); break;
                case FAttr4.FsId: a.Fsid!.Value.Encode(w); break;
                case FAttr4.UniqueHandles: w.WriteBool(a.UniqueHandles!.Value); break;
                case FAttr4.LeaseTime: w.WriteUInt32(a.LeaseTime!.Value); break;
                case FAttr4.RdAttrError: w.WriteEnum(a.RdattrError!.Value); break;
                case FAttr4.Acl: NfsAce4.EncodeList(w, a.Acl!); break;
                case FAttr4.AclSupport: w.WriteUInt32(a.AclSupport!.Value); break;
                case FAttr4.Archive: w.WriteBool(a.Archive!.Value); break;
                case FAttr4.CanSetTime: w.WriteBool(a.CanSetTime!.Value); break;
                case FAttr4.CaseInsensitive: w.WriteBool(a.CaseInsensitive!.Value); break;
                case FAttr4.CasePreserving: w.WriteBool(a.CasePreserving!.Value); break;
                case FAttr4.ChownRestricted: w.WriteBool(a.ChownRestricted!.Value); break;
                case FAttr4.FileHandle: a.FileHandle!.Encode(w); break;
                case FAttr4.FileId: w.WriteUInt64(a.FileId!.Value); break;
                case FAttr4.FilesAvail: w.WriteUInt64(a.FilesAvail!.Value); break;
                case FAttr4.FilesFree: w.WriteUInt64(a.FilesFree!.Value); break;
                case FAttr4.FilesTotal: w.WriteUInt64(a.FilesTotal!.Value); break;
                case FAttr4.FsLocations: a.FsLocations!.Encode(w); break;
                case FAttr4.Hidden: w.WriteBool(a.Hidden!.Value); break;
                case FAttr4.Homogeneous: w.WriteBool(a.Homogeneous!.Value); break;
                case FAttr4.MaxFileSize: w.WriteUInt64(a.MaxFileSize!.Value); break;
                case FAttr4.MaxLink: w.WriteUInt32(a.MaxLink!.Value); break;
                case FAttr4.MaxName: w.WriteUInt32(a.MaxName!.Value); break;
                case FAttr4.MaxRead: w.WriteUInt64(a.MaxRead!.Value); break;
                case FAttr4.MaxWrite: w.WriteUInt64(a.MaxWrite!.Value); break;
                case FAttr4.MimeType: w.WriteString(a.MimeType!); break;
                case FAttr4.Mode: w.WriteUInt32(a.Mode!.Value); break;
                case FAttr4.NoTrunc: w.WriteBool(a.NoTrunc!.Value); break;
                case FAttr4.NumLinks: w.WriteUInt32(a.NumLinks!.Value); break;
                case FAttr4.Owner: w.WriteString(a.Owner!); break;
                case FAttr4.OwnerGroup: w.WriteString(a.OwnerGroup!); break;
                case FAttr4.QuotaAvailHard: w.WriteUInt64(a.QuotaAvailHard!.Value); break;
                case FAttr4.QuotaAvailSoft: w.WriteUInt64(a.QuotaAvailSoft!.Value); break;
                case FAttr4.QuotaUsed: w.WriteUInt64(a.QuotaUsed!.Value); break;
                case FAttr4.RawDev: a.RawDev!.Value.Encode(w); break;
                case FAttr4.SpaceAvail: w.WriteUInt64(a.SpaceAvail!.Value); break;
                case FAttr4.SpaceFree: w.WriteUInt64(a.SpaceFree!.Value); break;
                case FAttr4.SpaceTotal: w.WriteUInt64(a.SpaceTotal!.Value); break;
                case FAttr4.SpaceUsed: w.WriteUInt64(a.SpaceUsed!.Value); break;
                case FAttr4.System: w.WriteBool(a.System!.Value); break;
                case FAttr4.TimeAccess: a.TimeAccess!.Value.Encode(w); break;
                case FAttr4.TimeBackup: a.TimeBackup!.Value.Encode(w); break;
                case FAttr4.TimeCreate: a.TimeCreate!.Value.Encode(w); break;
                case FAttr4.TimeDelta: a.TimeDelta!.Value.Encode(w); break;
                case FAttr4.TimeMetadata: a.TimeMetadata!.Value.Encode(w); break;
                case FAttr4.TimeModify: a.TimeModify!.Value.Encode(w); break;
                case FAttr4.MountedOnFileId: w.WriteUInt64(a.MountedOnFileId!.Value); break;
                case FAttr4.SuppAttrExclCreat: a.SuppAttrExclCreat!.Value.Encode(w); break;
                default: throw new InvalidOperationException($"No test encoding for attribute {attribute}.");
            }
        }
    }

    /// <summary>Asserts that every public property of the two is equal, comparing lists by content.</summary>
    public static void AssertSame(NfsAttributes expected, NfsAttributes actual)
    {
        Assert.AreEqual(expected.Returned, actual.Returned, "Returned");
        foreach (var property in typeof(NfsAttributes).GetProperties())
        {
            var e = property.GetValue(expected);
            var a = property.GetValue(actual);
            switch (e)
            {
                case IReadOnlyList<NfsAce4> aces:
                    Assert.IsNotNull(a, property.Name);
                    CollectionAssert.AreEqual(aces.ToArray(), ((IReadOnlyList<NfsAce4>)a).ToArray(), property.Name);
                    break;
                case FsLocations4 locations:
                    AssertSame(locations, a as FsLocations4);
                    break;
                default:
                    Assert.AreEqual(e, a, property.Name);
                    break;
            }
        }
    }

    private static void AssertSame(FsLocations4 expected, FsLocations4? actual)
    {
        Assert.IsNotNull(actual);
        CollectionAssert.AreEqual(expected.FsRoot.ToArray(), actual.FsRoot.ToArray());
        Assert.HasCount(expected.Locations.Count, actual.Locations);
        for (var i = 0; i < expected.Locations.Count; i++)
        {
            CollectionAssert.AreEqual(expected.Locations[i].Servers.ToArray(), actual.Locations[i].Servers.ToArray());
            CollectionAssert.AreEqual(expected.Locations[i].RootPath.ToArray(), actual.Locations[i].RootPath.ToArray());
        }
    }
}
