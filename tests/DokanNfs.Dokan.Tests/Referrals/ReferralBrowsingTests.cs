using System.Net;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Security;
using DokanNfs.Dokan.Tests.Info;
using DokanNfs.Dokan.Tests.Simulator;
using DokanNfs.TestSupport.Ganesha;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Referrals;

/// <summary>
/// Referral points seen from Windows (issue 6 §9) with two Ganesha servers: A, the drive, refers "ref" to B,
/// which listens on 2049 on its own loopback address as a referral target must. Whether the point was mounted
/// is read from the trigger layer (GraftCount, the mount tree).
/// </summary>
[TestClass]
public class ReferralBrowsingTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    private GaneshaServer _target = null!;

    [TestMethod]
    public async Task Explorer_browsing_a_folder_that_holds_a_referral_point_does_not_mount_it_and_entering_it_shows_the_target_servers_listing()
    {
        await StartAsync();

        // Explorer opens the drive and lists its root (../shared/windows-io.md §1.1, §1.3).
        _ = Sim.ExplorerOpensRoot();
        var autorun = Sim.Create(@"\autorun.inf", FileReadAttributes, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.ObjectNameNotFound, autorun.Status, "autorun probe (§1.2)");
        var rootEntries = Sim.ExplorerLists(@"\");
        CollectionAssert.AreEquivalent(new[] { "a.txt", "ref" }, rootEntries.Select(e => e.Name).ToList());
        var point = rootEntries.Single(e => e.Name == "ref");
        Assert.AreEqual(FileAttributeDirectory, point.Attributes, "a plain directory: no READONLY, no SYSTEM, so no desktop.ini read");

        // Then it looks at every entry (§1.4: attributes and GetFileSecurity); a folder without READONLY / SYSTEM
        // gets no desktop.ini probe (§1.5).
        foreach (var entry in rootEntries)
        {
            var information = Sim.ExplorerLooksAt(@"\" + entry.Name, out var descriptor);
            Assert.AreEqual(entry.Attributes, information.dwFileAttributes, entry.Name);
            Assert.IsTrue(SecurityDescriptorReader.TryGetOwner(descriptor, out var owner), entry.Name);
            Assert.AreEqual(Sid.UnixUser(0), owner, $"{entry.Name}: uid 0 (root's file; the unmounted point's synthesized owner \"0\")");
        }

        Assert.AreEqual(0, FileSystem.GraftCount, "browsing the parent does not mount the point");
        Assert.HasCount(1, FileSystem.Tree.Mounts);

        // Double-click: Explorer opens the folder for listing and lists it — that mounts it.
        var inside = Sim.ExplorerLists(@"\ref");

        Assert.AreEqual(1, FileSystem.GraftCount);
        Assert.HasCount(2, FileSystem.Tree.Mounts);
        Assert.AreEqual(new IPEndPoint(_target.Address, 2049), FileSystem.Tree.MountAt("/ref")?.Server);
        CollectionAssert.AreEquivalent(new[] { "hello.txt", "docs" }, inside.Select(e => e.Name).ToList(), "the target server's listing");
        Assert.AreEqual((ulong)"bytes that live on B".Length, inside.Single(e => e.Name == "hello.txt").Size);

        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.ExplorerProbesDesktopIni(@"\ref"), "§1.5 inside the point: B has none");
        var hello = Sim.ExplorerLooksAt(@"\ref\hello.txt");
        Assert.AreEqual(HostFacts.Inode(_target.PathInExport("hello.txt")), ((ulong)hello.nFileIndexHigh << 32) | hello.nFileIndexLow, "answered by B");
        var after = Sim.ExplorerLists(@"\");
        Assert.AreEqual(FileAttributeDirectory, after.Single(e => e.Name == "ref").Attributes);
        Assert.AreEqual(1, FileSystem.GraftCount, "mounted once");
    }

    [TestMethod]
    public async Task An_attribute_only_open_of_the_point_and_its_GetFileInformation_do_not_mount_it()
    {
        await StartAsync();

        var handle = Sim.Open(@"\ref", FileReadAttributes | Synchronize | ReadControl, ShareAll, FileOpen, FileOpenReparsePoint);
        Assert.IsTrue(handle.IsDirectory);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out var information));
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out var again));
        Sim.Close(handle);

        Assert.AreEqual(FileAttributeDirectory, information.dwFileAttributes, "untriggered: no READONLY or SYSTEM");
        Assert.AreEqual(HostFacts.Inode(Server.PathInExport("ref")), ((ulong)information.nFileIndexHigh << 32) | information.nFileIndexLow, "the fileid the server gave the point");
        Assert.AreEqual(information.nFileIndexLow, again.nFileIndexLow, "stable");
        var fileSystemFacts = await FileSystem.GetFileSystemAttributesAsync("/ref", Ct);
        Assert.AreEqual(Core.Nfs4.NfsFtype4.Dir, fileSystemFacts.Type, "the file system facts of an unmounted point are synthesized too");
        Assert.AreEqual(0, FileSystem.GraftCount);
        Assert.HasCount(1, FileSystem.Tree.Mounts);
    }

    [TestMethod]
    public async Task Opening_the_point_for_listing_does_not_mount_until_it_is_listed()
    {
        await StartAsync();

        var handle = Sim.Open(@"\ref", FileListDirectory | Synchronize, ShareAll, FileOpen, FileDirectoryFile | FileSynchronousIoNonAlert);
        Assert.AreEqual(0, FileSystem.GraftCount, "the open itself only looks the point up");
        Assert.AreEqual(NtStatus.Success, Sim.FindFilesWithPattern(handle, "*", out var entries));
        Sim.Close(handle);

        Assert.AreEqual(1, FileSystem.GraftCount);
        CollectionAssert.AreEquivalent(new[] { "hello.txt", "docs" }, entries.Select(e => e.Name).ToList());
    }

    [TestMethod]
    public async Task Any_path_beneath_the_point_mounts_it()
    {
        await StartAsync();

        var information = Sim.ExplorerLooksAt(@"\ref\docs");

        Assert.AreEqual(FileAttributeDirectory, information.dwFileAttributes);
        Assert.AreEqual(HostFacts.Inode(_target.PathInExport("docs")), ((ulong)information.nFileIndexHigh << 32) | information.nFileIndexLow);
        Assert.AreEqual(1, FileSystem.GraftCount);
        Assert.AreEqual("/ref", FileSystem.Tree.Mounts[1].DrivePath);
    }

    /// <summary>B (the target, on 2049) with hello.txt and docs/; A (the drive) with a.txt and "ref" → B.</summary>
    private async Task StartAsync()
    {
        _target = await Servers.StartAsync(new GaneshaOptions { AddressMode = GaneshaAddressMode.OwnAddressPort2049 }, Ct);
        File.WriteAllText(_target.PathInExport("hello.txt"), "bytes that live on B");
        Directory.CreateDirectory(_target.PathInExport("docs"));
        var drive = await Servers.StartAsync(cancellationToken: Ct);
        File.WriteAllText(drive.PathInExport("a.txt"), "from A");
        _ = drive.MakeReferral("ref", _target.FsLocation);
        await MountAsync(server: drive);
    }
}
