using System.Globalization;
using DokanNfs.TestSupport.Host;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>What the export's own file system says about a host path (the truth the adapter's answers are checked against).</summary>
internal static class HostFacts
{
    /// <summary>The inode number: what Ganesha's VFS FSAL reports as fileid.</summary>
    public static ulong Inode(string hostPath) => ulong.Parse(HostCommand.Run("stat", "-c", "%i", hostPath).Trim(), CultureInfo.InvariantCulture);

    /// <summary>chmod: Ganesha's tests run on Linux only.</summary>
    public static void SetMode(string hostPath, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Ganesha tests run on Linux.");
        }

        File.SetUnixFileMode(hostPath, mode);
    }

    /// <summary>statvfs of the file system holding <paramref name="hostPath"/>, in bytes.</summary>
    public static (ulong Total, ulong Free, ulong Available) Space(string hostPath)
    {
        var parts = HostCommand.Run("stat", "-f", "-c", "%b %f %a %S", hostPath).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var blockSize = ulong.Parse(parts[3], CultureInfo.InvariantCulture);
        return (
            ulong.Parse(parts[0], CultureInfo.InvariantCulture) * blockSize,
            ulong.Parse(parts[1], CultureInfo.InvariantCulture) * blockSize,
            ulong.Parse(parts[2], CultureInfo.InvariantCulture) * blockSize);
    }

    /// <summary>
    /// Rewrites a file behind the adapter's back so that its change attribute surely moves: timestamps are
    /// coarse (a clock tick), so the write is repeated until the modification time differs.
    /// </summary>
    public static void Rewrite(string hostPath, string text)
    {
        var before = File.GetLastWriteTimeUtc(hostPath);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            File.WriteAllText(hostPath, text);
            if (File.GetLastWriteTimeUtc(hostPath) != before)
            {
                return;
            }

            Thread.Sleep(10);
        }

        throw new InvalidOperationException($"the modification time of {hostPath} never moved");
    }

    /// <summary>Waits one timestamp tick, so the next change to a directory gives it another change attribute.</summary>
    public static void NextTick() => Thread.Sleep(20);
}
