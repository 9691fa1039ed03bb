using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>
/// Simulator scenarios repeated through the real interop path: the dokan2 stand-in (C) calls the trampolines
/// through DOKAN_OPERATIONS with its own DOKAN_FILE_INFO, names and buffers, against a real Ganesha. Where the
/// same request also goes to the adapter directly (the simulator), both must answer alike; what the request
/// does is checked on disk.
/// </summary>
[TestClass]
public sealed class NativeScenarioTests(TestContext testContext) : NativeTestBase(testContext)
{
    [TestMethod]
    public async Task A_file_created_written_read_back_and_closed_through_the_stand_in_is_on_disk()
    {
        await MountNativeAsync();
        var data = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();

        var open = Driver.Open(@"\native.bin", GenericRead | GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile);
        Assert.AreNotEqual(0UL, open.Context, "ZwCreateFile's Context must reach the C side");
        Assert.AreEqual(@"/native.bin", NativeOperations.Handles.Find(open.Context)!.Path);
        Assert.IsTrue(File.Exists(OnDisk(@"\native.bin")));

        var simulated = Sim.Open(@"\simulated.bin", GenericRead | GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile);
        var writeStatus = Driver.Write(open, 0, data, out var written);
        Assert.AreEqual(Sim.Write(simulated, 0, data, out var simWritten), writeStatus);
        Assert.AreEqual(simWritten, written, "NumberOfBytesWritten is written through the pointer the stand-in passed");
        var buffer = new byte[data.Length + 100];
        var readStatus = Driver.Read(open, 0, buffer, out var read);
        Assert.AreEqual(Sim.Read(simulated, 0, new byte[buffer.Length], out var simRead), readStatus);
        Assert.AreEqual(simRead, read, "ReadLength is written through the pointer the stand-in passed");
        if (writeStatus == NtStatus.Success)
        {
            Assert.AreEqual((uint)data.Length, written);
            CollectionAssert.AreEqual(data, buffer.AsSpan(0, (int)read).ToArray());
        }

        Driver.Close(open);
        Sim.Close(simulated);
        Assert.AreEqual(0, NativeOperations.Handles.Count, "CloseFile found its open by the Context that went through C");
        Assert.AreEqual(writeStatus == NtStatus.Success ? data.Length : 0, File.ReadAllBytes(OnDisk(@"\native.bin")).Length);
        if (writeStatus == NtStatus.Success)
        {
            CollectionAssert.AreEqual(data, File.ReadAllBytes(OnDisk(@"\native.bin")));
        }
    }

    [TestMethod]
    public async Task A_directory_created_through_the_stand_in_sets_IsDirectory_and_an_existing_one_is_reported_a_directory()
    {
        await MountNativeAsync();
        var created = Driver.Open(@"\made", GenericRead, FileShareRead | FileShareWrite, FileCreate, FileDirectoryFile);
        Assert.IsTrue(created.IsDirectory);
        Driver.Close(created);
        Assert.IsTrue(Directory.Exists(OnDisk(@"\made")));

        // No FILE_DIRECTORY_FILE: the stand-in passes IsDirectory = 0, the adapter sets it through the pointer.
        var status = Driver.Create(@"\made", FileReadAttributes | Synchronize, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, out var opened);
        Assert.AreEqual(NtStatus.Success, status, Status.Of(status));
        Assert.IsTrue(opened!.IsDirectory);
        Driver.Close(opened);
    }

