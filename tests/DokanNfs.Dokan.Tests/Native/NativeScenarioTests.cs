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
        Assert.AreEqual(NtStatus.Success, Driver.Write(open, 0, data, out var written));
        Assert.AreEqual(NtStatus.Success, Sim.Write(simulated, 0, data, out var simWritten));
        Assert.AreEqual((uint)data.Length, written, "NumberOfBytesWritten is written through the pointer the stand-in passed");
        Assert.AreEqual(simWritten, written);
        var buffer = new byte[data.Length + 100];
        Assert.AreEqual(NtStatus.Success, Driver.Read(open, 0, buffer, out var read));
        Assert.AreEqual(NtStatus.Success, Sim.Read(simulated, 0, new byte[buffer.Length], out var simRead));
        Assert.AreEqual((uint)data.Length, read, "ReadLength is written through the pointer the stand-in passed");
        Assert.AreEqual(simRead, read);
        CollectionAssert.AreEqual(data, buffer.AsSpan(0, (int)read).ToArray());
        // WriteToEndOfFile is a flag in the stand-in's DOKAN_FILE_INFO, the offset -1 as the I/O manager sends it.
        Assert.AreEqual(NtStatus.Success, Driver.Write(open, 0, "tail"u8.ToArray(), out var appended, writeToEndOfFile: true));
        Assert.AreEqual(4u, appended);

        Driver.Close(open);
        Sim.Close(simulated);
        Assert.AreEqual(0, NativeOperations.Handles.Count, "CloseFile found its open by the Context that went through C");
        CollectionAssert.AreEqual(data.Concat("tail"u8.ToArray()).ToArray(), File.ReadAllBytes(OnDisk(@"\native.bin")));
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
        Assert.AreEqual(NtStatus.Success, simStatus);
        Assert.AreEqual(NtStatus.Success, all, Status.Of(all));
        CollectionAssert.AreEquivalent(simEntries.Select(e => e.Name).ToList(), names);
        CollectionAssert.IsSubsetOf(Enumerable.Range(0, 7).Select(i => $"entry{i}.txt").ToList(), names);
        Assert.AreEqual(0u, refused);
        Assert.AreEqual(NtStatus.Success, Driver.FindFiles(directory, null, 100, out var viaFindFiles, out _), "FindFiles without a pattern");
        CollectionAssert.AreEquivalent(names, viaFindFiles);

        var full = Find(3, out var firstThree, out var refusedWhenFull);
        Assert.AreEqual(NtStatus.Success, full, "a full buffer ends the listing with success");
        Assert.AreEqual(3, firstThree.Count);
        Assert.AreEqual(1u, refusedWhenFull, "after FillFindData answered 'full' the adapter must stop");
        CollectionAssert.IsSubsetOf(firstThree, names);

        Assert.AreEqual(NtStatus.Success, Driver.FindFiles(directory, "entry[<]?.txt".Replace("[<]", "<", StringComparison.Ordinal), 100, out var matched, out _));
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 7).Select(i => $"entry{i}.txt").ToList(), matched, "the pattern crossed as UTF-16 too");

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

        Assert.AreEqual(NtStatus.Success, Driver.GetFileInformation(open, out var information));
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(simulated, out var expected));
        // The stand-in fills the struct with 0xA5 first: equality means every field was written.
        Assert.AreEqual(expected, information);
        Assert.AreEqual((0u, 12345u), (information.nFileSizeHigh, information.nFileSizeLow));
        Assert.AreEqual(1u, information.nNumberOfLinks);

        Driver.Close(open);
        Sim.Close(simulated);
    }

    [TestMethod]
    public async Task Volume_information_and_free_space_through_the_stand_in_match_the_adapters_answers()
    {
        await MountNativeAsync();
        var open = Driver.Open(@"\", FileReadAttributes | Synchronize, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);
        var simulated = Sim.Open(@"\", FileReadAttributes | Synchronize, FileShareRead | FileShareWrite, FileOpen, FileDirectoryFile);

        Assert.AreEqual(NtStatus.Success, Driver.GetVolumeInformation(open, out var label, out var serial, out var maxComponent, out var flags, out var fsName));
        Assert.AreEqual(NtStatus.Success, Sim.GetVolumeInformation(simulated, out var simLabel, out var simSerial, out var simMax, out var simFlags, out var simFsName));
        Assert.AreEqual((simLabel, simSerial, simMax, simFlags, simFsName), (label, serial, maxComponent, flags, fsName));
        Assert.AreEqual((NativeOperations.Options.VolumeLabel, NativeOperations.Options.FileSystemName), (label, fsName));
        Assert.AreNotEqual(0xA5A5A5A5u, maxComponent, "the stand-in's filler was replaced");

        Assert.AreEqual(NtStatus.Success, Driver.GetDiskFreeSpace(open, out var available, out var total, out var free));
        Assert.AreEqual(NtStatus.Success, Sim.GetDiskFreeSpace(simulated, out _, out var simTotal, out _));
        // The stand-in fills the three ULONGLONGs with 0xA5…; the adapter's answers must replace them.
        Assert.AreEqual(simTotal, total);
        Assert.IsTrue(total > 0 && free <= total && available <= free, $"{available} / {free} / {total}");

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
        Assert.AreEqual(NtStatus.Success, Driver.SetDeletePending(nativeDelete));
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(simDelete));
        Assert.IsTrue(nativeDelete.DeletePending);
        Driver.Close(nativeDelete);
        Sim.Close(simDelete);
        Assert.IsFalse(File.Exists(OnDisk(@"\native-del.txt")), "deleted at Cleanup because DeletePending was set in C memory");
        Assert.IsFalse(File.Exists(OnDisk(@"\sim-del.txt")));

        var nativeMove = Driver.Open(@"\native-mv.txt", Delete | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        var simMove = Sim.Open(@"\sim-mv.txt", Delete | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, Driver.MoveFile(nativeMove, @"\native-moved.txt", replaceIfExisting: false));
        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(simMove, @"\sim-moved.txt", replaceIfExisting: false));
        Driver.Close(nativeMove);
        Sim.Close(simMove);
        Assert.IsFalse(File.Exists(OnDisk(@"\native-mv.txt")));
        Assert.AreEqual("native-mv", await File.ReadAllTextAsync(OnDisk(@"\native-moved.txt"), Ct));

        await File.WriteAllTextAsync(OnDisk(@"\taken.txt"), "taken", Ct);
        var collide = Driver.Open(@"\native-moved.txt", Delete | Synchronize, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.ObjectNameCollision, Driver.MoveFile(collide, @"\taken.txt", replaceIfExisting: false), "ReplaceIfExisting FALSE crossed as a BOOL");
        Assert.AreEqual(NtStatus.Success, Driver.MoveFile(collide, @"\taken.txt", replaceIfExisting: true));
        Driver.Close(collide);
        Assert.AreEqual("native-mv", await File.ReadAllTextAsync(OnDisk(@"\taken.txt"), Ct));
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

        static void Same(int simulated, int native, string callback)
        {
            Assert.AreEqual(NtStatus.Success, simulated, $"{callback} directly: {Status.Of(simulated)}");
            Assert.AreEqual(NtStatus.Success, native, $"{callback} through the stand-in: {Status.Of(native)}");
        }

        Same(Sim.Flush(sim), Driver.Flush(open), "FlushFileBuffers");
        Same(Sim.SetEndOfFile(sim, 3), Driver.SetEndOfFile(open, 3), "SetEndOfFile");
        Same(Sim.SetAllocationSize(sim, 4096), Driver.SetAllocationSize(open, 4096), "SetAllocationSize");
        Same(Sim.SetFileAttributes(sim, FileAttributeArchive), Driver.SetFileAttributes(open, FileAttributeArchive), "SetFileAttributes");
        const long time = 133_000_000_000_000_000;
        Same(Sim.SetFileTime(sim, null, 0, time), Driver.SetFileTime(open, null, 0, time), "SetFileTime (NULL, 0, a time)");
        Same(Sim.SetFileTime(sim, -1, null, null), Driver.SetFileTime(open, -1, null, null), "SetFileTime (-1, NULL, NULL)");
        Same(Sim.LockFile(sim, 0, 2), Driver.LockFile(open, 0, 2), "LockFile");
        Same(Sim.UnlockFile(sim, 0, 2), Driver.UnlockFile(open, 0, 2), "UnlockFile");

        var buffer = new byte[512];
        var getSecurity = Driver.GetFileSecurity(open, 0x7, buffer, out var needed);
        Same(Sim.GetFileSecurity(sim, 0x7, out var descriptor, 512), getSecurity, "GetFileSecurity");
        CollectionAssert.AreEqual(descriptor, buffer.AsSpan(0, (int)needed).ToArray(), "the same owner, group and DACL for the same mode");
        Assert.AreEqual(NtStatus.BufferOverflow, Driver.GetFileSecurity(open, 0x7, new byte[8], out var neededAgain), "a buffer too small");
        Assert.AreEqual(needed, neededAgain, "LengthNeeded written through the stand-in's pointer");
        Same(Sim.SetFileSecurity(sim, 0x4, descriptor), Driver.SetFileSecurity(open, 0x4, descriptor), "SetFileSecurity");

        Assert.AreEqual(NtStatus.Success, Driver.FindStreams(open, 4, out var streamCount), "FindStreams");
        var sink = new CountingStreamSink();
        var info = new DOKAN_FILE_INFO { Context = sim.Info.Context };
        Assert.AreEqual(NtStatus.Success, Operations.FindStreams(sim.Path, ref sink, ref info));
        Assert.AreEqual((uint)sink.Count, streamCount);
        Assert.AreEqual(1u, streamCount, "::$DATA");
        Assert.AreEqual(NtStatus.BufferOverflow, Driver.FindStreams(open, 0, out _), "PFillFindStreamData answering FALSE is a full buffer");

        Driver.Close(open);
        Sim.Close(sim);
        Assert.AreEqual("nat", await File.ReadAllTextAsync(OnDisk(@"\n.txt"), Ct));
        Assert.AreEqual(File.GetLastWriteTimeUtc(OnDisk(@"\s.txt")), File.GetLastWriteTimeUtc(OnDisk(@"\n.txt")));
        Assert.AreEqual(DateTime.FromFileTimeUtc(time), File.GetLastWriteTimeUtc(OnDisk(@"\n.txt")), "the FILETIME crossed by pointer");
    }
}
