using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Create;

/// <summary>
/// ZwCreateFile's refusals and the modes it creates with, against Ganesha: read-only files refuse writers,
/// missing parents and missing leaves are told apart, a read-only drive refuses every change, new files and
/// directories get the configured modes.
/// </summary>
[TestClass]
public class CreateRulesTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint Read = 0x120089;
    private const uint Write = 0x120116;
    private const uint ReadWrite = 0x12019F;
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    [TestMethod]
    [DataRow(Write, FileOpen, DisplayName = "GENERIC_WRITE, OPEN")]
    [DataRow(FileWriteData, FileOpen, DisplayName = "FILE_WRITE_DATA, OPEN")]
    [DataRow(FileAppendData | Synchronize, FileOpen, DisplayName = "FILE_APPEND_DATA, OPEN")]
    [DataRow(ReadWrite, FileOpenIf, DisplayName = "read-write, OPEN_IF")]
    [DataRow(Read, FileOverwrite, DisplayName = "read, OVERWRITE")]
    [DataRow(Read, FileOverwriteIf, DisplayName = "read, OVERWRITE_IF")]
    [DataRow(Read, FileSupersede, DisplayName = "read, SUPERSEDE")]
    public async Task A_read_only_file_opened_for_writing_is_access_denied_and_left_alone(uint access, uint disposition)
    {
        await MountAsync();
        HostFile.WriteReadOnly(OnDisk(@"\ro.txt"), "keep me");

        var result = Sim.Create(@"\ro.txt", access, ShareAll, disposition, FileNonDirectoryFile);

        Assert.AreEqual(NtStatus.AccessDenied, result.Status);
        Assert.IsNull(result.Handle);
        Assert.AreEqual(0, Operations.Handles.Count);
        Assert.AreEqual("keep me", File.ReadAllText(OnDisk(@"\ro.txt")));
    }

    [TestMethod]
    [DataRow(Read, DisplayName = "read")]
    [DataRow(FileWriteAttributes | FileReadAttributes | Synchronize, DisplayName = "attributes (to clear READONLY)")]
    [DataRow(Delete | FileReadAttributes, DisplayName = "DELETE (the disposition decides)")]
    public async Task A_read_only_file_opens_for_reading_attributes_and_delete(uint access)
    {
        await MountAsync();
        HostFile.WriteReadOnly(OnDisk(@"\ro.txt"), "keep me");

        var result = Sim.Create(@"\ro.txt", access, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, result.Status);
        Sim.Close(result.Handle!);
        Assert.AreEqual("keep me", File.ReadAllText(OnDisk(@"\ro.txt")));
    }

    [TestMethod]
    [DataRow(FileSupersede, 0u)]
    [DataRow(FileOpen, 0u)]
    [DataRow(FileCreate, FileNonDirectoryFile)]
    [DataRow(FileCreate, FileDirectoryFile)]
    [DataRow(FileOpenIf, FileDirectoryFile)]
    [DataRow(FileOpenIf, 0u)]
    [DataRow(FileOverwrite, 0u)]
    [DataRow(FileOverwriteIf, 0u)]
    public async Task A_missing_parent_is_path_not_found_and_nothing_is_created(uint disposition, uint options)
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\plain.txt"), "a file, not a directory");

        var missingParent = Sim.Create(@"\missing\leaf", ReadWrite, ShareAll, disposition, options);
        var deeper = Sim.Create(@"\missing\deeper\leaf", ReadWrite, ShareAll, disposition, options);
        var fileAsParent = Sim.Create(@"\plain.txt\leaf", ReadWrite, ShareAll, disposition, options);

        Assert.AreEqual(NtStatus.ObjectPathNotFound, missingParent.Status);
        Assert.AreEqual(NtStatus.ObjectPathNotFound, deeper.Status);
        Assert.AreEqual(NtStatus.ObjectPathNotFound, fileAsParent.Status, "a file on the way is not a directory");
        Assert.IsFalse(Directory.Exists(OnDisk(@"\missing")));
        Assert.AreEqual("a file, not a directory", File.ReadAllText(OnDisk(@"\plain.txt")));
        Assert.AreEqual(0, Operations.Handles.Count);
    }

    [TestMethod]
    [DataRow(0u)]
    [DataRow(FileDirectoryFile)]
    [DataRow(FileNonDirectoryFile)]
    public async Task A_missing_leaf_in_an_existing_directory_is_name_not_found(uint options)
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\dir"));

        var result = Sim.Create(@"\dir\absent.txt", FileReadAttributes, ShareAll, FileOpen, options);

        Assert.AreEqual(NtStatus.ObjectNameNotFound, result.Status);
        Assert.IsFalse(File.Exists(OnDisk(@"\dir\absent.txt")));
    }

    [TestMethod]
    public async Task The_root_opens_as_a_directory()
    {
        await MountAsync();

        var root = Sim.Open(@"\", Synchronize, FileShareRead | FileShareWrite, FileOpen);

        Assert.IsTrue(root.IsDirectory);
        Sim.Close(root);
    }

    [TestMethod]
    public async Task A_read_only_drive_refuses_every_change_with_media_write_protected_and_still_reads()
    {
        await MountAsync(new DokanAdapterOptions { ReadOnly = true });
        File.WriteAllText(OnDisk(@"\there.txt"), "unchanged");
        Directory.CreateDirectory(OnDisk(@"\emptydir"));

        var refused = new[]
        {
            Sim.Create(@"\there.txt", Write, ShareAll, FileOpen),
            Sim.Create(@"\there.txt", Read, ShareAll, FileOverwrite),
            Sim.Create(@"\there.txt", Read, ShareAll, FileOverwriteIf),
            Sim.Create(@"\there.txt", Delete, ShareAll, FileOpen, FileDeleteOnClose),
            Sim.Create(@"\emptydir", Delete, ShareAll, FileOpen, FileDirectoryFile | FileDeleteOnClose),
            Sim.Create(@"\new.txt", ReadWrite, ShareAll, FileCreate),
            Sim.Create(@"\new.txt", ReadWrite, ShareAll, FileOpenIf),
            Sim.Create(@"\newdir", FileListDirectory, ShareAll, FileCreate, FileDirectoryFile),
        };

        for (var i = 0; i < refused.Length; i++)
        {
            Assert.AreEqual(NtStatus.MediaWriteProtected, refused[i].Status, $"request {i}");
        }

        var reader = Sim.Open(@"\there.txt", Read, ShareAll, FileOpen);
        Sim.Close(reader);
        Assert.AreEqual("unchanged", File.ReadAllText(OnDisk(@"\there.txt")));
        Assert.IsTrue(Directory.Exists(OnDisk(@"\emptydir")));
        Assert.IsFalse(File.Exists(OnDisk(@"\new.txt")));
        Assert.IsFalse(Directory.Exists(OnDisk(@"\newdir")));
    }

    [TestMethod]
    public async Task New_files_and_directories_get_the_configured_modes_and_READONLY_takes_the_write_bits_away()
    {
        await MountAsync(new DokanAdapterOptions { NewFileMode = 0x1B0 /* 0660 */, NewDirectoryMode = 0x1F8 /* 0770 */ });

        var file = Sim.Open(@"\plain.txt", ReadWrite, 0, FileCreate, FileNonDirectoryFile, FileAttributeArchive);
        var readOnly = Sim.Open(@"\readonly.txt", ReadWrite, 0, FileCreate, FileNonDirectoryFile, FileAttributeReadOnly | FileAttributeArchive);
        var directory = Sim.Open(@"\folder", FileListDirectory | Synchronize, FileShareRead | FileShareWrite, FileCreate, FileDirectoryFile, FileAttributeNormal);
        Sim.Close(file);
        Sim.Close(readOnly);
        Sim.Close(directory);

        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, HostFile.GetMode(OnDisk(@"\plain.txt")));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.GroupRead, HostFile.GetMode(OnDisk(@"\readonly.txt")), "0660 without the write bits");
        Assert.AreEqual(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute,
            HostFile.GetMode(OnDisk(@"\folder")));
    }
}
