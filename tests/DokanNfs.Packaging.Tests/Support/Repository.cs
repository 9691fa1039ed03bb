using System.Reflection;

namespace DokanNfs.Packaging.Tests.Support;

/// <summary>The repository these tests were built from, and the programs the build recorded (see the .csproj).</summary>
internal static class Repository
{
    public static string Root { get; } = Metadata("DokanNfsRepositoryRoot");

    /// <summary>The configuration this test assembly was built in; dokannfs was built in it too.</summary>
    public static string Configuration { get; } = Metadata("DokanNfsConfiguration");

    /// <summary>dokannfs.dll, as the build of this project left it.</summary>
    public static string CliPath { get; } = ExistingFile(Metadata("DokanNfsCliPath"));

    /// <summary>DokanNfs.SmokeServer.dll, the in-memory server of the Windows smoke test.</summary>
    public static string SmokeServerPath { get; } = ExistingFile(Metadata("DokanNfsSmokeServerPath"));

    /// <summary>DokanNfs.SideBySide.dll, the benchmark harness (bench/).</summary>
    public static string SideBySidePath { get; } = ExistingFile(Metadata("DokanNfsSideBySidePath"));

    /// <summary>A path inside the repository from a '/'-separated relative one.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string ReadText(string relative)
    {
        var path = PathOf(relative);
        Assert.IsTrue(File.Exists(path), $"{relative} is missing from the repository.");
        return File.ReadAllText(path);
    }

    private static string Metadata(string key)
    {
        var value = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        return string.IsNullOrEmpty(value) ? throw new InvalidOperationException($"The build did not record {key}; build the test project with dotnet build.") : value;
    }

    private static string ExistingFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"'{path}' is not where the build recorded it; build the solution first.");
}
