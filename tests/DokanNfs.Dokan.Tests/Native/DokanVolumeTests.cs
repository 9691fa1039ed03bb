using System.Globalization;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Host;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>Mounting and unmounting through the stand-in: DOKAN_OPTIONS as Dokan receives them, errors, life cycle.</summary>
[TestClass]
public sealed class DokanVolumeTests(TestContext testContext) : NativeTestBase(testContext)
{
    [TestMethod]
    public async Task Mount_options_reach_dokan_as_DOKAN_OPTIONS()
    {
        await MountNativeAsync(mountOptions: new DokanMountOptions
        {
            MountPoint = "u",
            UncName = @"\\server\export",
            ReadOnly = true,
            SingleThread = true,
            IpcBatching = true,
            AllocationUnitSize = 8192,
            SectorSize = 4096,
            CurrentSessionOnly = true,
        });

        var open = Driver.Open(@"\", FileReadAttributes | Synchronize, FileShareRead, FileOpen, FileDirectoryFile);
        var options = ReadOptions(open);
        Assert.AreEqual(DokanConstants.DokanVersion, options.Version);
        Assert.AreEqual(1, options.SingleThread);
        Assert.AreEqual(
            DokanOptionFlags.FileLockUserMode | DokanOptionFlags.CaseSensitive | DokanOptionFlags.WriteProtect | DokanOptionFlags.Network
                | DokanOptionFlags.CurrentSession | DokanOptionFlags.AllowIpcBatching,
            options.Flags);
        Assert.AreEqual(@"U:\", options.MountPoint);
        Assert.AreEqual(@"\server\export", options.UncName, "Dokan takes the UNC name with one leading backslash");
        Assert.AreEqual(15_000u, options.Timeout, "the adapter's RequestTimeout");
        Assert.AreEqual((8192u, 4096u), (options.AllocationUnitSize, options.SectorSize));
        Assert.AreEqual(0u, options.SecurityDescriptorLength);
        var mounted = StandIn.Log("mounted", @"U:\").Single();
        Assert.AreEqual(options.GlobalContext.ToString(CultureInfo.InvariantCulture), mounted[2]);
        Assert.AreNotEqual(0ul, options.GlobalContext);
        Assert.AreEqual("0", StandIn.Log("mounted-answer", @"U:\").Single()[2], "Mounted found its volume during DokanCreateFileSystem");
        Driver.Close(open);
    }

    [TestMethod]
    public async Task The_adapters_case_rule_read_only_mode_and_timeout_decide_their_DOKAN_OPTIONS()
    {
        await MountNativeAsync(new DokanAdapterOptions { CaseInsensitive = true, ReadOnly = true, RequestTimeout = TimeSpan.FromSeconds(90) });
        var open = Driver.Open(@"\", FileReadAttributes | Synchronize, FileShareRead, FileOpen, FileDirectoryFile);
        var options = ReadOptions(open);
        Assert.AreEqual(DokanOptionFlags.FileLockUserMode | DokanOptionFlags.WriteProtect, options.Flags);
        Assert.AreEqual(90_000u, options.Timeout);
        Assert.AreEqual(0, options.SingleThread);
        Assert.IsNull(options.UncName);
        Assert.AreEqual((4096u, 512u), (options.AllocationUnitSize, options.SectorSize));
        Driver.Close(open);
    }

    [TestMethod]
    public async Task Options_dokan_would_refuse_or_quietly_change_are_refused_before_mounting()
    {
        await MountAsync();
        var folder = UniqueFolder();
        void Refused(DokanMountOptions options, string expected, DokanAdapterOptions? adapterOptions = null)
        {
            var operations = new NfsDokanOperations(FileSystem, new RecordingHostForRefusals(), adapterOptions);
            var error = Assert.ThrowsExactly<ArgumentException>(() => DokanVolume.Mount(operations, null, options));
            StringAssert.Contains(error.Message, expected);
        }

        StandIn.EnsureLoaded();
        Refused(new DokanMountOptions { MountPoint = folder, UncName = @"\\server\export" }, "A network drive needs a drive letter");
        Refused(new DokanMountOptions { MountPoint = folder, AllocationUnitSize = 1000 }, "AllocationUnitSize is 1000");
        Refused(new DokanMountOptions { MountPoint = folder, SectorSize = 131072 }, "SectorSize is 131072");
        Refused(new DokanMountOptions { MountPoint = folder }, "RequestTimeout is 5 s", new DokanAdapterOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        Refused(new DokanMountOptions { MountPoint = folder }, "RequestTimeout is 600 s", new DokanAdapterOptions { RequestTimeout = TimeSpan.FromMinutes(10) });
        Refused(new DokanMountOptions { MountPoint = "NN" }, "is not a mount point");
        Refused(new DokanMountOptions { MountPoint = "V", UncName = "server" }, "is not a UNC name");
        Assert.AreEqual(0, StandIn.Log("mounted", folder).Count);
    }

    [TestMethod]
    public async Task A_drive_letter_in_use_is_refused_with_a_message_saying_so()
    {
        await MountNativeAsync(mountOptions: new DokanMountOptions { MountPoint = "Q" });
        var second = new NfsDokanOperations(FileSystem, new RecordingHostForRefusals());
        var error = Assert.ThrowsExactly<DokanMountException>(() => DokanVolume.Mount(second, null, new DokanMountOptions { MountPoint = @"q:\" }));
        Assert.AreEqual(DokanMainResult.MountError, error.Result);
        StringAssert.Contains(error.Message, @"Q:\ could not be assigned (DOKAN_MOUNT_ERROR): the drive letter is already in use");
        Assert.IsTrue(Volume.IsRunning);
        await second.DisposeAsync();
    }

    [TestMethod]
    [DataRow(-1, "DOKAN_ERROR")]
    [DataRow(-2, "not a usable drive letter (DOKAN_DRIVE_LETTER_ERROR)")]
    [DataRow(-3, "the Dokan 2.x driver is not installed or not running")]
    [DataRow(-4, "refused to start the volume")]
    [DataRow(-5, "DOKAN_MOUNT_ERROR")]
    [DataRow(-6, "is not a valid mount point (DOKAN_MOUNT_POINT_ERROR)")]
    [DataRow(-7, "does not match the Dokan library (DOKAN_VERSION_ERROR)")]
    [DataRow(-42, "DokanCreateFileSystem answered -42")]
    public async Task Each_DokanCreateFileSystem_error_becomes_a_message_that_says_what_it_means(int result, string expected)
    {
        await MountAsync();
        StandIn.EnsureLoaded();
        var folder = UniqueFolder();
        StandIn.standin_set_create_result(folder, result);
        var operations = new NfsDokanOperations(FileSystem, new RecordingHostForRefusals());
        var error = Assert.ThrowsExactly<DokanMountException>(() => DokanVolume.Mount(operations, null, new DokanMountOptions { MountPoint = folder }));
        Assert.AreEqual((DokanMainResult)result, error.Result);
        Assert.AreEqual(folder, error.MountPoint);
        StringAssert.Contains(error.Message, expected);
        await operations.DisposeAsync();
    }

    [TestMethod]
    public async Task Unmounting_closes_the_handle_after_Unmounted_reached_the_adapter_and_releases_what_was_left_open()
    {
        await MountNativeAsync();
        var mountPoint = Volume.MountPoint;
        var left = Driver.Open(@"\left-open.txt", GenericWrite, 0, FileCreate, FileNonDirectoryFile);
        Assert.AreEqual(1, NativeOperations.Handles.Count);
        Assert.IsTrue(Volume.IsRunning);
        Assert.IsFalse(Volume.WaitForClosed(TimeSpan.Zero));

        await Volume.DisposeAsync();
        Assert.IsFalse(Volume.IsRunning);
        Assert.IsTrue(Volume.WaitForClosed(TimeSpan.Zero));
        Assert.AreEqual(1, StandIn.Log("close-handle", mountPoint).Count);
        Assert.AreEqual("0", StandIn.Log("unmounted", mountPoint).Single()[2], "Unmounted found its volume: the registry entry goes after DokanCloseHandle");
        Assert.AreEqual(0, NativeOperations.Handles.Count, "DisposeAsync released the open nobody closed");
        Driver.CloseFile(left); // the volume is gone: the stand-in only frees its DOKAN_FILE_INFO
        await Volume.DisposeAsync(); // twice is harmless
    }

    [TestMethod]
    public async Task RemoveMountPoint_unmounts_a_volume_by_its_drive_letter()
    {
        await MountNativeAsync(mountOptions: new DokanMountOptions { MountPoint = "R:" });
        Assert.IsTrue(DokanVolume.RemoveMountPoint("r"));
        Assert.IsFalse(Volume.IsRunning);
        Assert.IsTrue(Volume.WaitForClosed(TimeSpan.FromSeconds(1)));
        Assert.AreEqual("0", StandIn.Log("unmounted", @"R:\").Single()[2]);
        Assert.IsFalse(DokanVolume.RemoveMountPoint(@"R:\"), "nothing is mounted there any more");
        Assert.ThrowsExactly<ArgumentException>(() => DokanVolume.RemoveMountPoint("not a mount point"));
    }

    [TestMethod]
    public async Task The_mount_point_list_shows_this_processes_volumes_and_is_released()
    {
        await MountNativeAsync(mountOptions: new DokanMountOptions { MountPoint = "L", UncName = @"\\srv\exp" });
        var folder = UniqueFolder();
        var local = Track(DokanVolume.Mount(FileSystem, new DokanMountOptions { MountPoint = folder }));

        var all = DokanVolume.GetMountPoints();
        var network = all.Single(m => m.MountPoint == @"L:\");
        Assert.AreEqual(@"\\srv\exp", network.UncName);
        Assert.IsTrue(network.IsNetworkDrive);
        Assert.IsTrue(network.AllSessions);
        Assert.IsTrue(network.Options.HasFlag(DokanOptionFlags.Network));
        Assert.IsFalse(string.IsNullOrEmpty(network.DeviceName));
        var disk = all.Single(m => m.MountPoint == folder);
        Assert.IsNull(disk.UncName);
        Assert.IsFalse(disk.IsNetworkDrive);

        var uncOnly = DokanVolume.GetMountPoints(uncOnly: true);
        Assert.IsTrue(uncOnly.Any(m => m.MountPoint == @"L:\"));
        Assert.IsFalse(uncOnly.Any(m => m.MountPoint == folder), "dokan2 leaves filtered entries zeroed; they are not volumes");
        Assert.AreEqual(0, StandIn.standin_outstanding_mount_point_lists(), "every list went back through DokanReleaseMountPointList");
        Assert.AreEqual(folder, local.MountPoint);
    }

    [TestMethod]
    [DoNotParallelize]
    public async Task DokanInit_comes_before_the_first_volume_and_DokanShutdown_after_the_last()
    {
        await MountAsync();
        StandIn.EnsureLoaded();
        Assert.AreEqual(0, DokanVolume.DokanUsers, "no volume of another test may be left");
        var initBefore = StandIn.standin_init_count();
        var shutdownsBefore = StandIn.standin_shutdown_calls();

        var first = DokanVolume.Mount(FileSystem, new DokanMountOptions { MountPoint = UniqueFolder() });
        var second = DokanVolume.Mount(FileSystem, new DokanMountOptions { MountPoint = UniqueFolder() });
        Assert.AreEqual(initBefore + 1, StandIn.standin_init_count(), "DokanInit once for two volumes");
        await first.DisposeAsync();
        Assert.AreEqual(shutdownsBefore, StandIn.standin_shutdown_calls(), "no DokanShutdown while a volume is mounted");
        await second.DisposeAsync();
        Assert.AreEqual(shutdownsBefore + 1, StandIn.standin_shutdown_calls());
        Assert.AreEqual(initBefore, StandIn.standin_init_count());
        Assert.AreEqual(0, DokanVolume.DokanUsers);
    }

    [TestMethod]
    [DoNotParallelize]
    [DataRow(190u, 0x200u, "The Dokan library is too old (found 1.9.0, need 2.0.0 or later)")]
    [DataRow(231u, 0x190u, "The Dokan driver is too old (found driver interface 0x190, need driver interface 0x200 (Dokan 2.x) or later)")]
    [DataRow(231u, 0u, "The Dokan 2.x driver is not installed or not running")]
    public async Task An_old_or_missing_dokan_is_refused_with_a_clear_message(uint libraryVersion, uint driverVersion, string expected)
    {
        await MountAsync();
        StandIn.EnsureLoaded();
        var users = DokanVolume.DokanUsers;
        var operations = new NfsDokanOperations(FileSystem, new RecordingHostForRefusals());
        StandIn.standin_set_versions(libraryVersion, driverVersion);
        try
        {
            var error = Assert.Throws<DokanException>(() => DokanVolume.Mount(operations, null, new DokanMountOptions { MountPoint = UniqueFolder() }));
            StringAssert.Contains(error.Message, expected);
            StringAssert.Contains(error.Message, "https://github.com/dokan-dev/dokany/releases");
            Assert.IsInstanceOfType(error, driverVersion == 0 ? typeof(DokanNotInstalledException) : typeof(DokanVersionException));
        }
        finally
        {
            StandIn.standin_set_versions(231, 0x200);
        }

        Assert.AreEqual(users, DokanVolume.DokanUsers, "a refused mount holds no DokanInit");
        await operations.DisposeAsync();
    }

    [TestMethod]
    [DoNotParallelize]
    public async Task Off_Windows_without_the_stand_in_mounting_says_that_Dokan_needs_Windows()
    {
        await MountAsync();
        StandIn.EnsureLoaded();
        var operations = new NfsDokanOperations(FileSystem, new RecordingHostForRefusals());
        DokanVolume.StandInLoaded = false;
        try
        {
            var error = Assert.ThrowsExactly<PlatformNotSupportedException>(() => DokanVolume.Mount(operations, null, new DokanMountOptions { MountPoint = "W" }));
            StringAssert.Contains(error.Message, "Mapping a drive needs Windows with Dokan 2.x");
            Assert.ThrowsExactly<PlatformNotSupportedException>(() => DokanVolume.GetMountPoints());
        }
        finally
        {
            DokanVolume.StandInLoaded = true;
        }

        await operations.DisposeAsync();
    }

    private static unsafe (ushort Version, byte SingleThread, DokanOptionFlags Flags, ulong GlobalContext, string MountPoint, string? UncName, uint Timeout,
        uint AllocationUnitSize, uint SectorSize, uint SecurityDescriptorLength) ReadOptions(StandInOpen open)
    {
        // The DOKAN_OPTIONS the stand-in kept from DokanCreateFileSystem and put in this open's DOKAN_FILE_INFO.
        var options = open.Info->DokanOptions;
        return (options->Version, options->SingleThread, options->Options, options->GlobalContext, new string(options->MountPoint),
            options->UNCName is null ? null : new string(options->UNCName), options->Timeout, options->AllocationUnitSize, options->SectorSize,
            options->VolumeSecurityDescriptorLength);
    }

    /// <summary>A host for adapters that are never mounted.</summary>
    private sealed class RecordingHostForRefusals : IDokanHost
    {
        public void ResetTimeout(uint milliseconds, ref DOKAN_FILE_INFO info)
        {
        }

        public string? GetRequestorSid(ref DOKAN_FILE_INFO info) => null;

        public void NotifyCreate(string path, bool isDirectory)
        {
        }

        public void NotifyDelete(string path, bool isDirectory)
        {
        }

        public void NotifyUpdate(string path)
        {
        }

        public void NotifyRename(string oldPath, string newPath, bool isDirectory, bool isInSameDirectory)
        {
        }
    }
}
