using System.Runtime.Versioning;
using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Info;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Scenarios;

/// <summary>
/// Office documents on the drive (../shared/windows-io.md §4): Word's safe save with its owner file, a second program
/// meeting Word's share mode, and two processes contending for a byte-range lock.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class OfficeScenarioTests(TestContext testContext) : ScenarioTestBase(testContext)
{
    private const uint Word = 100;
    private const uint Excel = 200;
    private const uint OtherProgram = 300;

    [TestMethod]
    public async Task Word_saves_safely_through_a_temporary_file_and_a_backup_and_only_the_new_document_is_left()
    {
        await MountDriveAsync();
        const string OldText = "the old version of the document, which is longer than nothing";
        File.WriteAllText(OnDisk(@"\doc.docx"), OldText);
        var originalInode = HostFacts.Inode(OnDisk(@"\doc.docx"));
        var newContent = new byte[100_000];
        new PseudoRandomStream(seed: 4, newContent.Length).ReadExactly(newContent);

        // Opening: attribute probes, the document read and kept open (share R | D), the owner file beside it (§4).
        var document = Sim.WordOpens(@"\doc.docx", out var content, Word);
        Assert.AreEqual(OldText, Encoding.ASCII.GetString(content));
        var owner = Sim.Create(@"\~$doc.docx", WindowsIoSimulator.MappedGenericReadWrite | Delete, FileShareRead | FileShareDelete, FileCreate,
            FileSynchronousIoNonAlert | FileNonDirectoryFile, FileAttributeHidden | FileAttributeArchive, Word);
        Assert.AreEqual(NtStatus.Success, owner.Status, "the owner file ~$doc.docx");
        Assert.AreEqual(NtStatus.Success, Sim.Write(owner.Handle!, 0, Ascii("\u0005Alice"), out _));
        Assert.IsTrue(File.Exists(OnDisk(@"\~$doc.docx")));

        // Saving: ~WRD0001.tmp written, doc.docx → ~WRL0001.tmp while Word's handle stays open, ~WRD0001.tmp → doc.docx,
        // the backup deleted on close (§4).
        var save = Sim.WordSavesSafely(document, @"\doc.docx", newContent, @"\~WRD0001.tmp", @"\~WRL0001.tmp");

        Assert.AreEqual(OldText.Length, SizeOf(save.OldDocumentAfterBackupRename), "the old handle still answers for the old document");
        Assert.AreEqual(originalInode, FileIndexOf(save.OldDocumentAfterBackupRename), "under the backup's name, the same file");
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(save.Document, out var saved));
        Assert.AreEqual(newContent.Length, SizeOf(saved), "the new document is the temporary file's content");

        // Closing: the document handle, then the owner file deleted through its own handle (disposition).
        Sim.Close(save.Document);
        Assert.AreEqual(NtStatus.Success, Sim.SetDisposition(owner.Handle!));
        Sim.Close(owner.Handle!);

        CollectionAssert.AreEqual(new[] { "doc.docx" }, ExportRootNames(), "no temporary, backup or owner file left");
        CollectionAssert.AreEqual(newContent, File.ReadAllBytes(OnDisk(@"\doc.docx")));
        Assert.AreNotEqual(originalInode, HostFacts.Inode(OnDisk(@"\doc.docx")), "a new file under the old name");
        Assert.AreEqual((UnixFileMode)0x1A4, ModeOnDisk(@"\doc.docx"));
        AssertOnlyTheseDidNotSucceed(
            @"ZwCreateFile \~WRL0001.tmp = ObjectNameNotFound", // each rename's target probe
            @"ZwCreateFile \doc.docx = ObjectNameNotFound");
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task While_Word_holds_the_document_with_share_read_writers_here_and_on_other_machines_are_refused_and_a_sharing_reader_reads_Words_data()
    {
        await MountDriveAsync();
        File.WriteAllText(OnDisk(@"\report.docx"), "draft");
        var word = Sim.Open(@"\report.docx", WindowsIoSimulator.MappedGenericReadWrite, FileShareRead, FileOpen, FileSynchronousIoNonAlert | FileNonDirectoryFile, processId: Word);
        Assert.AreEqual(NtStatus.Success, Sim.Write(word, 0, Ascii("final"), out _));

        // On this machine Dokan's driver answers share conflicts itself (sys/create.c): the create never reaches the adapter.
        var writer = Sim.Create(@"\report.docx", WindowsIoSimulator.MappedGenericWrite, FileShareRead | FileShareWrite, FileOpen, processId: OtherProgram);
        Assert.AreEqual(NtStatus.SharingViolation, writer.Status, "Word does not share writing");
        var strictReader = Sim.Create(@"\report.docx", WindowsIoSimulator.MappedGenericRead, FileShareRead, FileOpen, processId: OtherProgram);
        Assert.AreEqual(NtStatus.SharingViolation, strictReader.Status, "a reader that would deny writing, while Word writes");

        // On another machine only the adapter's NFS OPEN share_deny stands between Word and a writer.
        var otherMachine = Track(new NfsClient(Server.EndPoint, ClientOptions()));
        var denied = await Assert.ThrowsAsync<NfsException>(
            () => otherMachine.OpenAsync(Export + "/report.docx", new OpenRequest { Access = OpenShareAccess.Write }, Ct).AsTask());
        Assert.AreEqual(NfsStat4.ShareDenied, denied.Status);
        await using (var remoteReader = await otherMachine.OpenAsync(Export + "/report.docx", OpenRequest.ForRead, Ct))
        {
            var remote = new byte[16];
            Assert.AreEqual("final", Encoding.ASCII.GetString(remote, 0, await remoteReader.ReadAsync(0, remote, Ct)), "a reader elsewhere is let in");
            await remoteReader.CloseAsync(Ct);
        }

        // A reader here that shares reading and writing (a viewer, the preview pane) reaches the adapter and opens.
        var reader = Sim.Open(@"\report.docx", WindowsIoSimulator.MappedGenericRead, FileShareRead | FileShareWrite, FileOpen, processId: OtherProgram);
        var buffer = new byte[16];
        Assert.AreEqual(NtStatus.Success, Sim.Read(reader, 0, buffer, out var read));
        Assert.AreEqual("final", Encoding.ASCII.GetString(buffer, 0, (int)read), "it sees what Word wrote");
        Sim.Close(reader);
        // Explorer's attribute look needs no data access and is never refused (§1.4).
        Assert.AreEqual(5, SizeOf(Sim.ExplorerLooksAt(@"\report.docx")));

        Sim.Close(word);
        var after = Sim.Open(@"\report.docx", WindowsIoSimulator.MappedGenericWrite, FileShareRead | FileShareWrite, FileOpen, processId: OtherProgram);
        Assert.AreEqual(NtStatus.Success, Sim.Write(after, 5, Ascii(" v2"), out _));
        Sim.Close(after);

        Assert.AreEqual("final v2", File.ReadAllText(OnDisk(@"\report.docx")));
        AssertOnlyTheseDidNotSucceed(
            @"ZwCreateFile \report.docx (driver) = SharingViolation",
            @"ZwCreateFile \report.docx (driver) = SharingViolation",
            @"GetFileSecurity \report.docx = BufferOverflow");
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task Two_processes_contend_for_a_byte_range_lock_and_the_second_gets_it_once_the_first_closes_its_handle()
    {
        await MountDriveAsync();
        File.WriteAllText(OnDisk(@"\book.xlsx"), new string('.', 40));
        var excel = Sim.Open(@"\book.xlsx", WindowsIoSimulator.MappedGenericReadWrite, FileShareRead | FileShareWrite, FileOpen, FileNonDirectoryFile, processId: Excel);
        var other = Sim.Open(@"\book.xlsx", WindowsIoSimulator.MappedGenericReadWrite, FileShareRead | FileShareWrite, FileOpen, FileNonDirectoryFile, processId: OtherProgram);

        Assert.AreEqual(NtStatus.Success, Sim.LockFile(excel, 0, 20), "Excel locks the first 20 bytes");
        Assert.AreEqual(NtStatus.Success, Sim.Write(excel, 0, Ascii("EXCEL"), out _), "and writes inside its lock");
        Assert.AreEqual(NtStatus.LockNotGranted, Sim.LockFile(other, 10, 20), "an overlapping lock from the other process");
        Assert.AreEqual(NtStatus.FileLockConflict, Sim.Write(other, 15, Ascii("xx"), out var written), "a write into the locked range");
        Assert.AreEqual(0u, written);
        Assert.AreEqual(NtStatus.FileLockConflict, Sim.Read(other, 0, new byte[4], out _), "a read of the locked range (Windows locks are mandatory)");
        Assert.AreEqual(NtStatus.Success, Sim.Write(other, 30, Ascii("OTHER"), out _), "outside the lock");

        // Excel closes its handle without unlocking: Cleanup releases the lock (and its NFS OPEN); CloseFile comes later.
        Sim.Cleanup(excel);
        Assert.AreEqual(NtStatus.Success, Sim.LockFile(other, 10, 20));
        Assert.AreEqual(NtStatus.Success, Sim.Write(other, 15, Ascii("xx"), out _));
        Assert.AreEqual(NtStatus.Success, Sim.UnlockFile(other, 10, 20));
        Sim.Close(other);
        Sim.CloseFile(excel);

        Assert.AreEqual("EXCEL" + new string('.', 10) + "xx" + new string('.', 13) + "OTHER" + new string('.', 5), File.ReadAllText(OnDisk(@"\book.xlsx")));
        AssertOnlyTheseDidNotSucceed(
            @"LockFile \book.xlsx = LockNotGranted",
            @"WriteFile \book.xlsx@15 = FileLockConflict",
            @"ReadFile \book.xlsx@0 = FileLockConflict");
        AssertQuietEnd();
    }
}
