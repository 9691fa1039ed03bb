using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using DokanNfs.TestSupport.Ganesha;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>
/// Change notifications (issue 6 §11) against Ganesha: changes made on disk behind the adapter's back are told
/// to Windows when the adapter next sees the object; changes made through the adapter are not told back.
/// <para>
/// Ganesha keeps directory entries in chunks (MDCACHE Dir_Chunk) and does not notice names removed from the
/// export directory behind its own back: READDIR then fails (NFS4ERR_STALE, then NFS4ERR_NOENT on every later
/// call). These servers run with Dir_Chunk = 0 so that the disk is the truth; one test makes its changes
/// through another NFS client instead, as another machine would, on a server with the default cache.
/// </para>
/// </summary>
[TestClass]
public class ChangeNotificationTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    private static readonly GaneshaOptions DiskIsTheTruth = new() { ConfigTransform = config => config + "MDCACHE { Dir_Chunk = 0; }\n" };

    // noac: these tests change files behind the adapter's back and look at once; with the attribute cache the adapter
    // would see (and announce) the change only after acregmin/acdirmin, which MetadataCacheTests cover.
    private static readonly NfsClientOptions NoAttributeCache = new NfsClientOptions().WithAttributeCacheTimeout(TimeSpan.Zero);

    [TestMethod]
    public async Task A_file_written_behind_the_adapters_back_is_announced_as_an_update_once()
    {
        await MountAsync(serverOptions: DiskIsTheTruth, clientOptions: NoAttributeCache);
        Directory.CreateDirectory(OnDisk(@"\dir"));
        File.WriteAllText(OnDisk(@"\dir\f.txt"), "first");
        var handle = Sim.Open(@"\dir\f.txt", FileReadAttributes, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out _));
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out _));
        Assert.IsEmpty(Host.Notifications, "nothing changed yet");

        HostFacts.Rewrite(OnDisk(@"\dir\f.txt"), "second, longer");
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out var information));
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out _));

        Assert.AreEqual(14u, information.nFileSizeLow);
        CollectionAssert.AreEqual(new[] { new DokanNotification("update", @"\dir\f.txt") }, Host.Notifications.ToList());
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task A_create_that_looks_up_a_file_changed_behind_the_adapters_back_announces_it()
    {
        await MountAsync(serverOptions: DiskIsTheTruth, clientOptions: NoAttributeCache);
        File.WriteAllText(OnDisk(@"\f.txt"), "first");
        _ = Sim.ExplorerLooksAt(@"\f.txt");

        HostFacts.Rewrite(OnDisk(@"\f.txt"), "second");
        var handle = Sim.Open(@"\f.txt", FileReadAttributes, ShareAll, FileOpen);

        CollectionAssert.AreEqual(new[] { new DokanNotification("update", @"\f.txt") }, Host.Notifications.ToList());
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task Names_created_and_removed_behind_the_adapters_back_are_announced_at_the_next_listing()
    {
        await MountAsync(serverOptions: DiskIsTheTruth, clientOptions: NoAttributeCache);
        Directory.CreateDirectory(OnDisk(@"\dir\old-sub"));
        File.WriteAllText(OnDisk(@"\dir\old.txt"), "old");
        File.WriteAllText(OnDisk(@"\dir\stays.txt"), "stays");
        _ = Sim.ExplorerLists(@"\dir");
        _ = Sim.ExplorerLists(@"\dir");
        Assert.IsEmpty(Host.Notifications, "the first listing only records; the second finds nothing new");

        File.WriteAllText(OnDisk(@"\dir\new.txt"), "new");
        Directory.CreateDirectory(OnDisk(@"\dir\new-sub"));
        File.Delete(OnDisk(@"\dir\old.txt"));
        Directory.Delete(OnDisk(@"\dir\old-sub"));
        var entries = Sim.ExplorerLists(@"\dir");

        CollectionAssert.AreEquivalent(new[] { "new.txt", "new-sub", "stays.txt" }, entries.Select(e => e.Name).ToList());
        CollectionAssert.AreEquivalent(
            new[]
            {
                new DokanNotification("create", @"\dir\new.txt"),
                new DokanNotification("create", @"\dir\new-sub", IsDirectory: true),
                new DokanNotification("delete", @"\dir\old.txt"),
                new DokanNotification("delete", @"\dir\old-sub", IsDirectory: true),
            },
            Host.Notifications.ToList());

        Host.ClearNotifications();
        _ = Sim.ExplorerLists(@"\dir");
        Assert.IsEmpty(Host.Notifications, "announced once");
    }

    [TestMethod]
    public async Task Names_another_NFS_client_creates_and_removes_are_announced_at_the_next_listing()
    {
        await MountAsync(clientOptions: NoAttributeCache);
        Directory.CreateDirectory(OnDisk(@"\shared"));
        File.WriteAllText(OnDisk(@"\shared\theirs.txt"), "theirs");
        _ = Sim.ExplorerLists(@"\shared");
        var other = Track(new NfsClient(Server.EndPoint, ClientOptions()));

        await using (var file = await other.OpenAsync($"{Export}/shared/added.txt", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            await file.WriteAsync(0, "from elsewhere"u8.ToArray(), cancellationToken: Ct);
        }

        _ = await other.CreateDirectoryAsync($"{Export}/shared/folder", null, Ct);
        _ = await other.RemoveAsync($"{Export}/shared/theirs.txt", Ct);
        var entries = Sim.ExplorerLists(@"\shared");

        CollectionAssert.AreEquivalent(new[] { "added.txt", "folder" }, entries.Select(e => e.Name).ToList());
        CollectionAssert.AreEquivalent(
            new[]
            {
                new DokanNotification("create", @"\shared\added.txt"),
                new DokanNotification("create", @"\shared\folder", IsDirectory: true),
                new DokanNotification("delete", @"\shared\theirs.txt"),
            },
            Host.Notifications.ToList());
    }

    [TestMethod]
    public async Task A_listed_directory_whose_change_moved_is_compared_again_on_GetFileInformation()
    {
        await MountAsync(serverOptions: DiskIsTheTruth, clientOptions: NoAttributeCache);
        File.WriteAllText(OnDisk(@"\old.txt"), "old");
        _ = Sim.ExplorerOpensRoot();
        _ = Sim.ExplorerLists(@"\");
        _ = Sim.ExplorerOpensRoot();
        Assert.IsEmpty(Host.Notifications);

        HostFacts.NextTick();
        File.WriteAllText(OnDisk(@"\new.txt"), "new");
        File.Delete(OnDisk(@"\old.txt"));
        var root = Sim.Open(@"\", Synchronize, FileShareRead | FileShareWrite, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(root, out _));

        CollectionAssert.AreEquivalent(
            new[] { new DokanNotification("create", @"\new.txt"), new DokanNotification("delete", @"\old.txt") },
            Host.Notifications.ToList());
        Host.ClearNotifications();
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(root, out _));
        _ = Sim.ExplorerLists(@"\");
        Assert.IsEmpty(Host.Notifications, "the relisting is the new baseline");
        Sim.Close(root);
    }

    [TestMethod]
    public async Task A_listing_shows_a_file_queried_before_changed_and_announces_the_update()
    {
        await MountAsync(serverOptions: DiskIsTheTruth, clientOptions: NoAttributeCache);
        Directory.CreateDirectory(OnDisk(@"\d"));
        File.WriteAllText(OnDisk(@"\d\f.txt"), "one");
        _ = Sim.ExplorerLists(@"\d");
        _ = Sim.ExplorerLooksAt(@"\d\f.txt");

        HostFacts.Rewrite(OnDisk(@"\d\f.txt"), "two two");
        var entries = Sim.ExplorerLists(@"\d");
        _ = Sim.ExplorerLooksAt(@"\d\f.txt");

        Assert.AreEqual(7UL, entries.Single().Size);
        CollectionAssert.AreEqual(new[] { new DokanNotification("update", @"\d\f.txt") }, Host.Notifications.ToList(), "once: the listing recorded the new change");
    }

    [TestMethod]
    public async Task Creates_overwrites_and_deletes_made_through_the_adapter_are_not_announced_back()
    {
        await MountAsync(serverOptions: DiskIsTheTruth, clientOptions: NoAttributeCache);
        Directory.CreateDirectory(OnDisk(@"\dir"));
        File.WriteAllText(OnDisk(@"\dir\existing.txt"), "will be overwritten");
        File.WriteAllText(OnDisk(@"\dir\doomed.txt"), "will be deleted");
        _ = Sim.ExplorerLists(@"\dir");
        var directory = Sim.Open(@"\dir", FileReadAttributes, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(directory, out _));
        _ = Sim.ExplorerLooksAt(@"\dir\existing.txt");
        HostFacts.NextTick();

        var created = Sim.Open(@"\dir\made.txt", GenericRead | GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile);
        Sim.Close(created);
        var folder = Sim.Open(@"\dir\made-dir", FileListDirectory | Synchronize, FileShareRead | FileShareWrite, FileCreate, FileDirectoryFile);
        Sim.Close(folder);
        var overwritten = Sim.Open(@"\dir\existing.txt", GenericRead | GenericWrite, FileShareRead, FileOverwriteIf, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(overwritten, out var information));
        Assert.AreEqual(0u, information.nFileSizeLow, "truncated");
        Sim.Close(overwritten);
        var doomed = Sim.Open(@"\dir\doomed.txt", Delete | FileReadAttributes, ShareAll, FileOpen, FileDeleteOnClose | FileNonDirectoryFile);
        Sim.Close(doomed);
        Assert.IsFalse(File.Exists(OnDisk(@"\dir\doomed.txt")));

        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(directory, out _));
        _ = Sim.ExplorerLooksAt(@"\dir\existing.txt");
        var entries = Sim.ExplorerLists(@"\dir");

        CollectionAssert.AreEquivalent(new[] { "existing.txt", "made.txt", "made-dir" }, entries.Select(e => e.Name).ToList());
        Assert.IsEmpty(Host.Notifications, string.Join("; ", Host.Notifications));
        Sim.Close(directory);
    }

    [TestMethod]
    public async Task A_change_seen_through_an_open_that_may_write_the_file_is_presumed_its_own()
    {
        await MountAsync(serverOptions: DiskIsTheTruth, clientOptions: NoAttributeCache);
        File.WriteAllText(OnDisk(@"\w.txt"), "1");
        var writer = Sim.Open(@"\w.txt", GenericRead | GenericWrite, FileShareRead | FileShareWrite, FileOpen, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(writer, out _));
        var open = Operations.Handles.Find(writer.Info.Context)?.Handle ?? throw new AssertFailedException("no NFS OPEN");
        HostFacts.NextTick();

        await open.WriteAsync(1, "23"u8.ToArray(), Ct); // what WriteFile does (issue 6 §3)
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(writer, out var information));

        Assert.AreEqual(3u, information.nFileSizeLow);
        Assert.IsEmpty(Host.Notifications);
        Sim.Close(writer);
    }
}
