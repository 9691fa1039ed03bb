using System.Buffers.Binary;
using DokanNfs.Dokan.Security;

namespace DokanNfs.Dokan.Tests.Security;

[TestClass]
public sealed class SecurityDescriptorReaderTests
{
    private const uint All = SecurityInformation.Owner | SecurityInformation.Group | SecurityInformation.Dacl;
    private const byte Allowed = 0;
    private const byte Denied = 1;
    private const byte InheritOnly = 0x08;

    private static readonly Sid Alice = Sid.Parse("S-1-5-21-1-2-3-1001");
    private static readonly Sid Bob = Sid.Parse("S-1-5-21-1-2-3-1002");
    private static readonly Sid DomainUsers = Sid.Parse("S-1-5-21-1-2-3-513");
    private static readonly IdentityMap Map = IdentityMap.Parse("""
        user S-1-5-21-1-2-3-1001 = 1001:1001
        user S-1-5-21-1-2-3-1002 = 1002:1002
        group S-1-5-21-1-2-3-513 = 100
        """);

    private static uint Octal(string digits) => Convert.ToUInt32(digits, 8);

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void Every_mode_round_trips_through_builder_and_reader(bool isDirectory, bool mappedSids)
    {
        var owner = mappedSids ? Alice : Sid.UnixUser(1000);
        var group = mappedSids ? DomainUsers : Sid.UnixGroup(100);
        var special = Octal("106000"); // regular file, setuid, setgid: kept
        for (uint mode = 0; mode < 512; mode++)
        {
            var sd = SecurityDescriptorBuilderTests.Write(All, new SecurityDescriptorSource(owner, group, mode, isDirectory));
            var current = special | (~mode & 0x1FF);
            Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, All, Map, owner, group, current, out var newMode, out var newOwner, out var newGroup));
            Assert.AreEqual(special | mode, newMode, $"mode {Convert.ToString(mode, 8)}");
            Assert.AreEqual(owner, newOwner);
            Assert.AreEqual(group, newGroup);
        }
    }

    [TestMethod]
    public void Only_the_parts_asked_for_are_taken()
    {
        var sd = SecurityDescriptorBuilderTests.Write(All, new SecurityDescriptorSource(Bob, DomainUsers, Octal("700"), false));
        var current = Octal("1644");

        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Dacl, Map, Bob, DomainUsers, current, out var mode, out var owner, out var group));
        Assert.AreEqual(Octal("1700"), mode);
        Assert.IsNull(owner);
        Assert.IsNull(group);

        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Owner, Map, Alice, DomainUsers, current, out mode, out owner, out group));
        Assert.AreEqual(current, mode);
        Assert.AreEqual(Bob, owner);
        Assert.IsNull(group);

        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Group | SecurityInformation.Sacl, Map, Alice, Sid.UnixGroup(1), current, out mode, out owner, out group));
        Assert.AreEqual(current, mode);
        Assert.IsNull(owner);
        Assert.AreEqual(DomainUsers, group);
    }

    [TestMethod]
    public void A_part_asked_for_but_absent_changes_nothing()
    {
        var sd = SecurityDescriptorBuilderTests.Write(SecurityInformation.Dacl, new SecurityDescriptorSource(Alice, DomainUsers, Octal("750"), false));
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, All, Map, Alice, DomainUsers, Octal("644"), out var mode, out var owner, out var group));
        Assert.AreEqual(Octal("750"), mode);
        Assert.IsNull(owner);
        Assert.IsNull(group);
    }

    [TestMethod]
    public void A_new_owner_in_the_same_call_is_the_owner_its_aces_are_for()
    {
        var sd = Compose(owner: Bob, aces: [(Allowed, 0, AccessRights.FileGenericRead, Bob), (Allowed, 0, AccessRights.FileGenericRead, Alice)]);
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, All, Map, Alice, DomainUsers, 0, out var mode, out var owner, out _));
        Assert.AreEqual(Bob, owner);
        Assert.AreEqual(Octal("400"), mode, "Alice is no longer the owner: her ACE is for another SID");
    }

    [TestMethod]
    public void Aces_for_another_form_of_the_owner_or_group_sid_count()
    {
        // The file shows Alice (uid 1001); a tool writes the Unix form S-1-22-1-1001 instead.
        var sd = Compose(aces:
        [
            (Allowed, 0, AccessRights.FileGenericRead | AccessRights.FileGenericWrite, Sid.UnixUser(1001)),
            (Allowed, 0, AccessRights.FileGenericRead, Sid.UnixGroup(100)),
        ]);
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Dacl, Map, Alice, DomainUsers, 0, out var mode, out _, out _));
        Assert.AreEqual(Octal("640"), mode);
    }

    [TestMethod]
    public void Deny_aces_remove_bits_whatever_their_order()
    {
        var sd = Compose(aces:
        [
            (Allowed, 0, AccessRights.FileAllAccess, Sid.Everyone),
            (Denied, 0, AccessRights.FileWriteData, Sid.Everyone),
            (Denied, 0, AccessRights.FileExecute | AccessRights.Delete, Alice),
            (Allowed, 0, AccessRights.FileAllAccess, Alice),
            (Denied, 0, AccessRights.WriteDac | AccessRights.Delete, DomainUsers),
            (Allowed, 0, AccessRights.FileGenericRead | AccessRights.FileGenericWrite, DomainUsers),
        ]);
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Dacl, Map, Alice, DomainUsers, 0, out var mode, out _, out _));
        Assert.AreEqual(Octal("665"), mode);
    }

    [TestMethod]
    public void Generic_rights_count_as_the_bits_they_include()
    {
        var sd = Compose(aces:
        [
            (Allowed, 0, AccessRights.GenericAll, Alice),
            (Allowed, 0, AccessRights.GenericRead | AccessRights.GenericExecute, DomainUsers),
            (Allowed, 0, AccessRights.GenericWrite, Sid.Everyone),
        ]);
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Dacl, Map, Alice, DomainUsers, 0, out var mode, out _, out _));
        Assert.AreEqual(Octal("752"), mode);
    }

    [TestMethod]
    public void Other_sids_inherit_only_aces_and_other_ace_types_are_ignored()
    {
        var sd = Compose(aceRevision: 4, aces:
        [
            (Allowed, 0, AccessRights.FileAllAccess, Sid.AuthenticatedUsers),
            (Allowed, 0, AccessRights.FileAllAccess, Bob),
            (Allowed, InheritOnly | 0x03, AccessRights.FileAllAccess, Sid.Everyone),
            (0x05, 0, AccessRights.FileAllAccess, Sid.Everyone), // ACCESS_ALLOWED_OBJECT_ACE: another layout, skipped
            (0x02, 0, AccessRights.FileAllAccess, Alice), // SYSTEM_AUDIT_ACE
            (Allowed, 0x03, AccessRights.FileGenericRead, Sid.Everyone), // inheritable and effective
        ]);
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Dacl, Map, Alice, DomainUsers, Octal("777"), out var mode, out _, out _));
        Assert.AreEqual(Octal("004"), mode);
    }

    [TestMethod]
    public void A_null_dacl_grants_everything()
    {
        // SE_DACL_PRESENT with no DACL, and no SE_DACL_PRESENT at all.
        var present = Compose(aces: null, control: 0x8004);
        var absent = Compose(aces: null, control: 0x8000);
        foreach (var sd in new[] { present, absent })
        {
            Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Dacl, Map, Alice, DomainUsers, Octal("4000"), out var mode, out _, out _));
            Assert.AreEqual(Octal("4777"), mode);
        }
    }

    [TestMethod]
    public void An_empty_dacl_grants_nothing()
    {
        var sd = Compose(aces: []);
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, SecurityInformation.Dacl, Map, Alice, DomainUsers, Octal("2755"), out var mode, out _, out _));
        Assert.AreEqual(Octal("2000"), mode);
    }

    [TestMethod]
    public void Rwx_of_access_masks()
    {
        Assert.AreEqual(0u, SecurityDescriptorReader.RwxOf(SecurityDescriptorBuilder.OwnerRights));
        Assert.AreEqual(4u, SecurityDescriptorReader.RwxOf(AccessRights.FileGenericRead));
        Assert.AreEqual(2u, SecurityDescriptorReader.RwxOf(AccessRights.FileGenericWrite));
        Assert.AreEqual(1u, SecurityDescriptorReader.RwxOf(AccessRights.FileGenericExecute));
        Assert.AreEqual(7u, SecurityDescriptorReader.RwxOf(AccessRights.FileAllAccess));
        Assert.AreEqual(0u, SecurityDescriptorReader.RwxOf(AccessRights.FileAppendData | AccessRights.FileReadAttributes));
    }

    [TestMethod]
    public void Malformed_descriptors_are_refused()
    {
        var valid = SecurityDescriptorBuilderTests.Write(All, new SecurityDescriptorSource(Alice, DomainUsers, Octal("755"), false));
        AssertAccepted(valid);

        AssertRefused(valid[..19], "shorter than the header");
        AssertRefused(With(valid, 0, 2), "revision 2");
        AssertRefused(WithUInt16(valid, 2, 0x0004), "absolute, not self-relative");
        AssertRefused(WithUInt32(valid, 4, 8), "owner offset inside the header");
        AssertRefused(WithUInt32(valid, 8, (uint)valid.Length), "group offset at the end");
        AssertRefused(WithUInt32(valid, 12, 0xFFFF_FFF0), "SACL offset far beyond");
        AssertRefused(WithUInt32(valid, 16, 0x8000_0000), "DACL offset negative as an int");
        AssertRefused(With(valid, 20 + 1, 16), "owner SID count 16");
        AssertRefused(valid[..(valid.Length - 1)], "DACL truncated");

        var dacl = (int)BinaryPrimitives.ReadUInt32LittleEndian(valid.AsSpan(16));
        AssertRefused(With(valid, dacl, 3), "ACL revision 3");
        AssertRefused(WithUInt16(valid, dacl + 2, 7), "AclSize below the ACL header");
        AssertRefused(WithUInt16(valid, dacl + 2, (ushort)(valid.Length - dacl + 1)), "AclSize beyond the descriptor");
        AssertRefused(WithUInt16(valid, dacl + 4, 4), "more ACEs than the ACL holds");
        AssertRefused(WithUInt16(valid, dacl + 8 + 2, 0), "ACE size 0");
        AssertRefused(WithUInt16(valid, dacl + 8 + 2, 3), "ACE size below its header");
        AssertRefused(WithUInt16(valid, dacl + 8 + 2, 0xFFFF), "ACE size beyond the ACL");
        AssertRefused(WithUInt16(valid, dacl + 8 + 2, 12), "ACE too small for its SID");
        AssertRefused(With(valid, dacl + 8 + 8 + 1, 15), "SID in the ACE longer than the ACE");
    }

    [TestMethod]
    public void Random_and_damaged_descriptors_never_throw()
    {
        var random = new Random(7530);
        var samples = new List<byte[]>();
        for (uint mode = 0; mode < 512; mode += 37)
        {
            samples.Add(SecurityDescriptorBuilderTests.Write(All, new SecurityDescriptorSource(Alice, DomainUsers, mode, mode % 2 == 0)));
            samples.Add(SecurityDescriptorBuilderTests.Write(All, new SecurityDescriptorSource(Sid.UnixUser(mode), Sid.UnixGroup(mode), mode, false)));
        }

        samples.Add(Compose(aceRevision: 4, aces: [(0x05, 0, 1, Sid.Everyone), (Denied, 0, 2, Alice)]));
        var accepted = 0;
        var refused = 0;
        for (var n = 0; n < 200_000; n++)
        {
            byte[] input;
            var sample = samples[random.Next(samples.Count)];
            switch (n % 4)
            {
                case 0:
                    input = new byte[random.Next(0, 160)];
                    random.NextBytes(input);
                    if (input.Length >= 4 && random.Next(2) == 0)
                    {
                        input[0] = 1; // get past the first checks more often
                        input[3] |= 0x80;
                    }

                    break;
                case 1:
                    input = sample[..random.Next(0, sample.Length)];
                    break;
                case 2:
                    input = (byte[])sample.Clone();
                    for (var flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                default:
                    input = (byte[])sample.Clone();
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                    input = input[..random.Next(input.Length / 2, input.Length + 1)];
                    break;
            }

            var information = (uint)random.Next(0, 16);
            if (SecurityDescriptorReader.TryGetMode(input, information, Map, Alice, DomainUsers, Octal("644"), out var mode, out _, out _))
            {
                accepted++;
                Assert.AreEqual(0u, mode & ~0x1FFu);
            }
            else
            {
                refused++;
                Assert.AreEqual(Octal("644"), mode);
            }

            SecurityDescriptorReader.TryGetOwner(input, out _);
            SecurityDescriptorReader.TryGetGroup(input, out _);
        }

        Assert.IsGreaterThan(1000, accepted);
        Assert.IsGreaterThan(1000, refused);
    }

    [TestMethod]
    public void Reading_allocates_nothing()
    {
        var sd = SecurityDescriptorBuilderTests.Write(All, new SecurityDescriptorSource(Alice, DomainUsers, Octal("755"), true));
        uint sum = 0;
        for (var round = 0; round < 2; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                SecurityDescriptorReader.TryGetMode(sd, All, Map, Bob, DomainUsers, 0, out var mode, out _, out _);
                sum += mode;
            }

            if (round == 1)
            {
                Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }

        Assert.AreEqual(2000u * Octal("755"), sum);
    }

    private static void AssertAccepted(byte[] sd) =>
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(sd, All, Map, Alice, DomainUsers, 0, out _, out _, out _));

    private static void AssertRefused(byte[] sd, string what)
    {
        Assert.IsFalse(SecurityDescriptorReader.TryGetMode(sd, All, Map, Alice, DomainUsers, Octal("640"), out var mode, out var owner, out var group), what);
        Assert.AreEqual(Octal("640"), mode, what);
        Assert.IsNull(owner, what);
        Assert.IsNull(group, what);
    }

    private static byte[] With(byte[] sd, int offset, byte value)
    {
        var copy = (byte[])sd.Clone();
        copy[offset] = value;
        return copy;
    }

    private static byte[] WithUInt16(byte[] sd, int offset, ushort value)
    {
        var copy = (byte[])sd.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] WithUInt32(byte[] sd, int offset, uint value)
    {
        var copy = (byte[])sd.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    /// <summary>
    /// A self-relative descriptor laid out as Windows' RtlMakeSelfRelativeSD tends to (DACL before the SIDs),
    /// unlike the builder, so the reader is shown to follow offsets rather than an order. Null ACEs: no DACL.
    /// </summary>
    private static byte[] Compose(
        (byte Type, byte Flags, uint Mask, Sid Sid)[]? aces,
        Sid? owner = null,
        Sid? group = null,
        ushort? control = null,
        byte aceRevision = 2)
    {
        var bytes = new List<byte>(new byte[20]);
        bytes[0] = 1;
        uint daclOffset = 0;
        if (aces is not null)
        {
            daclOffset = (uint)bytes.Count;
            var acl = new List<byte> { aceRevision, 0, 0, 0, (byte)aces.Length, (byte)(aces.Length >> 8), 0, 0 };
            foreach (var (type, flags, mask, sid) in aces)
            {
                var size = 8 + sid.BinaryLength;
                acl.AddRange([type, flags, (byte)size, (byte)(size >> 8)]);
                acl.AddRange(BitConverter.GetBytes(mask));
                acl.AddRange(sid.ToBinary());
            }

            acl[2] = (byte)acl.Count;
            acl[3] = (byte)(acl.Count >> 8);
            bytes.AddRange(acl);
        }

        uint ownerOffset = 0;
        if (owner is { } o)
        {
            ownerOffset = (uint)bytes.Count;
            bytes.AddRange(o.ToBinary());
        }

        uint groupOffset = 0;
        if (group is { } g)
        {
            groupOffset = (uint)bytes.Count;
            bytes.AddRange(g.ToBinary());
        }

        var sd = bytes.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(sd.AsSpan(2), control ?? (ushort)(0x8000 | (aces is null ? 0 : 0x0004)));
        BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(4), ownerOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(8), groupOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(sd.AsSpan(16), daclOffset);
        return sd;
    }
}
