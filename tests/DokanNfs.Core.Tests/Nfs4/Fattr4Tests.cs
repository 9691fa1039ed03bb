using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Nfs4;

[TestClass]
public sealed class Fattr4Tests
{
    public static IEnumerable<object[]> EveryAttribute =>
        Fattr4TestData.PropertyOf.Keys.Order().Select(a => new object[] { a });

    [TestMethod]
    public void The_test_data_covers_every_public_property()
    {
        var properties = typeof(NfsAttributes).GetProperties().Select(p => p.Name).Where(n => n != nameof(NfsAttributes.Returned));
        CollectionAssert.AreEquivalent(properties.ToArray(), Fattr4TestData.PropertyOf.Values.ToArray());
        Assert.AreEqual(Fattr4TestData.Full().Returned, Bitmap4.Of([.. Fattr4TestData.PropertyOf.Keys]));
    }

    [TestMethod]
    [DynamicData(nameof(EveryAttribute))]
    public void Each_attribute_round_trips_alone(int attribute)
    {
        var expected = Fattr4TestData.Only(attribute);
        Assert.AreEqual(Bitmap4.Of(attribute), expected.Returned);

        var actual = DecodeWhole(Fattr4TestData.Encode(expected));

        Assert.AreEqual(Bitmap4.Of(attribute), actual.Returned);
        Fattr4TestData.AssertSame(expected, actual);
    }

    [TestMethod]
    public void Every_attribute_together_round_trips()
    {
        var expected = Fattr4TestData.Full();

        var actual = DecodeWhole(Fattr4TestData.Encode(expected));

        Fattr4TestData.AssertSame(expected, actual);
        Assert.IsNotNull(actual.Acl);
        Assert.HasCount(2, actual.Acl);
        Assert.AreEqual("staff@example.org", actual.Acl[1].Who);
        Assert.AreEqual("/export/moved", actual.FsLocations!.FsRootString);
    }

    [TestMethod]
    public void Size_and_mode_decode_from_hand_built_bytes()
    {
        // bitmap4 { 0x10 (size = 4), 0x2 (mode = 33) }, attrlist of 12 bytes.
        var bytes = Hex("00000002 00000010 00000002 0000000C 0102030405060708 000001A4");

        var attributes = DecodeWhole(bytes);

        Assert.AreEqual(Bitmap4.Of(FAttr4.Size, FAttr4.Mode), attributes.Returned);
        Assert.AreEqual(0x0102030405060708UL, attributes.Size);
        Assert.AreEqual(0x1A4u, attributes.Mode);
        Assert.IsNull(attributes.Type);
        Assert.IsNull(attributes.Owner);
    }

    [TestMethod]
    public void Type_and_owner_decode_from_hand_built_bytes()
    {
        // type = 1 (bit 1 of word 0), owner = 36 (bit 4 of word 1): NF4DIR, then "root" with no padding.
        var bytes = Hex("00000002 00000002 00000010 0000000C 00000002 00000004 726F6F74");

        var attributes = DecodeWhole(bytes);

        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        Assert.AreEqual("root", attributes.Owner);
    }

    [TestMethod]
    public void Time_modify_decodes_a_negative_time_from_hand_built_bytes()
    {
        // time_modify = 53: bit 21 of word 1. One half-second before the epoch (RFC 7530 §2.2.1).
        var bytes = Hex("00000002 00000000 00200000 0000000C FFFFFFFFFFFFFFFF 1DCD6500");

        var attributes = DecodeWhole(bytes);

        Assert.AreEqual(new NfsTime4(-1, 500_000_000), attributes.TimeModify);
    }

    [TestMethod]
    public void Booleans_fsid_and_rdattr_error_decode_in_number_order_from_hand_built_bytes()
    {
        // link_support (5), fsid (8), rdattr_error (11): word 0 = 0x920.
        var bytes = Hex("00000001 00000920 00000018 00000001 0000000000000001 0000000000000002 00002723");

        var attributes = DecodeWhole(bytes);

        Assert.IsTrue(attributes.LinkSupport);
        Assert.AreEqual(new Fsid4(1, 2), attributes.Fsid);
        Assert.AreEqual(NfsStat4.Moved, attributes.RdattrError);
        Assert.IsNull(attributes.SymlinkSupport);
    }

    [TestMethod]
    public void A_false_boolean_is_present_not_missing()
    {
        var attributes = DecodeWhole(Hex("00000001 02000000 00000004 00000000"));

        Assert.IsFalse(attributes.Hidden);
        Assert.IsTrue(attributes.Returned.Contains(FAttr4.Hidden));
    }

    [TestMethod]
    public void Suppattr_exclcreat_in_word_two_decodes()
    {
        // attribute 75: bit 11 of word 2; its value is itself a bitmap4 { size, mode }.
        var bytes = Hex("00000003 00000000 00000000 00000800 0000000C 00000002 00000010 00000002");

        var attributes = DecodeWhole(bytes);

        Assert.AreEqual(Bitmap4.Of(FAttr4.Size, FAttr4.Mode), attributes.SuppAttrExclCreat);
        Assert.AreEqual(Bitmap4.Of(FAttr4.SuppAttrExclCreat), attributes.Returned);
    }

