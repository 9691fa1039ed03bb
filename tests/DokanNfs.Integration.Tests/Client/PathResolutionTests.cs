using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>Path walks: one COMPOUND per path, the directory handle cache, and recovery from a stale handle.</summary>
[TestClass]
public sealed class PathResolutionTests(TestContext testContext) : ClientTestBase(testContext)
{
    private static readonly TimeSpan LongCache = TimeSpan.FromMinutes(10);

    /// <summary>These tests are about the walks themselves: the attribute and name caches (MetadataCacheTests) are off.</summary>
    private static readonly NfsClientOptions NoAc = new NfsClientOptions().WithAttributeCacheTimeout(TimeSpan.Zero);

    [TestMethod]
    public async Task Deep_path_is_resolved_in_one_compound_then_from_the_cached_directory()
    {
        var server = await StartServerAsync();
        var dirs = string.Join('/', Enumerable.Range(1, 12).Select(i => $"d{i:D2}"));
        Directory.CreateDirectory(server.PathInExport(dirs));
        File.WriteAllText(server.PathInExport(dirs + "/leaf.txt"), "deep!");
        File.WriteAllText(server.PathInExport(dirs + "/other.txt"), "x");
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, NoAc with { DirectoryHandleCacheTime = LongCache });

        var leaf = await client.GetAttrAsync(Nfs(dirs + "/leaf.txt"), Ct);

        Assert.AreEqual(NfsFtype4.Reg, leaf.Type);
        Assert.AreEqual(5UL, leaf.Attributes.Size);
        Assert.AreEqual(HostInode(server.PathInExport(dirs + "/leaf.txt")), leaf.Attributes.FileId, "the walk reached the file the server has");
        var walk = tap.Calls.Single();
        Assert.AreEqual("walk", walk.Tag);
        Assert.AreEqual(NfsOpnum4.PutRootFh, walk.FirstOp);

        // PUTROOTFH, LOOKUP + GETFH for export, d01..d12 and leaf.txt, GETATTR.
        Assert.AreEqual(1 + (2 * 14) + 1, walk.OpCount);

        tap.Reset();
        var other = await client.GetAttrAsync(Nfs(dirs + "/other.txt"), Ct);
        var directory = await client.GetAttrAsync(Nfs(dirs), Ct);

        Assert.AreEqual(1UL, other.Attributes.Size);
        Assert.IsTrue(directory.IsDirectory);
        Assert.AreEqual(HostInode(server.PathInExport(dirs)), directory.Attributes.FileId);
        var calls = tap.Calls;
        Assert.HasCount(2, calls);

