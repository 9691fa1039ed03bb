using System.Globalization;

namespace DokanNfs.SideBySide;

/// <summary>How big each workload is.</summary>
public sealed record Sizes(
    long ReadBytes,
    long WriteBytes,
    int ManyFiles,
    int CreateFiles,
    int TreeDirectories,
    int TreeFilesPerDirectory,
    int TreeFileSize,
    int SmallFiles,
    int SmallFileSize,
    int Runs)
{
    private const long MiB = 1024 * 1024;

    /// <summary>Issue 9's sizes.</summary>
    public static Sizes Full { get; } = new(512 * MiB, 512 * MiB, 10_000, 10_000, 50, 100, 4096, 1_000, 4096, 5);

    /// <summary>A smoke run: every workload and code path, small enough to finish in well under a minute.</summary>
    public static Sizes Quick { get; } = new(32 * MiB, 32 * MiB, 1_000, 500, 4, 50, 4096, 200, 4096, 3);

    public int TreeFiles => TreeDirectories * TreeFilesPerDirectory;
}

/// <summary>
/// The data every workload reads, written straight into the export directory before any client looks, plus
/// the local sources of the uploads. Names follow bench/libnfs/libnfs_bench.c: many/f00000…, small/s00000…,
/// tree/d00/f000…
/// </summary>
public sealed class DataSet(string exportDirectory, string localDirectory, Sizes sizes)
{
    private const int BlockSize = 4 * 1024 * 1024;

    public Sizes Sizes => sizes;

    /// <summary>The export's host directory (the server's /export).</summary>
    public string ExportDirectory => exportDirectory;

    /// <summary>A local scratch directory for upload sources and download targets.</summary>
    public string LocalDirectory => localDirectory;

    public const string BigFile = "big.bin";
    public const string ManyDirectory = "many";
    public const string SmallDirectory = "small";
    public const string TreeDirectory = "tree";

    /// <summary>The local file the write workloads upload.</summary>
    public string WriteSource => Path.Combine(localDirectory, "write-source.bin");

    /// <summary>The local tree the upload workloads copy.</summary>
    public string TreeSource => Path.Combine(localDirectory, "tree-source");

    public static string ManyName(int i) => "f" + i.ToString("D5", CultureInfo.InvariantCulture);

    public static string SmallName(int i) => "s" + i.ToString("D5", CultureInfo.InvariantCulture);

    public static string CreateName(int i) => "c" + i.ToString("D5", CultureInfo.InvariantCulture);

    public void Prepare()
    {
        var block = new byte[BlockSize];
        new Random(9).NextBytes(block);
        WriteFile(Path.Combine(exportDirectory, BigFile), block, sizes.ReadBytes);
        WriteFile(WriteSource, block, sizes.WriteBytes);

        var many = Directory.CreateDirectory(Path.Combine(exportDirectory, ManyDirectory)).FullName;
        for (var i = 0; i < sizes.ManyFiles; i++)
        {
            File.WriteAllBytes(Path.Combine(many, ManyName(i)), []);
        }

        var small = Directory.CreateDirectory(Path.Combine(exportDirectory, SmallDirectory)).FullName;
        for (var i = 0; i < sizes.SmallFiles; i++)
        {
            File.WriteAllBytes(Path.Combine(small, SmallName(i)), block.AsSpan(i % 1024, sizes.SmallFileSize).ToArray());
        }

        WriteTree(Path.Combine(exportDirectory, TreeDirectory), block);
        WriteTree(TreeSource, block);
    }

    private void WriteTree(string root, byte[] block)
    {
        for (var d = 0; d < sizes.TreeDirectories; d++)
        {
            var directory = Directory.CreateDirectory(Path.Combine(root, "d" + d.ToString("D2", CultureInfo.InvariantCulture))).FullName;
            for (var f = 0; f < sizes.TreeFilesPerDirectory; f++)
            {
                var content = block.AsSpan((d * 131 + f) % 4096, sizes.TreeFileSize);
                File.WriteAllBytes(Path.Combine(directory, "f" + f.ToString("D3", CultureInfo.InvariantCulture)), content.ToArray());
            }
        }
    }

    private static void WriteFile(string path, byte[] block, long size)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        for (long written = 0; written < size; written += block.Length)
        {
            stream.Write(block, 0, (int)Math.Min(block.Length, size - written));
        }
    }
}
