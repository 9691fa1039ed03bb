using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Nfs4.Fattr4Tests;

namespace DokanNfs.Core.Tests.Nfs4;

[TestClass]
public sealed class Fattr4EncodeTests
{
    private static readonly SetAttributes Everything = new()
    {
        Size = 0x10,
        Archive = true,
        Hidden = false,
        Mode = 0x1ED,
        Owner = "alice@x",
        OwnerGroup = "g",
        System = true,
        TimeAccess = SetTime.ServerTime,
        TimeBackup = new NfsTime4(1, 2),
        TimeCreate = new NfsTime4(3, 4),
        TimeModify = SetTime.ClientTime(new NfsTime4(5, 6)),
    };

    [TestMethod]
    public void Every_settable_attribute_encodes_to_the_exact_bytes()
    {
        var expected = Hex(
            "00000002 02004010 00474032" // bitmap4: size 4, archive 14, hidden 25 | mode 33, owner 36, owner_group 37, system 46, 48, 49, 50, 54
            + "00000058" // attrlist4 length: 88 bytes
            + "0000000000000010" // size
            + "00000001" // archive
            + "00000000" // hidden
            + "000001ED" // mode 0755
            + "00000007 616C6963654078 00" // owner "alice@x", one byte of padding
            + "00000001 67 000000" // owner_group "g"
            + "00000001" // system
            + "00000000" // time_access_set: SET_TO_SERVER_TIME4
            + "0000000000000001 00000002" // time_backup
            + "0000000000000003 00000004" // time_create
            + "00000001 0000000000000005 00000006"); // time_modify_set: SET_TO_CLIENT_TIME4

        Assert.AreEqual(Convert.ToHexString(expected), Convert.ToHexString(Encode(Everything)));
    }

    [TestMethod]
    public void The_mask_names_what_is_set()
    {
        Assert.AreEqual(
            Bitmap4.Of(4, 14, 25, 33, 36, 37, 46, 48, 49, 50, 54),
            Everything.Mask);
        Assert.AreEqual(Bitmap4.Of(FAttr4.Mode), new SetAttributes { Mode = 0 }.Mask);
        Assert.IsTrue(new SetAttributes().Mask.IsEmpty);
    }

    [TestMethod]
    public void Nothing_to_set_is_an_empty_bitmap_and_an_empty_attrlist()
    {
        Assert.AreEqual("0000000000000000", Convert.ToHexString(Encode(new SetAttributes())));
    }

    [TestMethod]
    public void Encoded_settable_attributes_decode_back_up_to_the_first_write_only_one()
    {
        var decoded = DecodeWhole(Encode(Everything));

        // time_access_set (48) has no readable form: decoding stops there (RFC 7530 §5.5).
        Assert.AreEqual(Bitmap4.Of(4, 14, 25, 33, 36, 37, 46), decoded.Returned);
        Assert.AreEqual(0x10UL, decoded.Size);
        Assert.IsTrue(decoded.Archive);
        Assert.IsFalse(decoded.Hidden);
        Assert.AreEqual(0x1EDu, decoded.Mode);
        Assert.AreEqual("alice@x", decoded.Owner);
        Assert.AreEqual("g", decoded.OwnerGroup);
        Assert.IsTrue(decoded.System);
        Assert.IsNull(decoded.TimeBackup);
    }

    [TestMethod]
    public void Settable_attributes_with_a_readable_form_all_decode_back()
    {
        var set = Everything with { TimeAccess = null, TimeModify = null };

        var decoded = DecodeWhole(Encode(set));

        Assert.AreEqual(set.Mask, decoded.Returned);
        Assert.AreEqual(new NfsTime4(1, 2), decoded.TimeBackup);
        Assert.AreEqual(new NfsTime4(3, 4), decoded.TimeCreate);
        Assert.AreEqual("alice@x", decoded.Owner);
    }

    [TestMethod]
    public void The_attrlist_length_is_patched_when_the_writer_already_holds_data()
    {
        using var writer = new XdrWriter();
        writer.WriteUInt32(0xAABBCCDD);

        Fattr4.Encode(writer, new SetAttributes { Size = 1, OwnerGroup = "staff" });

        var reader = new XdrReader(writer.WrittenSpan);
        reader.ReadUInt32();
        var decoded = Fattr4.Decode(ref reader);
        reader.ExpectEnd();
        Assert.AreEqual(1UL, decoded.Size);
        Assert.AreEqual("staff", decoded.OwnerGroup);
    }

    [TestMethod]
    public void A_mode_with_undefined_bits_is_refused_before_anything_is_written()
    {
        using var writer = new XdrWriter();

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Fattr4.Encode(writer, new SetAttributes { Size = 1, Mode = 0x1000 }));
        Assert.AreEqual(0, writer.Length);
    }

    [TestMethod]
    public void An_over_long_owner_is_refused_before_anything_is_written()
    {
        using var writer = new XdrWriter();
        var owner = new string('é', (Fattr4.MaxStringLength / 2) + 1);

        Assert.ThrowsExactly<ArgumentException>(() => Fattr4.Encode(writer, new SetAttributes { Owner = owner }));
        Assert.AreEqual(0, writer.Length);
    }

    [TestMethod]
    public void An_owner_with_an_unpaired_surrogate_is_refused()
    {
        using var writer = new XdrWriter();

        Assert.ThrowsExactly<ArgumentException>(() => Fattr4.Encode(writer, new SetAttributes { OwnerGroup = "a\uD800" }));
        Assert.AreEqual(0, writer.Length);
    }

    [TestMethod]
    public void SetTime_round_trips_both_arms()
    {
        foreach (var time in new[] { SetTime.ServerTime, SetTime.ClientTime(new NfsTime4(-5, 999_999_999)) })
        {
            using var writer = new XdrWriter();
            time.Encode(writer);
            var reader = new XdrReader(writer.WrittenSpan);

            Assert.AreEqual(time, SetTime.Decode(ref reader));
            reader.ExpectEnd();
        }

        Assert.IsFalse(SetTime.ServerTime.IsClientTime);
        Assert.IsTrue(SetTime.ClientTime(default).IsClientTime);
    }

    [TestMethod]
    public void A_settime4_discriminant_other_than_zero_or_one_is_malformed()
    {
        Assert.ThrowsExactly<XdrException>(() =>
        {
            var reader = new XdrReader(Hex("00000002"));
            SetTime.Decode(ref reader);
        });
    }

    [TestMethod]
    public void Request_bitmaps_ask_for_what_their_callers_need()
    {
        int[] stat = [1, 3, 4, 8, 20, 33, 35, 36, 37, 45, 47, 52, 53, 55];
        Assert.AreEqual(Bitmap4.Of(stat), AttributeRequests.Stat);
        Assert.IsFalse(AttributeRequests.Stat.Contains(FAttr4.RdAttrError));
        Assert.AreEqual(AttributeRequests.Stat.With(FAttr4.RdAttrError), AttributeRequests.ReadDir);
        Assert.AreEqual(Bitmap4.Of(8, 11, 24, 55), AttributeRequests.Referral);
        Assert.AreEqual(Bitmap4.Of(0, 2, 5, 6, 9, 10, 16, 17, 21, 22, 23, 27, 29, 30, 31, 42, 43, 44), AttributeRequests.FsInfo);
    }

    private static byte[] Encode(SetAttributes attributes)
    {
        using var writer = new XdrWriter();
        Fattr4.Encode(writer, attributes);
        return writer.WrittenSpan.ToArray();
    }
}
