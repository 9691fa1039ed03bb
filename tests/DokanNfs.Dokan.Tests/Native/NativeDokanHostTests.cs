using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Host;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>NativeDokanHost against the stand-in: what reaches DokanNotify*, DokanResetTimeout and DokanOpenRequestorToken.</summary>
[TestClass]
public sealed class NativeDokanHostTests(TestContext testContext) : NativeTestBase(testContext)
{
    [TestMethod]
    public async Task Notifications_reach_dokan_with_the_drive_letter_prefixed()
    {
        await MountNativeAsync(mountOptions: new DokanMountOptions { MountPoint = "n" });
        Assert.AreEqual(@"N:\", Volume.MountPoint);
        Assert.AreEqual("N:", NativeHost.NotificationPrefix);

        NativeHost.NotifyUpdate(@"\dir\é.txt");
        NativeHost.NotifyCreate(@"\dir\new", isDirectory: true);
        NativeHost.NotifyDelete(@"\gone.txt", isDirectory: false);
        NativeHost.NotifyRename(@"\dir\a.txt", @"\dir\b.txt", isDirectory: false, isInSameDirectory: true);

        var update = StandIn.Log("notify-update", @"N:\");
        Assert.AreEqual(1, update.Count);
        Assert.AreEqual(@"N:\dir\é.txt", update[0][2]);
        CollectionAssert.AreEqual(new[] { "notify-create", @"N:\", @"N:\dir\new", "1" }, StandIn.Log("notify-create", @"N:\").Single());
        CollectionAssert.AreEqual(new[] { "notify-delete", @"N:\", @"N:\gone.txt", "0" }, StandIn.Log("notify-delete", @"N:\").Single());
        // The number is IsDirectory * 2 + IsInSameDirectory.
        CollectionAssert.AreEqual(new[] { "notify-rename", @"N:\", @"N:\dir\a.txt", @"N:\dir\b.txt", "1" }, StandIn.Log("notify-rename", @"N:\").Single());
    }

    [TestMethod]
    public async Task Notifications_for_a_folder_mount_point_carry_the_folders_drive_as_dokan_strips_two_characters()
    {
        await MountNativeAsync();
        NativeHost.NotifyUpdate(@"\x.txt");
        Assert.AreEqual(@"C:\x.txt", StandIn.Log("notify-update", Volume.MountPoint).Single()[2]);
    }

    [TestMethod]
    public async Task Notifications_before_mounting_and_after_unmounting_are_dropped()
    {
        StandIn.EnsureLoaded();
        var host = new NativeDokanHost();
        host.NotifyUpdate(@"\early.txt"); // nothing attached: no call, no exception
        Assert.IsNull(host.NotificationPrefix);

        await MountNativeAsync(mountOptions: new DokanMountOptions { MountPoint = "O:" });
        var mountPoint = Volume.MountPoint;
        await Volume.DisposeAsync();
        NativeHost.NotifyUpdate(@"\late.txt");
        Assert.IsNull(NativeHost.NotificationPrefix);
        Assert.AreEqual(0, StandIn.Log("notify-update", mountPoint).Count);
    }

    [TestMethod]
    public async Task A_host_serves_one_volume()
    {
        await MountNativeAsync();
        var second = new NfsDokanOperations(FileSystem, NativeHost);
        var folder = UniqueFolder();
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => DokanVolume.Mount(second, NativeHost, new DokanMountOptions { MountPoint = folder }));
        StringAssert.Contains(error.Message, "one host per volume");
        Assert.AreEqual(0, StandIn.Log("mounted", folder).Count, "refused before anything was mounted");
        Assert.AreEqual(@"C:", NativeHost.NotificationPrefix, "the host still serves its first volume");
        await second.DisposeAsync();
    }

    [TestMethod]
    public async Task ResetTimeout_hands_dokan_the_DOKAN_FILE_INFO_the_callback_received()
    {
        await MountNativeAsync();
        var open = Driver.Open(@"\", FileReadAttributes | Synchronize, FileShareRead, FileOpen, FileDirectoryFile);
        ulong address;
        unsafe
        {
            NativeHost.ResetTimeout(45_001, ref *open.Info);
            address = StandIn.standin_address(open.Info);
        }

        var reset = StandIn.Log().Where(l => l[0] == "reset-timeout" && l[2] == "45001").ToList();
        Assert.AreEqual(1, reset.Count);
        Assert.AreEqual(address.ToString(System.Globalization.CultureInfo.InvariantCulture), reset[0][1], "the same DOKAN_FILE_INFO, not a copy");
        Driver.Close(open);
    }

    [TestMethod]
    public async Task The_requestor_token_is_asked_for_the_create_being_served()
    {
        await MountNativeAsync(new DokanAdapterOptions { MapRequesters = true });

        Driver.DefaultProcessId = 31337;
        var open = Driver.Open(@"\", FileReadAttributes | Synchronize, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);
        ulong address;
        unsafe
        {
            address = StandIn.standin_address(open.Info);
        }

        // Addresses are reused once freed: the process id (which the stand-in put in that DOKAN_FILE_INFO) makes it this create's.
        var asked = StandIn.Log().Where(l => l[0] == "requestor-token" && l[2] == "31337").ToList();
        Assert.AreEqual(1, asked.Count, "one DokanOpenRequestorToken for the create");
        Assert.AreEqual(address.ToString(System.Globalization.CultureInfo.InvariantCulture), asked[0][1], "…with the DOKAN_FILE_INFO the create was served with");
        string? sid;
        unsafe
        {
            sid = NativeHost.GetRequestorSid(ref *open.Info);
        }

        Assert.IsNull(sid, "no token, no SID off Windows");
        Driver.Close(open);
    }
}
