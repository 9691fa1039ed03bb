using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Io;

/// <summary>LockFile / UnlockFile (DOKAN_OPTION_FILELOCK_USER_MODE) as NFS byte-range locks, between processes and NFS clients.</summary>
[TestClass]
public class LockTests(TestContext testContext) : IoTestBase(testContext)
{
    private const uint Word = 100;
    private const uint Excel = 200;

    [TestMethod]
    public async Task A_lock_conflict_between_two_processes()
    {
        await MountAsync();
        MakeFile(@"\book.xlsx", "0123456789abcdefghij");
        var first = OpenFile(@"\book.xlsx", processId: Word);
        var second = OpenFile(@"\book.xlsx", processId: Excel);

        Assert.AreEqual(NtStatus.Success, Sim.LockFile(first, 0, 10));
        Assert.AreEqual(NtStatus.LockNotGranted, Sim.LockFile(second, 5, 10), "overlapping another process's lock");
        Assert.AreEqual(NtStatus.LockNotGranted, Sim.LockFile(second, 0, 1));
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(second, 10, 5), "the range just after it is free");

        Assert.AreEqual("", Read(second, 8, 4, NtStatus.FileLockConflict), "Windows locks are mandatory: a read into the range");
        Assert.AreEqual(NtStatus.FileLockConflict, Sim.Write(second, 0, Ascii("XX"), out var written));
        Assert.AreEqual(0u, written);
        Assert.AreEqual("0123456789", Read(first, 0, 10), "the holder reads its own range");
        Write(first, 0, "AB");
        Assert.AreEqual("abcd", Read(second, 10, 4), "and the other reads its own");
        Assert.AreEqual("ij", Read(second, 18, 2), "outside every lock");
        Assert.AreEqual("fghij", Read(first, 15, 5));
        Assert.AreEqual("", Read(first, 12, 2, NtStatus.FileLockConflict), "the first cannot read the second's range either");

