using System.Globalization;
using DokanNfs.TestSupport.Host;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>Owner and group of a file on disk (System.IO has no API for them).</summary>
public static class DiskStat
{
    public static (uint Uid, uint Gid) OwnerOf(string path)
    {
        var parts = HostCommand.Run("stat", "-c", "%u %g", path).Trim().Split(' ');
        return (uint.Parse(parts[0], CultureInfo.InvariantCulture), uint.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    public static void Chown(string path, uint uid, uint gid) => HostCommand.Run("chown", $"{uid}:{gid}", path);
}
