using System.Runtime.Versioning;
using DokanNfs.Dokan.Mapping;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Io;

/// <summary>SetEndOfFile, SetAllocationSize, SetFileTime and SetFileAttributes, checked against the export on disk.</summary>
/// <remarks>Linux only: the truth is read from the export with Unix file modes (the tests run Ganesha).</remarks>
[TestClass]
[SupportedOSPlatform("linux")]
public class SetInfoTests(TestContext testContext) : IoTestBase(testContext)
{
    private const UnixFileMode AnyWrite = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>2001-02-03 04:05:06.7891234 UTC as FILETIME ticks: sub-second digits down to 100 ns.</summary>
    private static readonly long SomeTime = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc).ToFileTimeUtc() + 7_891_234;

    [TestMethod]
    public async Task SetEndOfFile_grows_with_zeros_and_shrinks()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt");

        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(handle, 14));
        Assert.AreEqual("0123456789\0\0\0\0", ReadOnDisk(@"\f.txt"));
        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(handle, 4));
        Assert.AreEqual("0123", ReadOnDisk(@"\f.txt"));
        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(handle, 0));
        Assert.AreEqual(0, new FileInfo(OnDisk(@"\f.txt")).Length);
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task SetEndOfFile_after_writes_keeps_what_was_written_below_the_new_end()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "");
        var handle = OpenFile(@"\f.txt");
        Write(handle, 0, "abcdefgh");

        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(handle, 5));
        Assert.IsFalse(ContextOf(handle).Dirty, "written data is committed before the size changes");
        Sim.Close(handle);
        Assert.AreEqual("abcde", ReadOnDisk(@"\f.txt"));
    }

    [TestMethod]
    public async Task SetAllocationSize_below_the_end_truncates_and_above_it_changes_nothing()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt");

        Assert.AreEqual(NtStatus.Success, Sim.SetAllocationSize(handle, 1 << 20));
        Assert.AreEqual("0123456789", ReadOnDisk(@"\f.txt"));
        Assert.AreEqual(NtStatus.Success, Sim.SetAllocationSize(handle, 10));
        Assert.AreEqual("0123456789", ReadOnDisk(@"\f.txt"));
        Assert.AreEqual(NtStatus.Success, Sim.SetAllocationSize(handle, 6));
        Assert.AreEqual("012345", ReadOnDisk(@"\f.txt"));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task Size_changes_need_a_writable_file_open()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        Directory.CreateDirectory(OnDisk(@"\dir"));
        var reader = OpenFile(@"\f.txt", ReadOnly);
        Assert.AreEqual(NtStatus.AccessDenied, Sim.SetEndOfFile(reader, 2));
        Assert.AreEqual(NtStatus.AccessDenied, Sim.SetAllocationSize(reader, 2));
        Sim.Close(reader);

        var writer = OpenFile(@"\f.txt");
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.SetEndOfFile(writer, -1));
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.SetAllocationSize(writer, -1));
        Sim.Close(writer);

        var directory = Sim.Open(@"\dir", ReadWrite, ShareAll, FileOpen, FileDirectoryFile);
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.SetEndOfFile(directory, 0));
        Sim.Close(directory);
        Assert.AreEqual("0123456789", ReadOnDisk(@"\f.txt"));
    }

    [TestMethod]
    public async Task SetFileTime_sets_access_and_last_write_and_null_zero_and_minus_one_leave_a_time_alone()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "x");
        var before = File.GetLastWriteTimeUtc(OnDisk(@"\f.txt"));
        var handle = OpenFile(@"\f.txt", FileWriteAttributes | Synchronize);

        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, null, SomeTime, null));
        Assert.AreEqual(SomeTime, File.GetLastAccessTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc());
        Assert.AreEqual(before, File.GetLastWriteTimeUtc(OnDisk(@"\f.txt")), "a null last-write time is left alone");

        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, 0, 0, SomeTime + 10_000_000));
        Assert.AreEqual(SomeTime + 10_000_000, File.GetLastWriteTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc());
        Assert.AreEqual(SomeTime, File.GetLastAccessTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc(), "0 is unchanged");

        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, -1, -1, -1));
        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, -2, -2, -2));
        Assert.AreEqual(SomeTime + 10_000_000, File.GetLastWriteTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc(), "-1 and -2 are unchanged");
        Assert.AreEqual(SomeTime, File.GetLastAccessTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc());

        Assert.AreEqual(NtStatus.InvalidParameter, Sim.SetFileTime(handle, null, null, -3));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task A_creation_time_the_server_cannot_store_is_ignored_without_error()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "x");
        var handle = OpenFile(@"\f.txt", FileWriteAttributes | Synchronize);

        // NFS-Ganesha's VFS has no time_create: NFS4ERR_ATTRNOTSUPP, which must not fail the call or the other times.
        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, SomeTime, null, SomeTime));
        Assert.AreEqual(SomeTime, File.GetLastWriteTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc());
        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, SomeTime, null, null), "creation time alone: nothing to send");
        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, SomeTime, SomeTime, null));
        Assert.AreEqual(SomeTime, File.GetLastAccessTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc());
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task The_last_write_time_set_after_writing_survives_the_close()
    {
        await MountAsync();
        var created = Sim.Create(@"\copy.bin", 0x17019F, 0, FileOverwriteIf, FileSequentialOnly | FileNonDirectoryFile, FileAttributeArchive);
        Assert.AreEqual(NtStatus.Success, created.Status);
        var handle = created.Handle!;
        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(handle, 6));
        Write(handle, 0, "abc");
        Write(handle, 3, "def");

        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(handle, 0));
        Assert.AreEqual(NtStatus.Success, Sim.SetFileTime(handle, SomeTime, SomeTime, SomeTime));
        Assert.IsFalse(ContextOf(handle).Dirty, "the data was committed before the times were set");
        Sim.Close(handle);

        Assert.AreEqual("abcdef", ReadOnDisk(@"\copy.bin"));
        Assert.AreEqual(SomeTime, File.GetLastWriteTimeUtc(OnDisk(@"\copy.bin")).ToFileTimeUtc(), "closing did not move the last-write time");
    }

    [TestMethod]
    public async Task READONLY_clears_every_write_bit_and_clearing_it_gives_the_owner_write_back()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "x");
        File.SetUnixFileMode(OnDisk(@"\f.txt"), (UnixFileMode)0x1B6); // 0666
        var handle = OpenFile(@"\f.txt", FileWriteAttributes | FileReadAttributes | Synchronize);

        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(handle, FileAttributeReadOnly | FileAttributeArchive));
        Assert.AreEqual((UnixFileMode)0x124, File.GetUnixFileMode(OnDisk(@"\f.txt")), "0666 becomes 0444");
        Assert.AreEqual(FileAttributeReadOnly, WindowsInfo.FileAttributes(await FileSystem.GetAttributesAsync("/f.txt", Ct)) & FileAttributeReadOnly);

        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(handle, FileAttributeNormal));
        Assert.AreEqual((UnixFileMode)0x1A4, File.GetUnixFileMode(OnDisk(@"\f.txt")), "0444 becomes 0644: owner write only");
        Sim.Close(handle);
    }

    [TestMethod]
    [DataRow(0u)]
    [DataRow(FileAttributeArchive)]
    [DataRow(FileAttributeHidden)]
    [DataRow(FileAttributeNormal)]
    [DataRow(FileAttributeArchive | FileAttributeHidden | FileAttributeSystem)]
    public async Task Attributes_other_than_READONLY_are_accepted_and_leave_a_writable_mode_alone(uint attributes)
    {
        await MountAsync();
        MakeFile(@"\f.txt", "x");
        File.SetUnixFileMode(OnDisk(@"\f.txt"), (UnixFileMode)0x1E4); // 0744
        var handle = OpenFile(@"\f.txt", FileWriteAttributes | Synchronize);

        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(handle, attributes));
        Assert.AreEqual((UnixFileMode)0x1E4, File.GetUnixFileMode(OnDisk(@"\f.txt")));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task Attribute_zero_leaves_a_read_only_file_read_only()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "x");
        File.SetUnixFileMode(OnDisk(@"\f.txt"), (UnixFileMode)0x124); // 0444
        var handle = OpenFile(@"\f.txt", FileWriteAttributes | Synchronize);

        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(handle, 0));
        Assert.AreEqual((UnixFileMode)0x124, File.GetUnixFileMode(OnDisk(@"\f.txt")));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task READONLY_on_a_directory_is_ignored_and_bad_attribute_combinations_are_refused()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\dir"));
        MakeFile(@"\f.txt", "x");
        var modeBefore = File.GetUnixFileMode(OnDisk(@"\dir"));
        var directory = Sim.Open(@"\dir", FileWriteAttributes | Synchronize, ShareAll, FileOpen, FileDirectoryFile);

        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(directory, FileAttributeReadOnly | FileAttributeDirectory));
        Assert.AreEqual(modeBefore, File.GetUnixFileMode(OnDisk(@"\dir")));
        Assert.AreNotEqual((UnixFileMode)0, modeBefore & AnyWrite, "the directory stays writable");
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.SetFileAttributes(directory, 0x100), "TEMPORARY on a directory");
        Sim.Close(directory);

        var file = OpenFile(@"\f.txt", FileWriteAttributes | Synchronize);
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.SetFileAttributes(file, FileAttributeDirectory), "DIRECTORY on a file");
        Sim.Close(file);
    }

    [TestMethod]
    public async Task A_read_only_drive_refuses_times_and_mode_changes()
    {
        await MountAsync(new Adapter.DokanAdapterOptions { ReadOnly = true });
        MakeFile(@"\f.txt", "x");
        var handle = OpenFile(@"\f.txt", FileReadAttributes | Synchronize);

        Assert.AreEqual(NtStatus.MediaWriteProtected, Sim.SetFileTime(handle, null, null, SomeTime));
        Assert.AreEqual(NtStatus.MediaWriteProtected, Sim.SetFileAttributes(handle, FileAttributeReadOnly));
        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(handle, FileAttributeArchive), "nothing to change");
        Sim.Close(handle);
    }
}