    [TestMethod]
    public void An_empty_fattr4_decodes_to_nothing()
    {
        var attributes = DecodeWhole(Hex("00000000 00000000"));

        Assert.IsTrue(attributes.Returned.IsEmpty);
        Assert.IsNull(attributes.Size);
    }

    [TestMethod]
    public void Decoding_starts_at_the_reader_position_and_stops_after_the_fattr4()
    {
        var fattr = Fattr4TestData.Encode(new NfsAttributes { Size = 42, Owner = "bob" });
        byte[] bytes = [.. Hex("CAFEBABE 00000007"), .. fattr, .. Hex("12345678")];
        var reader = new XdrReader(bytes);
        Assert.AreEqual(0xCAFEBABEu, reader.ReadUInt32());
        Assert.AreEqual(7u, reader.ReadUInt32());

        var attributes = Fattr4.Decode(ref reader);

        Assert.AreEqual(42UL, attributes.Size);
        Assert.AreEqual("bob", attributes.Owner);
        Assert.AreEqual(8 + fattr.Length, reader.Position);
        Assert.AreEqual(0x12345678u, reader.ReadUInt32());
    }

    [TestMethod]
    public void DecodeValues_reads_an_attrlist_whose_bitmap_came_separately()
    {
        var mask = Bitmap4.Of(FAttr4.FileId, FAttr4.MountedOnFileId);

        var attributes = Fattr4.DecodeValues(mask, Hex("0000000000000011 0000000000000022"));

        Assert.AreEqual(0x11UL, attributes.FileId);
        Assert.AreEqual(0x22UL, attributes.MountedOnFileId);
        Assert.AreEqual(mask, attributes.Returned);
    }

    [TestMethod]
    public void An_unknown_attribute_stops_decoding_and_keeps_what_came_before()
    {
        // size (4) then attribute 90 (bit 26 of word 2) with a value we cannot parse; then more data.
        var bytes = Hex("00000003 00000010 00000000 04000000 00000014 0000000000000064 DEADBEEF 00000001 00000002 FFFFFFFF");
        var reader = new XdrReader(bytes);

        var attributes = Fattr4.Decode(ref reader);

        Assert.AreEqual(Bitmap4.Of(FAttr4.Size), attributes.Returned);
        Assert.AreEqual(100UL, attributes.Size);
        Assert.AreEqual(4, reader.Remaining, "the rest of the attrlist is skipped, nothing after it");
    }

    [TestMethod]
    public void A_write_only_attribute_stops_decoding_and_hides_later_ones()
    {
        // size (4), time_access_set (48), time_modify (53): a server must not return 48 (RFC 7530 §5.5).
        var mask = Bitmap4.Of(FAttr4.Size, FAttr4.TimeAccessSet, FAttr4.TimeModify);

        var attributes = Fattr4.DecodeValues(mask, Hex("0000000000000001 00000000 0000000000000009 00000000"));

        Assert.AreEqual(Bitmap4.Of(FAttr4.Size), attributes.Returned);
        Assert.IsNull(attributes.TimeModify);
    }

    [TestMethod]
    public void A_minor_version_one_attribute_we_do_not_model_stops_decoding()
    {
        var mask = Bitmap4.Of(FAttr4.MountedOnFileId, FAttr4.DirNotifDelay, FAttr4.SuppAttrExclCreat);

        var attributes = Fattr4.DecodeValues(mask, Hex("0000000000000005 0000000000000001 00000000 00000000"));

        Assert.AreEqual(Bitmap4.Of(FAttr4.MountedOnFileId), attributes.Returned);
        Assert.IsNull(attributes.SuppAttrExclCreat);
    }

    [TestMethod]
    public void Bits_beyond_word_two_are_ignored_after_decoding_the_known_words()
    {
        // Four words: size in word 0, a bit in word 3. The attrlist holds size and then that unknown value.
        var bytes = Hex("00000004 00000010 00000000 00000000 00000001 0000000C 0000000000000007 0BADF00D");
        var reader = new XdrReader(bytes);

        var attributes = Fattr4.Decode(ref reader);

        Assert.IsTrue(reader.IsAtEnd);
        Assert.AreEqual(7UL, attributes.Size);
        Assert.AreEqual(Bitmap4.Of(FAttr4.Size), attributes.Returned);
        Assert.IsFalse(attributes.Returned.HasUnknownBits);
    }

    [TestMethod]
    public void A_value_overrunning_the_attrlist_is_malformed()
    {
        // size needs 8 bytes; the attrlist has 4 (and the message has more after it, which must not be used).
        var bytes = Hex("00000001 00000010 00000004 00000001 00000002 00000003");

        var ex = Assert.ThrowsExactly<XdrException>(() => DecodeWhole(bytes));

        Assert.Contains("attribute 4", ex.Message);
        Assert.AreEqual(12, ex.Position, "the position is in the enclosing message, where the value starts");
    }

