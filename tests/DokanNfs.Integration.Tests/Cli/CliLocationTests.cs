using System.Globalization;
using System.Runtime.Versioning;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>
/// Every way of writing a location, the URL query keys and their precedence against flags, and the
/// AUTH_SYS identity reaching the server (Ganesha runs with No_Root_Squash, so it honours the ids sent).
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class CliLocationTests(TestContext testContext) : CliTestBase(testContext)
{
    [TestMethod]
    public async Task Nfs_url_with_the_port_in_it()
    {
        var server = await StartServerWithFileAsync();

        Assert.AreEqual("hello\n", ExpectOk(await RunAsync("cat", Url(server, "greeting"))).StdOut);
    }

    [TestMethod]
    public async Task Host_colon_path_with_port_flag()
    {
        var server = await StartServerWithFileAsync();

        Assert.AreEqual("hello\n", ExpectOk(await RunAsync("cat", $"{server.Address}:/export/greeting", "--port", Port(server))).StdOut);
    }

    [TestMethod]
    public async Task Unc_path_with_port_flag_before_the_command()
    {
        var server = await StartServerWithFileAsync();

        Assert.AreEqual("hello\n", ExpectOk(await RunAsync("--port", Port(server), "cat", $@"\\{server.Address}\export\greeting")).StdOut);
    }

    [TestMethod]
    public async Task Port_query_key()
    {
        var server = await StartServerWithFileAsync();

        Assert.AreEqual("greeting\n", ExpectOk(await RunAsync("ls", $"nfs://{server.Address}/export?port={Port(server)}")).StdOut);
    }

    [TestMethod]
    public async Task Port_flag_wins_over_the_url()
    {
        var server = await StartServerWithFileAsync();

        // The URL names port 1, where nothing listens; the flag must be the one used.
        ExpectOk(await RunAsync("ls", $"nfs://{server.Address}:1/export?port=1", "--port", Port(server)));
        ExpectExit(5, await RunAsync("ls", $"nfs://{server.Address}:1/export?port=1"));
    }

    [TestMethod]
    public async Task Vers_4_0_is_accepted_as_flag_and_query_key()
    {
        var server = await StartServerWithFileAsync();

        ExpectOk(await RunAsync("ls", Url(server) + "?vers=4.0"));
        ExpectOk(await RunAsync("ls", Url(server), "--vers", "4.0"));
    }

    [TestMethod]
    public async Task Vers_4_1_and_auto_work_as_flag_and_query_key_and_ping_names_the_minor_version_in_use()
    {
        var server = await StartServerWithFileAsync();
        var legacy = await StartServerAsync(new GaneshaOptions { MinorVersions = [0] });

        Assert.AreEqual("hello\n", ExpectOk(await RunAsync("cat", Url(server, "greeting") + "?vers=4.1")).StdOut);
        Assert.AreEqual("greeting\n", ExpectOk(await RunAsync("ls", Url(server), "--vers", "4.1")).StdOut);
        var modern = ExpectOk(await RunAsync("ping", Url(server), "--vers", "auto")).StdOut;
        Assert.Contains("answers NFSv4.1", modern);
        Assert.MatchesRegex(@"(?m)^\s+minor version\s+1$", modern);
        Assert.Contains("EXCHANGE_ID+CREATE_SESSION", modern);

        var fellBack = ExpectOk(await RunAsync("ping", Url(legacy) + "?vers=auto")).StdOut;
        Assert.Contains("answers NFSv4.0", fellBack);
        Assert.MatchesRegex(@"(?m)^\s+minor version\s+0$", fellBack);
        var plain = ExpectOk(await RunAsync("ping", Url(server))).StdOut;
        Assert.MatchesRegex(@"(?m)^\s+minor version\s+1$", plain, "auto unless asked: 4.1 where the server speaks it");
        var plainLegacy = ExpectOk(await RunAsync("ping", Url(legacy))).StdOut;
        Assert.MatchesRegex(@"(?m)^\s+minor version\s+0$", plainLegacy, "auto unless asked: 4.0 where the server speaks only that");

        ExpectError(7, await RunAsync("ping", Url(legacy), "--vers", "4.1"), "does not speak NFSv4.1 (NFS4ERR_MINOR_VERS_MISMATCH): use vers=4.0");
    }

    [TestMethod]
    public async Task Uid_and_gid_reach_the_server_as_the_owner_of_new_files()
    {
        var server = await StartServerWithFileAsync();
        File.SetUnixFileMode(server.ExportPath, (UnixFileMode)Convert.ToInt32("777", 8));

        ExpectOk(await RunAsync("mkdir", Url(server, "by-query") + "?uid=1234&gid=2345"));
        ExpectOk(await RunAsync("mkdir", Url(server, "by-flag"), "--uid", "1234", "--gid", "2345"));

        using var json = System.Text.Json.JsonDocument.Parse(ExpectOk(await RunAsync("ls", "--json", Url(server))).StdOut);
        foreach (var name in new[] { "by-query", "by-flag" })
        {
            var entry = json.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
            Assert.StartsWith("1234", entry.GetProperty("owner").GetString()!, name);
            Assert.StartsWith("2345", entry.GetProperty("group").GetString()!, name);
        }
    }

    [TestMethod]
    public async Task Writing_into_a_root_owned_0755_directory_as_another_uid_is_permission_denied()
    {
        var server = await StartServerWithFileAsync();
        Directory.CreateDirectory(server.PathInExport("locked"));
        File.SetUnixFileMode(server.PathInExport("locked"), (UnixFileMode)Convert.ToInt32("755", 8));
        var local = Path.Combine(LocalDirectory, "f.txt");
        await File.WriteAllTextAsync(local, "f", Ct);

        ExpectError(4, await RunAsync("mkdir", Url(server, "locked/sub"), "--uid", "1000", "--gid", "1000"), "Permission denied");
        ExpectError(4, await RunAsync("cp", local, Url(server, "locked"), "--uid", "1000", "--gid", "1000"), "Permission denied");
        ExpectError(4, await RunAsync("mkdir", Url(server, "locked/sub") + "?uid=1000&gid=1000"), "Permission denied");
        Assert.IsFalse(Directory.Exists(server.PathInExport("locked/sub")));
        Assert.IsFalse(File.Exists(server.PathInExport("locked/f.txt")));

        // The flag wins over the query: as root the same URL works.
        ExpectOk(await RunAsync("mkdir", Url(server, "locked/sub") + "?uid=1000&gid=1000", "--uid", "0", "--gid", "0"));
        Assert.IsTrue(Directory.Exists(server.PathInExport("locked/sub")));
    }

    [TestMethod]
    public async Task Reading_a_0600_file_of_root_as_another_uid_is_permission_denied()
    {
        var server = await StartServerWithFileAsync();
        File.SetUnixFileMode(server.PathInExport("greeting"), (UnixFileMode)Convert.ToInt32("600", 8));

        var result = await RunAsync("cat", Url(server, "greeting"), "--uid", "1000", "--gid", "1000");

        ExpectError(4, result, "Permission denied");
        Assert.IsEmpty(result.StdOutBytes);
    }

    private async Task<TestSupport.Ganesha.GaneshaServer> StartServerWithFileAsync()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("greeting"), "hello\n", Ct);
        return server;
    }

    private static string Port(TestSupport.Ganesha.GaneshaServer server) => server.Port.ToString(CultureInfo.InvariantCulture);
}
