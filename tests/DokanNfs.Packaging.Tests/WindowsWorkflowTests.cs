using System.Text.RegularExpressions;
using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>
/// .github/workflows/windows.yml cannot run here; these line checks catch what would break it first: a path,
/// project or build.ps1 target it names that does not exist, a module function it calls that is not exported,
/// and YAML that is not indented with spaces.
/// </summary>
[TestClass]
public sealed class WindowsWorkflowTests
{
    private const string WorkflowPath = ".github/workflows/windows.yml";

    private static string Workflow => Repository.ReadText(WorkflowPath);

    private static string[] Lines => Workflow.Split('\n');

    [TestMethod]
    public void Workflow_is_indented_with_spaces_in_steps_of_two()
    {
        for (var i = 0; i < Lines.Length; i++)
        {
            var line = Lines[i].TrimEnd('\r');
            Assert.DoesNotContain("\t", line, $"line {i + 1}: YAML forbids tabs");
            var indent = line.Length - line.TrimStart(' ').Length;
            Assert.AreEqual(0, indent % 2, $"line {i + 1} is indented by {indent}");
        }

        Assert.Contains("runs-on: windows-latest", Workflow);
        Assert.MatchesRegex(@"(?m)^\s+dotnet-version: 10\.0\.x\s*$", Workflow);
    }

    [TestMethod]
    public void Every_repository_path_the_workflow_names_exists()
    {
        var paths = Regex.Matches(Workflow, @"(?<![\w/.-])(?:\./)?((?:src|tests|powershell|installer|scripts|docs)/[\w./-]*[\w]|build\.ps1|DokanNfs\.sln)")
            .Select(m => m.Groups[1].Value)
            .Where(p => !p.Contains("/bin/", StringComparison.Ordinal))
            .Distinct()
            .ToArray();

        Assert.IsGreaterThanOrEqualTo(6, paths.Length, string.Join(", ", paths));
        foreach (var path in paths)
        {
            var full = Repository.PathOf(path);
            Assert.IsTrue(File.Exists(full) || Directory.Exists(full), $"{WorkflowPath} names {path}, which does not exist");
        }
    }

    [TestMethod]
    public void Built_programs_the_workflow_runs_are_projects_of_the_solution()
    {
        var solution = Repository.ReadText("DokanNfs.sln");
        foreach (Match match in Regex.Matches(Workflow, @"tests/([\w.]+)/bin/Release/net10\.0/([\w.]+)\.dll"))
        {
            Assert.AreEqual(match.Groups[1].Value, match.Groups[2].Value, "a project's assembly is named after it");
            Assert.Contains($@"tests\{match.Groups[1].Value}\{match.Groups[1].Value}.csproj", solution, "dotnet build DokanNfs.sln builds it");
        }
    }

    [TestMethod]
    public void Tests_run_on_Windows_leave_out_the_Ganesha_ones()
    {
        var testLines = Lines.Where(l => l.Contains("dotnet test", StringComparison.Ordinal)).ToArray();

        Assert.IsNotEmpty(testLines);
        foreach (var line in testLines)
        {
            Assert.DoesNotContain("DokanNfs.Integration.Tests", line, "the integration tests need NFS-Ganesha");
            Assert.DoesNotContain("DokanNfs.sln", line, "the whole solution includes the integration tests");
        }

        Assert.Contains("--filter \"TestCategory!=Ganesha\"", testLines.Single(l => l.Contains("tests/DokanNfs.Dokan.Tests", StringComparison.Ordinal)));
        Assert.Contains("--filter \"TestCategory!=Ganesha\"", testLines.Single(l => l.Contains("tests/DokanNfs.Packaging.Tests", StringComparison.Ordinal)), "the benchmark harness's test starts Ganesha");
    }

    [TestMethod]
    public void Build_script_targets_and_module_functions_it_uses_exist()
    {
        var targets = Regex.Match(Repository.ReadText("build.ps1"), @"\[ValidateSet\(([^)]*)\)\]").Groups[1].Value;
        var exported = PowerShellModule.StringList("FunctionsToExport");

        foreach (Match use in Regex.Matches(Workflow, @"\./build\.ps1 (\w+)"))
        {
            Assert.Contains($"'{use.Groups[1].Value}'", targets, $"build.ps1 has the target {use.Groups[1].Value}");
        }

        var functions = Regex.Matches(Workflow, @"\b\w+-Nfs\w+").Select(m => m.Value).Distinct().ToArray();
        Assert.IsNotEmpty(functions);
        foreach (var function in functions)
        {
            Assert.Contains(function, exported, $"the workflow calls {function}");
        }
    }

    [TestMethod]
    public void Dokan_comes_from_a_dokany_release_msi()
    {
        var url = Regex.Match(Workflow, @"https://\S+?\.msi").Value;

        Assert.StartsWith("https://github.com/dokan-dev/dokany/releases/download/v2.", url);
        Assert.Contains("dokan2.dll", Workflow, "the step checks the driver's library landed");
    }
}
