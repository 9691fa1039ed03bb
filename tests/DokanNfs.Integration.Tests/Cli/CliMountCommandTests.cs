using System.Text.Json;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>
/// mount, unmount, list, stats and persist as a new user meets them on this (Linux) machine: help, bad
/// arguments, a mount attempt (refused at once with what is needed), nothing mounted, configuration layers.
/// </summary>
[TestClass]
public sealed class CliMountCommandTests(TestContext testContext) : CliTestBase(testContext)
{
    private const string NeedsWindows = "Mapping a drive needs Windows with the Dokan 2.x driver";

    [TestMethod]
    [DataRow("mount", "<MOUNTPOINT>", "--options")]
    [DataRow("mount", "--all", "--label")]
    [DataRow("mount", "--json", "referrals=follow|none|allow:HOST;HOST")]
    [DataRow("unmount", "<MOUNTPOINT>", "--verbose")]
    [DataRow("list", "--json", "nested")]
    [DataRow("stats", "--json", "latencyMs")]
    [DataRow("persist", "install", "remove")]
    [DataRow("persist install", "--service", "logon task")]
    [DataRow("persist remove", "--service", "--quiet")]
    public async Task Each_mount_command_has_help(string command, string mentions, string alsoMentions)
    {
        var result = ExpectOk(await RunAsync([.. command.Split(' '), "--help"]));

        Assert.Contains($"dokannfs {command}", result.StdOut);
        Assert.Contains(mentions, result.StdOut);
        Assert.Contains(alsoMentions, result.StdOut);
        Assert.DoesNotContain("--as-service", result.StdOut, "the service entry point is not for users");
    }

    [TestMethod]
    public async Task Root_help_lists_the_mount_commands_and_global_logging_options()
    {
        var result = ExpectOk(await RunAsync("--help"));

        foreach (var command in new[] { "mount", "unmount", "list", "stats", "persist" })
        {
            Assert.MatchesRegex($@"(?m)^\s+{command}\b", result.StdOut, $"the help lists {command}");
        }

        Assert.Contains("--quiet", result.StdOut);
        Assert.Contains("--set <KEY=VALUE>", result.StdOut);
    }

    [TestMethod]
    [DataRow("colour=red", "unknown mount option 'colour'")]
    [DataRow("hard,nolock", "unknown mount option 'nolock'")]
    [DataRow("vers=3", "vers=3")]
    [DataRow("sec=krb5", "sec=krb5 is not supported")]
    [DataRow("rsize=12", "rsize=12 is not a whole number from 4096 to 1048576")]
    [DataRow("mtype=medium", "mtype=medium")]
    [DataRow("timeo=forever", "timeo=forever")]
    [DataRow("referrals=maybe", "referrals=maybe")]
    [DataRow("ro=1", "takes no value")]
    [DataRow("uid", "'uid' needs a value")]
    public async Task Bad_mount_options_are_bad_arguments_naming_the_key(string options, string message)
    {
        var result = ExpectError(2, await RunAsync("mount", "nfs://127.0.0.1/export", "Z:", "-o", options), message);

        Assert.Contains("-o:", result.StdErr);
    }

    [TestMethod]
    [DataRow("not-a-location", "is not an NFS location")]
    [DataRow("http://server/export", "scheme other than nfs://")]
    [DataRow("nfs://server/export?colour=red", "'colour'")]
    public async Task Bad_url_is_bad_arguments(string url, string message)
    {
        ExpectError(2, await RunAsync("mount", url, "Z:"), message);
    }

    [TestMethod]
    public async Task Missing_mount_point_or_url_is_bad_arguments()
    {
        ExpectError(2, await RunAsync("mount", "nfs://127.0.0.1/export"), "a mount point is required");
        ExpectError(2, await RunAsync("mount"), "mount needs a URL and a mount point (or --all)");
        ExpectError(2, await RunAsync("mount", "nfs://127.0.0.1/export", "1:"), "'1:' is not a drive letter");
        ExpectError(2, await RunAsync("mount", "--all", "nfs://127.0.0.1/export", "Z:"), "mount --all takes no URL");
    }

    [TestMethod]
    public async Task Mount_on_linux_fails_at_once_saying_what_is_needed_and_file_commands_keep_working()
    {
        var server = await StartServerAsync();
        await File.WriteAllTextAsync(server.PathInExport("note.txt"), "still here", Ct);

        var mount = ExpectError(8, await RunAsync("mount", Url(server), "Z:", "-o", "hard,ro,uid=1000,gid=1000,label=Work"), NeedsWindows);
        var cat = ExpectOk(await RunAsync("cat", Url(server, "note.txt")));

        Assert.Contains("file commands", mount.StdErr);
        Assert.AreEqual(string.Empty, mount.StdOut);
        Assert.AreEqual("still here", cat.StdOut);
        Assert.IsFalse(Directory.Exists(Path.Combine(Cli.StateDirectory, "mounts")) && Directory.EnumerateFiles(Path.Combine(Cli.StateDirectory, "mounts")).Any(), "a refused mount registers nothing");
    }

    [TestMethod]
    public async Task Mount_of_an_unreachable_server_on_linux_reports_the_platform_first()
    {
        // Port 1 on loopback: nothing listens. The platform is checked before the server, so the user learns
        // the real reason (no Windows, no Dokan) instead of a connection error.
        var result = ExpectError(8, await RunAsync("mount", "nfs://127.0.0.1:1/export", "Z:"), NeedsWindows);

        Assert.DoesNotContain("refused", result.StdErr);
    }

