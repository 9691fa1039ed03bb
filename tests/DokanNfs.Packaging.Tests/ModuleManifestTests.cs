using System.Text.RegularExpressions;
using System.Xml.Linq;
using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>The PowerShell module's manifest and its scripts agree, and the scripts are what Windows PowerShell 5.1 can load.</summary>
[TestClass]
public sealed class ModuleManifestTests
{
    private static readonly string[] PublicFunctions = ["Mount-NfsDrive", "Dismount-NfsDrive", "Get-NfsDrive", "Get-NfsStatistics"];

    [TestMethod]
    public void Manifest_names_the_root_module_version_guid_and_editions()
    {
        Assert.AreEqual("DokanNfs.psm1", PowerShellModule.String("RootModule"));
        Assert.IsTrue(File.Exists(Repository.PathOf(PowerShellModule.ModulePath)));
        Assert.IsTrue(Guid.TryParse(PowerShellModule.String("GUID"), out var guid) && guid != Guid.Empty, "GUID is a non-empty GUID");
        Assert.AreEqual("5.1", PowerShellModule.String("PowerShellVersion"));
        CollectionAssert.AreEquivalent(new[] { "Desktop", "Core" }, PowerShellModule.StringList("CompatiblePSEditions").ToArray());
        Assert.IsFalse(string.IsNullOrWhiteSpace(PowerShellModule.String("Description")));
    }

    [TestMethod]
    public void Module_version_is_the_product_version()
    {
        var props = XDocument.Load(Repository.PathOf("Directory.Build.props"));
        var version = props.Descendants("Version").Single().Value;

        Assert.AreEqual(version, PowerShellModule.String("ModuleVersion"), "the module and dokannfs are released together");
        Assert.IsTrue(Version.TryParse(version, out _));
    }

    [TestMethod]
    public void Exported_functions_are_exactly_those_the_module_defines()
    {
        var exported = PowerShellModule.StringList("FunctionsToExport");
        var defined = PowerShellModule.Module.Functions.Select(f => f.Name).ToArray();
        var exportMember = Regex.Match(PowerShellModule.Module.Text, @"(?m)^Export-ModuleMember -Function (.+)$");

        CollectionAssert.AreEquivalent(PublicFunctions, exported.ToArray(), "FunctionsToExport");
        CollectionAssert.AreEquivalent(exported.ToArray(), defined, $"the functions {PowerShellModule.ModulePath} defines");
        Assert.IsTrue(exportMember.Success, "the module ends with Export-ModuleMember");
        CollectionAssert.AreEquivalent(exported.ToArray(), Regex.Matches(exportMember.Groups[1].Value, "'([^']+)'").Select(m => m.Groups[1].Value).ToArray(), "Export-ModuleMember");
        foreach (var key in new[] { "CmdletsToExport", "VariablesToExport", "AliasesToExport" })
        {
            Assert.IsEmpty(PowerShellModule.StringList(key), $"{key} is an explicit empty list (no '*', which makes PowerShell load the module to find out)");
        }
    }

    [TestMethod]
    public void Private_helpers_are_named_apart_and_every_helper_the_module_calls_exists()
    {
        var helpers = PowerShellModule.Helpers.Functions.Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in helpers)
        {
            Assert.StartsWith("DokanNfs", name[(name.IndexOf('-', StringComparison.Ordinal) + 1)..], $"{name}: a private noun starts with DokanNfs, so it never shadows another module's command");
            Assert.DoesNotContain(name, PublicFunctions);
        }

        foreach (var script in PowerShellModule.Scripts)
        {
            foreach (var call in Regex.Matches(script.Code, @"\b[A-Z][a-z]+(?:To|From)?-DokanNfs\w*").Select(m => m.Value).Distinct())
            {
                Assert.Contains(call, helpers, $"{call} is called but not defined in {PowerShellModule.HelpersPath}");
            }
        }

