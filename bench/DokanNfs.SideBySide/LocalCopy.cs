using System.Diagnostics;

namespace DokanNfs.SideBySide;

/// <summary>
/// The server-side ceilings of the upload workloads: the same bytes written straight into the export directory
/// on the server's disk, into the page cache only (what a plain <c>cp</c> does), or each file then made durable
/// with fsync, as a COMMIT asks the server to make it.
/// </summary>
public static class LocalCopy
{
    private const int ChunkSize = 4 * 1024 * 1024;

    /// <summary>
    /// Runs sync(1) after a run's output was deleted, outside the timed span, so that the next contender does not
    /// pay for this one's writeback or for the freeing of its blocks.
    /// </summary>
    public static void Settle()
    {
        using var sync = Process.Start(new ProcessStartInfo("sync") { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run sync.");
        sync.WaitForExit();
    }

    public static long CopyFile(string source, string target, bool fsync)
    {
        var buffer = new byte[ChunkSize];
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        long total = 0;
        int read;
        while ((read = input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
        {
            output.Write(buffer, 0, read);
            total += read;
        }

        output.Flush(flushToDisk: fsync);
        return total;
    }

    public static (long Files, long Bytes) CopyTree(string source, string target, bool fsync)
    {
        _ = Directory.CreateDirectory(target);
        long files = 0, bytes = 0;
        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            var (f, b) = CopyTree(directory, Path.Combine(target, Path.GetFileName(directory)), fsync);
            files += f;
            bytes += b;
        }

        foreach (var file in Directory.EnumerateFiles(source))
        {
            var content = File.ReadAllBytes(file);
            using var output = new FileStream(Path.Combine(target, Path.GetFileName(file)), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
            output.Write(content);
            output.Flush(flushToDisk: fsync);
            files++;
            bytes += content.Length;
        }

        return (files, bytes);
    }
}