        Assert.AreEqual(NtStatus.Success, Sim.UnlockFile(first, 0, 10));
        Assert.AreEqual("AB", Read(second, 0, 2));
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(second, 0, 10));
        Sim.Close(first);
        Sim.Close(second);
        Assert.AreEqual("AB23456789abcdefghij", ReadOnDisk(@"\book.xlsx"));
    }

    [TestMethod]
    public async Task An_append_that_would_land_in_another_handles_lock_past_the_end_is_a_lock_conflict()
    {
        await MountAsync();
        MakeFile(@"\log.txt", "0123456789");
        var holder = OpenFile(@"\log.txt", processId: Word);
        var appender = OpenFile(@"\log.txt", processId: Excel);
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(holder, 10, 10), "locking past the end of file is allowed");

        Assert.AreEqual(NtStatus.FileLockConflict, Sim.Write(appender, 0, Ascii("tail"), out var written, writeToEndOfFile: true));
        Assert.AreEqual(0u, written);
        Assert.AreEqual(4u, Write(holder, 0, "tail", writeToEndOfFile: true), "the holder appends into its own range");
        Sim.Close(holder);
        Assert.AreEqual(4u, Write(appender, 0, "more", writeToEndOfFile: true), "unlocked with the holder's Cleanup");
        Sim.Close(appender);
        Assert.AreEqual("0123456789tailmore", ReadOnDisk(@"\log.txt"));
    }

    [TestMethod]
    public async Task A_lock_is_exclusive_against_its_own_handle_too_and_a_paging_write_is_not_stopped_by_it()
    {
        await MountAsync();
        MakeFile(@"\f.bin", "0123456789");
        var holder = OpenFile(@"\f.bin");
        var other = OpenFile(@"\f.bin");

        Assert.AreEqual(NtStatus.Success, Sim.LockFile(holder, 2, 4));
        Assert.AreEqual(NtStatus.LockNotGranted, Sim.LockFile(holder, 5, 1), "exclusive locks do not overlap, not even one handle's");
        Assert.AreEqual(NtStatus.LockNotGranted, Sim.LockFile(holder, 2, 4));
        Assert.AreEqual(2u, Write(other, 2, "xy", pagingIo: true), "paging I/O is not subject to byte-range locks");
        Sim.Close(holder);
        Sim.Close(other);
        Assert.AreEqual("01xy456789", ReadOnDisk(@"\f.bin"));
    }

    [TestMethod]
    public async Task A_lock_held_by_another_nfs_client_blocks_LockFile_and_ours_blocks_it()
    {
        await MountAsync();
        MakeFile(@"\shared.db", new string('.', 100));
        var other = OtherClient();
        var theirs = Track(await other.OpenAsync(ServerPath(@"\shared.db"), OpenRequest.ForReadWrite, Ct));
        Assert.IsNull(await theirs.LockAsync(NfsLockType4.Write, 0, 50, wait: false, Ct));

        var ours = OpenFile(@"\shared.db");
        Assert.AreEqual(NtStatus.LockNotGranted, Sim.LockFile(ours, 40, 20), "held on the server by another client");
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(ours, 60, 10));
        Assert.AreEqual(NtStatus.RangeNotLocked, Sim.UnlockFile(ours, 40, 20), "the refused lock left nothing behind");
        Assert.IsNotNull(await theirs.LockAsync(NfsLockType4.Write, 65, 1, wait: false, Ct), "the other client sees our lock");

        await theirs.UnlockAsync(0, 50, Ct);
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(ours, 40, 20), "granted once they unlocked");
        Sim.Close(ours);
    }

    [TestMethod]
    public async Task Cleanup_releases_the_handles_locks_on_the_server_and_between_handles()
    {
        await MountAsync();
        MakeFile(@"\f.bin", new string('.', 100));
        var holder = OpenFile(@"\f.bin", processId: Word);
        var other = OpenFile(@"\f.bin", processId: Excel);
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(holder, 0, 100));
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(holder, 100, 0), "a zero-length lock is legal");
        var client = OtherClient();
        var theirs = Track(await client.OpenAsync(ServerPath(@"\f.bin"), OpenRequest.ForReadWrite, Ct));
        Assert.IsNotNull(await theirs.LockAsync(NfsLockType4.Write, 10, 10, wait: false, Ct));

        Sim.Cleanup(holder);
        Assert.AreEqual(".....", Read(other, 0, 5), "the lock went with the handle");
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(other, 0, 5));
        Assert.IsNull(await theirs.LockAsync(NfsLockType4.Write, 10, 10, wait: false, Ct), "and on the server");
        Sim.CloseFile(holder);
        Sim.Close(other);
    }

    [TestMethod]
    public async Task UnlockFile_must_name_a_range_exactly_as_this_handle_and_process_locked_it()
    {
        await MountAsync();
        MakeFile(@"\f.bin", new string('.', 100));
        var handle = OpenFile(@"\f.bin", processId: Word);
        var sameFileOtherHandle = OpenFile(@"\f.bin", processId: Word);

        Assert.AreEqual(NtStatus.RangeNotLocked, Sim.UnlockFile(handle, 0, 10), "nothing locked yet");
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(handle, 0, 10));
        Assert.AreEqual(NtStatus.RangeNotLocked, Sim.UnlockFile(handle, 0, 5), "a part of it");
        Assert.AreEqual(NtStatus.RangeNotLocked, Sim.UnlockFile(handle, 0, 20), "more than it");
        Assert.AreEqual(NtStatus.RangeNotLocked, Sim.UnlockFile(sameFileOtherHandle, 0, 10), "another handle's");
        Assert.AreEqual(NtStatus.Success, Sim.UnlockFile(handle, 0, 10));
        Assert.AreEqual(NtStatus.RangeNotLocked, Sim.UnlockFile(handle, 0, 10), "already unlocked");
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(handle, 0, 0));
        Assert.AreEqual(NtStatus.Success, Sim.UnlockFile(handle, 0, 0));
        Sim.Close(handle);
        Sim.Close(sameFileOtherHandle);
    }

    [TestMethod]
    public async Task A_handle_opened_for_reading_takes_a_lock_that_other_clients_writers_and_our_handles_respect()
    {
        await MountAsync();
        MakeFile(@"\f.bin", new string('.', 100));
        var reader = OpenFile(@"\f.bin", ReadOnly, processId: Word);
        var writer = OpenFile(@"\f.bin", processId: Excel);

        Assert.AreEqual(NtStatus.Success, Sim.LockFile(reader, 0, 10), "a read open gets READ_LT (the server refuses WRITE_LT on it: OPENMODE)");
        Assert.AreEqual(NtStatus.LockNotGranted, Sim.LockFile(writer, 5, 10));
        var client = OtherClient();
        var theirs = Track(await client.OpenAsync(ServerPath(@"\f.bin"), OpenRequest.ForReadWrite, Ct));
        Assert.IsNotNull(await theirs.LockAsync(NfsLockType4.Write, 0, 5, wait: false, Ct));
        Sim.Close(reader);
        Sim.Close(writer);
    }

    [TestMethod]
    public async Task An_attribute_only_open_cannot_lock_and_a_directory_has_no_byte_ranges()
    {
        await MountAsync();
        MakeFile(@"\f.bin", "0123456789");
        Directory.CreateDirectory(OnDisk(@"\dir"));
        var attributesOnly = OpenFile(@"\f.bin", FileReadAttributes | Synchronize);
        Assert.AreEqual(NtStatus.AccessDenied, Sim.LockFile(attributesOnly, 0, 1));
        Sim.Close(attributesOnly);

        var directory = Sim.Open(@"\dir", FileReadData | Synchronize, ShareAll, FileOpen, FileDirectoryFile);
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.LockFile(directory, 0, 1));
        Sim.Close(directory);
    }

    [TestMethod]
    [DataRow(-1L, 10L)]
    [DataRow(0L, -1L)]
    [DataRow(long.MinValue, 1L)]
    [DataRow(long.MaxValue, 1L)]
    [DataRow(1L, long.MaxValue)]
    public async Task Negative_or_overflowing_ranges_are_invalid(long offset, long length)
    {
        await MountAsync();
        MakeFile(@"\f.bin", "0123456789");
        var handle = OpenFile(@"\f.bin");
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.LockFile(handle, offset, length));
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.UnlockFile(handle, offset, length));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task A_lock_at_the_top_of_the_range_and_past_the_end_of_file_is_granted()
    {
        await MountAsync();
        MakeFile(@"\f.bin", "0123456789");
        var handle = OpenFile(@"\f.bin");
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(handle, long.MaxValue - 10, 10));
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(handle, 1000, 1));
        Assert.AreEqual(NtStatus.Success, Sim.UnlockFile(handle, long.MaxValue - 10, 10));
        Sim.Close(handle);
    }
}
