using System.Runtime.Versioning;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Security;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Security;

/// <summary>Issue 6 §7: security descriptors from uid, gid and mode, and back, against a real server.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class FileSecurityTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint AllParts = SecurityInformation.Owner | SecurityInformation.Group | SecurityInformation.Dacl;

    [TestMethod]
    public async Task GetFileSecurity_describes_owner_group_and_mode_through_the_unix_sid_forms_when_unmapped()
    {
        await MountAsync();
        var file = OnDisk(@"\owned.txt");
        File.WriteAllText(file, "x");
        DiskStat.Chown(file, 1001, 1002);
        File.SetUnixFileMode(file, (UnixFileMode)0x1A0); // 0640

        var handle = Sim.Open(@"\owned.txt", ReadControl | Synchronize, FileShareRead, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileSecurity(handle, AllParts, out var descriptor, initialSize: 16));
        Sim.Close(handle);

        Assert.IsTrue(SecurityDescriptorReader.TryGetOwner(descriptor, out var owner));
        Assert.IsTrue(SecurityDescriptorReader.TryGetGroup(descriptor, out var group));
        Assert.AreEqual(Sid.UnixUser(1001), owner);
        Assert.AreEqual(Sid.UnixGroup(1002), group);
        Assert.IsTrue(SecurityDescriptorReader.TryGetMode(descriptor, AllParts, IdentityMap.Empty, owner!.Value, group!.Value, 0, out var mode, out _, out _));
        Assert.AreEqual(0x1A0u, mode & 0x1FF, $"mode read back: {Convert.ToString(mode, 8)}");
    }

    [TestMethod]
    public async Task A_configured_account_is_the_owner_sid_and_setting_a_dacl_changes_the_mode_on_the_server()
    {
        var alice = Sid.Parse("S-1-5-21-1111-2222-3333-1001");
        var map = IdentityMap.Parse($"user {alice} = 1001:1001\n");
        await MountAsync(new DokanAdapterOptions { Identity = map });
        var file = OnDisk(@"\doc.txt");
        File.WriteAllText(file, "x");
        DiskStat.Chown(file, 1001, 1001);
        File.SetUnixFileMode(file, (UnixFileMode)0x1A4); // 0644

        var handle = Sim.Open(@"\doc.txt", ReadControl | WriteDac | Synchronize, FileShareRead, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileSecurity(handle, AllParts, out var descriptor));
        Assert.IsTrue(SecurityDescriptorReader.TryGetOwner(descriptor, out var owner));
        Assert.AreEqual(alice, owner);

        // What Word or robocopy /COPY:S would send: a DACL for rw------- with the same owner.
        var restricted = new byte[512];
        Assert.AreEqual(NtStatus.Success, SecurityDescriptorBuilder.Write(
            restricted, AllParts, new SecurityDescriptorSource(alice, Sid.UnixGroup(1001), 0x180, IsDirectory: false), out var length));
        Assert.AreEqual(NtStatus.Success, Sim.SetFileSecurity(handle, SecurityInformation.Dacl, restricted[..(int)length]));
        Sim.Close(handle);

        Assert.AreEqual((UnixFileMode)0x180, File.GetUnixFileMode(file));
        Assert.AreEqual((1001u, 1001u), DiskStat.OwnerOf(file));
    }

    [TestMethod]
    public async Task SetFileSecurity_with_a_new_mapped_owner_chowns_and_a_malformed_descriptor_harms_nothing()
    {
        await MountAsync();
        var file = OnDisk(@"\f.txt");
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, (UnixFileMode)0x1A4);
        var handle = Sim.Open(@"\f.txt", WriteOwner | WriteDac | Synchronize, FileShareRead, FileOpen);

        var newOwner = new byte[256];
        Assert.AreEqual(NtStatus.Success, SecurityDescriptorBuilder.Write(
            newOwner, SecurityInformation.Owner, new SecurityDescriptorSource(Sid.UnixUser(1003), Sid.UnixGroup(0), 0x1A4, IsDirectory: false), out var length));
        Assert.AreEqual(NtStatus.Success, Sim.SetFileSecurity(handle, SecurityInformation.Owner, newOwner[..(int)length]));
        Assert.AreEqual(1003u, DiskStat.OwnerOf(file).Uid);

        Assert.AreEqual(NtStatus.Success, Sim.SetFileSecurity(handle, AllParts, [1, 0, 4, 0x80, 0xFF, 0xFF, 0xFF, 0xFF]));
        Sim.Close(handle);
        Assert.AreEqual((UnixFileMode)0x1A4, File.GetUnixFileMode(file));
        Assert.AreEqual(1003u, DiskStat.OwnerOf(file).Uid);
    }

    [TestMethod]
    public async Task A_read_only_mount_refuses_SetFileSecurity_as_write_protected()
    {
        await MountAsync(new DokanAdapterOptions { ReadOnly = true });
        File.WriteAllText(OnDisk(@"\f.txt"), "x");
        var handle = Sim.Open(@"\f.txt", ReadControl | Synchronize, FileShareRead, FileOpen);
        var sd = new byte[256];
        SecurityDescriptorBuilder.Write(sd, SecurityInformation.Dacl, new SecurityDescriptorSource(Sid.UnixUser(0), Sid.UnixGroup(0), 0x180, false), out var length);
        Assert.AreEqual(NtStatus.MediaWriteProtected, Sim.SetFileSecurity(handle, SecurityInformation.Dacl, sd[..(int)length]));
        Sim.Close(handle);
    }
}
