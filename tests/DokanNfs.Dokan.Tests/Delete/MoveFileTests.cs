using System.Text;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Create;
using DokanNfs.Dokan.Tests.Simulator;
using DokanNfs.TestSupport.Ganesha;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Deletion;

/// <summary>
/// MoveFile (FileRenameInformation on an open handle) against Ganesha: Windows' replace rules, directories with
/// their content, the open following its new name, and renames across mounts.
/// </summary>
[TestClass]
public class MoveFileTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    /// <summary>Explorer's rename open: DELETE | SYNCHRONIZE | FILE_READ_ATTRIBUTES, share 7 (windows-io.md §2).</summary>
    private const uint RenameAccess = Delete | Synchronize | FileReadAttributes;
    private const uint ReadWrite = 0x12019F;
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    [TestMethod]
    public async Task A_file_is_renamed_in_its_directory_and_the_open_carries_the_new_name()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\old.txt"), "content");
        var handle = Sim.Open(@"\old.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(handle, @"\new.txt", replaceIfExisting: false));

        Assert.IsFalse(File.Exists(OnDisk(@"\old.txt")));
        Assert.AreEqual("content", File.ReadAllText(OnDisk(@"\new.txt")));
        Assert.AreEqual("/new.txt", ContextOf(handle).Path);
        Sim.Close(handle);
        Assert.IsTrue(File.Exists(OnDisk(@"\new.txt")), "closing the renamed open removes nothing");
    }

    [TestMethod]
    public async Task A_file_moves_to_another_directory()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\from"));
        Directory.CreateDirectory(OnDisk(@"\to"));
        File.WriteAllText(OnDisk(@"\from\f.txt"), "content");
        var handle = Sim.Open(@"\from\f.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(handle, @"\to\g.txt", replaceIfExisting: false));
        Sim.Close(handle);

        Assert.IsFalse(File.Exists(OnDisk(@"\from\f.txt")));
        Assert.AreEqual("content", File.ReadAllText(OnDisk(@"\to\g.txt")));
    }

    [TestMethod]
    public async Task An_existing_target_without_replace_is_a_collision_and_both_stay()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        File.WriteAllText(OnDisk(@"\b.txt"), "target");
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.ObjectNameCollision, Sim.MoveFile(handle, @"\b.txt", replaceIfExisting: false));
        Assert.AreEqual(@"\a.txt", handle.Path, "a failed rename keeps the name");
        Assert.AreEqual("/a.txt", ContextOf(handle).Path);
        Sim.Close(handle);

        Assert.AreEqual("source", File.ReadAllText(OnDisk(@"\a.txt")));
        Assert.AreEqual("target", File.ReadAllText(OnDisk(@"\b.txt")));
    }

    [TestMethod]
    public async Task Replace_puts_the_file_over_an_existing_file()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        File.WriteAllText(OnDisk(@"\b.txt"), "target");
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(handle, @"\b.txt", replaceIfExisting: true));
        Sim.Close(handle);

        Assert.IsFalse(File.Exists(OnDisk(@"\a.txt")));
        Assert.AreEqual("source", File.ReadAllText(OnDisk(@"\b.txt")));
    }

    [TestMethod]
    [DataRow(true, NtStatus.AccessDenied, DisplayName = "with replace: access denied")]
    [DataRow(false, NtStatus.ObjectNameCollision, DisplayName = "without replace: collision")]
    public async Task A_directory_target_is_never_replaced(bool replace, int expected)
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        Directory.CreateDirectory(OnDisk(@"\dir"));
        File.WriteAllText(OnDisk(@"\dir\inside.txt"), "inside");
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(expected, Sim.MoveFile(handle, @"\dir", replace));
        Sim.Close(handle);

        Assert.AreEqual("source", File.ReadAllText(OnDisk(@"\a.txt")));
        Assert.AreEqual("inside", File.ReadAllText(OnDisk(@"\dir\inside.txt")));
    }

    [TestMethod]
    public async Task A_read_only_target_is_not_replaced()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        HostFile.WriteReadOnly(OnDisk(@"\ro.txt"), "target");
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.AccessDenied, Sim.MoveFile(handle, @"\ro.txt", replaceIfExisting: true));
        Sim.Close(handle);

        Assert.AreEqual("target", File.ReadAllText(OnDisk(@"\ro.txt")));
    }

    [TestMethod]
    public async Task A_target_another_handle_has_open_is_not_replaced_until_that_handle_is_closed()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        File.WriteAllText(OnDisk(@"\b.txt"), "target");
        var target = Sim.Open(@"\b.txt", 0x120089, ShareAll, FileOpen);
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.AccessDenied, Sim.MoveFile(handle, @"\b.txt", replaceIfExisting: true));
        Assert.AreEqual("target", File.ReadAllText(OnDisk(@"\b.txt")));
        Sim.Close(target);
        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(handle, @"\b.txt", replaceIfExisting: true));
        Sim.Close(handle);

        Assert.AreEqual("source", File.ReadAllText(OnDisk(@"\b.txt")));
    }

    [TestMethod]
    public async Task A_directory_is_renamed_with_its_content_and_opens_beneath_it_follow()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\dir\sub"));
        File.WriteAllText(OnDisk(@"\dir\sub\deep.txt"), "deep");
        File.WriteAllText(OnDisk(@"\dir\top.txt"), "top");
        var child = Sim.Open(@"\dir\sub\deep.txt", RenameAccess, ShareAll, FileOpen);
        var handle = Sim.Open(@"\dir", RenameAccess, ShareAll, FileOpen);
        Assert.IsTrue(handle.IsDirectory, "Explorer opens a folder to rename without FILE_DIRECTORY_FILE");

        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(handle, @"\renamed", replaceIfExisting: false));
        Sim.Close(handle);

        Assert.IsFalse(Directory.Exists(OnDisk(@"\dir")));
        Assert.AreEqual("deep", File.ReadAllText(OnDisk(@"\renamed\sub\deep.txt")));
        Assert.AreEqual("top", File.ReadAllText(OnDisk(@"\renamed\top.txt")));
        Assert.AreEqual("/renamed/sub/deep.txt", ContextOf(child).Path, "an open beneath the renamed directory has its new name");

        // Deleting through that open removes the file under its new name.
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(child));
        Sim.Close(child);
        Assert.IsFalse(File.Exists(OnDisk(@"\renamed\sub\deep.txt")));
    }

    [TestMethod]
    public async Task Cleanup_with_delete_pending_after_a_rename_removes_the_new_name()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\before.txt"), "data");
        File.WriteAllText(OnDisk(@"\bystander.txt"), "unrelated");
        var handle = Sim.Open(@"\before.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(handle, @"\after.txt", replaceIfExisting: false));
        File.WriteAllText(OnDisk(@"\before.txt"), "a new file under the old name");
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(handle));
        Sim.Close(handle);

        Assert.IsFalse(File.Exists(OnDisk(@"\after.txt")), "the renamed file went");
        Assert.AreEqual("a new file under the old name", File.ReadAllText(OnDisk(@"\before.txt")), "the old name was not touched");
    }

    [TestMethod]
    public async Task An_open_file_renamed_keeps_its_NFS_OPEN_for_reads_and_writes()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\doc.txt"), "0123456789");
        var handle = Sim.Open(@"\doc.txt", ReadWrite | Delete, FileShareRead | FileShareDelete, FileOpen, FileNonDirectoryFile);
        var open = ContextOf(handle).Handle!;

        Assert.AreEqual(NtStatus.Success, Sim.MoveFile(handle, @"\doc-renamed.txt", replaceIfExisting: false));
        await open.WriteAsync(10, Encoding.ASCII.GetBytes("ABC"), Ct);
        await open.FlushAsync(Ct);
        var buffer = new byte[13];
        var read = await open.ReadAsync(0, buffer, Ct);

        Assert.AreSame(open, ContextOf(handle).Handle, "the same OPEN");
        Assert.AreEqual("0123456789ABC", Encoding.ASCII.GetString(buffer, 0, read));
        var writer = Sim.Create(@"\doc-renamed.txt", 0x120116, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.SharingViolation, writer.Status, "its share reservation still holds under the new name");
        Sim.Close(handle);
        Assert.AreEqual("0123456789ABC", File.ReadAllText(OnDisk(@"\doc-renamed.txt")));
    }

    [TestMethod]
    public async Task A_missing_target_directory_is_path_not_found()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.ObjectPathNotFound, Sim.MoveFile(handle, @"\nowhere\a.txt", replaceIfExisting: false));
        Sim.Close(handle);

        Assert.IsTrue(File.Exists(OnDisk(@"\a.txt")));
    }

    [TestMethod]
    public async Task On_a_read_only_drive_a_rename_is_media_write_protected()
    {
        await MountAsync(new DokanAdapterOptions { ReadOnly = true });
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.MediaWriteProtected, Sim.MoveFile(handle, @"\b.txt", replaceIfExisting: false));
        Sim.Close(handle);

        Assert.IsTrue(File.Exists(OnDisk(@"\a.txt")));
    }

    [TestMethod]
    public async Task A_rename_into_another_mount_is_not_same_device()
    {
        var target = await Servers.StartAsync(new GaneshaOptions { AddressMode = GaneshaAddressMode.OwnAddressPort2049 }, Ct);
        var root = await Servers.StartAsync(null, Ct);
        root.MakeReferral("elsewhere", target.FsLocation);
        await MountAsync(server: root);
        File.WriteAllText(OnDisk(@"\a.txt"), "source");
        var handle = Sim.Open(@"\a.txt", RenameAccess, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.NotSameDevice, Sim.MoveFile(handle, @"\elsewhere\a.txt", replaceIfExisting: false));
        Sim.Close(handle);

        Assert.AreEqual("source", File.ReadAllText(OnDisk(@"\a.txt")));
        Assert.IsFalse(File.Exists(target.PathInExport("a.txt")));
    }

    // An Office-style safe save (temporary file, original to a backup with replace, temporary over the original,
    // backup deleted on close) is Scenarios/OfficeScenarioTests, shaped as Word sends it.

    private FileContext ContextOf(SimHandle handle) =>
        Operations.Handles.Find(handle.Info.Context) ?? throw new AssertFailedException($"no open behind {handle}");
}
