using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>GetVolumeInformation and GetDiskFreeSpace against Ganesha (issue 6 §4; ../shared/windows-io.md §1.7).</summary>
[TestClass]
public class VolumeInformationTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    [TestMethod]
    public async Task By_default_the_volume_is_NTFS_labelled_NFS_case_sensitive_preserving_Unicode_with_ACLs_and_no_streams()
    {
        await MountAsync();
        var root = OpenRoot();

        Assert.AreEqual(NtStatus.Success, Sim.GetVolumeInformation(root, out var label, out var serial, out var maxComponent, out var flags, out var fileSystem));

        Assert.AreEqual("NFS", label);
        Assert.AreEqual("NTFS", fileSystem);
        Assert.AreEqual(
            FileSystemFlags.CaseSensitiveSearch | FileSystemFlags.CasePreservedNames | FileSystemFlags.UnicodeOnDisk | FileSystemFlags.PersistentAcls,
            flags);
        Assert.AreEqual(0u, flags & FileSystemFlags.NamedStreams);
        Assert.AreEqual(255u, maxComponent, "Ganesha's maxname on Linux");
        Assert.AreEqual(WindowsInfo.VolumeSerial(FileSystem.Tree.Root.Fsid), serial, "from the root's fsid");
        Sim.Close(root);
    }

    [TestMethod]
    public async Task Label_name_case_and_read_only_follow_the_options()
    {
        await MountAsync(new DokanAdapterOptions { VolumeLabel = "Projects", FileSystemName = "NFS", CaseInsensitive = true, ReadOnly = true });
        var root = OpenRoot();

        Assert.AreEqual(NtStatus.Success, Sim.GetVolumeInformation(root, out var label, out _, out _, out var flags, out var fileSystem));

        Assert.AreEqual("Projects", label);
        Assert.AreEqual("NFS", fileSystem);
        Assert.AreEqual(0u, flags & FileSystemFlags.CaseSensitiveSearch, "a case-insensitive adapter does not claim case-sensitive search");
        Assert.AreEqual(FileSystemFlags.CasePreservedNames, flags & FileSystemFlags.CasePreservedNames);
        Assert.AreEqual(FileSystemFlags.ReadOnlyVolume, flags & FileSystemFlags.ReadOnlyVolume);
        Sim.Close(root);
    }

    [TestMethod]
    public async Task Names_are_truncated_into_small_buffers_with_a_NUL_and_nothing_is_written_beyond()
    {
        await MountAsync(new DokanAdapterOptions { VolumeLabel = "LongLabel" });
        var root = OpenRoot();

        Assert.AreEqual(NtStatus.Success, Sim.GetVolumeInformation(root, 4, 3, out var label, out _, out _, out _, out var fileSystem));
        CollectionAssert.AreEqual("Lon\0".ToCharArray(), label);
        CollectionAssert.AreEqual("NT\0".ToCharArray(), fileSystem);

        Assert.AreEqual(NtStatus.Success, Sim.GetVolumeInformation(root, 0, 1, out label, out _, out _, out _, out fileSystem), "empty buffers are left alone");
        Assert.IsEmpty(label);
        CollectionAssert.AreEqual(new[] { '\0' }, fileSystem);
        Sim.Close(root);
    }

    [TestMethod]
    public async Task Free_space_is_the_export_file_systems_available_free_and_total_bytes()
    {
        await MountAsync();
        var root = OpenRoot();

        Assert.AreEqual(NtStatus.Success, Sim.GetDiskFreeSpace(root, out var available, out var total, out var free));
        var host = HostFacts.Space(ExportDirectory);

        Assert.AreEqual(host.Total, total, "space_total = f_blocks × f_frsize");
        Assert.IsLessThanOrEqualTo(free, available, "available ≤ free");
        Assert.IsLessThanOrEqualTo(total, free, "free ≤ total");

        // Other tests write to the same disk in parallel: the free figures agree within a margin.
        const ulong Margin = 512UL << 20;
        Assert.IsLessThan(Margin, Difference(host.Free, free), $"space_free {free} vs statvfs {host.Free}");
        Assert.IsLessThan(Margin, Difference(host.Available, available), $"space_avail {available} vs statvfs {host.Available}");
        Sim.Close(root);
    }

    private SimHandle OpenRoot() => Sim.Open(@"\", Synchronize, FileShareRead | FileShareWrite, FileOpen);

    private static ulong Difference(ulong a, ulong b) => a > b ? a - b : b - a;
}
