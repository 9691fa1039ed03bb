using DokanNfs.Packaging.Tests.Support;

namespace DokanNfs.Packaging.Tests;

/// <summary>The files of powershell/DokanNfs, read and scanned once.</summary>
internal static class PowerShellModule
{
    public const string Folder = "powershell/DokanNfs";

    public const string ManifestPath = Folder + "/DokanNfs.psd1";

    public const string ModulePath = Folder + "/DokanNfs.psm1";

    public const string HelpersPath = Folder + "/DokanNfs.Cli.ps1";

    private static readonly Lazy<IReadOnlyDictionary<string, object>> LazyManifest = new(() => PowerShellDataFile.Parse(Repository.ReadText(ManifestPath)));

    private static readonly Lazy<PowerShellSource> LazyModule = new(() => PowerShellSource.Parse(Repository.ReadText(ModulePath)));

    private static readonly Lazy<PowerShellSource> LazyHelpers = new(() => PowerShellSource.Parse(Repository.ReadText(HelpersPath)));

    public static IReadOnlyDictionary<string, object> Manifest => LazyManifest.Value;

    /// <summary>DokanNfs.psm1: the public functions.</summary>
    public static PowerShellSource Module => LazyModule.Value;

    /// <summary>DokanNfs.Cli.ps1, dot-sourced by the module: the private helpers.</summary>
    public static PowerShellSource Helpers => LazyHelpers.Value;

    public static IEnumerable<PowerShellSource> Scripts => [Module, Helpers];

    /// <summary>The verbs of Get-Verb the module's functions use, public and private: all approved ones.</summary>
    public static IReadOnlySet<string> ApprovedVerbs { get; } = new HashSet<string>(
        ["Get", "Mount", "Dismount", "Resolve", "Invoke", "ConvertTo", "ConvertFrom", "Test", "Read"], StringComparer.Ordinal);

    public static IReadOnlyList<string> StringList(string key)
    {
        Assert.IsTrue(Manifest.TryGetValue(key, out var value), $"the manifest has no {key}");
        return value switch
        {
            string single => [single],
            IReadOnlyList<object> list => [.. list.Select(item => item as string ?? throw new AssertFailedException($"{key} holds a {item.GetType().Name}, not a string"))],
            _ => throw new AssertFailedException($"{key} is a {value.GetType().Name}, not a string list"),
        };
    }

    public static string String(string key)
    {
        Assert.IsTrue(Manifest.TryGetValue(key, out var value), $"the manifest has no {key}");
        return value as string ?? throw new AssertFailedException($"{key} is a {value.GetType().Name}, not a string");
    }

    public static PowerShellFunction Function(string name) =>
        Module.Functions.SingleOrDefault(f => f.Name == name) ?? throw new AssertFailedException($"{ModulePath} defines no function {name}");
}
