using System.Buffers.Binary;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Security;

namespace DokanNfs.Dokan.Tests.Security;

[TestClass]
public sealed class SecurityDescriptorBuilderTests
{
    private const uint All = SecurityInformation.Owner | SecurityInformation.Group | SecurityInformation.Dacl;

    /// <summary>
    /// S-1-22-1-1000 / S-1-22-2-100, mode 0640, a file, OWNER|GROUP|DACL — worked out by hand from MS-DTYP
    /// §2.4.6 (header), §2.4.2.2 (SIDs), §2.4.5 (ACL) and §2.4.4.2 (ACCESS_ALLOWED_ACE).
    /// </summary>
    private static readonly byte[] Golden0640 =
    [
        // SECURITY_DESCRIPTOR: Revision 1, Sbz1 0, Control 0x8004 (SE_SELF_RELATIVE | SE_DACL_PRESENT),
        // OffsetOwner 20, OffsetGroup 36, OffsetSacl 0, OffsetDacl 52.
        0x01, 0x00, 0x04, 0x80,
        0x14, 0x00, 0x00, 0x00,
        0x24, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x34, 0x00, 0x00, 0x00,
        // @20 owner S-1-22-1-1000: revision 1, 2 sub-authorities, authority 22 big-endian, 1, 1000 (0x3E8).
        0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x01, 0x00, 0x00, 0x00, 0xE8, 0x03, 0x00, 0x00,
        // @36 group S-1-22-2-100.
        0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x02, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
        // @52 ACL: revision 2, Sbz1 0, AclSize 56 (8 + 2 × 24), AceCount 2, Sbz2 0.
        0x02, 0x00, 0x38, 0x00, 0x02, 0x00, 0x00, 0x00,
        // ACCESS_ALLOWED_ACE type 0, flags 0, size 24; mask 0x001F019F = FILE_GENERIC_READ 0x120089
        // | FILE_GENERIC_WRITE 0x120116 | WRITE_DAC 0x40000 | WRITE_OWNER 0x80000 | DELETE 0x10000 (the owner's extra rights;
        // READ_CONTROL, SYNCHRONIZE and FILE_WRITE_ATTRIBUTES are in the generic rights already).
        0x00, 0x00, 0x18, 0x00, 0x9F, 0x01, 0x1F, 0x00,
        0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x01, 0x00, 0x00, 0x00, 0xE8, 0x03, 0x00, 0x00,
        // ACCESS_ALLOWED_ACE for the group: FILE_GENERIC_READ 0x00120089. Others have no bits: no Everyone ACE.
        0x00, 0x00, 0x18, 0x00, 0x89, 0x00, 0x12, 0x00,
        0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x02, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
    ];

    private static SecurityDescriptorSource File0640 => new(Sid.UnixUser(1000), Sid.UnixGroup(100), Convert.ToUInt32("640", 8), IsDirectory: false);

    [TestMethod]
    public void Writes_the_hand_computed_descriptor()
    {
        var buffer = new byte[200];
        var status = SecurityDescriptorBuilder.Write(buffer, All, File0640, out var length);
        Assert.AreEqual(NtStatus.Success, status);
        Assert.AreEqual(108u, length);
        CollectionAssert.AreEqual(Golden0640, buffer[..(int)length]);
    }

    [TestMethod]
    public void A_sacl_request_adds_no_sacl_and_is_no_error()
    {
        var buffer = new byte[200];
        var status = SecurityDescriptorBuilder.Write(buffer, All | SecurityInformation.Sacl | SecurityInformation.Label, File0640, out var length);
        Assert.AreEqual(NtStatus.Success, status);
        CollectionAssert.AreEqual(Golden0640, buffer[..(int)length]);
    }

