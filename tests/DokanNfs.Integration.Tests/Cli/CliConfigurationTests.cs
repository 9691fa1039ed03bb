using DokanNfs.Cli;
using DokanNfs.Cli.Configuration;
using DokanNfs.Dokan.Security;
using Serilog;
using Serilog.Events;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>
/// The configuration layers in-process, from files in a temporary directory and variables handed in: each
/// layer over the one before, the typed settings and their errors, and the documented sample.
/// </summary>
[TestClass]
public sealed class CliConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dokannfs-config-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void Every_layer_overrides_the_ones_before()
    {
        // Key n is set by the first n+1 layers: whoever set it last must win.
        var sources = Write(
            app: """{ "Mounts": [ { "Url": "nfs://app/0", "MountPoint": "A:", "Label": "app", "Options": "app" } ], "Logging": { "File": { "Level": "Warning" } } }""",
            machine: """{ "Mounts": [ { "MountPoint": "M:", "Label": "machine", "Options": "machine" } ] }""",
            user: """{ "Mounts": [ { "Label": "user", "Options": "user" } ] }""");
        var environment = new Dictionary<string, string?>
        {
            ["DOKANNFS__Mounts__0__Options"] = "environment",
            ["DOKANNFS__Logging__File__Level"] = "Debug",
            ["OTHER__Mounts__0__Url"] = "nfs://not-ours/x",
        };

        var configuration = ConfigurationLoader.Load(sources, ["Mounts:0:Options=commandline"], environment);

        Assert.AreEqual("nfs://app/0", configuration["Mounts:0:Url"], "only appsettings.json sets it");
        Assert.AreEqual("M:", configuration["Mounts:0:MountPoint"], "the machine file over appsettings.json");
        Assert.AreEqual("user", configuration["Mounts:0:Label"], "the user file over the machine file");
        Assert.AreEqual("commandline", configuration["mounts:0:options"], "--set over everything; keys ignore case");
        Assert.AreEqual("Debug", configuration["Logging:File:Level"], "DOKANNFS__ variables over the files");
    }

    [TestMethod]
    public void Missing_files_and_directories_are_skipped()
    {
        var sources = new ConfigurationSources(Path.Combine(_dir, "no", "appsettings.json"), Path.Combine(_dir, "nope", "dokannfs.json"), Path.Combine(_dir, "dokannfs.json"));

        var settings = DokanNfsSettings.Read(ConfigurationLoader.Load(sources, null, new Dictionary<string, string?>()));

        Assert.IsEmpty(settings.Mounts);
        Assert.AreEqual(IdentityMap.Empty, settings.Identity);
        Assert.IsNull(settings.Logging.ConsoleLevel);
    }

    [TestMethod]
    public void Typed_settings_come_out_of_every_section()
    {
        var sources = Write(user: """
            {
              // comments and trailing commas are allowed
              "Mounts": [
                { "Url": "nfs://a/x", "MountPoint": "X:", "Options": "soft,ro", },
                { "Url": "b:/y", "MountPoint": "Y:", "Label": "Why", "Delegations": false },
              ],
              "Identity": {
                "Users": { "S-1-5-21-1-2-3-1001": "1000:100:4,24", "S-1-5-21-1-2-3-1002": "1001:100" },
                "Groups": { "S-1-5-21-1-2-3-513": 100 },
                "AnonymousUid": 4000, "AnonymousGid": "4001",
                "Unmapped": "Refuse"
              },
              "Logging": { "Console": { "Level": "warning" }, "File": { "Path": "", "Format": "json", "RetainedFileCount": 3 }, "Levels": { "DokanNfs.Dokan": "Debug" } },
              "Remount": { "MinDelaySeconds": 2, "MaxDelaySeconds": 30 }
            }
            """);

        var settings = DokanNfsSettings.Read(ConfigurationLoader.Load(sources, null, new Dictionary<string, string?>()));

        Assert.HasCount(2, settings.Mounts);
        Assert.AreEqual("X:", settings.Mounts[0].MountPoint.Text);
        Assert.IsTrue(settings.Mounts[0].Options.ReadOnly);
        Assert.AreEqual("Mounts:0", settings.Mounts[0].Source);
        Assert.AreEqual("Why", settings.Mounts[1].Options.Label);
        Assert.AreEqual("/y", settings.Mounts[1].Export);
        Assert.IsTrue(settings.Mounts[0].Options.Delegations);
        Assert.IsFalse(settings.Mounts[1].Options.Delegations, "Delegations: false is nodeleg");

        var identity = settings.Identity;
        Assert.IsTrue(identity.TryMapRequester(Sid.Parse("S-1-5-21-1-2-3-1001"), out var alice));
        Assert.AreEqual(new NfsIdentity(1000, 100, 4, 24), alice);
        Assert.AreEqual(Sid.Parse("S-1-5-21-1-2-3-1002"), identity.OwnerSid(1001));
        Assert.AreEqual(Sid.Parse("S-1-5-21-1-2-3-513"), identity.GroupSid(100));
        Assert.AreEqual(4000u, identity.AnonymousUid);
        Assert.AreEqual(4001u, identity.AnonymousGid);
        Assert.AreEqual(UnmappedUserPolicy.Refuse, identity.UnmappedUserPolicy);
        Assert.IsFalse(identity.TryMapRequester(Sid.Parse("S-1-5-21-9-9-9-1"), out _), "unmapped users are refused");

        Assert.AreEqual(LogEventLevel.Warning, settings.Logging.ConsoleLevel!.Level);
        Assert.AreEqual(string.Empty, settings.Logging.FilePath, "an empty path turns the file off");
        Assert.AreEqual("json", settings.Logging.FileFormat);
        Assert.AreEqual(3, settings.Logging.RetainedFileCount);
        Assert.AreEqual(RollingInterval.Day, settings.Logging.RollingInterval);
        Assert.AreEqual(LogEventLevel.Debug, settings.Logging.Levels["dokannfs.dokan"].Level);
        Assert.AreEqual(TimeSpan.FromSeconds(2), settings.RemountMinDelay);
        Assert.AreEqual(TimeSpan.FromSeconds(30), settings.RemountMaxDelay);
    }

    [TestMethod]
    public void Mount_entries_keep_their_list_order_past_ten()
    {
        var mounts = string.Join(",", Enumerable.Range(0, 12).Select(i => $$"""{ "Url": "nfs://h/{{i}}", "MountPoint": "{{(char)('A' + i)}}:" }"""));
        var settings = DokanNfsSettings.Read(ConfigurationLoader.Load(Write(user: $$"""{ "Mounts": [ {{mounts}} ] }"""), null, new Dictionary<string, string?>()));

        CollectionAssert.AreEqual(Enumerable.Range(0, 12).Select(i => "/" + i).ToList(), settings.Mounts.Select(m => m.Export).ToList());
    }

    [TestMethod]
    [DataRow("""{ "Mounts": [ { "Url": "nfs://h/e" } ] }""", "configuration: Mounts:0:MountPoint: a mount point is required")]
    [DataRow("""{ "Mounts": [ { "Url": "ftp://h/e", "MountPoint": "Z:" } ] }""", "configuration: Mounts:0:Url: 'ftp://h/e' uses a scheme other than nfs://")]
    [DataRow("""{ "Mounts": [ { "Url": "nfs://h/e", "MountPoint": "Z:", "Label": "a,b" } ] }""", "configuration: Mounts:0:Label: label 'a,b' may not contain commas")]
    [DataRow("""{ "Mounts": [ { "Url": { "Host": "h" }, "MountPoint": "Z:" } ] }""", "configuration: Mounts:0:Url: expected a value, found a section.")]
    [DataRow("""{ "Mounts": "Z:" }""", "configuration: Mounts: expected a list of mounts")]
    [DataRow("""{ "Identity": { "Users": { "S-1-5-21-1-2-3-1001": "1:2:x" } } }""", "configuration: Identity:Users:S-1-5-21-1-2-3-1001: 'x' is not a supplementary gid")]
    [DataRow("""{ "Identity": { "Users": { "S-1-5-21-1-2-3-1001": "1:2:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17" } } }""", "configuration: Identity:Users:S-1-5-21-1-2-3-1001: AUTH_SYS carries at most 16")]
    [DataRow("""{ "Identity": { "Groups": { "S-1-5-32-544": "admins" } } }""", "configuration: Identity:Groups:S-1-5-32-544: 'admins' is not a gid")]
    [DataRow("""{ "Identity": { "AnonymousUid": -2 } }""", "configuration: Identity:AnonymousUid: '-2' is not a whole number")]
    [DataRow("""{ "Identity": { "Mapping": {} , "Extra": 1 } }""", "configuration: Identity:Extra: unknown setting; Identity knows Users, Groups, AnonymousUid, AnonymousGid, Unmapped.")]
    [DataRow("""{ "Logging": { "File": { "RollingInterval": "Week" } } }""", "configuration: Logging:File:RollingInterval: 'Week' is not one of Day, Hour, Month, Year, Infinite.")]
    [DataRow("""{ "Logging": { "Levels": { "DokanNfs": "loud" } } }""", "configuration: Logging:Levels:DokanNfs: 'loud' is not a level")]
    [DataRow("""{ "Remount": { "MinDelaySeconds": 0 } }""", "configuration: Remount:MinDelaySeconds: '0' is not a number of seconds from 0.1 to 3600.")]
    public void Mistakes_name_their_key(string json, string message)
    {
        var sources = Write(user: json);

        var ex = Assert.Throws<CliException>(() => DokanNfsSettings.Read(ConfigurationLoader.Load(sources, null, new Dictionary<string, string?>())));

        Assert.AreEqual(ExitCodes.BadArguments, ex.ExitCode);
        Assert.StartsWith(message, ex.Message);
    }

    [TestMethod]
    public void Broken_json_names_the_file()
    {
        var sources = Write(machine: """{ "Mounts": [ { "Url": "nfs://h/e" """);

        var ex = Assert.Throws<CliException>(() => ConfigurationLoader.Load(sources, null, new Dictionary<string, string?>()));

        Assert.Contains(sources.MachineFile, ex.Message);
        Assert.AreEqual(ExitCodes.BadArguments, ex.ExitCode);
    }

    [TestMethod]
    [DataRow("Logging:File:Level")]
    [DataRow("=Debug")]
    [DataRow("-x=1")]
    public void Set_needs_key_equals_value(string setting)
    {
        var ex = Assert.Throws<CliException>(() => ConfigurationLoader.Load(Write(), [setting], new Dictionary<string, string?>()));

        Assert.Contains("write --set KEY=VALUE", ex.Message);
    }

    [TestMethod]
    public void The_documented_sample_is_valid_and_says_what_it_shows()
    {
        var sample = Path.Combine(RepositoryRoot(), "docs", "dokannfs.sample.json");
        var sources = new ConfigurationSources(Path.Combine(_dir, "none.json"), Path.Combine(_dir, "none.json"), sample);

        var settings = DokanNfsSettings.Read(ConfigurationLoader.Load(sources, null, new Dictionary<string, string?>()));

        Assert.HasCount(2, settings.Mounts);
        Assert.AreEqual("P:", settings.Mounts[0].MountPoint.Text);
        Assert.AreEqual("Projects", settings.Mounts[0].Options.Label);
        Assert.IsTrue(settings.Mounts[0].Options.CaseInsensitive);
        Assert.IsTrue(settings.Mounts[1].Options.ReadOnly);
        Assert.HasCount(1, settings.Identity.Users);
        Assert.HasCount(1, settings.Identity.Groups);
        Assert.AreEqual("text", settings.Logging.FileFormat);
        Assert.AreEqual(LogEventLevel.Information, settings.Logging.Levels["DokanNfs.Dokan"].Level);

        // Every section the program reads is shown in the sample.
        var text = File.ReadAllText(sample);
        foreach (var key in new[] { "\"Mounts\"", "\"Url\"", "\"MountPoint\"", "\"Options\"", "\"Label\"", "\"Identity\"", "\"Users\"", "\"Groups\"", "\"AnonymousUid\"", "\"AnonymousGid\"", "\"Unmapped\"", "\"Logging\"", "\"Console\"", "\"File\"", "\"Path\"", "\"Format\"", "\"RollingInterval\"", "\"RetainedFileCount\"", "\"FileSizeLimitMB\"", "\"Levels\"", "\"Remount\"", "\"MinDelaySeconds\"", "\"MaxDelaySeconds\"" })
        {
            Assert.Contains(key, text);
        }
    }

    [TestMethod]
    public void The_shipped_appsettings_is_valid()
    {
        var app = Path.Combine(RepositoryRoot(), "src", "DokanNfs.Cli", "appsettings.json");
        var sources = new ConfigurationSources(app, Path.Combine(_dir, "none.json"), Path.Combine(_dir, "none.json"));

        var settings = DokanNfsSettings.Read(ConfigurationLoader.Load(sources, null, new Dictionary<string, string?>()));

        Assert.AreEqual(LogEventLevel.Information, settings.Logging.ConsoleLevel!.Level);
        Assert.IsNull(settings.Logging.FilePath, "the default file location is decided at run time");
        Assert.IsEmpty(settings.Mounts);
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DokanNfs.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("DokanNfs.sln not found above " + AppContext.BaseDirectory);
    }

    private ConfigurationSources Write(string? app = null, string? machine = null, string? user = null)
    {
        var sources = new ConfigurationSources(Path.Combine(_dir, "appsettings.json"), Path.Combine(_dir, "machine", "dokannfs.json"), Path.Combine(_dir, "user", "dokannfs.json"));
        foreach (var (path, json) in new[] { (sources.AppSettingsFile, app), (sources.MachineFile, machine), (sources.UserFile, user) })
        {
            if (json is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, json);
            }
        }

        return sources;
    }
}
