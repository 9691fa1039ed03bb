using System.Buffers;
using System.Globalization;
using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Namespace;

namespace DokanNfs.SideBySide;

/// <summary>
/// The DokanNfs side: a fresh <see cref="NfsClient"/> and <see cref="NamespaceFileSystem"/> per run, mounted at
/// the server's root as the dokannfs commands mount it (so paths are server paths, "/export/…"), and each
/// workload driven through <see cref="INfsFileSystem"/> with the calls the commands make. The mount — the root
/// walk, and the client id (SETCLIENTID, which the client otherwise sends lazily before its first OPEN, and libnfs
/// sends while mounting) — happens before the timed span; each run starts with empty caches.
/// </summary>
public sealed class DokanNfsSide(string exportPseudoPath)
{
    /// <summary>dokannfs cat reads in 1 MiB requests (CatCommand.ChunkSize).</summary>
    public const int CatChunk = 1024 * 1024;

    /// <summary>dokannfs cp downloads 4 MiB per request (FileTransfer.ChunkSize).</summary>
    public const int CopyChunk = 4 * 1024 * 1024;

    /// <summary>dokannfs cp uploads 1 MiB pieces, each handed over to the write (FileTransfer.UploadPieceSize).</summary>
    public const int UploadPiece = 1024 * 1024;

    /// <summary>The server's warm-up READ (<see cref="WarmServerAsync"/>): larger than the 1 MiB READs measured.</summary>
    private const int WarmRead = 2 * 1024 * 1024;

    private const uint NewFileMode = 0x1A4; // 0644
    private const uint NewDirectoryMode = 0x1ED; // 0755

    /// <summary>The drive path of <paramref name="relative"/> inside the export.</summary>
    public string Remote(string relative) => exportPseudoPath.TrimEnd('/') + "/" + relative.TrimStart('/');

    /// <summary>
    /// Mounts, runs <paramref name="workload"/>, unmounts (outside the workload's timed spans). NFSv4.0 unless told: libnfs's
    /// version, so that both clients speak the same protocol to the same server. The commands mount vers=auto, which is
    /// NFSv4.1 against this Ganesha: the read runs that too, as the reference "DokanNfs, NFSv4.1".
    /// </summary>
    public static async Task<IReadOnlyList<RowSample>> WithDriveAsync(
        IPEndPoint server,
        Func<INfsFileSystem, Task<IReadOnlyList<RowSample>>> workload,
        CancellationToken cancellationToken,
        uint? maxReadSize = null,
        NfsVersion version = NfsVersion.V40)
    {
        using var identity = ClientIdentity.Create();
        var options = new NfsClientOptions
        {
            Credential = RpcCredential.Sys(0, 0),
            Identity = identity,
            ServerName = server.Address.ToString(),
            WriteBehindBytes = NfsClientOptions.DefaultWriteBehindBytes,
            InlineReplyContinuations = true,
            Version = version,
            MaxReadSize = maxReadSize ?? new NfsClientOptions().MaxReadSize,
        };
        await using var client = new NfsClient(server, options);
        var fs = await NamespaceFileSystem.MountAsync(client, server, "/", new NamespaceOptions { IdleExpiry = Timeout.InfiniteTimeSpan }, cancellationToken);
        _ = await client.EnsureClientIdAsync(cancellationToken);
        await using (fs)
        {
            return await workload(fs);
        }
    }

    /// <summary>
    /// Brings the server's allocator where it is after some time in service, before anything is measured (bench/README.md,
    /// "The server's state"). glibc serves a block from mmap when it is larger than a threshold, and raises the threshold
    /// to the size of the largest such block freed. Ganesha allocates each READ's buffer aligned (posix_memalign), which
    /// asks glibc for a page more than the READ: the threshold a freed 1 MiB buffer sets stays below the next request, so
    /// on a fresh server every 1 MiB READ maps, faults in and unmaps its buffer — half of the server's CPU in a read, and
    /// the wait of every client. One READ of 2 MiB ends that for good, as any large block freed in service does (a big
    /// READDIR reply, another client's larger READs).
    /// </summary>
    public static Task WarmServerAsync(IPEndPoint server, string path, CancellationToken cancellationToken) =>
        WithDriveAsync(
            server,
            async fs =>
            {
                await using var file = await fs.OpenAsync(path, OpenRequest.ForRead, cancellationToken);
                var buffer = new byte[WarmRead];
                _ = await file.ReadAsync(0, buffer, cancellationToken);

                await file.CloseAsync(cancellationToken);
                return [];
            },
            cancellationToken,
            maxReadSize: (uint)WarmRead);

    /// <summary>dokannfs cat FILE &gt; /dev/null: OPEN, the handle's attributes, 1 MiB reads to the end, CLOSE.</summary>
    public async Task<long> ReadAsync(INfsFileSystem fs, string path, CancellationToken cancellationToken)
    {
        await using var file = await fs.OpenAsync(path, OpenRequest.ForRead, cancellationToken);
        _ = await file.GetAttributesAsync(cancellationToken);
        var total = await ReadToEndAsync(file, CatChunk, null, cancellationToken);
        await file.CloseAsync(cancellationToken);
        return total;
    }

    /// <summary>dokannfs cp LOCAL nfs://…: OPEN (UNCHECKED4 create, truncate), 1 MiB writes handed over (WritePooledAsync), CLOSE (which commits, in its COMPOUND).</summary>
    public async Task<long> UploadAsync(INfsFileSystem fs, string localPath, string remotePath, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var request = new OpenRequest
        {
            Access = OpenShareAccess.Write,
            Create = CreateMode4.Unchecked,
            CreateAttributes = new SetAttributes { Mode = NewFileMode },
            Truncate = true,
        };
        await using var file = await fs.OpenAsync(remotePath, request, cancellationToken);
        long offset = 0;
        while (true)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(UploadPiece);
            var read = await input.ReadAtLeastAsync(buffer.AsMemory(0, UploadPiece), UploadPiece, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                break;
            }

            await file.WritePooledAsync(offset, buffer, read, cancellationToken);
            offset += read;
        }

