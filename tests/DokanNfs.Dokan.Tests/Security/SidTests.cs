using DokanNfs.Dokan.Security;

namespace DokanNfs.Dokan.Tests.Security;

[TestClass]
public sealed class SidTests
{
    [TestMethod]
    [DataRow("S-1-5-21-1-2-3-1001")]
    [DataRow("S-1-1-0")]
    [DataRow("S-1-5-18")]
    [DataRow("S-1-0-0")]
    [DataRow("S-1-5-32-544")]
    [DataRow("S-1-22-1-4294967295")]
    [DataRow("S-1-4294967295-0")]
    [DataRow("S-1-0x010203040506-7")]
    [DataRow("S-1-0xFFFFFFFFFFFF-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15")]
    public void Parse_then_ToString_gives_the_same_text(string text)
    {
        Assert.IsTrue(Sid.TryParse(text, out var sid));
        Assert.AreEqual(text, sid.ToString());
        Assert.AreEqual(sid, Sid.Parse(text));
    }

    [TestMethod]
    public void Hex_authorities_have_exactly_12_digits_and_are_formatted_in_hex_only_from_2_to_the_32()
    {
        Assert.IsFalse(Sid.TryParse("S-1-0x0000FFFFFFFF0-1", out _));
        Assert.AreEqual(Sid.LocalSystem, Sid.Parse("S-1-0x000000000005-18"));
        Assert.AreEqual("S-1-5-18", Sid.Parse("s-1-0X000000000005-18").ToString());
        Assert.AreEqual("S-1-0x000100000000-1", new Sid(0x1_0000_0000, 1).ToString());
        Assert.AreEqual("S-1-4294967295-1", new Sid(0xFFFF_FFFF, 1).ToString());
    }

    [TestMethod]
    public void Well_known_sids_have_their_documented_strings()
    {
        Assert.AreEqual("S-1-1-0", Sid.Everyone.ToString());
        Assert.AreEqual("S-1-5-18", Sid.LocalSystem.ToString());
        Assert.AreEqual("S-1-5-32-544", Sid.BuiltinAdministrators.ToString());
        Assert.AreEqual("S-1-5-11", Sid.AuthenticatedUsers.ToString());
        Assert.AreEqual("S-1-22-1-1000", Sid.UnixUser(1000).ToString());
        Assert.AreEqual("S-1-22-2-100", Sid.UnixGroup(100).ToString());
        Assert.AreEqual("S-1-0-0", default(Sid).ToString());
        Assert.AreEqual(Sid.Null, Sid.Parse("S-1-0-0"));
    }

    [TestMethod]
    [DataRow("", "does not start with \"S-\"")]
    [DataRow("S", "does not start with \"S-\"")]
    [DataRow("X-1-5-18", "does not start with \"S-\"")]
    [DataRow(" S-1-5-18", "does not start with \"S-\"")]
    [DataRow("S-", "revision is not 1")]
    [DataRow("S-2-5-18", "revision is not 1")]
    [DataRow("S-01-5-18", "revision is not 1")]
    [DataRow("S-1", "identifier authority is missing")]
    [DataRow("S-1-", "identifier authority is empty")]
    [DataRow("S-1-5", "no sub-authority")]
    [DataRow("S-1-5-", "sub-authority is empty")]
    [DataRow("S-1-5--18", "sub-authority is empty")]
    [DataRow("S-1-05-18", "identifier authority has a leading zero")]
    [DataRow("S-1-5-018", "sub-authority has a leading zero")]
    [DataRow("S-1-5-4294967296", "sub-authority is not a decimal number below 2^32")]
    [DataRow("S-1-4294967296-1", "identifier authority is not a decimal number below 2^32")]
    [DataRow("S-1-5-+18", "sub-authority is not a decimal number")]
    [DataRow("S-1-5-18 ", "sub-authority is not a decimal number")]
    [DataRow("S-1-5-1a", "sub-authority is not a decimal number")]
    [DataRow("S-1-0x12-1", "exactly 12 hex digits")]
    [DataRow("S-1-0x00000000000G-1", "exactly 12 hex digits")]
    [DataRow("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", "more than 15 sub-authorities")]
    public void Malformed_text_is_refused_with_the_reason(string text, string reason)
    {
        Assert.IsFalse(Sid.TryParse(text, out var sid));
        Assert.AreEqual(Sid.Null, sid);
        var e = Assert.ThrowsExactly<FormatException>(() => Sid.Parse(text));
        StringAssert.Contains(e.Message, $"'{text}' is not a SID");
        StringAssert.Contains(e.Message, reason);
    }

    [TestMethod]
    public void Null_text_is_not_a_sid()
    {
        Assert.IsFalse(Sid.TryParse((string?)null, out _));
        Assert.ThrowsExactly<ArgumentNullException>(() => Sid.Parse((string)null!));
    }

    [TestMethod]
    public void Binary_form_is_revision_count_big_endian_authority_then_little_endian_sub_authorities()
    {
        // MS-DTYP §2.4.2.2, written out by hand.
        CollectionAssert.AreEqual(
            new byte[] { 0x01, 0x02, 0, 0, 0, 0, 0, 0x05, 0x20, 0, 0, 0, 0x20, 0x02, 0, 0 },
            Sid.BuiltinAdministrators.ToBinary());
        CollectionAssert.AreEqual(
            new byte[] { 0x01, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0, 0, 0 },
            Sid.Parse("S-1-0x010203040506-7").ToBinary());
        CollectionAssert.AreEqual(
            new byte[] { 0x01, 0x02, 0, 0, 0, 0, 0, 0x16, 0x01, 0, 0, 0, 0xE8, 0x03, 0, 0 },
            Sid.UnixUser(1000).ToBinary());
        Assert.AreEqual(16, Sid.UnixUser(1000).BinaryLength);
        Assert.AreEqual(12, Sid.Everyone.BinaryLength);
    }