    [TestMethod]
    public async Task Mount_all_with_two_entries_reports_both_and_exits_non_zero()
    {
        WriteConfig(Cli.UserConfigDirectory, """
            {
              "Mounts": [
                { "Url": "nfs://127.0.0.1/first", "MountPoint": "Y:" },
                { "Url": "server2:/second", "MountPoint": "X:", "Options": "soft,ro" }
              ]
            }
            """);

        var result = ExpectExit(8, await RunAsync("mount", "--all"));

        Assert.HasCount(2, result.StdErrLines, result.ToString());
        Assert.Contains("dokannfs: Mounts:0 (nfs://127.0.0.1/first at Y:): " + NeedsWindows, result.StdErr);
        Assert.Contains("dokannfs: Mounts:1 (nfs://server2/second at X:): " + NeedsWindows, result.StdErr);
    }

    [TestMethod]
    public async Task Mount_all_without_mounts_configured_is_bad_arguments()
    {
        ExpectError(2, await RunAsync("mount", "--all"), "no mounts are configured");
    }

    [TestMethod]
    public async Task Configuration_layers_apply_in_order_machine_user_environment_command_line()
    {
        // Each layer overrides one setting of the same entry; mount --all names the entry it settled on.
        WriteConfig(Cli.MachineConfigDirectory, """
            { "Mounts": [ { "Url": "nfs://machine-host/m", "MountPoint": "M:" }, { "Url": "nfs://machine-only/x", "MountPoint": "N:" } ] }
            """);
        WriteConfig(Cli.UserConfigDirectory, """
            { "Mounts": [ { "Url": "nfs://user-host/u" } ] }
            """);
        var cli = new CliRunner(Cli.StateDirectory)
        {
            Environment = new Dictionary<string, string> { ["DOKANNFS__Mounts__0__MountPoint"] = "E:" },
        };

        var result = ExpectExit(8, await RunAsync(cli, "mount", "--all", "--set", "Mounts:1:MountPoint=C:"));

        Assert.Contains("Mounts:0 (nfs://user-host/u at E:)", result.StdErr);
        Assert.Contains("Mounts:1 (nfs://machine-only/x at C:)", result.StdErr);
    }

    [TestMethod]
    [DataRow("""{ "Mounts": [ { "MountPoint": "Z:" } ] }""", "configuration: Mounts:0:Url: an NFS location is required")]
    [DataRow("""{ "Mounts": [ { "Url": "nfs://h/e", "MountPoint": "Z:", "Options": "bogus" } ] }""", "configuration: Mounts:0:Options: unknown mount option 'bogus'")]
    [DataRow("""{ "Mounts": [ { "Url": "nfs://h/e", "MountPoint": "Z:" }, { "Url": "nfs://h/f", "MountPoint": "z" } ] }""", "configuration: Mounts:1:MountPoint: Z: is already the mount point of Mounts:0")]
    [DataRow("""{ "Mounts": [ { "Url": "nfs://h/e", "Drive": "Z:" } ] }""", "configuration: Mounts:0:Drive: unknown setting")]
    [DataRow("""{ "Identity": { "Users": { "S-1-5-21-1-2-3-1001": "alice" } } }""", "configuration: Identity:Users:S-1-5-21-1-2-3-1001:")]
    [DataRow("""{ "Identity": { "Users": { "not-a-sid": "1000:1000" } } }""", "configuration: Identity:Users:not-a-sid:")]
    [DataRow("""{ "Identity": { "Unmapped": "ignore" } }""", "configuration: Identity:Unmapped: 'ignore' is not one of anonymous, refuse")]
    [DataRow("""{ "Logging": { "File": { "Level": "Chatty" } } }""", "configuration: Logging:File:Level: 'Chatty' is not a level")]
    [DataRow("""{ "Remount": { "MinDelaySeconds": 10, "MaxDelaySeconds": 5 } }""", "configuration: Remount:MaxDelaySeconds:")]
    [DataRow("""{ "Mounts": [ """, "dokannfs.json")]
    public async Task A_bad_configuration_stops_every_command_naming_the_key(string json, string message)
    {
        WriteConfig(Cli.UserConfigDirectory, json);

        ExpectError(2, await RunAsync("list"), message);
        ExpectError(2, await RunAsync("ls", "nfs://127.0.0.1:1/export"), message);
    }

    [TestMethod]
    public async Task List_and_stats_with_nothing_mounted_in_text_and_json()
    {
        var listText = ExpectOk(await RunAsync("list"));
        var listJson = ExpectOk(await RunAsync("list", "--json"));
        var statsText = ExpectOk(await RunAsync("stats"));
        var statsJson = ExpectOk(await RunAsync("stats", "--json"));

        Assert.AreEqual("No NFS drives mounted.\n", listText.StdOut.ReplaceLineEndings("\n"));
        Assert.AreEqual("No NFS drives mounted.\n", statsText.StdOut.ReplaceLineEndings("\n"));
        using var list = JsonDocument.Parse(listJson.StdOut);
        Assert.AreEqual(JsonValueKind.Array, list.RootElement.ValueKind);
        Assert.AreEqual(0, list.RootElement.GetArrayLength());
        using var stats = JsonDocument.Parse(statsJson.StdOut);
        Assert.AreEqual(0, stats.RootElement.GetProperty("mounts").GetArrayLength());
    }

    [TestMethod]
    public async Task Unmount_of_nothing_is_not_found()
    {
        ExpectError(3, await RunAsync("unmount", "Z:"), "nothing is mounted at Z:");
        ExpectExit(2, await RunAsync("unmount"));
    }

    [TestMethod]
    [DataRow("install")]
    [DataRow("remove")]
    public async Task Persist_on_linux_says_it_needs_windows(string action)
    {
        ExpectError(1, await RunAsync("persist", action), "it needs Windows");
        ExpectError(1, await RunAsync("persist", action, "--service"), "it needs Windows");
    }

    private static void WriteConfig(string directory, string json)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "dokannfs.json"), json);
    }
}