        Assert.Contains(". (Join-Path -Path $PSScriptRoot -ChildPath 'DokanNfs.Cli.ps1')", PowerShellModule.Module.Text, "the module dot-sources its helpers");
    }

    [TestMethod]
    public void File_list_is_the_module_folder()
    {
        var onDisk = Directory.GetFiles(Repository.PathOf(PowerShellModule.Folder)).Select(Path.GetFileName).ToArray();

        CollectionAssert.AreEquivalent(onDisk, PowerShellModule.StringList("FileList").ToArray());
    }

    [TestMethod]
    public void Every_function_uses_an_approved_verb_and_public_nouns_start_with_Nfs()
    {
        foreach (var function in PowerShellModule.Scripts.SelectMany(s => s.Functions))
        {
            Assert.Contains(function.Verb, PowerShellModule.ApprovedVerbs, $"{function.Name}: '{function.Verb}' is not one of the approved verbs this module uses (Get-Verb)");
        }

        foreach (var name in PublicFunctions)
        {
            Assert.StartsWith("Nfs", PowerShellModule.Function(name).Noun, name);
        }
    }

    [TestMethod]
    [DataRow("Mount-NfsDrive")]
    [DataRow("Dismount-NfsDrive")]
    [DataRow("Get-NfsDrive")]
    [DataRow("Get-NfsStatistics")]
    public void Public_function_has_comment_help_for_every_parameter_with_examples(string name)
    {
        var function = PowerShellModule.Function(name);
        var help = function.Help ?? throw new AssertFailedException($"{name} has no comment-based help");
        var keywords = Regex.Matches(help, @"(?m)^\s*\.([A-Z]+)(?:[ \t]+(\w+))?").Select(m => (Keyword: m.Groups[1].Value, Argument: m.Groups[2].Value)).ToArray();

        foreach (var section in new[] { "SYNOPSIS", "DESCRIPTION", "EXAMPLE", "OUTPUTS" })
        {
            Assert.IsTrue(keywords.Any(k => k.Keyword == section), $"{name} help has .{section}");
        }

        var documented = keywords.Where(k => k.Keyword == "PARAMETER").Select(k => k.Argument).ToArray();
        CollectionAssert.AreEquivalent(function.Parameters.ToArray(), documented, $"{name}: .PARAMETER for each parameter, and only for those");
        foreach (Match example in Regex.Matches(help, @"(?m)^\s*\.EXAMPLE\s*\r?\n\s*(.+)$"))
        {
            Assert.Contains(name, example.Groups[1].Value, $"{name}: each example's first line runs the function");
        }
    }

    [TestMethod]
    [DataRow("Mount-NfsDrive", true)]
    [DataRow("Dismount-NfsDrive", true)]
    [DataRow("Get-NfsDrive", false)]
    [DataRow("Get-NfsStatistics", false)]
    public void Mount_and_dismount_support_WhatIf_and_Confirm(string name, bool changesState)
    {
        var function = PowerShellModule.Function(name);
        var declares = Regex.IsMatch(function.CodeBody, @"\[CmdletBinding\([^)]*\bSupportsShouldProcess\b");
        var asks = function.CodeBody.Contains("$PSCmdlet.ShouldProcess(", StringComparison.Ordinal);

        Assert.AreEqual(changesState, declares, $"{name}: [CmdletBinding(SupportsShouldProcess)]");
        Assert.AreEqual(changesState, asks, $"{name}: calls $PSCmdlet.ShouldProcess before acting");
    }

    [TestMethod]
    public void Drives_from_Get_NfsDrive_pipe_into_Dismount_NfsDrive_by_MountPoint()
    {
        // Get-NfsDrive's objects are built in the helpers: a DokanNfs.Drive with a MountPoint property.
        var drive = Regex.Match(PowerShellModule.Helpers.Text, @"PSTypeName = 'DokanNfs\.Drive'\s+MountPoint = ");
        Assert.IsTrue(drive.Success, "Get-DokanNfsDriveList builds DokanNfs.Drive objects whose first property is MountPoint");
        Assert.Contains("[OutputType('DokanNfs.Drive')]", PowerShellModule.Function("Get-NfsDrive").Body);

        foreach (var name in new[] { "Dismount-NfsDrive", "Get-NfsDrive", "Get-NfsStatistics" })
        {
            var parameter = Regex.Match(PowerShellModule.Function(name).CodeBody, @"\[Parameter\(([^)]*)\)\][^$]*\$MountPoint\b");
            Assert.IsTrue(parameter.Success, $"{name} has a MountPoint parameter");
            Assert.Contains("ValueFromPipelineByPropertyName", parameter.Groups[1].Value, $"{name}: MountPoint binds from the pipeline by property name");
        }
    }

    [TestMethod]
    [DataRow(PowerShellModule.ManifestPath)]
    [DataRow(PowerShellModule.ModulePath)]
    [DataRow(PowerShellModule.HelpersPath)]
    public void Module_files_are_ascii_for_Windows_PowerShell(string path)
    {
        // 5.1 reads a file without a byte order mark in the ANSI code page: anything past ASCII would change.
        var bytes = File.ReadAllBytes(Repository.PathOf(path));
        var index = Array.FindIndex(bytes, b => b > 0x7F);

        Assert.AreEqual(-1, index, $"{path} has a non-ASCII byte at offset {index}");
    }

    [TestMethod]
    public void Scripts_use_no_syntax_Windows_PowerShell_lacks()
    {
        foreach (var (script, path) in new[] { (PowerShellModule.Module, PowerShellModule.ModulePath), (PowerShellModule.Helpers, PowerShellModule.HelpersPath) })
        {
            foreach (var token in new[] { "&&", "||", "??", "?.", "$IsWindows", "$IsLinux", "$IsMacOS", "-Parallel" })
            {
                Assert.DoesNotContain(token, script.Code, $"{path}: '{token}' is PowerShell 7 only");
            }

            Assert.DoesNotMatchRegex(@"\?\s*\$\w+\s*:", script.Code, $"{path}: the ternary operator is PowerShell 7 only");
        }
    }
}
