using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Create;

/// <summary>
/// FILE_DELETE_ON_CLOSE against Ganesha: no DeleteFile callback follows such a create (windows-io.md §0), so
/// ZwCreateFile itself refuses what could not be deleted, and the object goes at Cleanup — or at CloseFile when
/// Cleanup never came.
/// </summary>
[TestClass]
public class DeleteOnCloseTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint ReadWrite = 0x12019F;
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    [TestMethod]
    public async Task An_existing_file_opened_delete_on_close_stays_until_Cleanup_and_is_gone_after()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\doomed.txt"), "data");

        var handle = Sim.Open(@"\doomed.txt", Delete | Synchronize | FileReadAttributes, ShareAll, FileOpen, FileNonDirectoryFile | FileDeleteOnClose);
        Assert.IsTrue(File.Exists(OnDisk(@"\doomed.txt")), "nothing is removed at create");
        Sim.Cleanup(handle);
        Assert.IsFalse(File.Exists(OnDisk(@"\doomed.txt")), "removed at Cleanup");
        Sim.CloseFile(handle);
        Assert.AreEqual(0, Operations.Handles.Count);
    }

    [TestMethod]
    public async Task A_temporary_file_created_delete_on_close_and_written_is_removed_at_Cleanup()
    {
        await MountAsync();

        var handle = Sim.Open(@"\~tmp0001.tmp", ReadWrite | Delete, 0, FileCreate, FileNonDirectoryFile | FileDeleteOnClose, FileAttributeNormal);
        Assert.IsTrue(File.Exists(OnDisk(@"\~tmp0001.tmp")));
        Sim.Close(handle);

        Assert.IsFalse(File.Exists(OnDisk(@"\~tmp0001.tmp")));
    }

    [TestMethod]
    public async Task A_read_only_file_opened_delete_on_close_is_cannot_delete_and_stays()
    {
        await MountAsync();
        HostFile.WriteReadOnly(OnDisk(@"\ro.txt"), "data");

        var result = Sim.Create(@"\ro.txt", Delete | Synchronize, ShareAll, FileOpen, FileNonDirectoryFile | FileDeleteOnClose);

        Assert.AreEqual(NtStatus.CannotDelete, result.Status);
        Assert.IsNull(result.Handle);
        Assert.IsTrue(File.Exists(OnDisk(@"\ro.txt")));
    }

    [TestMethod]
    public async Task Creating_a_read_only_file_delete_on_close_is_cannot_delete_and_creates_nothing()
    {
        await MountAsync();

        var result = Sim.Create(@"\ro-new.txt", ReadWrite | Delete, 0, FileCreate, FileNonDirectoryFile | FileDeleteOnClose, FileAttributeReadOnly);

        Assert.AreEqual(NtStatus.CannotDelete, result.Status);
        Assert.IsFalse(File.Exists(OnDisk(@"\ro-new.txt")));
    }

    [TestMethod]
    [DataRow(FileDirectoryFile, DisplayName = "with FILE_DIRECTORY_FILE")]
    [DataRow(0u, DisplayName = "without FILE_DIRECTORY_FILE")]
    public async Task A_non_empty_directory_opened_delete_on_close_is_directory_not_empty(uint options)
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\full"));
        File.WriteAllText(OnDisk(@"\full\child.txt"), "data");

        var result = Sim.Create(@"\full", Delete | Synchronize, ShareAll, FileOpen, options | FileDeleteOnClose);

        Assert.AreEqual(NtStatus.DirectoryNotEmpty, result.Status);
        Assert.IsTrue(File.Exists(OnDisk(@"\full\child.txt")));
    }

    [TestMethod]
    public async Task An_empty_directory_opened_delete_on_close_is_removed_at_Cleanup()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\empty"));

        var handle = Sim.Open(@"\empty", Delete | Synchronize, ShareAll, FileOpen, FileDirectoryFile | FileDeleteOnClose);
        Assert.IsTrue(handle.IsDirectory);
        Assert.IsTrue(Directory.Exists(OnDisk(@"\empty")));
        Sim.Close(handle);

        Assert.IsFalse(Directory.Exists(OnDisk(@"\empty")));
    }

    [TestMethod]
    public async Task The_root_cannot_be_opened_delete_on_close()
    {
        await MountAsync();

        var result = Sim.Create(@"\", Delete, ShareAll, FileOpen, FileDirectoryFile | FileDeleteOnClose);

        Assert.AreEqual(NtStatus.CannotDelete, result.Status);
    }

    [TestMethod]
    public async Task A_delete_on_close_open_that_only_gets_CloseFile_still_removes_the_file()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\orphan.txt"), "data");

        var handle = Sim.Open(@"\orphan.txt", ReadWrite | Delete, 0, FileOpen, FileNonDirectoryFile | FileDeleteOnClose);
        Sim.CloseFile(handle);

        Assert.IsFalse(File.Exists(OnDisk(@"\orphan.txt")));
        Assert.AreEqual(0, Operations.Handles.Count);
    }
}