    [TestMethod]
    public void Masks_follow_the_rwx_bits_and_a_directory_write_adds_delete_child()
    {
        Assert.AreEqual(0u, SecurityDescriptorBuilder.AccessMask(0, isDirectory: false));
        Assert.AreEqual(0x120089u, SecurityDescriptorBuilder.AccessMask(4, isDirectory: true));
        Assert.AreEqual(0x120116u, SecurityDescriptorBuilder.AccessMask(2, isDirectory: false));
        Assert.AreEqual(0x120156u, SecurityDescriptorBuilder.AccessMask(2, isDirectory: true));
        Assert.AreEqual(0x1200A0u, SecurityDescriptorBuilder.AccessMask(1, isDirectory: false));
        Assert.AreEqual(0x1200A9u, SecurityDescriptorBuilder.AccessMask(5, isDirectory: false));

        // Owner rwx of a directory is exactly FILE_ALL_ACCESS, what Explorer shows as "Full control".
        var dir = new SecurityDescriptorSource(Sid.Parse("S-1-5-21-1-2-3-1001"), Sid.Parse("S-1-5-21-1-2-3-513"), Convert.ToUInt32("755", 8), IsDirectory: true);
        var aces = Aces(Write(All, dir));
        Assert.HasCount(3, aces);
        Assert.AreEqual((AccessRights.FileAllAccess, dir.Owner), aces[0]);
        Assert.AreEqual((0x1200A9u, dir.Group), aces[1]);
        Assert.AreEqual((0x1200A9u, Sid.Everyone), aces[2]);
    }

    [TestMethod]
    public void The_owner_keeps_its_ace_with_the_owner_rights_when_its_bits_are_zero()
    {
        var source = new SecurityDescriptorSource(Sid.UnixUser(1), Sid.UnixGroup(1), Convert.ToUInt32("077", 8), IsDirectory: false);
        var aces = Aces(Write(All, source));
        Assert.HasCount(3, aces);
        // SYNCHRONIZE | WRITE_OWNER | WRITE_DAC | READ_CONTROL | DELETE | FILE_WRITE_ATTRIBUTES, and no rwx right.
        Assert.AreEqual((0x1F0100u, source.Owner), aces[0]);

        var ownerOnly = Aces(Write(All, source with { Mode = 0 }));
        Assert.HasCount(1, ownerOnly);
    }

    [TestMethod]
    public void Only_the_mode_permission_bits_matter()
    {
        var plain = Write(All, File0640);
        var special = Write(All, File0640 with { Mode = File0640.Mode | Convert.ToUInt32("107000", 8) });
        CollectionAssert.AreEqual(plain, special);
    }

