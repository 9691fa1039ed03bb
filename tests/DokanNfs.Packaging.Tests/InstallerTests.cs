using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>
/// installer/DokanNfs.wxs against what it installs: every file it names exists (the program files in the
/// output of the publish build.ps1 runs, which this class runs once; the module and the sample configuration
/// in the repository), and every published file is named, so a new dependency cannot be left out of the MSI.
/// </summary>
[TestClass]
public sealed class InstallerTests
{
    public const string SourcePath = "installer/DokanNfs.wxs";

    /// <summary>The publish arguments beyond the project and output, the same as build.ps1's.</summary>
    private static readonly string[] PublishArguments = ["-r", "win-x64", "--self-contained", "false", "-p:SatelliteResourceLanguages=en"];

    private static readonly XNamespace Wix = "http://wixtoolset.org/schemas/v4/wxs";

    private static string s_scratch = string.Empty;

    private static string PublishDirectory => Path.Combine(s_scratch, "publish");

    private static XDocument Source => XDocument.Parse(Repository.ReadText(SourcePath));

    [ClassInitialize]
    public static async Task PublishAsync(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        s_scratch = Directory.CreateTempSubdirectory("dokannfs-publish-").FullName;

        // Its own artifacts path: nothing under src/*/bin or obj changes while other tests use them.
        var result = await ChildProcess.RunDotnetAsync(
            ["publish", Repository.PathOf("src/DokanNfs.Cli/DokanNfs.Cli.csproj"), "-c", Repository.Configuration, .. PublishArguments,
                "-o", PublishDirectory, "--artifacts-path", Path.Combine(s_scratch, "artifacts")],
            null,
            TimeSpan.FromMinutes(10),
            context.CancellationToken);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
    }

    [ClassCleanup]
    public static void DeleteScratch()
    {
        try
        {
            Directory.Delete(s_scratch, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test over.
        }
    }

    [TestMethod]
    public void Build_script_publishes_as_this_test_does_and_passes_every_variable_the_source_uses()
    {
        var script = Repository.ReadText("build.ps1");
        var variables = Regex.Matches(Repository.ReadText(SourcePath), @"\$\(var\.(\w+)\)").Select(m => m.Groups[1].Value).Distinct().ToArray();

        Assert.Contains("-r $Runtime --self-contained false -p:SatelliteResourceLanguages=en", script);
        Assert.Contains("[string] $Runtime = 'win-x64'", script);
        CollectionAssert.AreEquivalent(new[] { "PublishDir", "RepoRoot", "ProductVersion" }, variables);
        foreach (var variable in variables)
        {
            Assert.Contains($"-d \"{variable}=", script, $"build.ps1 defines {variable} for wix build");
        }
    }

    [TestMethod]
    public void Every_file_the_installer_names_exists()
    {
        var missing = Sources().Where(s => !File.Exists(s.Resolved)).Select(s => s.Written).ToArray();

        Assert.IsEmpty(missing, "files the installer names that do not exist: " + string.Join(", ", missing));
        Assert.IsTrue(Sources().Any(s => s.Written.EndsWith(@"\dokannfs.exe", StringComparison.Ordinal)), "the installer installs dokannfs.exe");
    }

    [TestMethod]
    public void Every_published_file_is_installed()
    {
        var named = Sources().Select(s => Path.GetFullPath(s.Resolved)).ToHashSet(StringComparer.Ordinal);
        var published = Directory.GetFiles(PublishDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".pdb", StringComparison.Ordinal))
            .Select(Path.GetFullPath)
            .ToArray();
        var left = published.Where(f => !named.Contains(f)).Select(f => Path.GetRelativePath(PublishDirectory, f)).ToArray();

        Assert.Contains("dokannfs.exe", published.Select(Path.GetFileName), "published for win-x64");
        Assert.IsEmpty(left, $"published files {SourcePath} does not install (add a <Component><File Source=\"$(var.PublishDir)\\NAME\" /></Component>): {string.Join(", ", left)}");
    }

