using System.Runtime.Versioning;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>mkdir, rm, mv and ln -s, checked with the file system APIs in the export directory.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class CliChangeTests(TestContext testContext) : CliTestBase(testContext)
{
    [TestMethod]
    public async Task Mkdir_creates_a_directory_with_mode_0755()
    {
        var server = await StartServerAsync();

        ExpectOk(await RunAsync("mkdir", Url(server, "new")));

        Assert.IsTrue(Directory.Exists(server.PathInExport("new")));
        Assert.AreEqual((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(server.PathInExport("new")));
    }

    [TestMethod]
    public async Task Mkdir_mode_sets_the_permission_bits()
    {
        var server = await StartServerAsync();

        ExpectOk(await RunAsync("mkdir", "-m", "0700", Url(server, "private")));

        Assert.AreEqual((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(server.PathInExport("private")));
    }

    [TestMethod]
    public async Task Mkdir_without_p_fails_on_an_existing_directory_and_a_missing_parent()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("there"));

        ExpectError(1, await RunAsync("mkdir", Url(server, "there")), "File exists");
        ExpectError(3, await RunAsync("mkdir", Url(server, "a/b")), "No such file or directory");
        Assert.IsFalse(Directory.Exists(server.PathInExport("a")));
    }

    [TestMethod]
    public async Task Mkdir_p_creates_parents_and_accepts_an_existing_directory()
    {
        var server = await StartServerAsync();

        ExpectOk(await RunAsync("mkdir", "-p", Url(server, "a/b/c")));
        ExpectOk(await RunAsync("mkdir", "-p", Url(server, "a/b/c")));

        Assert.IsTrue(Directory.Exists(server.PathInExport("a/b/c")));
    }

    [TestMethod]
    public async Task Mkdir_p_through_a_file_is_not_a_directory()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("file"), "x", Ct);

        ExpectError(1, await RunAsync("mkdir", "-p", Url(server, "file/sub")), "Not a directory");
    }

    [TestMethod]
    public async Task Rm_removes_a_file_and_a_link_but_not_its_target()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("f"), "x", Ct);
        await File.WriteAllTextAsync(server.PathInExport("target"), "t", Ct);
        File.CreateSymbolicLink(server.PathInExport("link"), "target");

        ExpectOk(await RunAsync("rm", Url(server, "f")));
        ExpectOk(await RunAsync("rm", Url(server, "link")));

        Assert.IsFalse(File.Exists(server.PathInExport("f")));
        Assert.IsNull(new FileInfo(server.PathInExport("link")).LinkTarget);
        Assert.IsFalse(File.Exists(server.PathInExport("link")));
        Assert.IsTrue(File.Exists(server.PathInExport("target")));
    }

    [TestMethod]
    public async Task Rm_of_a_directory_needs_r()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("d"));

        ExpectError(1, await RunAsync("rm", Url(server, "d")), "Is a directory");

        Assert.IsTrue(Directory.Exists(server.PathInExport("d")));
    }

    [TestMethod]
    public async Task Rm_r_removes_a_whole_tree()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("d/e/f"));
        await File.WriteAllTextAsync(server.PathInExport("d/one"), "1", Ct);
        await File.WriteAllTextAsync(server.PathInExport("d/e/f/two"), "2", Ct);
        File.CreateSymbolicLink(server.PathInExport("d/e/link"), "../one");
        await File.WriteAllTextAsync(server.PathInExport("keep"), "k", Ct);

        ExpectOk(await RunAsync("rm", "-r", Url(server, "d")));

        Assert.IsFalse(Directory.Exists(server.PathInExport("d")));
        Assert.IsTrue(File.Exists(server.PathInExport("keep")));
    }

    [TestMethod]
    public async Task Rm_of_a_missing_path_is_not_found_unless_forced()
    {
        var server = await StartServerAsync();

        ExpectError(3, await RunAsync("rm", Url(server, "absent")), "No such file or directory");
        ExpectOk(await RunAsync("rm", "-f", Url(server, "absent")));
    }

    [TestMethod]
    public async Task Mv_renames_a_file()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("old.txt"), "content", Ct);

        ExpectOk(await RunAsync("mv", Url(server, "old.txt"), Url(server, "new.txt")));

        Assert.IsFalse(File.Exists(server.PathInExport("old.txt")));
        Assert.AreEqual("content", await File.ReadAllTextAsync(server.PathInExport("new.txt"), Ct));
    }

    [TestMethod]
    public async Task Mv_into_an_existing_directory_keeps_the_name_and_takes_a_bare_path()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("dir/inner"));
        await File.WriteAllTextAsync(server.PathInExport("f.txt"), "f", Ct);

        ExpectOk(await RunAsync("mv", Url(server, "f.txt"), Url(server, "dir")));
        ExpectOk(await RunAsync("mv", Url(server, "dir"), "/export/moved"));

        Assert.AreEqual("f", await File.ReadAllTextAsync(server.PathInExport("moved/f.txt"), Ct));
        Assert.IsTrue(Directory.Exists(server.PathInExport("moved/inner")));
        Assert.IsFalse(Directory.Exists(server.PathInExport("dir")));
    }

    [TestMethod]
    public async Task Mv_between_servers_is_refused()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("f"), "f", Ct);

        ExpectError(2, await RunAsync("mv", Url(server, "f"), "nfs://127.0.0.2/export/f"), "different servers");

        Assert.IsTrue(File.Exists(server.PathInExport("f")));
    }

    [TestMethod]
    public async Task Mv_of_a_missing_source_is_not_found()
    {
        var server = await StartServerAsync();

        ExpectError(3, await RunAsync("mv", Url(server, "absent"), Url(server, "b")), "No such file or directory");
    }

    [TestMethod]
    public async Task Ln_s_creates_a_symlink_holding_the_target_verbatim()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("d"));
        await File.WriteAllTextAsync(server.PathInExport("target.txt"), "t", Ct);

        ExpectOk(await RunAsync("ln", "-s", "../target.txt", Url(server, "d/link")));
        ExpectOk(await RunAsync("ln", "-s", "/nowhere/dangling", Url(server, "d")));

        Assert.AreEqual("../target.txt", new FileInfo(server.PathInExport("d/link")).LinkTarget);
        Assert.AreEqual("t", await File.ReadAllTextAsync(server.PathInExport("d/link"), Ct));
        Assert.AreEqual("/nowhere/dangling", new FileInfo(server.PathInExport("d/dangling")).LinkTarget);
    }

    [TestMethod]
    public async Task Ln_s_over_an_existing_name_fails_with_file_exists()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("taken"), "x", Ct);

        ExpectError(1, await RunAsync("ln", "-s", "target", Url(server, "taken")), "File exists");

        Assert.IsNull(new FileInfo(server.PathInExport("taken")).LinkTarget);
    }
}
