using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>Names in directories: CREATE (directory, symlink), REMOVE, RENAME, LINK, READLINK, Unicode and 255-byte names.</summary>
[TestClass]
public sealed class NameTests(TestContext testContext) : ClientTestBase(testContext)
{
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Create_directory_with_a_mode_and_in_a_directory_just_created(NfsVersion version)
    {
        var server = await StartServerAsync();
        var client = Connect(server, Vers(version));

        var dir = await client.CreateDirectoryAsync(Nfs("made"), new SetAttributes { Mode = 0x1C0 }, Ct); // 0700
        var nested = await client.CreateDirectoryAsync(Nfs("made/inner"), null, Ct);

        Assert.IsTrue(dir.IsDirectory);
        Assert.AreEqual(0x1C0u, dir.Attributes.Mode);
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, HostMode(server.PathInExport("made")));
        Assert.IsTrue(Directory.Exists(server.PathInExport("made/inner")));
        Assert.AreEqual(HostInode(server.PathInExport("made/inner")), nested.Attributes.FileId);
        var exists = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.CreateDirectoryAsync(Nfs("made"), null, Ct));
        Assert.AreEqual(NfsStat4.Exist, exists.Status);
    }

    [TestMethod]
    public async Task Symlink_is_created_with_its_target_and_read_back()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("dir"));
        File.WriteAllText(server.PathInExport("dir/target.txt"), "t");
        var client = Connect(server);

        var link = await client.CreateSymlinkAsync(Nfs("link"), "dir/target.txt", null, Ct);
        var absolute = await client.CreateSymlinkAsync(Nfs("dir/abs"), "/somewhere/else", null, Ct);

        Assert.AreEqual(NfsFtype4.Lnk, link.Type);
        Assert.AreEqual(NfsFtype4.Lnk, absolute.Type);
        Assert.AreEqual("dir/target.txt", new FileInfo(server.PathInExport("link")).LinkTarget);
        Assert.AreEqual("dir/target.txt", await client.ReadLinkAsync(Nfs("link"), Ct));
        Assert.AreEqual("/somewhere/else", await client.ReadLinkAsync(Nfs("dir/abs"), Ct));
        Assert.AreEqual(NfsFtype4.Lnk, (await client.GetAttrAsync(Nfs("link"), Ct)).Type, "a walk does not follow the last symlink");
    }

    [TestMethod]
    public async Task Readlink_of_a_link_made_on_the_server_and_of_a_file_which_is_not_one()
    {
        var server = await StartServerAsync();
        File.CreateSymbolicLink(server.PathInExport("server-link"), "../über/ziel");
        File.WriteAllText(server.PathInExport("plain"), "p");
        var client = Connect(server);

        Assert.AreEqual("../über/ziel", await client.ReadLinkAsync(Nfs("server-link"), Ct));
        var notLink = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.ReadLinkAsync(Nfs("plain"), Ct));
        Assert.AreEqual(NfsStat4.Inval, notLink.Status);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Remove_deletes_a_file_and_an_empty_directory_and_refuses_a_full_one(NfsVersion version)
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("file"), "f");
        Directory.CreateDirectory(server.PathInExport("empty"));
        Directory.CreateDirectory(server.PathInExport("full"));
        File.WriteAllText(server.PathInExport("full/child"), "c");
        var client = Connect(server, Vers(version));

        var change = await client.RemoveAsync(Nfs("file"), Ct);
        await client.RemoveAsync(Nfs("empty"), Ct);
        var notEmpty = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.RemoveAsync(Nfs("full"), Ct));
        var missing = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.RemoveAsync(Nfs("file"), Ct));

        Assert.IsFalse(File.Exists(server.PathInExport("file")));
        Assert.IsFalse(Directory.Exists(server.PathInExport("empty")));
        Assert.AreNotEqual(change.Before, change.After, "the directory's change attribute moved");
        Assert.AreEqual(NfsStat4.NotEmpty, notEmpty.Status);
        Assert.IsTrue(File.Exists(server.PathInExport("full/child")));
        Assert.AreEqual(NfsStat4.NoEnt, missing.Status);
    }

    [TestMethod]
    public async Task Remove_of_a_directory_forgets_its_cached_handle()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("gone/sub"));
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, new NfsClientOptions { DirectoryHandleCacheTime = TimeSpan.FromMinutes(10) });
        await client.GetAttrAsync(Nfs("gone/sub"), Ct);

        await client.RemoveAsync(Nfs("gone/sub"), Ct);
        await client.RemoveAsync(Nfs("gone"), Ct);
        await client.CreateDirectoryAsync(Nfs("gone"), null, Ct);
        var fresh = await client.CreateDirectoryAsync(Nfs("gone/sub"), null, Ct);
        tap.Reset();
        var node = await client.GetAttrAsync(Nfs("gone/sub"), Ct);

        Assert.AreEqual(HostInode(server.PathInExport("gone/sub")), node.Attributes.FileId);
        Assert.AreEqual(fresh.FileHandle, node.FileHandle);
        Assert.HasCount(1, tap.CallsTagged("walk"), "no walk from a stale handle first");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Rename_moves_files_and_directories_within_and_across_directories(NfsVersion version)
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("a/tree/deep"));
        File.WriteAllText(server.PathInExport("a/tree/deep/leaf"), "leaf");
        File.WriteAllText(server.PathInExport("a/file"), "file");
        Directory.CreateDirectory(server.PathInExport("b"));
        var client = Connect(server, Vers(version, new NfsClientOptions { DirectoryHandleCacheTime = TimeSpan.FromMinutes(10) }));
        await client.GetAttrAsync(Nfs("a/tree/deep/leaf"), Ct); // caches a, a/tree, a/tree/deep
        var leafInode = HostInode(server.PathInExport("a/tree/deep/leaf"));

        var (source, target) = await client.RenameAsync(Nfs("a/file"), Nfs("a/renamed"), Ct);
        await client.RenameAsync(Nfs("a/renamed"), Nfs("b/moved"), Ct);
        await client.RenameAsync(Nfs("a/tree"), Nfs("b/tree2"), Ct);

        Assert.AreEqual(source, target, "one directory: the same change_info for both");
        Assert.AreEqual("file", File.ReadAllText(server.PathInExport("b/moved")));
        Assert.IsFalse(File.Exists(server.PathInExport("a/file")));
        Assert.IsFalse(Directory.Exists(server.PathInExport("a/tree")));
        Assert.AreEqual(leafInode, (await client.GetAttrAsync(Nfs("b/tree2/deep/leaf"), Ct)).Attributes.FileId);
        var oldPath = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.GetAttrAsync(Nfs("a/tree/deep/leaf"), Ct));
        Assert.AreEqual(NfsStat4.NoEnt, oldPath.Status, "the cached handles of the old path were dropped");
    }

    [TestMethod]
    public async Task Rename_over_an_existing_file_replaces_it()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("new"), "new content");
        File.WriteAllText(server.PathInExport("old"), "old");
        var newInode = HostInode(server.PathInExport("new"));
        var client = Connect(server);

        await client.RenameAsync(Nfs("new"), Nfs("old"), Ct);

        Assert.IsFalse(File.Exists(server.PathInExport("new")));
        Assert.AreEqual("new content", File.ReadAllText(server.PathInExport("old")));
        Assert.AreEqual(newInode, (await client.GetAttrAsync(Nfs("old"), Ct)).Attributes.FileId);
        var missing = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.RenameAsync(Nfs("nothing"), Nfs("old"), Ct));
        Assert.AreEqual(NfsStat4.NoEnt, missing.Status);
    }

    [TestMethod]
    public async Task Rename_of_a_directory_over_a_non_empty_one_is_refused()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("src"));
        Directory.CreateDirectory(server.PathInExport("dst"));
        File.WriteAllText(server.PathInExport("dst/keep"), "k");
        var client = Connect(server);

        var error = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.RenameAsync(Nfs("src"), Nfs("dst"), Ct));

        Assert.IsTrue(error.Status is NfsStat4.Exist or NfsStat4.NotEmpty, error.Status.ToString());
        Assert.IsTrue(File.Exists(server.PathInExport("dst/keep")));
        Assert.IsTrue(Directory.Exists(server.PathInExport("src")));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Link_gives_a_file_a_second_name_and_numlinks_becomes_two(NfsVersion version)
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("other"));
        File.WriteAllText(server.PathInExport("original"), "linked");
        var client = Connect(server, Vers(version));
        Assert.AreEqual(1u, (await client.GetAttrAsync(Nfs("original"), Ct)).Attributes.NumLinks);

        var change = await client.LinkAsync(Nfs("original"), Nfs("other/second"), Ct);

        var first = await client.GetAttrAsync(Nfs("original"), Ct);
        var second = await client.GetAttrAsync(Nfs("other/second"), Ct);
        Assert.AreEqual(2u, first.Attributes.NumLinks);
        Assert.AreEqual(2u, second.Attributes.NumLinks);
        Assert.AreEqual(first.Attributes.FileId, second.Attributes.FileId);
        Assert.AreEqual(HostInode(server.PathInExport("original")), HostInode(server.PathInExport("other/second")));
        Assert.AreNotEqual(change.Before, change.After);

        await client.RemoveAsync(Nfs("original"), Ct);
        Assert.AreEqual(1u, (await client.GetAttrAsync(Nfs("other/second"), Ct)).Attributes.NumLinks);
        Assert.AreEqual("linked", File.ReadAllText(server.PathInExport("other/second")));
        var exists = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.LinkAsync(Nfs("other/second"), Nfs("other/second"), Ct));
        Assert.AreEqual(NfsStat4.Exist, exists.Status);
    }

    [TestMethod]
    public async Task Unicode_names_round_trip_through_create_walk_listing_and_the_server()
    {
        var server = await StartServerAsync();
        var client = Connect(server);
        string[] names =
        [
            "Grüße aus Köln.txt",
            "日本語のファイル名",
            "emoji-😀-🚀-👍🏽",
            "e\u0301-decomposed",
            "\u00e9-composed",
            "Ελληνικά κείμενα",
            "עברית",
            "tab\tand-ctrl",
        ];
        await client.CreateDirectoryAsync(Nfs("Ünïcødé dir ✓"), null, Ct);

        foreach (var name in names)
        {
            await using var file = await client.OpenAsync(Nfs("Ünïcødé dir ✓/" + name), new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Guarded }, Ct);
            await file.WriteAsync(0, Encoding.UTF8.GetBytes(name), StableHow4.FileSync, Ct);
        }

        var listed = (await ListAsync(client, Nfs("Ünïcødé dir ✓"))).Select(e => e.Name).ToArray();

        CollectionAssert.AreEquivalent(names, listed, "names come back byte for byte (no normalization: é and e+◌́ are two files)");
        CollectionAssert.AreEquivalent(names, Directory.GetFileSystemEntries(server.PathInExport("Ünïcødé dir ✓")).Select(Path.GetFileName).ToArray());
        foreach (var name in names)
        {
            Assert.AreEqual((ulong)Encoding.UTF8.GetByteCount(name), (await client.GetAttrAsync(Nfs("Ünïcødé dir ✓/" + name), Ct)).Attributes.Size, name);
            Assert.AreEqual(name, File.ReadAllText(server.PathInExport("Ünïcødé dir ✓/" + name)));
        }
    }

    [TestMethod]
    public async Task Names_of_255_bytes_work_and_256_bytes_are_too_long()
    {
        var server = await StartServerAsync();
        var client = Connect(server);
        var ascii = new string('a', 255);
        var multiByte = string.Concat(Enumerable.Repeat("日", 85)); // 85 × 3 bytes = 255
        var fourByte = string.Concat(Enumerable.Repeat("😀", 63)) + "abc"; // 63 × 4 + 3 = 255
        var tooLong = new string('b', 256);
        Assert.AreEqual(255, Encoding.UTF8.GetByteCount(multiByte));
        Assert.AreEqual(255, Encoding.UTF8.GetByteCount(fourByte));

        await (await client.OpenAsync(Nfs(ascii), new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Guarded }, Ct)).CloseAsync(Ct);
        await client.CreateDirectoryAsync(Nfs(multiByte), null, Ct);
        await client.CreateSymlinkAsync(Nfs(multiByte + "/" + fourByte), ascii, null, Ct);
        var fileError = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
            await client.OpenAsync(Nfs(tooLong), new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Guarded }, Ct));
        var dirError = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.CreateDirectoryAsync(Nfs(tooLong), null, Ct));
        var lookupError = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.GetAttrAsync(Nfs(tooLong), Ct));

        Assert.IsTrue(File.Exists(server.PathInExport(ascii)));
        Assert.IsTrue(Directory.Exists(server.PathInExport(multiByte)));
        Assert.AreEqual(ascii, await client.ReadLinkAsync(Nfs(multiByte + "/" + fourByte), Ct));
        CollectionAssert.AreEquivalent(new[] { ascii, multiByte }, (await ListAsync(client, Export)).Select(e => e.Name).ToArray());
        Assert.AreEqual(fourByte, (await ListAsync(client, Nfs(multiByte))).Single().Name);
        Assert.AreEqual(NfsStat4.NameTooLong, fileError.Status);
        Assert.AreEqual(NfsStat4.NameTooLong, dirError.Status);
        Assert.AreEqual(NfsStat4.NameTooLong, lookupError.Status);
        Assert.AreEqual(255u, (await client.GetFsInfoAsync(Ct)).MaxName);
    }
}
