using System.Buffers;
using DokanNfs.Cli.Output;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// Moving one file's bytes between the server and a stream or a local file. Downloads go in large chunks (4 MiB) lent
/// by the READs ahead, which keep several READs of the server's size in flight; uploads in pieces of a usual maxwrite,
/// each handed to write-behind as it was read (several WRITEs in flight), so the connection stays busy while the local
/// side is written or read.
/// </summary>
internal static class FileTransfer
{
    public const int ChunkSize = 4 * 1024 * 1024;

    /// <summary>
    /// An upload's piece: the usual maxwrite of servers (NFS-Ganesha, knfsd: 1 MiB), so that write-behind sends each piece
    /// from the buffer it was read into. Against a smaller maxwrite the pieces are copied into WRITEs as before.
    /// </summary>
    public const int UploadPieceSize = 1024 * 1024;

    /// <summary>Mode for new remote files when the local file has none to copy (Windows).</summary>
    private const uint DefaultFileMode = 0x1A4; // 0644

    /// <summary>Reads a remote file from start to end into <paramref name="output"/>; returns the bytes copied.</summary>
    public static async Task<long> ReadToStreamAsync(INfsFileSystem fs, string remotePath, Stream output, int chunkSize, bool showProgress, CancellationToken cancellationToken)
    {
        await using var file = await fs.OpenAsync(remotePath, OpenRequest.ForRead, cancellationToken);
        var total = (long)((await file.GetAttributesAsync(cancellationToken)).Size ?? 0);
        using var progress = showProgress ? ProgressBar.StartIfUseful(Remote.NameOf(remotePath), total) : null;
        long offset = 0;
        while (true)
        {
            // Lent, not copied: the READs ahead's own buffers go to the output (NfsOpenFile.ReadLease.cs).
            using var lease = await file.ReadLeasedAsync(offset, chunkSize, cancellationToken);
            if (lease.Count > 0)
            {
                await output.WriteAsync(lease.Memory, cancellationToken);
                offset += lease.Count;
                progress?.Report(offset);
            }

            if (lease.Eof || lease.Count == 0)
            {
                break;
            }
        }

        await file.CloseAsync(cancellationToken);
        return offset;
    }

    /// <summary>Downloads a remote regular file to <paramref name="localPath"/>, created or truncated.</summary>
    public static async Task<long> DownloadAsync(INfsFileSystem fs, string remotePath, uint? remoteMode, string localPath, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows() && remoteMode is { } mode)
        {
            // A new file gets the remote permission bits (less the umask), as cp gives it the source's.
            options.UnixCreateMode = (UnixFileMode)(mode & 0x1FF);
        }

        await using var output = new FileStream(localPath, options);
        return await ReadToStreamAsync(fs, remotePath, output, ChunkSize, showProgress: true, cancellationToken);
    }

    /// <summary>
    /// Uploads <paramref name="localPath"/> to <paramref name="remotePath"/>: OPEN with UNCHECKED4 create and
    /// truncate (so an existing file is replaced in place), WRITEs, then COMMIT and CLOSE.
    /// </summary>
    public static async Task<long> UploadAsync(INfsFileSystem fs, string localPath, string remotePath, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var request = new OpenRequest
        {
            Access = OpenShareAccess.Write,
            Create = CreateMode4.Unchecked,
            CreateAttributes = new SetAttributes { Mode = LocalMode(localPath, DefaultFileMode) },
            Truncate = true,
        };
        await using var file = await fs.OpenAsync(remotePath, request, cancellationToken);
        using var progress = ProgressBar.StartIfUseful(Path.GetFileName(localPath), input.Length);
        long offset = 0;
        while (true)
        {
            // Each piece read into a buffer of its own that the write takes over (INfsFileHandle.WritePooledAsync): the
            // bytes go from the local file to the socket without another copy in between.
            var buffer = ArrayPool<byte>.Shared.Rent(UploadPieceSize);
            int read;
            try
            {
                read = await input.ReadAtLeastAsync(buffer.AsMemory(0, UploadPieceSize), UploadPieceSize, throwOnEndOfStream: false, cancellationToken);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }

            if (read == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                break;
            }

            await file.WritePooledAsync(offset, buffer, read, cancellationToken);
            offset += read;
            progress?.Report(offset);
        }

        // The close commits (COMMIT and CLOSE in one COMPOUND: NfsOpenFile.CommitClose.cs) and throws when the data
        // could not be made stable, so a failure is reported here, not lost.
        await file.CloseAsync(cancellationToken);
        return offset;
    }

    /// <summary>The permission bits of a local file or directory, or <paramref name="fallback"/> where there are none.</summary>
    public static uint LocalMode(string localPath, uint fallback) =>
        OperatingSystem.IsWindows() ? fallback : (uint)File.GetUnixFileMode(localPath) & 0x1FF;
}
