using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Io;

/// <summary>ReadFile, WriteFile and FlushFileBuffers as Windows sends them, checked against the export on disk.</summary>
[TestClass]
public class ReadWriteTests(TestContext testContext) : IoTestBase(testContext)
{
    [TestMethod]
    public async Task Reads_at_offsets_stop_at_end_of_file_and_a_read_at_or_past_it_is_end_of_file()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt", ReadOnly);

        Assert.AreEqual("0123", Read(handle, 0, 4));
        Assert.AreEqual("456", Read(handle, 4, 3));
        Assert.AreEqual("89", Read(handle, 8, 100), "a read across the end returns what is there");
        Assert.AreEqual("", Read(handle, 10, 4, NtStatus.EndOfFile));
        Assert.AreEqual("", Read(handle, 1000, 4, NtStatus.EndOfFile));
        Assert.AreEqual("", Read(handle, 0, 0), "a zero-length read succeeds");
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task Writes_at_offsets_overwrite_in_place_and_past_the_end_leave_zeros_between()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt");

        Assert.AreEqual(3u, Write(handle, 2, "abc"));
        Assert.AreEqual("01abc56789", ReadOnDisk(@"\f.txt"));
        Assert.AreEqual(1u, Write(handle, 14, "z"));
        Assert.AreEqual("01abc56789\0\0\0\0z", ReadOnDisk(@"\f.txt"));
        Assert.AreEqual("abc56789\0\0\0\0z", Read(handle, 2, 64), "reads see the writes of the same open");
        Assert.IsTrue(ContextOf(handle).Dirty, "a write marks the open dirty");
        Sim.Close(handle);
        Assert.AreEqual("01abc56789\0\0\0\0z", ReadOnDisk(@"\f.txt"));
    }

    [TestMethod]
    public async Task WriteToEndOfFile_ignores_the_offset_and_appends_at_the_current_end()
    {
        await MountAsync();
        MakeFile(@"\log.txt", "start.");
        var handle = OpenFile(@"\log.txt");

        Assert.AreEqual(3u, Write(handle, 0, "one", writeToEndOfFile: true));
        Assert.AreEqual(3u, Write(handle, 0, "two", writeToEndOfFile: true));
        File.AppendAllText(OnDisk(@"\log.txt"), "[other]");
        Assert.AreEqual(5u, Write(handle, 2, "three", writeToEndOfFile: true));
        Sim.Close(handle);
        Assert.AreEqual("start.onetwo[other]three", ReadOnDisk(@"\log.txt"));
    }

    [TestMethod]
    public async Task An_open_with_append_data_but_not_write_data_writes_at_the_end_whatever_the_offset()
    {
        await MountAsync();
        MakeFile(@"\log.txt", "abc");
        var handle = OpenFile(@"\log.txt", FileAppendData | FileReadAttributes | Synchronize);

        Assert.AreEqual(2u, Write(handle, 0, "de"));
        Sim.Close(handle);
        Assert.AreEqual("abcde", ReadOnDisk(@"\log.txt"));
    }

    [TestMethod]
    public async Task Paging_writes_are_clipped_to_the_file_size_and_past_it_write_nothing()
    {
        await MountAsync();
        MakeFile(@"\mapped.bin", "0123456789");
        var handle = OpenFile(@"\mapped.bin");

        Assert.AreEqual(4u, Write(handle, 0, "abcd", pagingIo: true));
        Assert.AreEqual(2u, Write(handle, 8, "WXYZ", pagingIo: true), "a page that crosses the end is written up to it");
        Assert.AreEqual(0u, Write(handle, 10, "tail", pagingIo: true), "a page at the end writes nothing");
        Assert.AreEqual(0u, Write(handle, 4096, "tail", pagingIo: true), "a page past the end writes nothing");
        Sim.Close(handle);
        Assert.AreEqual("abcd4567WX", ReadOnDisk(@"\mapped.bin"));
    }

    [TestMethod]
    public async Task Paging_io_after_cleanup_reopens_for_read_then_for_write_and_CloseFile_releases_that_open()
    {
        await MountAsync();
        MakeFile(@"\mapped.bin", "0123456789");
        var handle = OpenFile(@"\mapped.bin");
        Assert.AreEqual(2u, Write(handle, 0, "ab"));
        Sim.Cleanup(handle);
        var context = ContextOf(handle);
        Assert.IsNull(context.Handle, "Cleanup closed the open's NFS OPEN");
        Assert.AreEqual("", Read(handle, 0, 4, NtStatus.FileClosed), "non-paging I/O after Cleanup");

        Assert.AreEqual("ab234567", Read(handle, 0, 8, pagingIo: true));
        Assert.IsNotNull(context.LateHandle);
        Assert.IsFalse(context.LateHandleWrites, "a paging read opens for reading only");
        var other = OtherClient();
        var denyWrite = await other.OpenAsync(ServerPath(@"\mapped.bin"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write }, Ct);
        await denyWrite.CloseAsync(Ct);

        Assert.AreEqual(4u, Write(handle, 6, "WXYZ", pagingIo: true));
        Assert.IsTrue(context.LateHandleWrites, "a paging write reopens for writing");
        Assert.AreEqual(2u, Write(handle, 8, "!!!!", pagingIo: true), "still clipped to the size after Cleanup");
        var refused = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
            await other.OpenAsync(ServerPath(@"\mapped.bin"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write }, Ct));
        Assert.AreEqual(NfsStat4.ShareDenied, refused.Status, "the late OPEN writes until CloseFile");

        Sim.CloseFile(handle);
        Assert.AreEqual("ab2345WX!!", ReadOnDisk(@"\mapped.bin"));
        Assert.AreEqual(0, Operations.Handles.Count);
        var afterClose = await other.OpenAsync(ServerPath(@"\mapped.bin"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write }, Ct);
        await afterClose.CloseAsync(Ct);
    }

    [TestMethod]
    public async Task A_write_on_an_open_made_for_reading_is_access_denied_but_a_paging_write_through_it_lands()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt", ReadOnly);

        Assert.AreEqual(NtStatus.AccessDenied, Sim.Write(handle, 0, Ascii("no"), out var written));
        Assert.AreEqual(0u, written);
        Assert.AreEqual(NtStatus.AccessDenied, Sim.Write(handle, 0, Ascii("no"), out _, writeToEndOfFile: true));
        Assert.AreEqual("0123456789", ReadOnDisk(@"\f.txt"));

        // The cache manager writes dirty pages through the file object that set up caching, which may be
        // one opened for reading while another handle wrote through the cache.
        Assert.AreEqual(3u, Write(handle, 3, "abc", pagingIo: true));
        Sim.Close(handle);
        Assert.AreEqual("012abc6789", ReadOnDisk(@"\f.txt"));
    }

    [TestMethod]
    public async Task An_attribute_only_open_cannot_read_or_write_but_paging_reads_through_it_work()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt", FileReadAttributes | Synchronize);
        Assert.IsNull(ContextOf(handle).Handle, "an attribute-only open has no NFS OPEN");

        Assert.AreEqual("", Read(handle, 0, 4, NtStatus.AccessDenied));
        Assert.AreEqual(NtStatus.AccessDenied, Sim.Write(handle, 0, Ascii("no"), out _));
        Assert.AreEqual("0123", Read(handle, 0, 4, pagingIo: true));
        Sim.Close(handle);
        Assert.AreEqual("0123456789", ReadOnDisk(@"\f.txt"));
    }

    [TestMethod]
    public async Task A_write_only_open_reads_its_pages_and_refuses_a_program_read()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt", FileWriteData | Synchronize);

        Assert.AreEqual("", Read(handle, 0, 4, NtStatus.AccessDenied));
        Assert.AreEqual("0123", Read(handle, 0, 4, pagingIo: true), "the cache manager reads a page before a partial write");
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task Flush_commits_and_clears_dirty_and_is_harmless_without_writes()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt");
        Assert.AreEqual(NtStatus.Success, Sim.Flush(handle), "nothing written yet");

        Write(handle, 0, "xy");
        Assert.IsTrue(ContextOf(handle).Dirty);
        Assert.AreEqual(NtStatus.Success, Sim.Flush(handle));
        Assert.IsFalse(ContextOf(handle).Dirty, "FlushFileBuffers committed what was written");
        Assert.AreEqual("xy23456789", ReadOnDisk(@"\f.txt"));
        Sim.Close(handle);

        var attributesOnly = OpenFile(@"\f.txt", FileReadAttributes);
        Assert.AreEqual(NtStatus.Success, Sim.Flush(attributesOnly));
        Sim.Close(attributesOnly);
    }

    [TestMethod]
    public async Task Bad_offsets_and_directories_are_refused_before_anything_is_sent()
    {
        await MountAsync();
        MakeFile(@"\f.txt", "0123456789");
        Directory.CreateDirectory(OnDisk(@"\dir"));
        var handle = OpenFile(@"\f.txt");

        Assert.AreEqual("", Read(handle, -1, 4, NtStatus.InvalidParameter));
        Assert.AreEqual(NtStatus.InvalidParameter, Sim.Write(handle, -5, Ascii("x"), out _));
        Assert.AreEqual("", Read(handle, long.MaxValue - 1, 4, NtStatus.InvalidParameter), "offset + length overflows");

        var directory = Sim.Open(@"\dir", FileReadData | Synchronize, ShareAll, FileOpen, FileDirectoryFile);
        Assert.AreEqual("", Read(directory, 0, 4, NtStatus.InvalidDeviceRequest));
        Assert.AreEqual(NtStatus.InvalidDeviceRequest, Sim.Write(directory, 0, Ascii("x"), out _));
        Sim.Close(directory);
        Sim.Close(handle);
        Assert.AreEqual("0123456789", ReadOnDisk(@"\f.txt"));
    }

    [TestMethod]
    public async Task A_read_only_drive_refuses_writes_with_media_write_protected()
    {
        await MountAsync(new Adapter.DokanAdapterOptions { ReadOnly = true });
        MakeFile(@"\f.txt", "0123456789");
        var handle = OpenFile(@"\f.txt", ReadOnly);

        Assert.AreEqual(NtStatus.MediaWriteProtected, Sim.Write(handle, 0, Ascii("x"), out _, pagingIo: true));
        Assert.AreEqual("0123", Read(handle, 0, 4));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task A_large_write_and_read_round_trip_through_several_nfs_calls()
    {
        await MountAsync();
        MakeFile(@"\big.bin", "");
        var handle = OpenFile(@"\big.bin");
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(6).NextBytes(data);

        Assert.AreEqual(NtStatus.Success, Sim.Write(handle, 0, data, out var written));
        Assert.AreEqual((uint)data.Length, written);
        var back = new byte[data.Length + 100];
        Assert.AreEqual(NtStatus.Success, Sim.Read(handle, 0, back, out var read));
        Assert.AreEqual((uint)data.Length, read);
        CollectionAssert.AreEqual(data, back.AsSpan(0, data.Length).ToArray());
        Sim.Close(handle);
        CollectionAssert.AreEqual(data, File.ReadAllBytes(OnDisk(@"\big.bin")));
    }
}