    [TestMethod]
    public void Every_subset_of_the_security_information_writes_just_those_parts()
    {
        for (uint information = 0; information < 32; information++)
        {
            var sd = Write(information, File0640);
            Assert.AreEqual(SecurityDescriptorBuilder.GetLength(information, File0640), (uint)sd.Length);

            var wantOwner = (information & SecurityInformation.Owner) != 0;
            var wantGroup = (information & SecurityInformation.Group) != 0;
            var wantDacl = (information & SecurityInformation.Dacl) != 0;
            var expectedLength = 20 + (wantOwner ? 16 : 0) + (wantGroup ? 16 : 0) + (wantDacl ? 56 : 0);
            Assert.AreEqual(expectedLength, sd.Length, $"information {information}");

            Assert.AreEqual(1, sd[0]);
            var control = BinaryPrimitives.ReadUInt16LittleEndian(sd.AsSpan(2));
            Assert.AreEqual(wantDacl ? 0x8004 : 0x8000, control, $"information {information}");
            Assert.AreEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(sd.AsSpan(12)), "never a SACL");
            Assert.AreEqual(wantOwner, BinaryPrimitives.ReadUInt32LittleEndian(sd.AsSpan(4)) != 0);
            Assert.AreEqual(wantGroup, BinaryPrimitives.ReadUInt32LittleEndian(sd.AsSpan(8)) != 0);
            Assert.AreEqual(wantDacl, BinaryPrimitives.ReadUInt32LittleEndian(sd.AsSpan(16)) != 0);

            Assert.IsTrue(SecurityDescriptorReader.TryGetOwner(sd, out var owner));
            Assert.AreEqual(wantOwner ? File0640.Owner : null, owner);
            Assert.IsTrue(SecurityDescriptorReader.TryGetGroup(sd, out var group));
            Assert.AreEqual(wantGroup ? File0640.Group : null, group);
            if (wantDacl)
            {
                Assert.HasCount(2, Aces(sd));
            }
        }
    }

    [TestMethod]
    public void Owner_only_is_the_header_and_the_owner_sid()
    {
        var sd = Write(SecurityInformation.Owner, File0640);
        CollectionAssert.AreEqual(
            new byte[] { 0x01, 0x00, 0x00, 0x80, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
            sd[..20]);
        CollectionAssert.AreEqual(Sid.UnixUser(1000).ToBinary(), sd[20..]);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(19)]
    [DataRow(107)]
    public void A_short_buffer_is_buffer_overflow_with_the_length_needed_and_nothing_written(int size)
    {
        var buffer = new byte[size];
        Array.Fill(buffer, (byte)0xCC);
        var status = SecurityDescriptorBuilder.Write(buffer, All, File0640, out var length);
        Assert.AreEqual(NtStatus.BufferOverflow, status);
        Assert.IsFalse(NtStatus.IsSuccess(status), "STATUS_BUFFER_OVERFLOW is a warning, not a success");
        Assert.AreEqual(108u, length);
        Assert.IsTrue(buffer.All(b => b == 0xCC));

        // Dokan calls again with the length it was told; that one fits exactly.
        var exact = new byte[length];
        Assert.AreEqual(NtStatus.Success, SecurityDescriptorBuilder.Write(exact, All, File0640, out var again));
        Assert.AreEqual(length, again);
        CollectionAssert.AreEqual(Golden0640, exact);
    }

    [TestMethod]
    public void Write_allocates_nothing()
    {
        var buffer = new byte[512];
        var source = new SecurityDescriptorSource(Sid.Parse("S-1-5-21-1-2-3-1001"), Sid.UnixGroup(5), Convert.ToUInt32("755", 8), IsDirectory: true);
        uint total = 0;
        for (var round = 0; round < 2; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (uint mode = 0; mode < 512; mode++)
            {
                var current = source with { Mode = mode };
                SecurityDescriptorBuilder.Write(buffer, All, current, out var length);
                SecurityDescriptorBuilder.Write(buffer.AsSpan(0, 10), All, current, out _);
                total += length;
            }

            if (round == 1)
            {
                Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }

        Assert.IsGreaterThan(0u, total);
    }

    internal static byte[] Write(uint information, in SecurityDescriptorSource source)
    {
        var buffer = new byte[512];
        Assert.AreEqual(NtStatus.Success, SecurityDescriptorBuilder.Write(buffer, information, source, out var length));
        return buffer[..(int)length];
    }

    /// <summary>The DACL's ACEs as (mask, SID), read independently of the reader under test.</summary>
    internal static List<(uint Mask, Sid Sid)> Aces(byte[] sd)
    {
        var dacl = (int)BinaryPrimitives.ReadUInt32LittleEndian(sd.AsSpan(16));
        Assert.AreEqual(2, sd[dacl]);
        var size = BinaryPrimitives.ReadUInt16LittleEndian(sd.AsSpan(dacl + 2));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(sd.AsSpan(dacl + 4));
        var aces = new List<(uint, Sid)>();
        var position = dacl + 8;
        for (var i = 0; i < count; i++)
        {
            Assert.AreEqual(0, sd[position], "ACCESS_ALLOWED_ACE_TYPE");
            Assert.AreEqual(0, sd[position + 1], "no ACE flags");
            var aceSize = BinaryPrimitives.ReadUInt16LittleEndian(sd.AsSpan(position + 2));
            var sid = Sid.Read(sd.AsSpan(position + 8, aceSize - 8));
            Assert.AreEqual(8 + sid.BinaryLength, aceSize);
            aces.Add((BinaryPrimitives.ReadUInt32LittleEndian(sd.AsSpan(position + 4)), sid));
            position += aceSize;
        }

        Assert.AreEqual(dacl + size, position, "AclSize covers exactly the ACEs");
        Assert.AreEqual(sd.Length, position, "the DACL is the last part");
        return aces;
    }
}
