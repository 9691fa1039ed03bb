using System.Net;
using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// Migration (the seed: "at any time NFS request may fail with an error MOVED"): a file system that is
/// mounted and in use moves to another server (<see cref="FakeNfsServer.MoveAway"/>); the mount follows
/// it to the location its old server names, and open handles go on there by path. Servers listen on
/// distinct loopback addresses on one port, which <see cref="NamespaceOptions.ReferralPort"/> names.
/// </summary>
[TestClass]
public sealed class MigrationTests : FakeNamespaceTestBase
{
    private static readonly IPAddress OldAddress = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress NewAddress = IPAddress.Parse("127.0.0.6");

    /// <summary>A loopback address nothing listens on: refused at once.</summary>
    private static readonly IPAddress Dead = IPAddress.Parse("127.0.0.3");

    [TestMethod]
    [DataRow(false, DisplayName = "noac")]
    [DataRow(true, DisplayName = "default caches")]
    public async Task A_mount_in_use_that_answers_moved_follows_its_file_system_and_open_handles_go_on_there(bool caches)
    {
        var (origin, oldServer) = await StartAsync();
        var newServer = Track(await FakeNfsServer.StartAsync(new FakeNfsServerOptions { ExportName = "vol2" }, new IPEndPoint(NewAddress, oldServer.EndPoint.Port)));
        newServer.CreateFile("/vol2/hello.txt", "HELLO-new"u8);
        newServer.CreateFile("/vol2/w.txt", "........"u8);
        newServer.CreateFile("/vol2/only-new.txt", "n"u8);
        var fs = await MountAsync(origin, oldServer.EndPoint.Port, caches);
        var migrated = new List<MountMigratedEventArgs>();
        fs.Migrated += (_, e) => migrated.Add(e);

        // In use: a listing, a read-only handle that has read, a read-write handle with uncommitted data.
        CollectionAssert.AreEquivalent(new[] { "hello.txt", "w.txt" }, await ListAsync(fs, "/ref"));
        await using var reader = await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForRead, Ct);
        Assert.AreEqual("hello", await ReadAsync(reader, 16));
        await using var writer = await fs.OpenAsync("/ref/w.txt", OpenRequest.ForReadWrite, Ct);
        await writer.WriteAsync(0, "AB"u8.ToArray(), Ct); // UNSTABLE, not committed before the move

        oldServer.MoveAway("/vol", new FsLocations4(["vol"], [new FsLocation4([NewAddress.ToString()], ["vol2"])]));

        CollectionAssert.AreEquivalent(new[] { "hello.txt", "w.txt", "only-new.txt" }, await ListAsync(fs, "/ref"), "listed by the new server");
        Assert.AreEqual("HELLO-new", await ReadAsync(reader, 16), "the open handle reads the new server's file of the same path");
        await writer.WriteAsync(4, "CD"u8.ToArray(), Ct);
        await writer.FlushAsync(Ct);
        Assert.AreEqual("AB..CD..", Encoding.ASCII.GetString(newServer.ReadFile("/vol2/w.txt")), "uncommitted data written again through the new open");

        var mount = fs.Tree.MountAt("/ref");
        Assert.IsNotNull(mount);
        Assert.AreEqual(new IPEndPoint(NewAddress, oldServer.EndPoint.Port), mount.Server);
        Assert.AreEqual("/vol2", mount.ExportPath);
        Assert.AreEqual(1, fs.GraftCount, "moved, not grafted again");
        Assert.AreEqual(1, fs.MigrationCount);
        Assert.HasCount(1, migrated);
        Assert.AreEqual(new IPEndPoint(OldAddress, oldServer.EndPoint.Port), migrated[0].From.Server);
        Assert.AreEqual(2, fs.OpenHandleCount("/ref"), "the handles count against the moved mount");
        Assert.AreEqual(1ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size, "the rest of the drive is untouched");