        await file.CloseAsync(cancellationToken);
        return offset;
    }

    /// <summary>dokannfs ls -l DIR: one listing with attributes; returns the number of entries.</summary>
    public static async Task<int> ListAsync(INfsFileSystem fs, string path, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var entry in fs.ListAsync(path, cancellationToken))
        {
            _ = entry.Attributes.Size;
            count++;
        }

        return count;
    }

    /// <summary>dokannfs stat, once per file, in order: f00000 … f(N-1).</summary>
    public static async Task StatAsync(INfsFileSystem fs, string directory, int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            _ = await fs.GetAttributesAsync(directory + "/" + DataSet.ManyName(i), cancellationToken);
        }
    }

    /// <summary>Creates N empty files (OPEN with UNCHECKED4 create, CLOSE), then removes them one by one.</summary>
    public static async Task CreateDeleteAsync(INfsFileSystem fs, string directory, int count, CancellationToken cancellationToken)
    {
        var request = new OpenRequest
        {
            Access = OpenShareAccess.Write,
            Create = CreateMode4.Unchecked,
            CreateAttributes = new SetAttributes { Mode = NewFileMode },
        };
        for (var i = 0; i < count; i++)
        {
            await using var file = await fs.OpenAsync(directory + "/" + DataSet.CreateName(i), request, cancellationToken);
            await file.CloseAsync(cancellationToken);
        }

        for (var i = 0; i < count; i++)
        {
            await fs.RemoveAsync(directory + "/" + DataSet.CreateName(i), cancellationToken);
        }
    }

    /// <summary>Open, read to the end, close: N small files in order, s00000 …</summary>
    public async Task<long> OpenReadCloseAsync(INfsFileSystem fs, string directory, int count, CancellationToken cancellationToken)
    {
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            await using var file = await fs.OpenAsync(directory + "/" + DataSet.SmallName(i), OpenRequest.ForRead, cancellationToken);
            total += await ReadToEndAsync(file, CatChunk, null, cancellationToken);
            await file.CloseAsync(cancellationToken);
        }

        return total;
    }

    /// <summary>dokannfs cp -r nfs://…/DIR LOCAL: a listing per directory, each file opened, read, closed and written locally.</summary>
    public async Task<(long Files, long Bytes)> DownloadTreeAsync(INfsFileSystem fs, string remote, string local, CancellationToken cancellationToken)
    {
        _ = Directory.CreateDirectory(local);
        long files = 0, bytes = 0;
        var entries = new List<NfsFsEntry>();
        await foreach (var entry in fs.ListAsync(remote, cancellationToken))
        {
            entries.Add(entry);
        }

        foreach (var entry in entries)
        {
            var remotePath = remote + "/" + entry.Name;
            var localPath = Path.Combine(local, entry.Name);
            if (entry.Attributes.Type == NfsFtype4.Dir)
            {
                var (f, b) = await DownloadTreeAsync(fs, remotePath, localPath, cancellationToken);
                files += f;
                bytes += b;
                continue;
            }

            await using var file = await fs.OpenAsync(remotePath, OpenRequest.ForRead, cancellationToken);
            await using var output = new FileStream(localPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
            bytes += await ReadToEndAsync(file, CopyChunk, output, cancellationToken);
            await file.CloseAsync(cancellationToken);
            files++;
        }

        return (files, bytes);
    }

    /// <summary>dokannfs cp -r LOCAL nfs://…: MKDIR per directory (CREATE), each file uploaded as <see cref="UploadAsync"/> does.</summary>
    public async Task<(long Files, long Bytes)> UploadTreeAsync(INfsFileSystem fs, string local, string remote, CancellationToken cancellationToken)
    {
        _ = await fs.CreateDirectoryAsync(remote, new SetAttributes { Mode = NewDirectoryMode }, cancellationToken);
        long files = 0, bytes = 0;
        foreach (var directory in Directory.EnumerateDirectories(local).Order(StringComparer.Ordinal))
        {
            var (f, b) = await UploadTreeAsync(fs, directory, remote + "/" + Path.GetFileName(directory), cancellationToken);
            files += f;
            bytes += b;
        }

        foreach (var file in Directory.EnumerateFiles(local).Order(StringComparer.Ordinal))
        {
            bytes += await UploadAsync(fs, file, remote + "/" + Path.GetFileName(file), cancellationToken);
            files++;
        }

        return (files, bytes);
    }

    /// <summary>A unique name for run <paramref name="run"/> of <paramref name="what"/>.</summary>
    public static string RunName(string what, int run) => what + "-dokannfs-" + run.ToString(CultureInfo.InvariantCulture);

    /// <summary>FileTransfer.ReadToStreamAsync's loop: leases of up to <paramref name="chunk"/> bytes, written to the output if any.</summary>
    private static async Task<long> ReadToEndAsync(INfsFileHandle file, int chunk, Stream? output, CancellationToken cancellationToken)
    {
        long offset = 0;
        while (true)
        {
            using var lease = await file.ReadLeasedAsync(offset, chunk, cancellationToken);
            if (output is not null && lease.Count > 0)
            {
                await output.WriteAsync(lease.Memory, cancellationToken);
            }

            offset += lease.Count;
            if (lease.Eof || lease.Count == 0)
            {
                break;
            }
        }

        return offset;
    }
}
