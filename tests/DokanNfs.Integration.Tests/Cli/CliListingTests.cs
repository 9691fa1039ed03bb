using System.Runtime.Versioning;
using System.Text.Json;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>ls, stat and cat against a real Ganesha, checked against what the test put in the export.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class CliListingTests(TestContext testContext) : CliTestBase(testContext)
{
    private static readonly DateTime FixedTime = new(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    [TestMethod]
    public async Task Ls_prints_names_one_per_line_in_ordinal_order_without_dot_files()
    {
        var server = await StartPopulatedServerAsync();

        var result = ExpectOk(await RunAsync("ls", Url(server)));

        Assert.AreEqual("B.txt\na.txt\ndir\nlink\n", result.StdOut);
    }

    [TestMethod]
    public async Task Ls_all_includes_dot_files()
    {
        var server = await StartPopulatedServerAsync();

        var result = ExpectOk(await RunAsync("ls", "-a", Url(server)));

        Assert.AreEqual(".hidden\nB.txt\na.txt\ndir\nlink\n", result.StdOut);
    }

    [TestMethod]
    public async Task Ls_long_shows_mode_links_owner_group_size_mtime_and_link_targets()
    {
        var server = await StartPopulatedServerAsync();

        var lines = ExpectOk(await RunAsync("ls", "-l", Url(server))).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.HasCount(4, lines);
        Assert.MatchesRegex(@"^-rw-r----- +1 +\S+ +\S+ +5 2021-03-04T05:06:07Z a\.txt$", lines[1]);
        Assert.MatchesRegex(@"^-rw-r--r-- +1 +\S+ +\S+ +0 \S+ B\.txt$", lines[0]);
        Assert.MatchesRegex(@"^drwxr-x--x +3 +\S+ +\S+ +\d+ \S+ dir$", lines[2]);
        Assert.MatchesRegex(@"^l[rwx-]{9} +1 +\S+ +\S+ +5 \S+ link -> a\.txt$", lines[3]);
    }

    [TestMethod]
    public async Task Ls_recursive_prints_a_header_per_directory_like_gnu_ls()
    {
        var server = await StartPopulatedServerAsync();

        var result = ExpectOk(await RunAsync("ls", "-R", Url(server)));

        Assert.AreEqual(
            "/export:\nB.txt\na.txt\ndir\nlink\n\n/export/dir:\nnested.bin\nsub\n\n/export/dir/sub:\ndeep.txt\n",
            result.StdOut);
    }

    [TestMethod]
    public async Task Ls_of_a_file_lists_that_file()
    {
        var server = await StartPopulatedServerAsync();

        Assert.AreEqual("a.txt\n", ExpectOk(await RunAsync("ls", Url(server, "a.txt"))).StdOut);
    }

    [TestMethod]
    public async Task Ls_of_the_server_root_shows_the_export_in_the_pseudo_file_system()
    {
        var server = await StartServerAsync();

        var result = ExpectOk(await RunAsync("ls", $"nfs://{server.Address}:{server.Port}/"));

        Assert.AreEqual("export\n", result.StdOut);
    }

    [TestMethod]
    public async Task Ls_json_is_an_array_of_entries_with_attributes()
    {
        var server = await StartPopulatedServerAsync();

        var result = ExpectOk(await RunAsync("ls", "--json", Url(server)));

        using var json = JsonDocument.Parse(result.StdOut);
        var entries = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        CollectionAssert.AreEqual(new[] { "B.txt", "a.txt", "dir", "link" }, json.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToArray());
        var a = entries["a.txt"];
        Assert.AreEqual("file", a.GetProperty("type").GetString());
        Assert.AreEqual(5UL, a.GetProperty("size").GetUInt64());
        Assert.AreEqual("0640", a.GetProperty("mode").GetString());
        Assert.AreEqual(1U, a.GetProperty("numlinks").GetUInt32());
        Assert.AreEqual("2021-03-04T05:06:07Z", a.GetProperty("mtime").GetString());
        Assert.IsFalse(a.GetProperty("referral").GetBoolean());
        Assert.IsGreaterThan(0UL, a.GetProperty("fileid").GetUInt64());
        foreach (var key in new[] { "owner", "group", "atime", "ctime" })
        {
            Assert.AreEqual(JsonValueKind.String, a.GetProperty(key).ValueKind, key);
        }

        Assert.IsFalse(a.TryGetProperty("path", out _), "path only with -R");
        Assert.AreEqual("directory", entries["dir"].GetProperty("type").GetString());
        Assert.AreEqual("0751", entries["dir"].GetProperty("mode").GetString());
        Assert.AreEqual("symlink", entries["link"].GetProperty("type").GetString());
        Assert.AreEqual("a.txt", entries["link"].GetProperty("target").GetString());
    }

    [TestMethod]
    public async Task Ls_recursive_json_carries_paths()
    {
        var server = await StartPopulatedServerAsync();

        var result = ExpectOk(await RunAsync("ls", "-R", "--json", Url(server)));

        using var json = JsonDocument.Parse(result.StdOut);
        var paths = json.RootElement.EnumerateArray().Select(e => e.GetProperty("path").GetString()).ToArray();
        CollectionAssert.AreEqual(
            new[] { "/export/B.txt", "/export/a.txt", "/export/dir", "/export/link", "/export/dir/nested.bin", "/export/dir/sub", "/export/dir/sub/deep.txt" },
            paths);
    }

    [TestMethod]
    public async Task A_referral_is_listed_as_a_marked_directory_and_one_that_cannot_be_followed_names_its_location()
    {
        var server = await StartServerAsync();
        server.MakeReferral("away", "127.0.0.99:/elsewhere");

        var plain = ExpectOk(await RunAsync("ls", "-l", Url(server)));
        Assert.MatchesRegex(@"(?m)^d\S{9} .* away \[referral\]$", plain.StdOut);

        using var json = JsonDocument.Parse(ExpectOk(await RunAsync("ls", "--json", Url(server))).StdOut);
        var away = json.RootElement.EnumerateArray().Single();
        Assert.AreEqual("directory", away.GetProperty("type").GetString());
        Assert.IsTrue(away.GetProperty("referral").GetBoolean());

        // Entering it follows the referral; nothing answers on 127.0.0.99, so the error names what was tried.
        var inside = await RunAsync("ls", Url(server, "away/file"));
        ExpectError(1, inside, "The referral at /export/away could not be followed");
        Assert.Contains("127.0.0.99", inside.StdErr);
    }

    [TestMethod]
    public async Task Stat_prints_the_attributes()
    {
        var server = await StartPopulatedServerAsync();

        var result = ExpectOk(await RunAsync("stat", Url(server, "a.txt")));

        Assert.Contains("  path: /export/a.txt\n", result.StdOut);
        Assert.Contains("  type: file\n", result.StdOut);
        Assert.Contains("  size: 5\n", result.StdOut);
        Assert.Contains("  mode: 0640 (-rw-r-----)\n", result.StdOut);
        Assert.Contains(" links: 1\n", result.StdOut);
        Assert.Contains("modify: 2021-03-04T05:06:07Z\n", result.StdOut);
        Assert.MatchesRegex(@"(?m)^fileid: [1-9]\d*$", result.StdOut);
        Assert.MatchesRegex(@"(?m)^  fsid: \d+:\d+$", result.StdOut);
        Assert.Contains($"server: {server.EndPoint}:/export (mounted at /export)\n", result.StdOut, "the export's own mount answered (its fsid differs from the pseudo root's)");
        Assert.MatchesRegex(@"(?m)^change: \d+$", result.StdOut);
    }

    [TestMethod]
    public async Task Stat_json_matches_ls_json()
    {
        var server = await StartPopulatedServerAsync();

        using var stat = JsonDocument.Parse(ExpectOk(await RunAsync("stat", "--json", Url(server, "dir"))).StdOut);
        using var ls = JsonDocument.Parse(ExpectOk(await RunAsync("ls", "--json", Url(server))).StdOut);

        var root = stat.RootElement;
        var fromLs = ls.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "dir");
        Assert.AreEqual("/export/dir", root.GetProperty("path").GetString());
        Assert.AreEqual("directory", root.GetProperty("type").GetString());
        Assert.AreEqual("0751", root.GetProperty("mode").GetString());
        Assert.AreEqual(3U, root.GetProperty("numlinks").GetUInt32());
        Assert.AreEqual(fromLs.GetProperty("fileid").GetUInt64(), root.GetProperty("fileid").GetUInt64());
        Assert.AreEqual(fromLs.GetProperty("mtime").GetString(), root.GetProperty("mtime").GetString());
        Assert.MatchesRegex(@"^\d+:\d+$", root.GetProperty("fsid").GetString()!);
        Assert.AreEqual(JsonValueKind.Number, root.GetProperty("change").ValueKind);
    }

    [TestMethod]
    public async Task Stat_of_a_link_shows_its_target()
    {
        var server = await StartPopulatedServerAsync();

        var result = ExpectOk(await RunAsync("stat", Url(server, "link")));

        Assert.Contains("  path: /export/link -> a.txt\n", result.StdOut);
        Assert.Contains("  type: symlink\n", result.StdOut);
    }

    [TestMethod]
    public async Task Cat_writes_binary_content_byte_for_byte()
    {
        var server = await StartServerAsync();
        var bytes = new byte[(3 * 1024 * 1024) + 12345];
        Random.Shared.NextBytes(bytes);
        for (var i = 0; i < 256; i++)
        {
            bytes[i] = (byte)i; // every byte value, including NUL, CR and LF
        }

        await File.WriteAllBytesAsync(server.PathInExport("blob.bin"), bytes, Ct);

        var result = await RunAsync("cat", Url(server, "blob.bin"));

        ExpectExit(0, result);
        Assert.AreEqual(string.Empty, result.StdErr);
        CollectionAssert.AreEqual(bytes, result.StdOutBytes);
    }

    [TestMethod]
    public async Task Cat_of_an_empty_file_prints_nothing()
    {
        var server = await StartServerAsync();
        await File.WriteAllBytesAsync(server.PathInExport("empty"), [], Ct);

        Assert.IsEmpty(ExpectOk(await RunAsync("cat", Url(server, "empty"))).StdOutBytes);
    }

    [TestMethod]
    public async Task Cat_of_a_directory_fails_with_is_a_directory()
    {
        var server = await StartPopulatedServerAsync();

        ExpectError(1, await RunAsync("cat", Url(server, "dir")), "Is a directory");
    }

    [TestMethod]
    [DataRow("ls")]
    [DataRow("stat")]
    [DataRow("cat")]
    public async Task A_missing_path_is_not_found(string command)
    {
        var server = await StartServerAsync();

        var result = await RunAsync(command, Url(server, "nope/nothing"));

        ExpectError(3, result, "No such file or directory");
        Assert.Contains("/export/nope", result.StdErr);
        Assert.AreEqual(string.Empty, result.StdOut);
    }

    /// <summary>
    /// a.txt (5 bytes, 0640, fixed mtime), B.txt (empty, 0644), .hidden, dir (0751) with nested.bin and
    /// sub/deep.txt, and link -> a.txt.
    /// </summary>
    private async Task<GaneshaServer> StartPopulatedServerAsync()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("a.txt"), "hello", Ct);
        File.SetUnixFileMode(server.PathInExport("a.txt"), (UnixFileMode)Convert.ToInt32("640", 8));
        File.SetLastWriteTimeUtc(server.PathInExport("a.txt"), FixedTime);
        await File.WriteAllTextAsync(server.PathInExport("B.txt"), string.Empty, Ct);
        File.SetUnixFileMode(server.PathInExport("B.txt"), (UnixFileMode)Convert.ToInt32("644", 8));
        await File.WriteAllTextAsync(server.PathInExport(".hidden"), "x", Ct);
        Directory.CreateDirectory(server.PathInExport("dir/sub"));
        File.SetUnixFileMode(server.PathInExport("dir"), (UnixFileMode)Convert.ToInt32("751", 8));
        await File.WriteAllBytesAsync(server.PathInExport("dir/nested.bin"), [1, 2, 3], Ct);
        await File.WriteAllTextAsync(server.PathInExport("dir/sub/deep.txt"), "deep", Ct);
        File.CreateSymbolicLink(server.PathInExport("link"), "a.txt");
        return server;
    }
}