        await reader.CloseAsync(Ct);
        await writer.CloseAsync(Ct);
        Assert.AreEqual(0, fs.OpenHandleCount("/ref"));
        Assert.AreEqual(0, newServer.OpenStateCount, "the new opens were closed on the new server");
        Assert.IsEmpty(newServer.Errors, string.Join(Environment.NewLine, newServer.Errors));
    }

    [TestMethod]
    public async Task A_buffer_handed_to_a_write_after_a_move_is_written_on_the_new_server()
    {
        var (origin, oldServer) = await StartAsync();
        var newServer = Track(await FakeNfsServer.StartAsync(new FakeNfsServerOptions { ExportName = "vol2" }, new IPEndPoint(NewAddress, oldServer.EndPoint.Port)));
        newServer.CreateFile("/vol2/w.txt", "........"u8);
        var fs = await MountAsync(origin, oldServer.EndPoint.Port, caches: false);
        await using var writer = await fs.OpenAsync("/ref/w.txt", OpenRequest.ForReadWrite, Ct);
        oldServer.MoveAway("/vol", new FsLocations4(["vol"], [new FsLocation4([NewAddress.ToString()], ["vol2"])]));

        // Refused with MOVED by the old server, then written again on the new one: the buffer must still be the
        // caller's bytes then (INfsFileHandle.WritePooledAsync takes it over only once it is written or queued).
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(2);
        "EF"u8.CopyTo(buffer);
        await writer.WritePooledAsync(2, buffer, 2, Ct);
        await writer.FlushAsync(Ct);

        Assert.AreEqual("..EF....", Encoding.ASCII.GetString(newServer.ReadFile("/vol2/w.txt")));
        Assert.AreEqual(1, fs.MigrationCount);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "noac")]
    [DataRow(true, DisplayName = "default caches")]
    public async Task A_move_to_a_server_that_does_not_answer_fails_naming_it_and_the_mount_stays(bool caches)
    {
        var (origin, oldServer) = await StartAsync();
        var fs = await MountAsync(origin, oldServer.EndPoint.Port, caches);
        CollectionAssert.AreEquivalent(new[] { "hello.txt", "w.txt" }, await ListAsync(fs, "/ref"));
        await using var reader = await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForRead, Ct);
        Assert.AreEqual("hello", await ReadAsync(reader, 16), "read before the move (with caches, the OPEN's own READ answers it)");

        var rule = oldServer.MoveAway("/vol", new FsLocations4(["vol"], [new FsLocation4([Dead.ToString()], ["vol2"])]));

        var ex = await Assert.ThrowsExactlyAsync<NfsMigrationException>(async () => await ListAsync(fs, "/ref"));
        TestContext.WriteLine(ex.Message);
        Assert.AreEqual("/ref", ex.DrivePath);
        Assert.HasCount(1, ex.Attempts);
        StringAssert.StartsWith(ex.Attempts[0], $"{Dead} ({Dead}:{oldServer.EndPoint.Port}): ");
        Assert.Contains(Dead.ToString(), ex.Message);
        Assert.Contains(OldAddress.ToString(), ex.Message, "names the server it stays on");

        var handleEx = await Assert.ThrowsExactlyAsync<NfsMigrationException>(async () => await ReadAsync(reader, 16));
        Assert.Contains(Dead.ToString(), handleEx.Message);

        Assert.AreEqual(new IPEndPoint(OldAddress, oldServer.EndPoint.Port), fs.Tree.MountAt("/ref")?.Server, "the mount stays on the old server");
        Assert.AreEqual("/vol", fs.Tree.MountAt("/ref")?.ExportPath);
        Assert.AreEqual(0, fs.MigrationCount);
        Assert.AreEqual(1, fs.OpenHandleCount("/ref"));
        Assert.AreEqual(1ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size, "the rest of the drive keeps working");
        oldServer.RemoveRule(rule);
    }

    [TestMethod]
    public async Task The_root_mount_follows_its_file_system_and_the_owners_client_is_not_disposed()
    {
        var target = Track(await FakeNfsServer.StartAsync(new FakeNfsServerOptions { ExportName = "vol" }, new IPEndPoint(OldAddress, 0)));
        target.CreateFile("/vol/a.txt", "moved"u8);
        var origin = Track(await FakeNfsServer.StartAsync());
        origin.CreateFile("/export/a.txt", "a"u8);
        var fs = await MountAsync(origin, target.EndPoint.Port, caches: false);
        Assert.AreEqual(1ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size);

        origin.MoveAway("/export", new FsLocations4(["export"], [new FsLocation4([OldAddress.ToString()], ["vol"])]));

        Assert.AreEqual(5ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size);
        Assert.AreEqual(new IPEndPoint(OldAddress, target.EndPoint.Port), fs.Tree.Root.Server);
        Assert.AreEqual("/vol", fs.Tree.Root.ExportPath);
        Assert.AreEqual(1, fs.MigrationCount);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "noac")]
    [DataRow(true, DisplayName = "default caches")]
    public async Task Opening_a_file_of_a_mount_whose_file_system_moved_opens_it_on_the_new_server(bool caches)
    {
        var (origin, oldServer) = await StartAsync();
        var newServer = Track(await FakeNfsServer.StartAsync(new FakeNfsServerOptions { ExportName = "vol2" }, new IPEndPoint(NewAddress, oldServer.EndPoint.Port)));
        newServer.CreateFile("/vol2/hello.txt", "HELLO-new"u8);
        var fs = await MountAsync(origin, oldServer.EndPoint.Port, caches);

        // Known to the client (cached when caches are on): the directory, its entries, the file's attributes.
        CollectionAssert.AreEquivalent(new[] { "hello.txt", "w.txt" }, await ListAsync(fs, "/ref"));
        Assert.AreEqual(5ul, (await fs.GetAttributesAsync("/ref/hello.txt", Ct)).Size);

        oldServer.MoveAway("/vol", new FsLocations4(["vol"], [new FsLocation4([NewAddress.ToString()], ["vol2"])]));

        await using (var reader = await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForRead, Ct))
        {
            Assert.AreEqual("HELLO-new", await ReadAsync(reader, 16), "opened on the new server");
            await reader.CloseAsync(Ct);
        }

        Assert.AreEqual(new IPEndPoint(NewAddress, oldServer.EndPoint.Port), fs.Tree.MountAt("/ref")?.Server);
        Assert.AreEqual(1, fs.MigrationCount);
        Assert.AreEqual(1, fs.GraftCount, "moved, not grafted again");
        Assert.IsEmpty(newServer.Errors, string.Join(Environment.NewLine, newServer.Errors));
    }

    [TestMethod]
    [DataRow(false, DisplayName = "noac")]
    [DataRow(true, DisplayName = "default caches")]
    public async Task A_referral_that_appears_under_a_listed_directory_is_mounted_when_it_is_listed_or_opened(bool caches)
    {
        var (origin, oldServer) = await StartAsync();
        oldServer.CreateDirectory("/vol/sub");
        oldServer.CreateFile("/vol/sub/x.txt", "old-x"u8);
        var newServer = Track(await FakeNfsServer.StartAsync(new FakeNfsServerOptions { ExportName = "vol2" }, new IPEndPoint(NewAddress, oldServer.EndPoint.Port)));
        newServer.CreateFile("/vol2/x.txt", "new-x"u8);
        newServer.CreateFile("/vol2/y.txt", "new-y"u8);
        var fs = await MountAsync(origin, oldServer.EndPoint.Port, caches);
        CollectionAssert.AreEquivalent(new[] { "x.txt" }, await ListAsync(fs, "/ref/sub"));
        Assert.AreEqual(5ul, (await fs.GetAttributesAsync("/ref/sub/x.txt", Ct)).Size);

        // /vol/sub becomes a file system of its own that lives on the new server: a trigger point below the mount.
        oldServer.MoveAway("/vol/sub", new FsLocations4(["vol", "sub"], [new FsLocation4([NewAddress.ToString()], ["vol2"])]));

        CollectionAssert.AreEquivalent(new[] { "x.txt", "y.txt" }, await ListAsync(fs, "/ref/sub"), "listed by the new server");
        await using (var reader = await fs.OpenAsync("/ref/sub/x.txt", OpenRequest.ForRead, Ct))
        {
            Assert.AreEqual("new-x", await ReadAsync(reader, 16));
            await reader.CloseAsync(Ct);
        }

        Assert.AreEqual(new IPEndPoint(NewAddress, oldServer.EndPoint.Port), fs.Tree.MountAt("/ref/sub")?.Server);
        Assert.AreEqual(2, fs.GraftCount, "/ref, then /ref/sub");
        Assert.AreEqual(0, fs.MigrationCount, "a point below the mount, not the mount's own file system");
        Assert.IsEmpty(newServer.Errors, string.Join(Environment.NewLine, newServer.Errors));
    }

    /// <summary>The origin (/export: a.txt, the referral /export/ref to the old server's /vol) and the old server (/vol: hello.txt, w.txt).</summary>
    private async Task<(FakeNfsServer Origin, FakeNfsServer Old)> StartAsync()
    {
        var old = Track(await FakeNfsServer.StartAsync(new FakeNfsServerOptions { ExportName = "vol" }, new IPEndPoint(OldAddress, 0)));
        old.CreateFile("/vol/hello.txt", "hello"u8);
        old.CreateFile("/vol/w.txt", "old-w"u8);
        var origin = Track(await FakeNfsServer.StartAsync());
        origin.CreateFile("/export/a.txt", "a"u8);
        origin.AddReferral("/export/ref", new FsLocations4(["export", "ref"], [new FsLocation4([OldAddress.ToString()], ["vol"])]));
        return (origin, old);
    }

    private async Task<NamespaceFileSystem> MountAsync(FakeNfsServer origin, int referralPort, bool caches)
    {
        var client = Track(new NfsClient(origin.EndPoint, Options(caches) with { Identity = ClientIdentity.Create() }));
        var options = new NamespaceOptions { ReferralPort = referralPort, ProbeTimeout = TimeSpan.FromSeconds(10) };
        return Track(await NamespaceFileSystem.MountAsync(client, origin.EndPoint, "/export", options, Ct));
    }

    private async Task<List<string>> ListAsync(NamespaceFileSystem fs, string path)
    {
        var names = new List<string>();
        await foreach (var entry in fs.ListAsync(path, Ct))
        {
            names.Add(entry.Name);
        }

        return names;
    }

    private async Task<string> ReadAsync(INfsFileHandle handle, int length)
    {
        var buffer = new byte[length];
        var count = await handle.ReadAsync(0, buffer, Ct);
        return Encoding.ASCII.GetString(buffer, 0, count);
    }
}