    [TestMethod]
    public void The_published_program_keeps_the_client_process_runtime_settings()
    {
        // src/ClientProcess.props: the thread pool does not spin (docs/PERFORMANCE.md). The installed program reads its
        // runtimeconfig.json, so the setting has to be in the published one, not only in the project.
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(PublishDirectory, "dokannfs.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.IsTrue(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spinLimit), properties.ToString());
        Assert.AreEqual(0, spinLimit.GetInt32());
    }

    [TestMethod]
    public void The_module_and_the_sample_configuration_go_where_they_belong()
    {
        var moduleFiles = FilesIn("MODULEFOLDER");
        var configFiles = FilesIn("CONFIGFOLDER");

        CollectionAssert.AreEquivalent(PowerShellModule.StringList("FileList").ToArray(), moduleFiles.Select(f => f[(f.LastIndexOf('\\') + 1)..]).ToArray(), "the module's FileList");
        Assert.IsTrue(moduleFiles.All(f => f.StartsWith(@"$(var.RepoRoot)\powershell\DokanNfs\", StringComparison.Ordinal)));
        CollectionAssert.AreEqual(new[] { @"$(var.RepoRoot)\docs\dokannfs.sample.json" }, configFiles);

        // [ProgramFiles64Folder]WindowsPowerShell\Modules\DokanNfs and [CommonAppDataFolder]DokanNfs.
        Assert.AreEqual(@"ProgramFiles64Folder\WindowsPowerShell\Modules\DokanNfs", DirectoryPath("MODULEFOLDER"));
        Assert.AreEqual(@"CommonAppDataFolder\DokanNfs", DirectoryPath("CONFIGFOLDER"));
        Assert.AreEqual(@"ProgramFiles64Folder\DokanNfs", DirectoryPath("INSTALLFOLDER"));
    }

    [TestMethod]
    public void Installer_puts_the_program_on_the_system_path_and_removes_it_again()
    {
        var path = Source.Descendants(Wix + "Environment").Single();

        Assert.AreEqual("PATH", (string?)path.Attribute("Name"));
        Assert.AreEqual("[INSTALLFOLDER]", (string?)path.Attribute("Value"));
        Assert.AreEqual("yes", (string?)path.Attribute("System"));
        Assert.AreEqual("no", (string?)path.Attribute("Permanent"), "uninstall takes it off PATH");
    }

    [TestMethod]
    public void Installer_refuses_without_Dokan_and_says_where_to_get_it()
    {
        var source = Source;
        var search = source.Descendants(Wix + "FileSearch").Single();
        var property = search.Ancestors(Wix + "Property").Single();
        var launch = source.Descendants(Wix + "Launch").Single();

        Assert.AreEqual("dokan2.dll", (string?)search.Attribute("Name"));
        Assert.AreEqual("[System64Folder]", (string?)search.Parent!.Attribute("Path"));
        Assert.Contains((string)property.Attribute("Id")!, (string)launch.Attribute("Condition")!);
        Assert.Contains("https://github.com/dokan-dev/dokany/releases", (string)launch.Attribute("Message")!);
    }

    [TestMethod]
    public void Logon_task_is_created_by_a_deferred_action_and_removed_on_uninstall()
    {
        var source = Source;
        var exe = source.Descendants(Wix + "File").Single(f => ((string?)f.Attribute("Source"))?.EndsWith(@"\dokannfs.exe", StringComparison.Ordinal) == true);
        var actions = source.Descendants(Wix + "CustomAction").ToDictionary(a => (string)a.Attribute("Id")!);
        var scheduled = source.Descendants(Wix + "Custom").ToDictionary(c => (string)c.Attribute("Action")!);

        var install = actions.Values.Single(a => (string?)a.Attribute("ExeCommand") == "persist install");
        var remove = actions.Values.Single(a => (string?)a.Attribute("ExeCommand") == "persist remove" && (string?)a.Attribute("Execute") == "deferred");
        foreach (var action in actions.Values)
        {
            Assert.AreEqual((string?)exe.Attribute("Id"), (string?)action.Attribute("FileRef"), "every action runs the installed dokannfs.exe");
            Assert.IsTrue(scheduled.ContainsKey((string)action.Attribute("Id")!), $"{action.Attribute("Id")} is scheduled");
            Assert.StartsWith("persist ", (string)action.Attribute("ExeCommand")!);
        }

        Assert.AreEqual("deferred", (string?)install.Attribute("Execute"));
        Assert.Contains("NOT Installed", (string)scheduled[(string)install.Attribute("Id")!].Attribute("Condition")!);
        Assert.Contains("REMOVE ~= \"ALL\"", (string)scheduled[(string)remove.Attribute("Id")!].Attribute("Condition")!);
        Assert.AreEqual("RemoveFiles", (string?)scheduled[(string)remove.Attribute("Id")!].Attribute("Before"), "dokannfs.exe is still there to run");
    }

    /// <summary>Every File Source, as written and resolved against the publish output and the repository.</summary>
    private static IEnumerable<(string Written, string Resolved)> Sources() =>
        Source.Descendants(Wix + "File").Select(f => (string)f.Attribute("Source")!).Select(written =>
        {
            var resolved = written.Replace("$(var.PublishDir)", PublishDirectory, StringComparison.Ordinal)
                .Replace("$(var.RepoRoot)", Repository.Root, StringComparison.Ordinal);
            Assert.DoesNotContain("$(", resolved, $"{written}: only PublishDir and RepoRoot locate files");
            return (written, resolved.Replace('\\', Path.DirectorySeparatorChar));
        });

    private static string[] FilesIn(string directory) =>
    [
        .. Source.Descendants(Wix + "ComponentGroup").Where(g => (string?)g.Attribute("Directory") == directory)
            .Descendants(Wix + "File").Select(f => (string)f.Attribute("Source")!),
    ];

    /// <summary>A Directory's path from its StandardDirectory, names joined with '\'.</summary>
    private static string DirectoryPath(string id)
    {
        var directory = Source.Descendants(Wix + "Directory").Single(d => (string?)d.Attribute("Id") == id);
        var names = directory.AncestorsAndSelf().TakeWhile(e => e.Name == Wix + "Directory").Select(e => (string)e.Attribute("Name")!).Reverse();
        var root = directory.Ancestors(Wix + "StandardDirectory").Single();
        return string.Join('\\', names.Prepend((string)root.Attribute("Id")!));
    }
}
