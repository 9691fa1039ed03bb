using System.Runtime.Versioning;
using System.Text;
using DokanNfs.Dokan.Tests.Info;

namespace DokanNfs.Dokan.Tests.Scenarios;

/// <summary>Notepad and cmd writing text files on the drive (../shared/windows-io.md §3).</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class EditorScenarioTests(TestContext testContext) : ScenarioTestBase(testContext)
{
    private const UnixFileMode Mode0640 = (UnixFileMode)0x1A0;

    [TestMethod]
    public async Task Notepad_reads_a_file_through_paging_reads_and_its_save_leaves_exactly_the_shorter_new_text()
    {
        await MountDriveAsync();
        var original = new StringBuilder();
        for (var line = 0; original.Length < 5000; line++)
        {
            original.Append(Invariant($"line {line}: the quick brown fox jumps over the lazy dog\r\n"));
        }

        File.WriteAllText(OnDisk(@"\notes.txt"), original.ToString());
        File.SetUnixFileMode(OnDisk(@"\notes.txt"), Mode0640);
        File.SetLastWriteTimeUtc(OnDisk(@"\notes.txt"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        var inode = HostFacts.Inode(OnDisk(@"\notes.txt"));
        Assert.IsTrue(original.Length > 4096, "the original spans two pages");

        // Open: a normal open, the size, the text through two paging reads of whole pages, close (§3).
        var read = Sim.NotepadOpens(@"\notes.txt");
        Assert.AreEqual(original.ToString(), Encoding.ASCII.GetString(read));

        // Save: OVERWRITE_IF on the existing file ("opened"), one write of the whole text at 0, close (§3).
        var before = DateTime.UtcNow.AddSeconds(-2).ToFileTimeUtc();
        Sim.NotepadSaves(@"\notes.txt", Ascii("short now\r\n"));

        Assert.AreEqual("short now\r\n", File.ReadAllText(OnDisk(@"\notes.txt")), "exactly the new text: the old tail was truncated");
        Assert.AreEqual(11, new FileInfo(OnDisk(@"\notes.txt")).Length);
        Assert.AreEqual(Mode0640, ModeOnDisk(@"\notes.txt"), "an overwrite keeps the file's mode");
        Assert.AreEqual(inode, HostFacts.Inode(OnDisk(@"\notes.txt")), "overwritten in place, not replaced");
        Assert.IsTrue(MtimeOnDisk(@"\notes.txt") >= before, "the save moved the last-write time to now");
        var information = Sim.ExplorerLooksAt(@"\notes.txt");
        Assert.AreEqual(11, SizeOf(information));
        Assert.AreEqual(MtimeOnDisk(@"\notes.txt"), LastWriteOf(information), "what Explorer shows is what is on disk");
        AssertCalls(
            @"ZwCreateFile \notes.txt = Success",
            @"GetFileInformation \notes.txt = Success",
            @"ReadFile \notes.txt@0 = Success",
            @"ReadFile \notes.txt@4096 = Success",
            @"Cleanup \notes.txt = Success",
            @"CloseFile \notes.txt = Success",
            @"ZwCreateFile \notes.txt = ObjectNameCollision",
            @"WriteFile \notes.txt@0 = Success",
            @"Cleanup \notes.txt = Success",
            @"CloseFile \notes.txt = Success",
            @"ZwCreateFile \notes.txt = Success",
            @"GetFileInformation \notes.txt = Success",
            @"GetFileInformation \notes.txt = Success",
            @"GetFileSecurity \notes.txt = BufferOverflow",
            @"GetFileSecurity \notes.txt = Success",
            @"Cleanup \notes.txt = Success",
            @"CloseFile \notes.txt = Success");
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task Notepad_saving_a_new_file_creates_it_with_the_default_mode()
    {
        await MountDriveAsync();

        Sim.NotepadSaves(@"\new.txt", Ascii("first words\r\n"), exists: false);

        Assert.AreEqual("first words\r\n", File.ReadAllText(OnDisk(@"\new.txt")));
        Assert.AreEqual((UnixFileMode)0x1A4, ModeOnDisk(@"\new.txt"), "DokanAdapterOptions.NewFileMode, 0644");
        AssertCalls(
            @"ZwCreateFile \new.txt = Success",
            @"WriteFile \new.txt@0 = Success",
            @"Cleanup \new.txt = Success",
            @"CloseFile \new.txt = Success");
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task Cmd_echo_redirection_replaces_a_longer_file_and_creates_a_missing_one()
    {
        await MountDriveAsync();
        File.WriteAllText(OnDisk(@"\log.txt"), new string('#', 100));
        File.SetUnixFileMode(OnDisk(@"\log.txt"), Mode0640);

        Sim.CmdRedirects(@"\log.txt", Ascii("x \r\n"));
        Sim.CmdRedirects(@"\fresh.txt", Ascii("hello\r\n"), exists: false);

        Assert.AreEqual("x \r\n", File.ReadAllText(OnDisk(@"\log.txt")), "`echo x > log.txt`: the 100 bytes are gone");
        Assert.AreEqual(Mode0640, ModeOnDisk(@"\log.txt"));
        Assert.AreEqual("hello\r\n", File.ReadAllText(OnDisk(@"\fresh.txt")));
        CollectionAssert.AreEqual(new[] { "fresh.txt", "log.txt" }, ExportRootNames());
        AssertCalls(
            @"ZwCreateFile \log.txt = ObjectNameCollision",
            @"WriteFile \log.txt@0 = Success",
            @"Cleanup \log.txt = Success",
            @"CloseFile \log.txt = Success",
            @"ZwCreateFile \fresh.txt = Success",
            @"WriteFile \fresh.txt@0 = Success",
            @"Cleanup \fresh.txt = Success",
            @"CloseFile \fresh.txt = Success");
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task PowerShell_Set_Content_empties_an_existing_file_then_writes_and_creates_a_missing_one()
    {
        await MountDriveAsync();
        File.WriteAllText(OnDisk(@"\settings.ini"), "[old]\nvery=long content that must go\n");

        Sim.PowerShellSetsContent(@"\settings.ini", Ascii("[new]\r\n"));
        Sim.PowerShellSetsContent(@"\added.ini", Ascii("[added]\r\n"), exists: false);

        Assert.AreEqual("[new]\r\n", File.ReadAllText(OnDisk(@"\settings.ini")));
        Assert.AreEqual("[added]\r\n", File.ReadAllText(OnDisk(@"\added.ini")));
        AssertOnlyTheseDidNotSucceed(
            @"ZwCreateFile \settings.ini = ObjectNameCollision", // OPEN_IF on the existing file: "opened"
            @"ZwCreateFile \added.ini = ObjectNameNotFound"); // OVERWRITE of a missing file
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task A_DotNet_File_Replace_leaves_the_new_content_under_the_name_and_the_old_one_as_the_backup()
    {
        await MountDriveAsync();
        File.WriteAllText(OnDisk(@"\config.json"), "{ \"version\": 1 }");
        File.WriteAllText(OnDisk(@"\config.json.tmp"), "{ \"version\": 2, \"longer\": true }");
        File.WriteAllText(OnDisk(@"\config.json.bak"), "an older backup");
        var replacedInode = HostFacts.Inode(OnDisk(@"\config.json"));

        Sim.DotNetReplacesFile(@"\config.json.tmp", @"\config.json", @"\config.json.bak");

        CollectionAssert.AreEqual(new[] { "config.json", "config.json.bak" }, ExportRootNames());
        Assert.AreEqual("{ \"version\": 2, \"longer\": true }", File.ReadAllText(OnDisk(@"\config.json")));
        Assert.AreEqual("{ \"version\": 1 }", File.ReadAllText(OnDisk(@"\config.json.bak")), "the old backup replaced by the old file");
        Assert.AreEqual(replacedInode, HostFacts.Inode(OnDisk(@"\config.json.bak")));
        AssertOnlyTheseDidNotSucceed(@"ZwCreateFile \config.json = ObjectNameNotFound"); // the second rename's target probe
        AssertQuietEnd();
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
