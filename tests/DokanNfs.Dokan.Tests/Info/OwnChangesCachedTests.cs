using DokanNfs.Core.Client;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>
/// With the client's default caches (attributes, names, negative lookups) the drive still sees its OWN changes at once,
/// through every path Windows asks by: each test first makes the client cache what it then changes (a listing, a look
/// at the entry), changes it through the adapter, and asks again at once. Run without and with write-behind (the
/// drive's setting).
/// </summary>
[TestClass]
public class OwnChangesCachedTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    [TestMethod]
    [DataRow(false, DisplayName = "default caches")]
    [DataRow(true, DisplayName = "default caches, write-behind")]
    public async Task A_write_shows_its_size_in_the_next_listing_and_look(bool writeBehind)
    {
        await MountCachedAsync(writeBehind);
        File.WriteAllText(OnDisk(@"\f.txt"), "1234");
        Assert.AreEqual(4ul, Entry(@"\", "f.txt").Size, "cached before the write");
        Assert.AreEqual(4u, Sim.ExplorerLooksAt(@"\f.txt").nFileSizeLow);

        var handle = Sim.Open(@"\f.txt", GenericRead | GenericWrite, FileShareRead, FileOpen, FileNonDirectoryFile);
        var data = new byte[6 * 1024 * 1024]; // six WRITEs of 1 MiB: with write-behind, in flight when the write returns
        Assert.AreEqual(NtStatus.Success, Sim.Write(handle, 4, data, out _));

        Assert.AreEqual(4ul + (ulong)data.Length, Entry(@"\", "f.txt").Size, "listed while open, right after the write");
        Assert.AreEqual(4u + (uint)data.Length, Sim.ExplorerLooksAt(@"\f.txt").nFileSizeLow, "looked at by path while open");
        Sim.Close(handle);
        Assert.AreEqual(4ul + (ulong)data.Length, Entry(@"\", "f.txt").Size, "listed after the close");
        Assert.AreEqual(4u + (uint)data.Length, Sim.ExplorerLooksAt(@"\f.txt").nFileSizeLow, "looked at after the close");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "default caches")]
    [DataRow(true, DisplayName = "default caches, write-behind")]
    public async Task A_rename_shows_at_once_under_both_names(bool writeBehind)
    {
        await MountCachedAsync(writeBehind);
        File.WriteAllText(OnDisk(@"\old.txt"), "abc");
        Assert.AreEqual(3u, Sim.ExplorerLooksAt(@"\old.txt").nFileSizeLow);
        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.Create(@"\new.txt", FileReadAttributes, ShareAll, FileOpen).Status, "absence cached");

        Assert.AreEqual(NtStatus.Success, Sim.ExplorerRenames(@"\old.txt", @"\new.txt"));

        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.Create(@"\old.txt", FileReadAttributes, ShareAll, FileOpen).Status, "the old name is gone");
        Assert.AreEqual(3u, Sim.ExplorerLooksAt(@"\new.txt").nFileSizeLow, "the new name is there");
        var names = Sim.ExplorerLists(@"\").Select(e => e.Name).ToList();
        CollectionAssert.Contains(names, "new.txt");
        CollectionAssert.DoesNotContain(names, "old.txt");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "default caches")]
    [DataRow(true, DisplayName = "default caches, write-behind")]
    public async Task A_delete_makes_the_next_open_not_found(bool writeBehind)
    {
        await MountCachedAsync(writeBehind);
        File.WriteAllText(OnDisk(@"\gone.txt"), "x");
        Assert.AreEqual(1u, Sim.ExplorerLooksAt(@"\gone.txt").nFileSizeLow);

        Assert.AreEqual(NtStatus.Success, Sim.ExplorerDeletes(@"\gone.txt", folder: false));

        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.Create(@"\gone.txt", GenericRead, ShareAll, FileOpen).Status);
        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.Create(@"\gone.txt", FileReadAttributes, ShareAll, FileOpen).Status);
        Assert.IsFalse(Sim.ExplorerLists(@"\").Any(e => e.Name == "gone.txt"), "not listed");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "default caches")]
    [DataRow(true, DisplayName = "default caches, write-behind")]
    public async Task SetEndOfFile_shows_through_other_handles_at_once(bool writeBehind)
    {
        await MountCachedAsync(writeBehind);
        File.WriteAllText(OnDisk(@"\eof.txt"), "0123456789");
        var attributesOnly = Sim.Open(@"\eof.txt", FileReadAttributes, ShareAll, FileOpen);
        var reader = Sim.Open(@"\eof.txt", GenericRead, ShareAll, FileOpen, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(attributesOnly, out var before));
        Assert.AreEqual(10u, before.nFileSizeLow);
        var writer = Sim.Open(@"\eof.txt", GenericRead | GenericWrite, ShareAll, FileOpen, FileNonDirectoryFile);

        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(writer, 4));

        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(attributesOnly, out var byPath));
        Assert.AreEqual(4u, byPath.nFileSizeLow, "a handle without an OPEN (asks by path)");
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(reader, out var byOpen));
        Assert.AreEqual(4u, byOpen.nFileSizeLow, "a handle with its own OPEN");

        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(writer, 70000));
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(attributesOnly, out byPath));
        Assert.AreEqual(70000u, byPath.nFileSizeLow, "grown, by path");
        Assert.AreEqual(70000ul, Entry(@"\", "eof.txt").Size, "grown, listed");
        Sim.Close(writer);
        Sim.Close(reader);
        Sim.Close(attributesOnly);
    }

    /// <summary>The drive's client: the default caches, and write-behind when <paramref name="writeBehind"/> (as drives mount).</summary>
    private Task MountCachedAsync(bool writeBehind) =>
        MountAsync(clientOptions: new NfsClientOptions { WriteBehindBytes = writeBehind ? NfsClientOptions.DefaultWriteBehindBytes : 0 });

    private SimFindEntry Entry(string directory, string name) => Sim.ExplorerLists(directory).Single(e => e.Name == name);
}