        // From the cached d12: PUTFH, LOOKUP, GETFH, GETATTR; then the directory itself: PUTFH, GETFH, GETATTR.
        Assert.AreEqual(new TappedCall("walk", 4, NfsOpnum4.PutFh), calls[0]);
        Assert.AreEqual(new TappedCall("walk", 3, NfsOpnum4.PutFh), calls[1]);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Path_of_sixty_components_resolves(NfsVersion version)
    {
        var server = await StartServerAsync();
        var dirs = string.Join('/', Enumerable.Range(1, 59).Select(i => $"n{i}"));
        Directory.CreateDirectory(server.PathInExport(dirs));
        File.WriteAllText(server.PathInExport(dirs + "/f"), "sixty");
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version, NoAc with { DirectoryHandleCacheTime = LongCache }));

        var node = await client.GetAttrAsync(Nfs(dirs + "/f"), Ct);

        Assert.AreEqual(5UL, node.Attributes.Size);
        Assert.AreEqual(Nfs(dirs + "/f"), node.Path);
        Assert.AreEqual(HostInode(server.PathInExport(dirs + "/f")), node.Attributes.FileId);

        // 61 components: servers refuse COMPOUNDs of over 100 (Ganesha) or 50 (Linux) operations, so the
        // walk goes out in pieces of 24 LOOKUPs, each from the handle the last one reached.
        // Under NFSv4.1 SEQUENCE comes first in each, and each fits the session's ca_maxoperations.
        var walks = tap.CallsTagged("walk");
        CollectionAssert.AreEqual(
            new[] { (50, NfsOpnum4.PutRootFh), (50, NfsOpnum4.PutFh), (28, NfsOpnum4.PutFh) },
            walks.Select(w => (w.OwnOpCount, w.OwnFirstOp ?? default)).ToArray());
        Assert.AreEqual(version == NfsVersion.V40 ? 3 : 7, tap.Calls.Count, "nothing else but, under 4.1, setting up the session first");
        if (client.Session is { } session)
        {
            Assert.IsTrue(walks.All(w => w.FirstOp == NfsOpnum4.Sequence && w.OpCount <= session.ForeChannel.MaxOperations), $"at most {session.ForeChannel.MaxOperations} operations");
        }

        // The directories of every piece were cached: the next walk starts from n59.
        tap.Reset();
        Assert.AreEqual(5UL, (await client.GetAttrAsync(Nfs(dirs + "/f"), Ct)).Attributes.Size);
        var again = tap.CallsTagged("walk").Single();
        Assert.AreEqual((4, NfsOpnum4.PutFh), (again.OwnOpCount, again.OwnFirstOp ?? default));
    }

    [TestMethod]
    public async Task Stale_cached_directory_handle_is_recovered_by_walking_again_from_the_root()
    {
        var server = await StartServerAsync(LiveNames);
        Directory.CreateDirectory(server.PathInExport("a/b/c"));
        File.WriteAllText(server.PathInExport("a/b/c/file.txt"), "old");
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, NoAc with { DirectoryHandleCacheTime = LongCache });
        Assert.AreEqual(3UL, (await client.GetAttrAsync(Nfs("a/b/c/file.txt"), Ct)).Attributes.Size);

        // Behind the client's back: the cached directories are deleted and new ones made in their place.
        Directory.Delete(server.PathInExport("a/b"), recursive: true);
        Directory.CreateDirectory(server.PathInExport("a/b/c"));
        File.WriteAllText(server.PathInExport("a/b/c/file.txt"), "brand new");
        tap.Reset();

        var node = await client.GetAttrAsync(Nfs("a/b/c/file.txt"), Ct);

        Assert.AreEqual(9UL, node.Attributes.Size);
        Assert.AreEqual(HostInode(server.PathInExport("a/b/c/file.txt")), node.Attributes.FileId);
        var walks = tap.CallsTagged("walk");
        Assert.HasCount(2, walks, "one walk from the stale cached handle, one from the root");
        Assert.AreEqual(NfsOpnum4.PutFh, walks[0].FirstOp);
        Assert.AreEqual(NfsOpnum4.PutRootFh, walks[1].FirstOp);

        // And the fresh handles are cached again.
        tap.Reset();
        Assert.AreEqual(9UL, (await client.GetAttrAsync(Nfs("a/b/c/file.txt"), Ct)).Attributes.Size);
        Assert.AreEqual(NfsOpnum4.PutFh, tap.Calls.Single().FirstOp);
    }

    [TestMethod]
    public async Task Cached_directory_handle_is_trusted_for_its_lifetime_and_not_after()
    {
        var server = await StartServerAsync(LiveNames);
        Directory.CreateDirectory(server.PathInExport("dir/sub"));
        File.WriteAllText(server.PathInExport("dir/sub/file.txt"), "old");
        var caching = Connect(server, NoAc with { DirectoryHandleCacheTime = LongCache });
        var notCaching = Connect(server, NoAc with { DirectoryHandleCacheTime = TimeSpan.Zero });
        await caching.GetAttrAsync(Nfs("dir/sub/file.txt"), Ct);
        await notCaching.GetAttrAsync(Nfs("dir/sub/file.txt"), Ct);

        // The server renames the directory away (its handle stays valid) and puts a new one in its place.
        Directory.Move(server.PathInExport("dir/sub"), server.PathInExport("dir/moved"));
        Directory.CreateDirectory(server.PathInExport("dir/sub"));
        File.WriteAllText(server.PathInExport("dir/sub/file.txt"), "new one");

        // The caching client walks on from the handle it has: the renamed directory, without asking.
        Assert.AreEqual(3UL, (await caching.GetAttrAsync(Nfs("dir/sub/file.txt"), Ct)).Attributes.Size);
        Assert.AreEqual(7UL, (await notCaching.GetAttrAsync(Nfs("dir/sub/file.txt"), Ct)).Attributes.Size);
    }

    [TestMethod]
    public async Task Handle_cache_entries_expire_after_DirectoryHandleCacheTime()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("x/y"));
        File.WriteAllText(server.PathInExport("x/y/f"), "1");
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, NoAc with { DirectoryHandleCacheTime = TimeSpan.FromSeconds(1) });
        await client.GetAttrAsync(Nfs("x/y/f"), Ct);
        await client.GetAttrAsync(Nfs("x/y/f"), Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(1500), Ct);
        await client.GetAttrAsync(Nfs("x/y/f"), Ct);

        var firstOps = tap.CallsTagged("walk").Select(c => c.FirstOp).ToArray();

        CollectionAssert.AreEqual(new NfsOpnum4?[] { NfsOpnum4.PutRootFh, NfsOpnum4.PutFh, NfsOpnum4.PutRootFh }, firstOps);
    }

    [TestMethod]
    public async Task Missing_component_gives_NOENT_and_a_file_in_the_middle_gives_NOTDIR()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("real"));
        File.WriteAllText(server.PathInExport("real/file"), "f");
        var client = Connect(server);

        var missing = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.GetAttrAsync(Nfs("real/nope/deeper"), Ct));
        var notDir = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.GetAttrAsync(Nfs("real/file/below"), Ct));

        Assert.AreEqual(NfsStat4.NoEnt, missing.Status);
        Assert.AreEqual(NfsOpnum4.Lookup, missing.Operation);
        Assert.AreEqual(NfsStat4.NotDir, notDir.Status);
    }

    [TestMethod]
    public async Task Dot_and_dotdot_are_resolved_on_the_client_and_the_root_is_the_pseudo_root()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("p/q"));
        File.WriteAllText(server.PathInExport("p/f"), "ab");
        var client = Connect(server);

        var viaDots = await client.GetAttrAsync("/export/p/./q/../f", Ct);
        var root = await client.GetAttrAsync("/", Ct);
        var export = await client.GetAttrAsync("//export/", Ct);

        Assert.AreEqual("/export/p/f", viaDots.Path);
        Assert.AreEqual(2UL, viaDots.Attributes.Size);
        Assert.IsTrue(root.IsDirectory);
        Assert.AreEqual("/export", export.Path);
        Assert.AreEqual(HostInode(server.ExportPath), export.Attributes.FileId);
        Assert.AreNotEqual(root.FileHandle, export.FileHandle, "the pseudo root is not the export");
    }

    [TestMethod]
    public async Task Lookupp_finds_the_parent_directory_by_handle_alone()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("a/b"));
        var client = Connect(server);
        var child = await client.GetAttrAsync(Nfs("a/b"), Ct);
        var expected = await client.GetAttrAsync(Nfs("a"), Ct);

        var (parent, attributes) = await client.LookupParentAsync(child.FileHandle, Ct);

        Assert.AreEqual(expected.FileHandle, parent);
        Assert.AreEqual(HostInode(server.PathInExport("a")), attributes.FileId);
        Assert.AreEqual(Core.Nfs4.NfsFtype4.Dir, attributes.Type);
    }
}
