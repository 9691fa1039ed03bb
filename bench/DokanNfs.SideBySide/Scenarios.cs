using System.Globalization;
using System.Net;
using DokanNfs.Core.Client;

namespace DokanNfs.SideBySide;

/// <summary>What one run of one contender gets: its run number (0 is the warm-up), its probe and the server to use.</summary>
public sealed record RunContext(int Run, Probe Probe, IPEndPoint Server, CancellationToken CancellationToken);

/// <summary>One client (or the local ceiling) doing a workload.</summary>
/// <param name="Counted">Whether a counting run (through the relay) is made for it: NFS clients only.</param>
public sealed record Contender(string Name, Func<RunContext, Task<IReadOnlyList<RowSample>>> RunAsync, bool Counted = true);

/// <summary>
/// A workload: the rows it times and the contenders that run it, in the order they alternate; at least
/// <paramref name="MinRuns"/> alternating runs whatever --runs says.
/// </summary>
public sealed record Scenario(string Name, IReadOnlyList<string> Rows, IReadOnlyList<Contender> Contenders, string Notes, int MinRuns = 0);

/// <summary>The names of the contenders, shared by the scenarios and the report.</summary>
public static class Contenders
{
    public const string DokanNfs = "DokanNfs";

    /// <summary>DokanNfs over NFSv4.1, what its commands' vers=auto gets from this Ganesha (a reference for the read).</summary>
    public const string DokanNfsV41 = "DokanNfs, NFSv4.1";
    public const string Libnfs = "libnfs";
    public const string Tool = "libnfs tool";
    public const string LocalCopy = "local copy";
    public const string LocalCopySync = "local copy + fsync";
}

/// <summary>Issue 9's workloads.</summary>
public static class Scenarios
{
    public const string Read = "sequential read";
    public const string Write = "sequential write";
    public const string List = "list with attributes";
    public const string StatCold = "stat, cold";
    public const string StatWarm = "stat, warm";
    public const string CreateDelete = "create + delete";
    public const string TreeDown = "tree copy down";
    public const string TreeUp = "tree copy up";
    public const string OpenReadClose = "open-read-close";

    /// <summary>
    /// The sequential read and write take well under a second per run, and their targets are ratios of medians (time,
    /// the client's CPU, the server's) that the machine moves by ±20 % from one run to the next: they get more
    /// alternating runs than the rest, so that their medians settle (bench/README.md, "Noise"). With 11 runs the median
    /// CPU ratio of one invocation still moved by ±8 % between invocations of the same code (25 invocations, 2026-11-22),
    /// about what ±20 % per run leaves in a median of 11; 21 runs narrow that by a quarter for ~1 minute more per workload.
    /// The write had 5 for a while: its time then moved by up to 4× between runs, which was the hypervisor taking back
    /// freed memory (<see cref="FreePageReporting"/>), now held off during a run.
    /// </summary>
    public const int SequentialRuns = 21;

