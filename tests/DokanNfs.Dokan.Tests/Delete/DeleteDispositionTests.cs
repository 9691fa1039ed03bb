using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Create;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Deletion;

/// <summary>
/// Delete by disposition against Ganesha (windows-io.md §0 and §2 "Delete"): DeleteFile / DeleteDirectory only
/// answer whether the object may go; it goes at Cleanup while DeletePending is set, and not at all after an
/// undelete.
/// </summary>
[TestClass]
public class DeleteDispositionTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    /// <summary>Explorer's delete open: DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES, share 7.</summary>
    private const uint DeleteAccess = Delete | Synchronize | FileReadAttributes;
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    [TestMethod]
    public async Task DeleteFile_removes_nothing_and_Cleanup_with_delete_pending_removes_the_file()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\victim.txt"), "data");
        var handle = Sim.Open(@"\victim.txt", DeleteAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(handle));
        Assert.IsTrue(File.Exists(OnDisk(@"\victim.txt")), "DeleteFile only answers");
        Assert.IsTrue(handle.DeletePending);
        Sim.Cleanup(handle);
        Assert.IsFalse(File.Exists(OnDisk(@"\victim.txt")), "removed at Cleanup");
        Sim.CloseFile(handle);
    }

    [TestMethod]
    public async Task An_undelete_before_Cleanup_keeps_the_file()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\kept.txt"), "data");
        var handle = Sim.Open(@"\kept.txt", DeleteAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(handle));
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(handle, deletePending: false));
        Sim.Close(handle);

        Assert.AreEqual("data", File.ReadAllText(OnDisk(@"\kept.txt")));
    }

    [TestMethod]
    public async Task A_read_only_file_is_cannot_delete_and_survives_Cleanup()
    {
        await MountAsync();
        HostFile.WriteReadOnly(OnDisk(@"\ro.txt"), "data");
        var handle = Sim.Open(@"\ro.txt", DeleteAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.CannotDelete, Sim.SetDeletePending(handle));
        Assert.IsFalse(handle.DeletePending);
        Sim.Close(handle);

        Assert.IsTrue(File.Exists(OnDisk(@"\ro.txt")));
    }

    [TestMethod]
    public async Task On_a_read_only_drive_deletion_is_media_write_protected()
    {
        await MountAsync(new DokanAdapterOptions { ReadOnly = true });
        File.WriteAllText(OnDisk(@"\file.txt"), "data");
        Directory.CreateDirectory(OnDisk(@"\dir"));
        var file = Sim.Open(@"\file.txt", DeleteAccess, ShareAll, FileOpen);
        var directory = Sim.Open(@"\dir", DeleteAccess, ShareAll, FileOpen, FileDirectoryFile);

        Assert.AreEqual(NtStatus.MediaWriteProtected, Sim.SetDeletePending(file));
        Assert.AreEqual(NtStatus.MediaWriteProtected, Sim.SetDeletePending(directory));
        Sim.Close(file);
        Sim.Close(directory);

        Assert.IsTrue(File.Exists(OnDisk(@"\file.txt")));
        Assert.IsTrue(Directory.Exists(OnDisk(@"\dir")));
    }

    [TestMethod]
    [DataRow(FileDirectoryFile, DisplayName = "opened with FILE_DIRECTORY_FILE")]
    [DataRow(0u, DisplayName = "opened without it (IsDirectory set by the adapter)")]
    public async Task A_non_empty_directory_is_directory_not_empty_and_an_empty_one_goes_at_Cleanup(uint options)
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\full"));
        File.WriteAllText(OnDisk(@"\full\child.txt"), "data");
        Directory.CreateDirectory(OnDisk(@"\empty"));

        var full = Sim.Open(@"\full", DeleteAccess, ShareAll, FileOpen, options);
        var empty = Sim.Open(@"\empty", DeleteAccess, ShareAll, FileOpen, options);
        Assert.IsTrue(full.IsDirectory);

        Assert.AreEqual(NtStatus.DirectoryNotEmpty, Sim.SetDeletePending(full));
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(empty));
        Assert.IsTrue(Directory.Exists(OnDisk(@"\empty")), "DeleteDirectory only answers");
        Sim.Close(full);
        Sim.Close(empty);

        Assert.IsTrue(File.Exists(OnDisk(@"\full\child.txt")));
        Assert.IsFalse(Directory.Exists(OnDisk(@"\empty")));
    }

    [TestMethod]
    public async Task The_root_cannot_be_deleted()
    {
        await MountAsync();
        var root = Sim.Open(@"\", DeleteAccess, ShareAll, FileOpen, FileDirectoryFile);

        Assert.AreEqual(NtStatus.CannotDelete, Sim.SetDeletePending(root));
        Sim.Close(root);
    }

    [TestMethod]
    public async Task Explorer_deletes_a_folder_tree_files_first_then_folders_bottom_up()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\tree\a\b"));
        File.WriteAllText(OnDisk(@"\tree\top.txt"), "1");
        File.WriteAllText(OnDisk(@"\tree\a\mid.txt"), "2");
        File.WriteAllText(OnDisk(@"\tree\a\b\deep.txt"), "3");

        // The folder itself is refused while it holds anything.
        var early = Sim.Open(@"\tree", DeleteAccess, ShareAll, FileOpen, FileDirectoryFile);
        Assert.AreEqual(NtStatus.DirectoryNotEmpty, Sim.SetDeletePending(early));
        Sim.Close(early);

        foreach (var path in new[] { @"\tree\a\b\deep.txt", @"\tree\a\b", @"\tree\a\mid.txt", @"\tree\a", @"\tree\top.txt", @"\tree" })
        {
            var isDirectory = Directory.Exists(OnDisk(path));
            var handle = Sim.Open(path, DeleteAccess, ShareAll, FileOpen, isDirectory ? FileDirectoryFile : FileNonDirectoryFile);
            Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(handle), path);
            Sim.Close(handle);
            Assert.IsFalse(File.Exists(OnDisk(path)) || Directory.Exists(OnDisk(path)), $"{path} removed");
        }

        Assert.AreEqual(0, Operations.Handles.Count);
    }

    [TestMethod]
    public async Task A_file_whose_last_handle_is_cleaned_up_by_another_open_is_removed_under_that_opens_name()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\two.txt"), "data");
        var first = Sim.Open(@"\two.txt", DeleteAccess, ShareAll, FileOpen);
        var second = Sim.Open(@"\two.txt", 0x120089, ShareAll, FileOpen);

        // Dokan 2.3+ passes DeletePending only to the last handle's Cleanup: the first handle's goes without it.
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(first));
        first.Info.DeletePending = 0;
        Sim.Close(first);
        Assert.IsTrue(File.Exists(OnDisk(@"\two.txt")), "not the last handle");
        second.Info.DeletePending = 1;
        Sim.Close(second);

        Assert.IsFalse(File.Exists(OnDisk(@"\two.txt")));
    }
}
