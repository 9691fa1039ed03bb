using System.Diagnostics;
using System.Globalization;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>Owner and group of a file on disk (System.IO has no API for them): `stat -c "%u %g"`.</summary>
public static class DiskStat
{
    public static (uint Uid, uint Gid) OwnerOf(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u %g", path]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not run stat");
        var output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        Assert.AreEqual(0, stat.ExitCode, $"stat {path}: {stat.StandardError.ReadToEnd()}");
        var parts = output.Trim().Split(' ');
        return (uint.Parse(parts[0], CultureInfo.InvariantCulture), uint.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    public static void Chown(string path, uint uid, uint gid)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", [$"{uid}:{gid}", path]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not run chown");
        chown.WaitForExit();
        Assert.AreEqual(0, chown.ExitCode, $"chown {path}: {chown.StandardError.ReadToEnd()}");
    }
}