    public static IReadOnlyList<Scenario> All(DataSet data, string exportPseudoPath, LibnfsSide libnfs)
    {
        var sizes = data.Sizes;
        var dokan = new DokanNfsSide(exportPseudoPath);
        string Url(RunContext c) => LibnfsSide.Url(c.Server, exportPseudoPath);
        string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
        string InExport(string name) => Path.Combine(data.ExportDirectory, name);
        string Local(string name) => Path.Combine(data.LocalDirectory, name);
        string Named(string what, string who, int run) => $"{what}-{who}-{run.ToString(CultureInfo.InvariantCulture)}";

        // The server's ceilings for the uploads: the bytes written straight into the export directory.
        Contender LocalFileCopy(string name, bool fsync) => new(name, c =>
        {
            var target = InExport(Named("write", fsync ? "sync" : "local", c.Run));
            c.Probe.Begin();
            var bytes = LocalCopy.CopyFile(data.WriteSource, target, fsync);
            var sample = c.Probe.End(Write, bytes, 1);
            File.Delete(target);
            LocalCopy.Settle();
            return Task.FromResult<IReadOnlyList<RowSample>>([sample]);
        }, Counted: false);

        Contender LocalTreeCopy(string name, bool fsync) => new(name, c =>
        {
            var target = InExport(Named("up", fsync ? "sync" : "local", c.Run));
            c.Probe.Begin();
            var (files, bytes) = LocalCopy.CopyTree(data.TreeSource, target, fsync);
            var sample = c.Probe.End(TreeUp, bytes, files);
            Directory.Delete(target, recursive: true);
            LocalCopy.Settle();
            return Task.FromResult<IReadOnlyList<RowSample>>([sample]);
        }, Counted: false);

        // dokannfs cat FILE > /dev/null, over the version given.
        Task<IReadOnlyList<RowSample>> DokanNfsRead(RunContext c, NfsVersion version) => DokanNfsSide.WithDriveAsync(
            c.Server,
            async fs =>
            {
                c.Probe.Begin();
                var bytes = await dokan.ReadAsync(fs, dokan.Remote(DataSet.BigFile), c.CancellationToken);
                return [c.Probe.End(Read, bytes, 1)];
            },
            c.CancellationToken,
            version: version);

        return
        [
            new Scenario(
                Read,
                [Read],
                [
                    new(Contenders.DokanNfs, c => DokanNfsRead(c, NfsVersion.V40)),
                    new(Contenders.Libnfs, c => libnfs.RunAsync(Url(c), ["read", "/" + DataSet.BigFile], [Read], c.Probe, c.CancellationToken)),
                    new(Contenders.DokanNfsV41, c => DokanNfsRead(c, NfsVersion.V41), Counted: false),
                    new(Contenders.Tool, async c => [await LibnfsSide.RunToolAsync(
                        Read, "nfs-cat", LibnfsSide.Url(c.Server, exportPseudoPath + "/" + DataSet.BigFile), sizes.ReadBytes, 1, c.Probe, c.CancellationToken)], Counted: false),
                ],
                $"{Size(sizes.ReadBytes)} file to nowhere. DokanNfs: OPEN, 1 MiB reads (dokannfs cat), CLOSE, over NFSv4.0 as libnfs (two read connections, the default there); DokanNfs, NFSv4.1: the same over NFSv4.1, what the commands' vers=auto gets from this server (one connection, the default there). libnfs: nfs_open, 1 MiB nfs_read, nfs_close. Tool: `nfs-cat URL > /dev/null` as a whole process.",
                SequentialRuns),

            new Scenario(
                Write,
                [Write],
                [
                    new(Contenders.DokanNfs, c => DokanNfsSide.WithDriveAsync(c.Server, async fs =>
                    {
                        var name = Named("write", "dokannfs", c.Run);
                        c.Probe.Begin();
                        var bytes = await dokan.UploadAsync(fs, data.WriteSource, dokan.Remote(name), c.CancellationToken);
                        var sample = c.Probe.End(Write, bytes, 1);

                        // Removed through the server, so that it lets go of its open file at once. Deleted from the
                        // export directory instead, the 512 MiB were freed whenever Ganesha closed its cached file
                        // descriptor — during the next contender's run, which then took 5× as long.
                        await fs.RemoveAsync(dokan.Remote(name), c.CancellationToken);
                        LocalCopy.Settle();
                        return [sample];
                    }, c.CancellationToken)),
                    LocalFileCopy(Contenders.LocalCopy, fsync: false),
                    LocalFileCopy(Contenders.LocalCopySync, fsync: true),
                ],
                $"{Size(sizes.WriteBytes)} from a local file. DokanNfs: dokannfs cp (OPEN create+truncate, 1 MiB pieces handed to write-behind without a copy, COMMIT with CLOSE). Ceilings: the same bytes copied into the export directory on the server's disk, 4 MiB at a time, into the page cache only (a plain cp), and followed by one fsync (what COMMIT asks of the server). libnfs 4.0 cannot write 4 KiB or more over NFSv4 (its WRITE fails to encode), so it has no row.",
                SequentialRuns),

            new Scenario(
                List,
                [List],
                [
                    new(Contenders.DokanNfs, c => DokanNfsSide.WithDriveAsync(c.Server, async fs =>
                    {
                        c.Probe.Begin();
                        var count = await DokanNfsSide.ListAsync(fs, dokan.Remote(DataSet.ManyDirectory), c.CancellationToken);
                        return [c.Probe.End(List, 0, count)];
                    }, c.CancellationToken)),
                    new(Contenders.Libnfs, c => libnfs.RunAsync(Url(c), ["list", "/" + DataSet.ManyDirectory], [List], c.Probe, c.CancellationToken)),
                    new(Contenders.Tool, async c => [await LibnfsSide.RunToolAsync(
                        List, "nfs-ls", LibnfsSide.Url(c.Server, exportPseudoPath + "/" + DataSet.ManyDirectory), 0, sizes.ManyFiles, c.Probe, c.CancellationToken)], Counted: false),
                ],
                $"One directory of {Count(sizes.ManyFiles)} empty files, every entry with its attributes. DokanNfs: ListAsync (dokannfs ls -l). libnfs: nfs_opendir + nfs_readdir. Tool: `nfs-ls URL > /dev/null`."),

            new Scenario(
                "stat",
                [StatCold, StatWarm],
                [
                    new(Contenders.DokanNfs, c => DokanNfsSide.WithDriveAsync(c.Server, async fs =>
                    {
                        var directory = dokan.Remote(DataSet.ManyDirectory);
                        c.Probe.Begin();
                        await DokanNfsSide.StatAsync(fs, directory, sizes.ManyFiles, c.CancellationToken);
                        var cold = c.Probe.End(StatCold, 0, sizes.ManyFiles);
                        c.Probe.Begin();
                        await DokanNfsSide.StatAsync(fs, directory, sizes.ManyFiles, c.CancellationToken);
                        return [cold, c.Probe.End(StatWarm, 0, sizes.ManyFiles)];
                    }, c.CancellationToken)),
                    new(Contenders.Libnfs, c => libnfs.RunAsync(
                        Url(c), ["stat", "/" + DataSet.ManyDirectory, Count(sizes.ManyFiles), "2"], [StatCold, StatWarm], c.Probe, c.CancellationToken)),
                ],
                $"{Count(sizes.ManyFiles)} files stat'ed one by one by full path, with a fresh client (cold), then all again with the same client (warm). DokanNfs: GetAttributesAsync (dokannfs stat). libnfs: nfs_stat64."),

            new Scenario(
                CreateDelete,
                [CreateDelete],
                [
                    new(Contenders.DokanNfs, c =>
                    {
                        var name = Named("cd", "dokannfs", c.Run);
                        _ = Directory.CreateDirectory(InExport(name));
                        return DokanNfsSide.WithDriveAsync(c.Server, async fs =>
                        {
                            c.Probe.Begin();
                            await DokanNfsSide.CreateDeleteAsync(fs, dokan.Remote(name), sizes.CreateFiles, c.CancellationToken);
                            var sample = c.Probe.End(CreateDelete, 0, 2L * sizes.CreateFiles);
                            Directory.Delete(InExport(name), recursive: true);
                            return [sample];
                        }, c.CancellationToken);
                    }),
                    new(Contenders.Libnfs, async c =>
                    {
                        var name = Named("cd", "libnfs", c.Run);
                        _ = Directory.CreateDirectory(InExport(name));
                        var samples = await libnfs.RunAsync(Url(c), ["createdelete", "/" + name, Count(sizes.CreateFiles)], [CreateDelete], c.Probe, c.CancellationToken);
                        Directory.Delete(InExport(name), recursive: true);
                        return samples;
                    }),
                ],
                $"{Count(sizes.CreateFiles)} empty files created one by one in an empty directory (OPEN with create, CLOSE), then removed one by one (REMOVE); time per item counts both. DokanNfs: UNCHECKED4 create with mode 0644, as dokannfs cp creates. libnfs: nfs_creat + nfs_close, nfs_unlink."),

            new Scenario(
                TreeDown,
                [TreeDown],
                [
                    new(Contenders.DokanNfs, c => DokanNfsSide.WithDriveAsync(c.Server, async fs =>
                    {
                        var target = Local(Named("down", "dokannfs", c.Run));
                        c.Probe.Begin();
                        var (files, bytes) = await dokan.DownloadTreeAsync(fs, dokan.Remote(DataSet.TreeDirectory), target, c.CancellationToken);
                        var sample = c.Probe.End(TreeDown, bytes, files);
                        Directory.Delete(target, recursive: true);
                        return [sample];
                    }, c.CancellationToken)),
                    new(Contenders.Libnfs, async c =>
                    {
                        var target = Local(Named("down", "libnfs", c.Run));
                        var samples = await libnfs.RunAsync(Url(c), ["treedown", "/" + DataSet.TreeDirectory, target], [TreeDown], c.Probe, c.CancellationToken);
                        Directory.Delete(target, recursive: true);
                        return samples;
                    }),
                ],
                $"{Count(sizes.TreeFiles)} files of {Size(sizes.TreeFileSize)} in {Count(sizes.TreeDirectories)} directories, copied to a new local directory. DokanNfs: dokannfs cp -r's calls (a listing per directory, OPEN, READ, CLOSE per file). libnfs: nfs_opendir/nfs_readdir, nfs_open, nfs_read, nfs_close."),

            new Scenario(
                TreeUp,
                [TreeUp],
                [
                    new(Contenders.DokanNfs, c => DokanNfsSide.WithDriveAsync(c.Server, async fs =>
                    {
                        var name = Named("up", "dokannfs", c.Run);
                        c.Probe.Begin();
                        var (files, bytes) = await dokan.UploadTreeAsync(fs, data.TreeSource, dokan.Remote(name), c.CancellationToken);
                        var sample = c.Probe.End(TreeUp, bytes, files);
                        Directory.Delete(InExport(name), recursive: true);
                        LocalCopy.Settle();
                        return [sample];
                    }, c.CancellationToken)),
                    LocalTreeCopy(Contenders.LocalCopy, fsync: false),
                    LocalTreeCopy(Contenders.LocalCopySync, fsync: true),
                ],
                $"The same tree copied from a local directory to a new directory in the export. DokanNfs: dokannfs cp -r's calls (MKDIR, then per file OPEN create, WRITE, COMMIT with CLOSE). Ceilings: a local copy into the export directory, without fsync and with an fsync per file (what each COMMIT asks). libnfs cannot write 4 KiB files over NFSv4."),

            new Scenario(
                OpenReadClose,
                [OpenReadClose],
                [
                    new(Contenders.DokanNfs, c => DokanNfsSide.WithDriveAsync(c.Server, async fs =>
                    {
                        c.Probe.Begin();
                        var bytes = await dokan.OpenReadCloseAsync(fs, dokan.Remote(DataSet.SmallDirectory), sizes.SmallFiles, c.CancellationToken);
                        return [c.Probe.End(OpenReadClose, bytes, sizes.SmallFiles)];
                    }, c.CancellationToken)),
                    new(Contenders.Libnfs, c => libnfs.RunAsync(Url(c), ["orc", "/" + DataSet.SmallDirectory, Count(sizes.SmallFiles)], [OpenReadClose], c.Probe, c.CancellationToken)),
                ],
                $"{Count(sizes.SmallFiles)} files of {Size(sizes.SmallFileSize)}, each opened, read to the end and closed. DokanNfs: OpenAsync, ReadAsync until short, CloseAsync. libnfs: nfs_open, nfs_read until 0, nfs_close."),
        ];
    }

    public static string Size(long bytes) => bytes >= 1024 * 1024
        ? (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1024).ToString(CultureInfo.InvariantCulture) + " KiB";
}
