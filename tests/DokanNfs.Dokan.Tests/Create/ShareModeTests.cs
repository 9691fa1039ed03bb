using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Create;

/// <summary>
/// Share modes become OPEN share_access / share_deny and conflicts come back as STATUS_SHARING_VIOLATION; opens
/// that do not touch data, and directory opens, put no OPEN on the wire and so reserve nothing; Cleanup and
/// CloseFile give an OPEN back exactly once, also when only CloseFile comes.
/// </summary>
[TestClass]
public class ShareModeTests(TestContext testContext) : WireCountingTestBase(testContext)
{
    // Generic rights as the I/O manager maps them for files (windows-io.md §0).
    private const uint Read = 0x120089;
    private const uint Write = 0x120116;
    private const uint ReadWrite = 0x12019F;
    private const uint ShareNone = 0;
    private const uint ShareRead = FileShareRead;
    private const uint ShareWrite = FileShareWrite;
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;
    private const uint MaximumAllowed = 0x02000000;

    [TestMethod]
    [DataRow(Read, ShareRead, Write, ShareAll, DisplayName = "a reader that denies writing refuses a writer")]
    [DataRow(Write, ShareAll, Read, ShareRead, DisplayName = "a reader that denies writing is refused while a writer is open")]
    [DataRow(ReadWrite, ShareNone, Read, ShareAll, DisplayName = "share 0 refuses a reader")]
    [DataRow(Read, ShareNone, Read, ShareAll, DisplayName = "share 0 on a read open refuses another reader")]
    [DataRow(Read, ShareWrite, Read, ShareAll, DisplayName = "a reader that denies reading refuses a reader")]
    [DataRow(Read, ShareAll, Read, ShareWrite, DisplayName = "a reader that denies reading is refused while a reader is open")]
    public async Task Conflicting_share_modes_give_the_second_handle_a_sharing_violation_until_the_first_is_closed(
        uint firstAccess, uint firstShare, uint secondAccess, uint secondShare)
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\shared.txt"), "data");
        var first = Sim.Open(@"\shared.txt", firstAccess, firstShare, FileOpen, FileNonDirectoryFile);

        var refused = Sim.Create(@"\shared.txt", secondAccess, secondShare, FileOpen, FileNonDirectoryFile);