    [TestMethod]
    public void A_string_overrunning_the_attrlist_is_malformed()
    {
        var mask = Bitmap4.Of(FAttr4.Owner);

        Assert.ThrowsExactly<XdrException>(() => Fattr4.DecodeValues(mask, Hex("00000064 61626364")));
    }

    [TestMethod]
    public void Bytes_left_after_the_last_known_attribute_are_malformed()
    {
        var mask = Bitmap4.Of(FAttr4.Mode);

        Assert.ThrowsExactly<XdrException>(() => Fattr4.DecodeValues(mask, Hex("000001FF 00000000")));
    }

    [TestMethod]
    public void An_owner_longer_than_the_bound_is_malformed()
    {
        using var writer = new XdrWriter();
        writer.WriteString(new string('x', Fattr4.MaxStringLength + 1));

        Assert.ThrowsExactly<XdrException>(() => Fattr4.DecodeValues(Bitmap4.Of(FAttr4.Owner), writer.WrittenSpan));
    }

    [TestMethod]
    public void An_acl_count_the_attrlist_cannot_hold_is_malformed_without_allocating_it()
    {
        var mask = Bitmap4.Of(FAttr4.Acl);
        var bytes = Hex("00000400 00000000 00000000 00000000 00000000");

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.ThrowsExactly<XdrException>(() => Fattr4.DecodeValues(mask, bytes));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsLessThan(64 * 1024, allocated);
    }

    [TestMethod]
    public void A_huge_attrlist_length_is_malformed_without_allocating_it()
    {
        var bytes = Hex("00000001 00000010 7FFFFFF0 0000000000000001");

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.ThrowsExactly<XdrException>(() => DecodeWhole(bytes));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsLessThan(64 * 1024, allocated);
    }

    [TestMethod]
    public void An_attrlist_over_the_maximum_is_refused_even_when_the_bytes_are_there()
    {
        var bytes = new byte[12 + Fattr4.MaxAttrListLength + 4];
        Hex("00000001 00000010").CopyTo(bytes, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), Fattr4.MaxAttrListLength + 4);

        Assert.ThrowsExactly<XdrException>(() => DecodeWhole(bytes));
        Assert.ThrowsExactly<XdrException>(() => Fattr4.DecodeValues(Bitmap4.Of(FAttr4.Size), bytes.AsSpan(12)));
    }

    [TestMethod]
    public void Invalid_nseconds_in_a_time_is_malformed()
    {
        var mask = Bitmap4.Of(FAttr4.TimeAccess);

        Assert.ThrowsExactly<XdrException>(() => Fattr4.DecodeValues(mask, Hex("0000000000000001 3B9ACA00")));
    }

    [TestMethod]
    public void A_boolean_that_is_neither_zero_nor_one_is_malformed()
    {
        Assert.ThrowsExactly<XdrException>(() => Fattr4.DecodeValues(Bitmap4.Of(FAttr4.Hidden), Hex("00000002")));
    }

    [TestMethod]
    public void Decoding_a_stat_sized_fattr4_allocates_only_the_attributes_object()
    {
        var stat = new NfsAttributes
        {
            Type = NfsFtype4.Reg,
            Change = 1,
            Size = 2,
            Fsid = new Fsid4(3, 4),
            FileId = 5,
            Mode = 0x1A4,
            NumLinks = 1,
            SpaceUsed = 4096,
            TimeAccess = new NfsTime4(6, 7),
            TimeMetadata = new NfsTime4(8, 9),
            TimeModify = new NfsTime4(10, 11),
            MountedOnFileId = 5,
            RdattrError = NfsStat4.Ok,
        };
        var bytes = Fattr4TestData.Encode(stat);
        DecodeWhole(bytes); // JIT and any one-time initialization

        var empty = GC.GetAllocatedBytesForCurrentThread();
        _ = new NfsAttributes();
        var objectSize = GC.GetAllocatedBytesForCurrentThread() - empty;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var reader = new XdrReader(bytes);
        var decoded = Fattr4.Decode(ref reader);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Fattr4TestData.AssertSame(stat, decoded);
        Assert.AreEqual(objectSize, allocated, "nothing but the NfsAttributes object");
        Assert.IsLessThan(512, allocated);
    }

    [TestMethod]
    public void Init_properties_set_and_clear_presence()
    {
        var attributes = new NfsAttributes { Size = 5, Hidden = false, Owner = "x", Mode = 1 };
        var cleared = new NfsAttributes { Size = null, Hidden = null, Owner = null, Fsid = null };

        Assert.AreEqual(Bitmap4.Of(FAttr4.Size, FAttr4.Hidden, FAttr4.Mode, FAttr4.Owner), attributes.Returned);
        Assert.IsTrue(cleared.Returned.IsEmpty);
    }

    internal static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    /// <summary>Decodes a buffer that must hold exactly one fattr4.</summary>
    internal static NfsAttributes DecodeWhole(byte[] bytes)
    {
        var reader = new XdrReader(bytes);
        var attributes = Fattr4.Decode(ref reader);
        reader.ExpectEnd();
        return attributes;
    }
}
