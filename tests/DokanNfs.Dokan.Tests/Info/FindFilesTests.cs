using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>FindFiles and FindFilesWithPattern against Ganesha: what a directory query returns (issue 6 §4).</summary>
[TestClass]
public class FindFilesTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    [TestMethod]
    public async Task Listing_returns_every_entry_with_its_attributes_size_and_times_and_no_dot_entries()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\dir\sub"));
        File.WriteAllText(OnDisk(@"\dir\a.txt"), "hello");
        File.WriteAllText(OnDisk(@"\dir\b.log"), "");
        File.WriteAllText(OnDisk(@"\dir\r.txt"), "read only");
        HostFacts.SetMode(OnDisk(@"\dir\r.txt"), UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var entries = Sim.ExplorerLists(@"\dir");

        CollectionAssert.AreEquivalent(new[] { "a.txt", "b.log", "r.txt", "sub" }, entries.Select(e => e.Name).ToList());
        var a = entries.Single(e => e.Name == "a.txt");
        Assert.AreEqual(5UL, a.Size);
        Assert.AreEqual(FileAttributeNormal, a.Attributes);
        Assert.AreEqual(File.GetLastWriteTimeUtc(OnDisk(@"\dir\a.txt")).ToFileTimeUtc(), a.LastWriteTime, "mtime as a FILETIME");
        Assert.AreEqual(File.GetLastAccessTimeUtc(OnDisk(@"\dir\a.txt")).ToFileTimeUtc(), a.LastAccessTime, "atime as a FILETIME");
        Assert.AreEqual(FileAttributeReadOnly, entries.Single(e => e.Name == "r.txt").Attributes, "no owner write bit: READONLY");
        var sub = entries.Single(e => e.Name == "sub");
        Assert.AreEqual(FileAttributeDirectory, sub.Attributes);
        Assert.AreEqual(0UL, sub.Size, "directories have no size");
    }

    [TestMethod]
    public async Task FindFiles_without_a_pattern_lists_the_root()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\one"), "1");
        Directory.CreateDirectory(OnDisk(@"\two"));
        var root = Sim.Open(@"\", FileListDirectory | Synchronize, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, FileDirectoryFile);

        Assert.AreEqual(NtStatus.Success, Sim.FindFilesOnly(root, out var entries));

        CollectionAssert.AreEquivalent(new[] { "one", "two" }, entries.Select(e => e.Name).ToList());
        Sim.Close(root);
    }

    [TestMethod]
    [DataRow("*", new[] { "a.txt", "b.TXT", "c.log", "d" })]
    [DataRow("c.log", new[] { "c.log" })]
    [DataRow("*.txt", new[] { "a.txt" })]
    [DataRow("?.log", new[] { "c.log" })]
    [DataRow("nothing.here", new string[0])]
    public async Task A_pattern_selects_the_names_it_matches_case_sensitively_by_default(string pattern, string[] expected)
    {
        await MountAsync();
        MakeFiles("a.txt", "b.TXT", "c.log", "d");
        var root = OpenForListing(@"\");

        Assert.AreEqual(NtStatus.Success, Sim.FindFilesWithPattern(root, pattern, out var entries));

        CollectionAssert.AreEquivalent(expected, entries.Select(e => e.Name).ToList());
        Sim.Close(root);
    }

    [TestMethod]
    public async Task A_case_insensitive_adapter_matches_patterns_without_regard_to_case()
    {
        await MountAsync(new DokanAdapterOptions { CaseInsensitive = true });
        MakeFiles("a.txt", "b.TXT", "c.log");
        var root = OpenForListing(@"\");

        Assert.AreEqual(NtStatus.Success, Sim.FindFilesWithPattern(root, "*.txt", out var entries));
        CollectionAssert.AreEquivalent(new[] { "a.txt", "b.TXT" }, entries.Select(e => e.Name).ToList());
        Assert.AreEqual(NtStatus.Success, Sim.FindFilesWithPattern(root, "C.LOG", out entries));
        CollectionAssert.AreEqual(new[] { "c.log" }, entries.Select(e => e.Name).ToList());
        Sim.Close(root);
    }

    [TestMethod]
    public async Task Listing_stops_when_the_buffer_is_full_and_still_succeeds()
    {
        await MountAsync();
        MakeFiles([.. Enumerable.Range(0, 10).Select(i => $"f{i}")]);
        var root = OpenForListing(@"\");

        Assert.AreEqual(NtStatus.Success, Sim.FindFilesWithPattern(root, "*", out var entries, capacity: 3));

        Assert.HasCount(3, entries);
        Sim.Close(root);
    }

    [TestMethod]
    public async Task Explorer_lists_a_folder_of_a_thousand_entries_completely()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\big"));
        for (var i = 0; i < 1000; i++)
        {
            File.WriteAllText(OnDisk($@"\big\file-{i:D4}.dat"), new string('x', i % 7));
        }

        var entries = Sim.ExplorerLists(@"\big");

        Assert.HasCount(1000, entries);
        Assert.AreEqual(1000, entries.Select(e => e.Name).Distinct().Count());
        Assert.AreEqual(6UL, entries.Single(e => e.Name == "file-0013.dat").Size);
    }

    [TestMethod]
    public async Task Listing_a_file_answers_not_a_directory()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\plain"), "x");
        var file = Sim.Open(@"\plain", FileReadAttributes, FileShareRead, FileOpen);

        Assert.AreEqual(NtStatus.NotADirectory, Sim.FindFilesWithPattern(file, "*", out var entries));

        Assert.IsEmpty(entries);
        Sim.Close(file);
    }

    private SimHandle OpenForListing(string path) =>
        Sim.Open(path, FileListDirectory | Synchronize, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, FileDirectoryFile | FileSynchronousIoNonAlert);

    private void MakeFiles(params string[] names)
    {
        foreach (var name in names)
        {
            File.WriteAllText(OnDisk(@"\" + name), name);
        }
    }
}