        Assert.AreEqual(NtStatus.SharingViolation, refused.Status);
        Assert.IsNull(refused.Handle);
        Assert.AreEqual(1, Operations.Handles.Count, "the refused create left no open");
        Sim.Close(first);
        var second = Sim.Open(@"\shared.txt", secondAccess, secondShare, FileOpen, FileNonDirectoryFile);
        Sim.Close(second);
        Assert.AreEqual("data", File.ReadAllText(OnDisk(@"\shared.txt")));
    }

    [TestMethod]
    [DataRow(Read, ShareRead, Read, ShareRead, DisplayName = "two readers that both share reading")]
    [DataRow(Read, ShareRead | ShareWrite, Write, ShareRead | ShareWrite, DisplayName = "a reader and a writer that share both")]
    [DataRow(ReadWrite, ShareAll, ReadWrite, ShareAll, DisplayName = "two read-write opens that share everything")]
    [DataRow(Write, ShareRead, Read, ShareRead | ShareWrite, DisplayName = "a writer that lets others read, and a reader")]
    public async Task Compatible_share_modes_both_succeed(uint firstAccess, uint firstShare, uint secondAccess, uint secondShare)
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\shared.txt"), "data");

        var first = Sim.Create(@"\shared.txt", firstAccess, firstShare, FileOpen, FileNonDirectoryFile);
        var second = Sim.Create(@"\shared.txt", secondAccess, secondShare, FileOpen, FileNonDirectoryFile);

        Assert.AreEqual(NtStatus.Success, first.Status);
        Assert.AreEqual(NtStatus.Success, second.Status);
        Assert.IsNotNull(Operations.Handles.Find(first.Handle!.Info.Context)?.Handle, "the first holds an NFS OPEN");
        Assert.IsNotNull(Operations.Handles.Find(second.Handle!.Info.Context)?.Handle, "the second holds an NFS OPEN");
        Sim.Close(second.Handle);
        Sim.Close(first.Handle);
    }

    [TestMethod]
    [DataRow(FileReadAttributes, DisplayName = "FILE_READ_ATTRIBUTES")]
    [DataRow(ReadControl, DisplayName = "READ_CONTROL")]
    [DataRow(Synchronize, DisplayName = "SYNCHRONIZE")]
    [DataRow(Delete, DisplayName = "DELETE")]
    [DataRow(FileWriteAttributes | Synchronize, DisplayName = "FILE_WRITE_ATTRIBUTES | SYNCHRONIZE")]
    [DataRow(Delete | Synchronize | FileReadAttributes, DisplayName = "Explorer's rename open 0x110080")]
    [DataRow(ReadControl | WriteDac | WriteOwner | FileReadAttributes | FileReadEa, DisplayName = "security and EA")]
    public async Task An_open_that_does_not_touch_data_sends_no_OPEN_and_does_not_block_another_programs_write_open(uint access)
    {
        await MountRecordedAsync();
        File.WriteAllText(OnDisk(@"\probe.txt"), "data");

        var probe = Step("probe", () => Recorded.Open(@"\probe.txt", access, ShareNone, FileOpen));

        Assert.AreEqual(0, Count("probe", NfsOpnum4.Open), "no NFS OPEN for an open without data access");
        var writer = Sim.Create(@"\probe.txt", Write, ShareAll, FileOpen, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, writer.Status, "another program's write open is not refused by a share-0 attribute open");
        Sim.Close(writer.Handle!);
        Step("close probe", () => Recorded.Close(probe));
        Assert.AreEqual(0, Count("close probe", NfsOpnum4.Close), "nothing to CLOSE");
    }

    [TestMethod]
    public async Task Directory_opens_and_creates_send_no_OPEN()
    {
        await MountRecordedAsync();
        Directory.CreateDirectory(OnDisk(@"\dir"));
        File.WriteAllText(OnDisk(@"\dir\inside.txt"), "data");

        var listing = Step("list", () => Recorded.Open(@"\dir", FileListDirectory | Synchronize, ShareAll, FileOpen, FileDirectoryFile | FileSynchronousIoNonAlert));
        var generic = Step("generic", () => Recorded.Open(@"\dir", ReadWrite, ShareNone, FileOpen));
        var created = Step("mkdir", () => Recorded.Create(@"\dir\sub", FileListDirectory | Synchronize, ShareRead | ShareWrite, FileCreate, FileDirectoryFile, FileAttributeNormal));

        Assert.IsTrue(listing.IsDirectory);
        Assert.IsTrue(generic.IsDirectory, "a directory opened without FILE_DIRECTORY_FILE is still one");
        Assert.AreEqual(NtStatus.Success, created.Status);
        Assert.IsTrue(Directory.Exists(OnDisk(@"\dir\sub")));
        Assert.AreEqual(0, Count("list", NfsOpnum4.Open) + Count("generic", NfsOpnum4.Open) + Count("mkdir", NfsOpnum4.Open));
        Assert.AreEqual(1, Count("mkdir", NfsOpnum4.Create), "the directory is made with CREATE");
        var writer = Sim.Create(@"\dir\inside.txt", Write, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.Success, writer.Status, "no share reservation on the directory's file either");
        Sim.Close(writer.Handle!);
        Recorded.Close(created.Handle!);
        Recorded.Close(generic);
        Recorded.Close(listing);
    }

    [TestMethod]
    public async Task A_data_open_sends_one_OPEN_and_Cleanup_then_CloseFile_send_one_CLOSE()
    {
        await MountRecordedAsync();
        File.WriteAllText(OnDisk(@"\data.txt"), "data");

        var handle = Step("open", () => Recorded.Open(@"\data.txt", Read, ShareRead, FileOpen, FileNonDirectoryFile));
        Step("cleanup", () => Recorded.Cleanup(handle));
        Step("closefile", () => Recorded.CloseFile(handle));

        Assert.AreEqual(1, Count("open", NfsOpnum4.Open));
        Assert.AreEqual(1, Count("cleanup", NfsOpnum4.Close), "Cleanup gives the OPEN back");
        Assert.AreEqual(0, Count("closefile", NfsOpnum4.Close), "and CloseFile does not give it back again");
    }

    [TestMethod]
    public async Task A_share_0_open_that_only_gets_CloseFile_is_released_once_and_the_file_can_be_opened_again()
    {
        await MountRecordedAsync();
        File.WriteAllText(OnDisk(@"\locked.txt"), "data");
        var exclusive = Recorded.Open(@"\locked.txt", ReadWrite, ShareNone, FileOpen, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.SharingViolation, Sim.Create(@"\locked.txt", Read, ShareAll, FileOpen).Status, "another client is refused while it is open");

        Step("closefile only", () => Recorded.CloseFile(exclusive));

        Assert.AreEqual(1, Count("closefile only", NfsOpnum4.Close), "CloseFile without Cleanup releases the OPEN, once");
        Assert.AreEqual(0, Recorded.Operations.Handles.Count);
        var other = Sim.Create(@"\locked.txt", ReadWrite, ShareNone, FileOpen, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, other.Status, "another program opens it after CloseFile");
        var sameClient = Recorded.Create(@"\locked.txt", Read, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.SharingViolation, sameClient.Status, "the new share-0 open holds");
        Sim.Close(other.Handle!);
    }

    [TestMethod]
    public async Task A_create_for_attributes_only_makes_the_file_and_keeps_no_OPEN()
    {
        await MountRecordedAsync();

        var created = Step("create", () => Recorded.Create(@"\made.txt", FileReadAttributes | Synchronize, ShareNone, FileCreate, FileNonDirectoryFile, FileAttributeNormal));

        Assert.AreEqual(NtStatus.Success, created.Status);
        Assert.IsTrue(File.Exists(OnDisk(@"\made.txt")));
        Assert.AreEqual(1, Count("create", NfsOpnum4.Open), "a regular file can only be made by OPEN");
        Assert.AreEqual(1, Count("create", NfsOpnum4.Close), "which is given back at once");
        var writer = Sim.Create(@"\made.txt", Write, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.Success, writer.Status, "no share reservation is left");
        Sim.Close(writer.Handle!);
        Step("close", () => Recorded.Close(created.Handle!));
        Assert.AreEqual(0, Count("close", NfsOpnum4.Close));
    }

    [TestMethod]
    public async Task Maximum_allowed_on_a_writable_file_opens_for_writing_too()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\max.txt"), "data");
        var maximum = Sim.Open(@"\max.txt", MaximumAllowed, ShareAll, FileOpen);

        var denyWriters = Sim.Create(@"\max.txt", Read, ShareRead, FileOpen);

        Assert.AreEqual(NtStatus.SharingViolation, denyWriters.Status, "MAXIMUM_ALLOWED holds write access, so a reader that denies writing is refused");
        Sim.Close(maximum);
    }
}