    [TestMethod]
    public async Task Names_cross_the_boundary_as_UTF16_and_reach_the_server_unchanged()
    {
        await MountNativeAsync();
        const string name = "ünïcødé € 😀 日本.txt";
        var open = Driver.Open(@"\" + name, GenericWrite, 0, FileCreate, FileNonDirectoryFile);
        Driver.Close(open);
        Assert.IsTrue(File.Exists(OnDisk(@"\" + name)), string.Join(", ", Directory.GetFileSystemEntries(ExportDirectory)));

        var again = Driver.Create(@"\" + name, GenericRead, FileShareRead, FileOpenIf, out var existing);
        Assert.AreEqual(NtStatus.ObjectNameCollision, again, "OPEN_IF on an existing file");
        Driver.Close(existing!);
    }

    [TestMethod]
    public async Task A_failed_create_leaves_no_open_on_either_side()
    {
        await MountNativeAsync();
        var status = Driver.Create(@"\missing.txt", GenericRead, FileShareRead, FileOpen, out var open);
        Assert.AreEqual(NtStatus.ObjectNameNotFound, status, Status.Of(status));
        Assert.IsNull(open);
        Assert.AreEqual(0, NativeOperations.Handles.Count);
    }

    [TestMethod]
    public async Task A_listing_through_FillFindData_stops_when_the_buffer_is_full()
    {
        await MountNativeAsync();
        for (var i = 0; i < 7; i++)
        {
            await File.WriteAllTextAsync(OnDisk($@"\entry{i}.txt"), "x", Ct);
        }

        var directory = Driver.Open(@"\", FileListDirectory | Synchronize, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);
        var simDirectory = Sim.Open(@"\", FileListDirectory | Synchronize, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);
        var simStatus = Sim.FindFiles(simDirectory, "*", out var simEntries);

        // As dokan2 does: FindFilesWithPattern first, FindFiles when that is not implemented.
        int Find(int capacity, out List<string> names, out uint refused)
        {
            var status = Driver.FindFiles(directory, "*", capacity, out names, out refused);
            return status == NtStatus.NotImplemented ? Driver.FindFiles(directory, null, capacity, out names, out refused) : status;
        }

        var all = Find(100, out var names, out var refused);
        Assert.AreEqual(simStatus, all, Status.Of(all));
        var full = Find(3, out var firstThree, out var refusedWhenFull);
        if (all == NtStatus.Success)
        {
            CollectionAssert.AreEquivalent(simEntries.Select(e => e.Name).ToList(), names);
            Assert.IsTrue(names.Count >= 7, string.Join(", ", names));
            Assert.AreEqual(0u, refused);
            Assert.AreEqual(NtStatus.Success, full, "a full buffer ends the listing with success");
            Assert.AreEqual(3, firstThree.Count);
            Assert.AreEqual(1u, refusedWhenFull, "after FillFindData answered 'full' the adapter must stop");
            CollectionAssert.IsSubsetOf(firstThree, names);
        }
        else
        {
            Assert.AreEqual(all, full);
            Assert.AreEqual(0, names.Count + firstThree.Count);
        }

        Driver.Close(directory);
        Sim.Close(simDirectory);
    }

    [TestMethod]
    public async Task GetFileInformation_through_the_stand_in_fills_the_callers_struct_as_the_adapter_answers()
    {
        await MountNativeAsync();
        await File.WriteAllBytesAsync(OnDisk(@"\info.bin"), new byte[12345], Ct);
        var open = Driver.Open(@"\info.bin", FileReadAttributes | Synchronize, FileShareRead, FileOpen);
        var simulated = Sim.Open(@"\info.bin", FileReadAttributes | Synchronize, FileShareRead, FileOpen);

        var status = Driver.GetFileInformation(open, out var information);
        Assert.AreEqual(Sim.GetFileInformation(simulated, out var expected), status);
        // The stand-in fills the struct with 0xA5 first: equality means every field was written.
        Assert.AreEqual(expected, information);
        if (status == NtStatus.Success)
        {
            Assert.AreEqual(12345u, information.nFileSizeLow);
        }

        Driver.Close(open);
        Sim.Close(simulated);
    }

    [TestMethod]
    public async Task Volume_information_and_free_space_through_the_stand_in_match_the_adapters_answers()
    {
        await MountNativeAsync();
        var open = Driver.Open(@"\", FileReadAttributes | Synchronize, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);
        var simulated = Sim.Open(@"\", FileReadAttributes | Synchronize, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);

        var volume = Driver.GetVolumeInformation(open, out var label, out var serial, out var maxComponent, out var flags, out var fsName);
        Assert.AreEqual(Sim.GetVolumeInformation(simulated, out var simLabel, out var simSerial, out var simMax, out var simFlags, out var simFsName), volume);
        Assert.AreEqual((simLabel, simSerial, simMax, simFlags, simFsName), (label, serial, maxComponent, flags, fsName));
        if (volume == NtStatus.Success)
        {
            Assert.AreEqual(NativeOperations.Options.FileSystemName, fsName);
        }

        var space = Driver.GetDiskFreeSpace(open, out var available, out var total, out var free);
        Assert.AreEqual(Sim.GetDiskFreeSpace(simulated, out var simAvailable, out var simTotal, out var simFree), space);
        // The stand-in fills the three ULONGLONGs with 0xA5…; the adapter's answers must replace them.
        Assert.AreNotEqual(0xA5A5A5A5A5A5A5A5ul, total);
        if (space == NtStatus.Success)
        {
            Assert.IsTrue(total > 0 && free <= total && available <= free, $"{available} / {free} / {total}");
        }
        else
        {
            Assert.AreEqual((simAvailable, simTotal, simFree), (available, total, free));
        }

        Driver.Close(open);
        Sim.Close(simulated);
    }

    [TestMethod]
    public async Task Delete_and_move_through_the_stand_in_do_what_they_do_directly()
    {
        await MountNativeAsync();
        foreach (var name in (string[])["native-del", "sim-del", "native-mv", "sim-mv"])
        {
            await File.WriteAllTextAsync(OnDisk($@"\{name}.txt"), name, Ct);
        }

        var nativeDelete = Driver.Open(@"\native-del.txt", Delete | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        var simDelete = Sim.Open(@"\sim-del.txt", Delete | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        var deleteStatus = Driver.SetDeletePending(nativeDelete);
        Assert.AreEqual(Sim.SetDeletePending(simDelete), deleteStatus);
        Assert.AreEqual(simDelete.DeletePending, nativeDelete.DeletePending);
        Driver.Close(nativeDelete);
        Sim.Close(simDelete);
        Assert.AreEqual(File.Exists(OnDisk(@"\sim-del.txt")), File.Exists(OnDisk(@"\native-del.txt")));

        var nativeMove = Driver.Open(@"\native-mv.txt", Delete | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        var simMove = Sim.Open(@"\sim-mv.txt", Delete | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        var moveStatus = Driver.MoveFile(nativeMove, @"\native-moved.txt", replaceIfExisting: false);
        Assert.AreEqual(Sim.MoveFile(simMove, @"\sim-moved.txt", replaceIfExisting: false), moveStatus);
        Driver.Close(nativeMove);
        Sim.Close(simMove);
        Assert.AreEqual(File.Exists(OnDisk(@"\sim-moved.txt")), File.Exists(OnDisk(@"\native-moved.txt")));
        if (moveStatus == NtStatus.Success)
        {
            Assert.AreEqual("native-mv", await File.ReadAllTextAsync(OnDisk(@"\native-moved.txt"), Ct));
        }
    }

    [TestMethod]
    public async Task Every_other_callback_answers_through_the_stand_in_what_the_adapter_answers_directly()
    {
        await MountNativeAsync();
        await File.WriteAllTextAsync(OnDisk(@"\n.txt"), "native", Ct);
        await File.WriteAllTextAsync(OnDisk(@"\s.txt"), "native", Ct);
        const uint access = GenericRead | GenericWrite | FileWriteAttributes | ReadControl | WriteDac;
        var open = Driver.Open(@"\n.txt", access, FileShareRead | FileShareWrite, FileOpen, FileNonDirectoryFile);
        var sim = Sim.Open(@"\s.txt", access, FileShareRead | FileShareWrite, FileOpen, FileNonDirectoryFile);

        Assert.AreEqual(Sim.Flush(sim), Driver.Flush(open), "FlushFileBuffers");
        Assert.AreEqual(Sim.SetEndOfFile(sim, 3), Driver.SetEndOfFile(open, 3), "SetEndOfFile");
        Assert.AreEqual(Sim.SetAllocationSize(sim, 4096), Driver.SetAllocationSize(open, 4096), "SetAllocationSize");
        Assert.AreEqual(Sim.SetFileAttributes(sim, FileAttributeArchive), Driver.SetFileAttributes(open, FileAttributeArchive), "SetFileAttributes");
        const long time = 133_000_000_000_000_000;
        Assert.AreEqual(Sim.SetFileTime(sim, null, 0, time), Driver.SetFileTime(open, null, 0, time), "SetFileTime (NULL, 0, a time)");
        Assert.AreEqual(Sim.SetFileTime(sim, -1, null, null), Driver.SetFileTime(open, -1, null, null), "SetFileTime (-1, NULL, NULL)");
        Assert.AreEqual(Sim.LockFile(sim, 0, 2), Driver.LockFile(open, 0, 2), "LockFile");
        Assert.AreEqual(Sim.UnlockFile(sim, 0, 2), Driver.UnlockFile(open, 0, 2), "UnlockFile");

        var buffer = new byte[512];
        var getSecurity = Driver.GetFileSecurity(open, 0x7, buffer, out var needed);
        Assert.AreEqual(Sim.GetFileSecurity(sim, 0x7, out var descriptor, 512), getSecurity, "GetFileSecurity");
        if (getSecurity == NtStatus.Success)
        {
            CollectionAssert.AreEqual(descriptor, buffer.AsSpan(0, (int)needed).ToArray());
        }

        var someDescriptor = descriptor.Length > 0 ? descriptor : [1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.AreEqual(Sim.SetFileSecurity(sim, 0x4, someDescriptor), Driver.SetFileSecurity(open, 0x4, someDescriptor), "SetFileSecurity");

        var streams = Driver.FindStreams(open, 4, out var streamCount);
        var sink = new CountingStreamSink();
        var info = new DOKAN_FILE_INFO { Context = sim.Info.Context };
        Assert.AreEqual(Operations.FindStreams(sim.Path, ref sink, ref info), streams, "FindStreams");
        Assert.AreEqual((uint)sink.Count, streamCount);

        Driver.Close(open);
        Sim.Close(sim);
        Assert.AreEqual(await File.ReadAllTextAsync(OnDisk(@"\s.txt"), Ct), await File.ReadAllTextAsync(OnDisk(@"\n.txt"), Ct));
    }
}
