using System.Runtime.Versioning;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Security;
using DokanNfs.Dokan.Tests.Info;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;
using static DokanNfs.Dokan.Tests.Simulator.WindowsIoSimulator;

namespace DokanNfs.Dokan.Tests.Scenarios;

/// <summary>
/// Explorer on the drive (../shared/windows-io.md §1, §2): opening the root and a large folder, deleting a folder
/// tree, and a name made on the server with characters Windows forbids. Browsing a folder that holds a referral
/// point and entering it is Referrals/ReferralBrowsingTests (the same §1 recipes against two servers).
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class ExplorerScenarioTests(TestContext testContext) : ScenarioTestBase(testContext)
{
    private const int EntryCount = 1000;

    [TestMethod]
    public async Task Explorer_opens_the_root_and_a_folder_of_1000_entries_and_looks_at_a_sample_of_them()
    {
        await MountDriveAsync();
        Directory.CreateDirectory(OnDisk(@"\big"));
        for (var i = 0; i < EntryCount; i++)
        {
            if (i % 100 == 99)
            {
                Directory.CreateDirectory(OnDisk($@"\big\folder-{i:D4}"));
                continue;
            }

            var file = OnDisk($@"\big\item-{i:D4}.dat");
            File.WriteAllBytes(file, new byte[i * 37 % 4099]);
            if (i % 7 == 3)
            {
                File.SetUnixFileMode(file, (UnixFileMode)0x124); // 0444: READONLY to Windows
            }
        }

        // §1.1 the root; the volume as Explorer sees it.
        var root = Sim.ExplorerOpensRoot(out var volume);
        Assert.AreEqual(FileAttributeDirectory, root.dwFileAttributes);
        Assert.AreEqual(HostFacts.Inode(ExportDirectory), FileIndexOf(root), "the export's root directory");
        Assert.AreEqual("NFS", volume.VolumeName);
        Assert.AreEqual("NTFS", volume.FileSystemName, "the compatible default (§1.7)");
        Assert.AreEqual(255u, volume.MaximumComponentLength);
        Assert.AreEqual(
            FileSystemFlags.CaseSensitiveSearch | FileSystemFlags.CasePreservedNames | FileSystemFlags.UnicodeOnDisk | FileSystemFlags.PersistentAcls,
            volume.Flags,
            "case-sensitive like the server, no named streams");
        Assert.AreEqual(root.dwVolumeSerialNumber, volume.Serial);
        Assert.AreEqual(HostFacts.Space(ExportDirectory).Total, volume.TotalBytes, "space_total of the export's file system");
        Assert.IsTrue(volume.FreeBytesAvailable <= volume.FreeBytes && volume.FreeBytes <= volume.TotalBytes && volume.FreeBytesAvailable > 0);

        // §1.2 the autorun probes find nothing.
        Assert.AreEqual((NtStatus.ObjectNameNotFound, NtStatus.ObjectNameNotFound), Sim.ExplorerProbesAutorun());

        // §1.3 the root's listing, then the big folder's: open 0x100001 share 7 options 0x21, FindFilesWithPattern "*".
        var rootEntries = Sim.ExplorerLists(@"\");
        Assert.AreEqual("big", rootEntries.Single().Name);
        Assert.AreEqual(FileAttributeDirectory, rootEntries.Single().Attributes);
        var entries = Sim.ExplorerLists(@"\big");
        Assert.HasCount(EntryCount, entries);
        var byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        for (var i = 0; i < EntryCount; i++)
        {
            if (i % 100 == 99)
            {
                var folder = byName[$"folder-{i:D4}"];
                Assert.AreEqual(FileAttributeDirectory, folder.Attributes, folder.Name);
                Assert.AreEqual(0UL, folder.Size, folder.Name);
                continue;
            }

            var name = $"item-{i:D4}.dat";
            var entry = byName[name];
            Assert.AreEqual((ulong)(i * 37 % 4099), entry.Size, name);
            Assert.AreEqual(i % 7 == 3 ? FileAttributeReadOnly : FileAttributeNormal, entry.Attributes, name);
            Assert.AreEqual(MtimeOnDisk($@"\big\{name}"), entry.LastWriteTime, name);
        }

        // §1.3's other form: LIST_DIRECTORY | READ_ATTRIBUTES | SYNCHRONIZE, SYNCHRONOUS_IO_NONALERT only, so
        // IsDirectory is false on entry and the file system must set it.
        var variant = Sim.Open(@"\big", EnumerateAccess | FileReadAttributes, WindowsIoSimulator.ShareAll, FileOpen, FileSynchronousIoNonAlert);
        Assert.IsTrue(variant.IsDirectory, "IsDirectory set by the adapter");
        Assert.AreEqual(NtStatus.Success, Sim.FindFilesWithPattern(variant, "*", out var again));
        Sim.Close(variant);
        CollectionAssert.AreEquivalent(entries.Select(e => e.Name).ToList(), again.Select(e => e.Name).ToList());

        // §1.4 the per-entry look (attribute open, GetFileInformation twice, GetFileSecurity) for a sample.
        var sample = entries.Where((_, index) => index % 50 == 0).ToList();
        foreach (var entry in sample)
        {
            var path = $@"\big\{entry.Name}";
            var information = Sim.ExplorerLooksAt(path, out var descriptor);
            Assert.AreEqual(entry.Attributes, information.dwFileAttributes, entry.Name);
            Assert.AreEqual((long)entry.Size, SizeOf(information), entry.Name);
            Assert.AreEqual(entry.LastWriteTime, LastWriteOf(information), entry.Name);
            Assert.AreEqual(HostFacts.Inode(OnDisk(path)), FileIndexOf(information), entry.Name);
            Assert.AreEqual(volume.Serial, information.dwVolumeSerialNumber, entry.Name);
            Assert.IsTrue(SecurityDescriptorReader.TryGetOwner(descriptor, out var owner), entry.Name);
            Assert.IsTrue(SecurityDescriptorReader.TryGetGroup(descriptor, out var group), entry.Name);
            var (uid, gid) = DiskStat.OwnerOf(OnDisk(path));
            Assert.AreEqual(Sid.UnixUser(uid), owner, entry.Name);
            Assert.AreEqual(Sid.UnixGroup(gid), group, entry.Name);
            Assert.IsTrue(SecurityDescriptorReader.TryGetMode(descriptor, WindowsIoSimulator.ExplorerSecurityInformation, IdentityMap.Empty, owner!.Value, group!.Value, 0, out var mode, out _, out _));
            Assert.AreEqual((uint)ModeOnDisk(path) & 0x1FF, mode & 0x1FF, $"{entry.Name}: the DACL says the mode");
        }

        // §1.5 desktop.ini in the folder: not there (and the folder has no READONLY / SYSTEM, so Explorer would not read one).
        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.ExplorerProbesDesktopIni(@"\big"));

        // Every status along the way: success, except the probes and GetFileSecurity's first, too-small buffer.
        string[] expected =
        [
            @"ZwCreateFile \autorun.inf = ObjectNameNotFound",
            @"ZwCreateFile \autorun.inf = ObjectNameNotFound",
            .. sample.Select(e => $@"GetFileSecurity \big\{e.Name} = BufferOverflow"),
            @"ZwCreateFile \big\desktop.ini = ObjectNameNotFound",
        ];
        AssertOnlyTheseDidNotSucceed(expected);
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task Explorer_deletes_a_folder_tree_bottom_up_after_the_non_empty_folder_is_refused()
    {
        await MountDriveAsync();
        Directory.CreateDirectory(OnDisk(@"\tree\sub\deeper"));
        Directory.CreateDirectory(OnDisk(@"\tree\sub\empty"));
        File.WriteAllText(OnDisk(@"\tree\a.txt"), "a");
        File.WriteAllBytes(OnDisk(@"\tree\b.bin"), new byte[10_000]);
        File.WriteAllText(OnDisk(@"\tree\readonly.txt"), "protected");
        File.SetUnixFileMode(OnDisk(@"\tree\readonly.txt"), (UnixFileMode)0x124);
        File.WriteAllText(OnDisk(@"\tree\sub\c.txt"), "c");
        File.WriteAllText(OnDisk(@"\tree\sub\deeper\d.txt"), "d");
        File.WriteAllText(OnDisk(@"\keep.txt"), "not part of the tree");

        // §2 "Delete": the folder first, as a whole — refused while it holds anything; nothing is removed.
        Assert.AreEqual(NtStatus.DirectoryNotEmpty, Sim.ExplorerDeletes(@"\tree", folder: true));
        Assert.IsTrue(File.Exists(OnDisk(@"\tree\sub\deeper\d.txt")));

        // Then bottom-up: each folder listed, its files deleted one by one, its folders recursively, then itself.
        DeleteTree(@"\tree");

        Assert.IsFalse(Directory.Exists(OnDisk(@"\tree")), "the tree is gone on disk");
        CollectionAssert.AreEqual(new[] { "keep.txt" }, ExportRootNames());
        Assert.AreEqual("not part of the tree", File.ReadAllText(OnDisk(@"\keep.txt")));
        Assert.AreEqual("keep.txt", Sim.ExplorerLists(@"\").Single().Name, "and gone from the drive");
        AssertOnlyTheseDidNotSucceed(@"Delete \tree = DirectoryNotEmpty");
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task A_name_with_characters_Windows_forbids_made_on_the_server_is_listed_looked_at_opened_read_saved_and_renamed()
    {
        await MountDriveAsync();
        File.WriteAllText(OnDisk(@"\q?x*.txt"), "made on the server");
        const string Shown = "q\uF03Fx\uF02A.txt"; // '?' → U+F03F, '*' → U+F02A (issue 6 §8)
        const string Renamed = "q\uF03Fy.txt";

        var entry = Sim.ExplorerLists(@"\").Single();
        Assert.AreEqual(Shown, entry.Name, "listed as the private-use form");
        Assert.AreEqual(18UL, entry.Size);
        Assert.AreEqual(FileAttributeNormal, entry.Attributes);

        var information = Sim.ExplorerLooksAt(@"\" + Shown, out _);
        Assert.AreEqual(HostFacts.Inode(OnDisk(@"\q?x*.txt")), FileIndexOf(information), "the server's file");
        Assert.AreEqual("made on the server", System.Text.Encoding.ASCII.GetString(Sim.NotepadOpens(@"\" + Shown)));
        Sim.NotepadSaves(@"\" + Shown, Ascii("edited on Windows"));
        Assert.AreEqual("edited on Windows", File.ReadAllText(OnDisk(@"\q?x*.txt")));

        // The literal characters never reach a file system from Win32; a create that carries them is refused as NTFS does.
        var literal = Sim.Create(@"\q?x*.txt", FileReadAttributes, WindowsIoSimulator.ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.ObjectNameInvalid, literal.Status);

        Assert.AreEqual(NtStatus.Success, Sim.ExplorerRenames(@"\" + Shown, @"\" + Renamed));
        CollectionAssert.AreEqual(new[] { "q?y.txt" }, ExportRootNames(), "renamed on the server to the real characters");
        Assert.AreEqual("edited on Windows", File.ReadAllText(OnDisk(@"\q?y.txt")));
        Assert.AreEqual(Renamed, Sim.ExplorerLists(@"\").Single().Name);
        AssertOnlyTheseDidNotSucceed(
            @"GetFileSecurity \" + Shown + " = BufferOverflow", // the first, too-small buffer
            @"ZwCreateFile \" + Shown + " = ObjectNameCollision", // Notepad's OVERWRITE_IF on the existing file: "opened"
            @"ZwCreateFile \q?x*.txt = ObjectNameInvalid",
            @"ZwCreateFile \" + Renamed + " = ObjectNameNotFound"); // the rename's target probe
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task Explorer_makes_a_new_folder_and_names_it()
    {
        await MountDriveAsync();

        // §2 "New folder": the probe, the create (LIST_DIRECTORY | SYNCHRONIZE, share RW, CREATE, DIRECTORY_FILE,
        // NORMAL), close, the reopen with FILE_TRAVERSE | SYNCHRONIZE; then the name the user types is a rename.
        var probe = Sim.Create(@"\New folder", FileReadAttributes, WindowsIoSimulator.ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.ObjectNameNotFound, probe.Status);
        var created = Sim.Create(@"\New folder", WindowsIoSimulator.EnumerateAccess, FileShareRead | FileShareWrite, FileCreate, FileDirectoryFile, FileAttributeNormal);
        Assert.AreEqual(NtStatus.Success, created.Status);
        Assert.IsTrue(created.Handle!.IsDirectory);
        Sim.Close(created.Handle);
        var reopened = Sim.Open(@"\New folder", FileTraverse | Synchronize, FileShareRead | FileShareWrite, FileOpen);
        Assert.IsTrue(reopened.IsDirectory);
        Sim.Close(reopened);
        Assert.AreEqual(NtStatus.Success, Sim.ExplorerRenames(@"\New folder", @"\Projects"));

        CollectionAssert.AreEqual(new[] { "Projects" }, ExportRootNames());
        Assert.AreEqual((UnixFileMode)0x1ED, File.GetUnixFileMode(OnDisk(@"\Projects")), "DokanAdapterOptions.NewDirectoryMode, 0755");
        AssertOnlyTheseDidNotSucceed(
            @"ZwCreateFile \New folder = ObjectNameNotFound",
            @"ZwCreateFile \Projects = ObjectNameNotFound"); // the rename's target probe (FILE_ADD_SUBDIRECTORY)
        AssertQuietEnd();
    }

    [TestMethod]
    [DataRow(false, DisplayName = "case-sensitive drive")]
    [DataRow(true, DisplayName = "case-insensitive drive")]
    public async Task Explorer_renaming_a_file_to_another_case_of_its_name_changes_the_name_on_the_server(bool caseInsensitive)
    {
        await MountAsync(new DokanAdapterOptions { CaseInsensitive = caseInsensitive });
        Sim.DriverChecksShareAccess = true;
        File.WriteAllText(OnDisk(@"\report.txt"), "content");

        Assert.AreEqual(NtStatus.Success, Sim.ExplorerRenames(@"\report.txt", @"\Report.TXT"));

        CollectionAssert.AreEqual(new[] { "Report.TXT" }, ExportRootNames(), "the new spelling, on the server");
        Assert.AreEqual("content", File.ReadAllText(OnDisk(@"\Report.TXT")));
        Assert.AreEqual("Report.TXT", Sim.ExplorerLists(@"\").Single().Name);
        AssertQuietEnd();
    }

    /// <summary>Explorer's recursive permanent delete of <paramref name="folder"/> (§2 "Delete"), statuses asserted.</summary>
    private void DeleteTree(string folder)
    {
        foreach (var entry in Sim.ExplorerLists(folder))
        {
            var path = $@"{folder}\{entry.Name}";
            if (entry.IsDirectory)
            {
                DeleteTree(path);
                continue;
            }

            var status = Sim.ExplorerDeletes(path, folder: false);
            if (entry.Name == "readonly.txt")
            {
                // Dokan's library refuses a READONLY file itself (§0); Explorer asks the user, clears the attribute
                // through a FILE_WRITE_ATTRIBUTES open (SetFileAttributes(NORMAL): the owner's write bit back) and tries again.
                Assert.AreEqual(NtStatus.CannotDelete, status, path);
                Assert.IsTrue(File.Exists(OnDisk(path)));
                var attributes = Sim.Open(path, FileWriteAttributes | Synchronize, WindowsIoSimulator.ShareAll, FileOpen);
                Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(attributes, FileAttributeNormal));
                Sim.Close(attributes);
                Assert.AreEqual((UnixFileMode)0x1A4, ModeOnDisk(path), "0444 + u+w");
                status = Sim.ExplorerDeletes(path, folder: false);
            }

            Assert.AreEqual(NtStatus.Success, status, path);
            Assert.IsFalse(File.Exists(OnDisk(path)), $"{path} removed at Cleanup");
        }

        Assert.AreEqual(NtStatus.Success, Sim.ExplorerDeletes(folder, folder: true), folder);
        Assert.IsFalse(Directory.Exists(OnDisk(folder)), $"{folder} removed at Cleanup");
    }
}
