using System.Text.Json;
using System.Text.RegularExpressions;
using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>
/// Every dokannfs command, flag and mount option the PowerShell module and the installer run exists in the
/// built dokannfs, and the --json output the module parses has the shape it expects (the contract in
/// README.md, "PowerShell"). The tables below are what the module runs; the first test keeps them honest.
/// </summary>
[TestClass]
public sealed class ModuleCliContractTests(TestContext testContext) : IDisposable
{
    /// <summary>Each command the module runs and the flags it gives it.</summary>
    private static readonly Dictionary<string, string[]> CommandFlags = new()
    {
        ["mount"] = ["-o", "--label"],
        ["unmount"] = [],
        ["list"] = ["--json"],
        ["stats"] = ["--json"],
    };

    /// <summary>The -o keys Mount-NfsDrive's own parameters turn into (-Version, -Port, -Uid, -Gid, -ReadOnly).</summary>
    private static readonly string[] OptionKeys = ["vers", "port", "uid", "gid", "ro"];

    private readonly string _state = Directory.CreateTempSubdirectory("dokannfs-packaging-").FullName;

    private CancellationToken Ct => testContext.CancellationToken;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test over.
        }
    }

    [TestMethod]
    public void The_tables_are_what_the_module_runs()
    {
        var text = PowerShellModule.Module.Text + PowerShellModule.Helpers.Text;
        var commands = Regex.Matches(text, @"@\('([a-z]+)'").Select(m => m.Groups[1].Value).Distinct().ToArray();
        var flags = PowerShellModule.Scripts.SelectMany(s => s.Strings)
            .Where(s => s.SingleQuoted && Regex.IsMatch(s.Value, "^--?[a-z][a-z-]*$"))
            .Select(s => s.Value).Distinct().ToArray();
        var keys = Regex.Matches(text, @"\$options\.Add\(\s*[""']([a-z]+)").Select(m => m.Groups[1].Value).Distinct().ToArray();

        CollectionAssert.AreEquivalent(CommandFlags.Keys.ToArray(), commands, "the commands in the module's argument arrays");
        CollectionAssert.AreEquivalent(CommandFlags.Values.SelectMany(f => f).Distinct().ToArray(), flags, "the flags the module passes");
        CollectionAssert.AreEquivalent(OptionKeys, keys, "the -o keys Mount-NfsDrive builds");
    }

    [TestMethod]
    [DataRow("mount")]
    [DataRow("unmount")]
    [DataRow("list")]
    [DataRow("stats")]
    public async Task Each_command_the_module_runs_has_help_naming_its_flags(string command)
    {
        var result = await RunAsync(command, "--help");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains($"dokannfs {command}", result.StdOut, result.ToString());
        foreach (var flag in CommandFlags[command])
        {
            Assert.MatchesRegex($@"(?<![\w-]){Regex.Escape(flag)}(?![\w-])", result.StdOut, $"'{command} --help' names {flag}\n{result}");
        }
    }

    [TestMethod]
    [DataRow("vers=4.0")]
    [DataRow("port=2049")]
    [DataRow("uid=1000")]
    [DataRow("gid=1000")]
    [DataRow("ro")]
    public async Task Mount_takes_each_option_key_the_module_passes(string option)
    {
        // Nothing can be mounted here (no Dokan); an unknown key is refused as a bad argument (exit 2,
        // naming the key) before that, which is what this tells apart.
        var key = option.Split('=')[0];
        var result = await RunAsync("mount", "nfs://127.0.0.1:1/export", MountPoint(), "-o", option);

        Assert.IsFalse(result.ExitCode == 2 && result.StdErr.Contains(key, StringComparison.Ordinal), $"mount refused -o {option} as a bad argument\n{result}");
    }

    [TestMethod]
    public async Task Mount_refuses_an_unknown_option_key_naming_it()
    {
        // The control for the test above: the same command line with a key dokannfs does not know.
        var result = await RunAsync("mount", "nfs://127.0.0.1:1/export", MountPoint(), "-o", "nosuchkey=1");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.Contains("nosuchkey", result.StdErr, result.ToString());
    }

    [TestMethod]
    public async Task List_json_with_nothing_mounted_is_an_empty_array()
    {
        var result = await RunAsync("list", "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.AreEqual(JsonValueKind.Array, json.RootElement.ValueKind, result.ToString());
        Assert.AreEqual(0, json.RootElement.GetArrayLength(), result.ToString());
    }

    [TestMethod]
    public async Task Stats_json_with_nothing_mounted_has_an_empty_mounts_array()
    {
        var result = await RunAsync("stats", "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.IsTrue(json.RootElement.TryGetProperty("mounts", out var mounts), result.ToString());
        Assert.AreEqual(JsonValueKind.Array, mounts.ValueKind, result.ToString());
        Assert.AreEqual(0, mounts.GetArrayLength(), result.ToString());
    }

    [TestMethod]
    public void The_json_properties_the_module_reads_are_ones_dokannfs_writes()
    {
        // Get-NfsDrive / Get-NfsStatistics read list/stats --json through $entry.x, $mount.x, $server.x, ...: a name
        // dokannfs does not write would come out empty in PowerShell, silently.
        var written = Regex.Matches(Repository.ReadText("src/DokanNfs.Cli/Mounting/MountJson.cs"), @"JsonPropertyName\(""(\w+)""\)")
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var read = Regex.Matches(PowerShellModule.Helpers.Text, @"\$(?:entry|mount|server|recovery|stats)\.([a-z]\w*)")
            .Select(m => m.Groups[1].Value).Distinct().ToArray();

        Assert.IsNotEmpty(read);
        foreach (var name in read)
        {
            Assert.Contains(name, written, $"the module reads '{name}', which dokannfs's JSON does not have");
        }

        // The NFS version and the 4.1 session are passed through for the drive, its nested mounts and each server.
        Assert.AreEqual(3, Regex.Matches(PowerShellModule.Helpers.Text, @"NfsVersion = \[string\]\$(entry|mount|server)\.nfsVersion").Count);
        Assert.AreEqual(3, Regex.Matches(PowerShellModule.Helpers.Text, @"SessionId = \[string\]\$(entry|mount|server)\.sessionId").Count);
    }

    [TestMethod]
    public async Task Unmount_where_nothing_is_mounted_exits_3()
    {
        // Dismount-NfsDrive reports exit code 3 as "nothing mounted" (ObjectNotFound).
        var result = await RunAsync("unmount", MountPoint());

        Assert.AreEqual(3, result.ExitCode, result.ToString());
    }

    [TestMethod]
    [DataRow("install")]
    [DataRow("remove")]
    public async Task Persist_commands_the_installer_runs_exist(string action)
    {
        // installer/DokanNfs.wxs runs "dokannfs persist install|remove", and with PERSIST=service "... --service".
        var result = await RunAsync("persist", action, "--help");
        var installer = Repository.ReadText(InstallerTests.SourcePath);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains($"dokannfs persist {action}", result.StdOut, result.ToString());
        Assert.MatchesRegex(@"(?<![\w-])--service(?![\w-])", result.StdOut, result.ToString());
        Assert.Contains($"ExeCommand=\"persist {action}\"", installer);
        Assert.Contains($"ExeCommand=\"persist {action} --service\"", installer);
    }

    private string MountPoint() => Directory.CreateDirectory(Path.Combine(_state, "mnt")).FullName;

    private async Task<ChildResult> RunAsync(params string[] args)
    {
        var result = await ChildProcess.RunCliAsync(Directory.CreateDirectory(Path.Combine(_state, "state")).FullName, Ct, args);
        testContext.WriteLine(result.ToString());
        return result;
    }
}
