using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Dokan.Tests.Simulator;

namespace DokanNfs.Dokan.Tests.Scenarios;

/// <summary>
/// Issue 6 §14: real programs' request sequences (../shared/windows-io.md, through the recipes in
/// WindowsIoSimulator.Programs.cs) against a real Ganesha, checked status by status and then on the export's disk.
/// </summary>
[SupportedOSPlatform("linux")]
public abstract class ScenarioTestBase(TestContext testContext) : SimulatorTestBase(testContext)
{
    /// <summary>
    /// A server and the drive over it, with the simulated driver answering share conflicts between this machine's
    /// handles itself, as Dokan's driver does (<see cref="WindowsIoSimulator.DriverChecksShareAccess"/>).
    /// </summary>
    protected async Task MountDriveAsync()
    {
        await MountAsync();
        Sim.DriverChecksShareAccess = true;
    }

    protected static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>A UTC time as FILETIME ticks.</summary>
    protected static long Ticks(int year, int month, int day, int hour, int minute, int second, int ticksInSecond = 0) =>
        new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticksInSecond).ToFileTimeUtc();

    /// <summary>Every name in the export's root directory, sorted ordinally.</summary>
    protected string[] ExportRootNames() =>
        [.. Directory.GetFileSystemEntries(ExportDirectory).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    protected long MtimeOnDisk(string windowsPath) => File.GetLastWriteTimeUtc(OnDisk(windowsPath)).ToFileTimeUtc();

    protected UnixFileMode ModeOnDisk(string windowsPath) => File.GetUnixFileMode(OnDisk(windowsPath));

    protected string Sha256OnDisk(string windowsPath)
    {
        using var file = File.OpenRead(OnDisk(windowsPath));
        return Convert.ToHexString(SHA256.HashData(file));
    }

    protected static string Sha256Of(Stream stream) => Convert.ToHexString(SHA256.HashData(stream));

    protected static long SizeOf(in BY_HANDLE_FILE_INFORMATION information) => ((long)information.nFileSizeHigh << 32) | information.nFileSizeLow;

    protected static ulong FileIndexOf(in BY_HANDLE_FILE_INFORMATION information) => ((ulong)information.nFileIndexHigh << 32) | information.nFileIndexLow;

    protected static long LastWriteOf(in BY_HANDLE_FILE_INFORMATION information) => WindowsInfo.ToTicks(information.ftLastWriteTime);

    /// <summary>
    /// Every open the scenario made has been released (Cleanup and CloseFile came for each), and none of the changes
    /// the scenario made through the adapter was announced back to Windows (issue 6 §11: only changes made elsewhere are).
    /// </summary>
    protected void AssertQuietEnd()
    {
        Assert.AreEqual(0, Operations.Handles.Count, "opens the adapter still holds");
        Assert.IsEmpty(Host.Notifications, "own changes announced: " + string.Join("; ", Host.Notifications));
    }

    /// <summary>The requests since the last <see cref="WindowsIoSimulator.ClearCalls"/> that did not answer STATUS_SUCCESS, in order.</summary>
    protected void AssertOnlyTheseDidNotSucceed(params string[] expected) =>
        CollectionAssert.AreEqual(expected, Sim.CallsNotSucceeding().ToArray(), "non-success statuses:\n" + string.Join("\n", Sim.CallsNotSucceeding()));

    /// <summary>The whole request log since the last <see cref="WindowsIoSimulator.ClearCalls"/>, as "request = STATUS".</summary>
    protected void AssertCalls(params string[] expected) =>
        CollectionAssert.AreEqual(expected, Sim.Calls.Select(c => c.ToString()).ToArray(), "calls:\n" + string.Join("\n", Sim.Calls));
}