    [TestMethod]
    public void Random_sids_round_trip_through_text_and_binary()
    {
        var random = new Random(20240601);
        Span<uint> subs = stackalloc uint[Sid.MaxSubAuthorities];
        Span<byte> buffer = stackalloc byte[Sid.MaxBinaryLength + 5];
        for (var n = 0; n < 5000; n++)
        {
            var count = random.Next(1, Sid.MaxSubAuthorities + 1);
            for (var i = 0; i < count; i++)
            {
                subs[i] = (uint)random.NextInt64(0, 1L << 32);
            }

            var authority = n % 3 == 0 ? (ulong)random.NextInt64(0, 1L << 48) : (ulong)random.Next(0, 10);
            var sid = new Sid(authority, subs[..count]);

            Assert.AreEqual(sid, Sid.Parse(sid.ToString()));
            Assert.IsTrue(sid.TryWrite(buffer, out var written));
            Assert.AreEqual(8 + (4 * count), written);
            buffer[written] = 0xAA; // trailing bytes are not part of the SID
            Assert.IsTrue(Sid.TryRead(buffer, out var read, out var consumed));
            Assert.AreEqual(written, consumed);
            Assert.AreEqual(sid, read);
            Assert.AreEqual(sid.GetHashCode(), read.GetHashCode());
            Assert.AreEqual(authority, read.IdentifierAuthority);
            Assert.AreEqual(subs[count - 1], read.Rid);
        }
    }

    [TestMethod]
    public void Malformed_binary_is_refused()
    {
        var valid = Sid.BuiltinAdministrators.ToBinary();
        AssertRefused(valid[..7], "at least 8 bytes");
        AssertRefused([0x02, .. valid[1..]], "revision is 1");
        AssertRefused([0x01, 0x00, .. valid[2..]], "1 to 15 sub-authorities");
        AssertRefused([0x01, 0x10, .. valid[2..]], "1 to 15 sub-authorities");
        AssertRefused(valid[..15], "is 16 bytes; got 15");
        Assert.IsTrue(Sid.TryRead(valid, out _, out _));

        static void AssertRefused(byte[] bytes, string reason)
        {
            Assert.IsFalse(Sid.TryRead(bytes, out var sid, out var consumed));
            Assert.AreEqual(0, consumed);
            Assert.AreEqual(Sid.Null, sid);
            StringAssert.Contains(Assert.ThrowsExactly<FormatException>(() => Sid.Read(bytes)).Message, reason);
        }
    }

    [TestMethod]
    public void TryWrite_refuses_a_short_destination_without_writing()
    {
        var destination = new byte[15];
        Array.Fill(destination, (byte)0xCC);
        Assert.IsFalse(Sid.UnixUser(1).TryWrite(destination, out var written));
        Assert.AreEqual(0, written);
        Assert.IsTrue(destination.All(b => b == 0xCC));
        Assert.ThrowsExactly<ArgumentException>(() => Sid.UnixUser(1).Write(destination));
    }

    [TestMethod]
    public void Equality_compares_authority_and_every_sub_authority()
    {
        Assert.AreEqual(new Sid(5, 21, 1, 2, 3, 1001), Sid.Parse("S-1-5-21-1-2-3-1001"));
        Assert.IsTrue(Sid.Parse("S-1-5-18") == Sid.LocalSystem);
        Assert.IsTrue(Sid.Parse("S-1-5-18") != Sid.Parse("S-1-5-18-0"));
        Assert.AreNotEqual(Sid.Parse("S-1-5-18"), Sid.Parse("S-1-4-18"));
        Assert.AreNotEqual(Sid.Parse("S-1-5-21-1-2-3-1001"), Sid.Parse("S-1-5-21-1-2-3-1002"));
        Assert.AreNotEqual(Sid.UnixUser(5), Sid.UnixGroup(5));
        Assert.IsFalse(Sid.LocalSystem.Equals((object)"S-1-5-18"));
    }

    [TestMethod]
    public void Unix_forms_give_back_their_ids_and_only_theirs()
    {
        Assert.IsTrue(Sid.UnixUser(1000).TryGetUnixUid(out var uid));
        Assert.AreEqual(1000u, uid);
        Assert.IsTrue(Sid.UnixGroup(100).TryGetUnixGid(out var gid));
        Assert.AreEqual(100u, gid);
        Assert.IsFalse(Sid.UnixGroup(100).TryGetUnixUid(out _));
        Assert.IsFalse(Sid.UnixUser(100).TryGetUnixGid(out _));
        Assert.IsFalse(Sid.Parse("S-1-22-1-5-6").TryGetUnixUid(out _));
        Assert.IsFalse(Sid.Parse("S-1-5-1-5").TryGetUnixUid(out _));
    }

    [TestMethod]
    public void Constructor_refuses_what_the_binary_form_cannot_hold()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Sid(5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Sid(5, new uint[16]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Sid(1UL << 48, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sid.LocalSystem.GetSubAuthority(1));
        Assert.AreEqual(18u, Sid.LocalSystem.GetSubAuthority(0));
    }

    [TestMethod]
    public void Making_and_comparing_unix_sids_allocates_nothing()
    {
        var match = 0;
        for (uint i = 0; i < 10; i++)
        {
            match += Sid.UnixUser(i) == Sid.UnixUser(i) ? 1 : 0;
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (uint i = 0; i < 10_000; i++)
        {
            match += Sid.UnixUser(i) == Sid.UnixUser(i) && Sid.UnixGroup(i).TryGetUnixGid(out _) ? 1 : 0;
        }

        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.AreEqual(10_010, match);
    }
}
