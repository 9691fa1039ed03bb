using System.Buffers;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Namespace;

/// <summary>
/// One entry of a directory listing: its name and attributes (synthesized for an unmounted trigger point,
/// which <paramref name="IsTriggerPoint"/> marks: a referral not mounted yet).
/// </summary>
public sealed record NfsFsEntry(string Name, NfsAttributes Attributes, bool IsTriggerPoint = false);

/// <summary>
/// The frontend-neutral file system: what the Dokan adapter (and later a FUSE front end) calls. Paths are
/// relative to the drive root, '/' separated ("/" is the root; "a/b" and "/a/b" are the same). Errors are
/// <see cref="NfsException"/> (the front end maps its status to NTSTATUS or errno) or
/// <see cref="NfsReferralException"/> when a referral could not be followed.
/// </summary>
public interface INfsFileSystem
{
    /// <summary>
    /// The attributes of <paramref name="path"/>. For a trigger point that is not mounted yet these are
    /// synthesized and the target server is not contacted (stat does not trigger: the referral seed).
    /// </summary>
    ValueTask<NfsAttributes> GetAttributesAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// The per-file-system attributes (RFC 7530 §5.4: space_avail / space_free / space_total, maxname, …, plus
    /// fsid) of the file system holding <paramref name="path"/>, read fresh. An unmounted trigger point answers
    /// its synthesized attributes, as <see cref="GetAttributesAsync"/> does, and is not mounted.
    /// </summary>
    ValueTask<NfsAttributes> GetFileSystemAttributesAsync(string path, CancellationToken cancellationToken);

    /// <summary>Lists a directory (no "." or ".."); trigger points among the entries are listed, not mounted.</summary>
    IAsyncEnumerable<NfsFsEntry> ListAsync(string path, CancellationToken cancellationToken);

    /// <summary>Opens (or creates, as <paramref name="request"/> says) a regular file.</summary>
    ValueTask<INfsFileHandle> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken);

    ValueTask<NfsAttributes> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken);

    /// <summary>Creates a symbolic link holding <paramref name="target"/> verbatim.</summary>
    ValueTask<NfsAttributes> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken);

    /// <summary>The text a symbolic link holds.</summary>
    ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken);

    /// <summary>Removes a file or an empty directory.</summary>
    ValueTask RemoveAsync(string path, CancellationToken cancellationToken);

    /// <summary>Renames within one mount; across mounts it fails with NFS4ERR_XDEV (the front end copies instead).</summary>
    ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken);

    ValueTask<NfsAttributes> SetAttributesAsync(string path, SetAttributes attributes, CancellationToken cancellationToken);

    /// <summary>
    /// Which of <paramref name="access"/> the server would grant the caller on <paramref name="path"/> (ACCESS,
    /// RFC 7530 §16.1) — a check ahead of an operation whose failure could not be reported later. A file system
    /// that cannot tell answers all of them.
    /// </summary>
    ValueTask<Access4> AccessAsync(string path, Access4 access, CancellationToken cancellationToken) => ValueTask.FromResult(access);
}

/// <summary>An open regular file.</summary>
public interface INfsFileHandle : IAsyncDisposable
{
    /// <summary>The drive path it was opened by.</summary>
    string Path { get; }

    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="maxLength"/> bytes at <paramref name="offset"/>, lent rather than copied into a buffer of the
    /// caller's (<see cref="ReadLease"/>; dispose it). For readers that pass the bytes on: NFS files lend READs ahead as
    /// they were received (NfsOpenFile.ReadLeasedAsync); others read into a rented buffer.
    /// </summary>
    ValueTask<ReadLease> ReadLeasedAsync(long offset, int maxLength, CancellationToken cancellationToken) =>
        ReadLease.ReadIntoRentedAsync(maxLength, buffer => ReadAsync(offset, buffer, cancellationToken));

    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the first <paramref name="count"/> bytes of <paramref name="pooledBuffer"/>, a buffer rented from
    /// ArrayPool&lt;byte&gt;.Shared that the call takes over whatever its outcome: do not touch it afterwards. For writers that
    /// fill a buffer only to pass it on: NFS files send it as it is when write-behind takes it
    /// (NfsOpenFile.TryWritePooledAsync); others write it as <see cref="WriteAsync"/> does and give it back.
    /// </summary>
    async ValueTask WritePooledAsync(long offset, byte[] pooledBuffer, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pooledBuffer);
        try
        {
            await WriteAsync(offset, pooledBuffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pooledBuffer);
        }
    }

    /// <summary>Makes every write so far stable on the server (COMMIT).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    ValueTask<NfsAttributes> GetAttributesAsync(CancellationToken cancellationToken);

    ValueTask SetSizeAsync(ulong size, CancellationToken cancellationToken);

    /// <summary>Takes a byte-range lock; the conflicting lock when it is held elsewhere and <paramref name="wait"/> is false.</summary>
    ValueTask<LockDenied?> LockAsync(NfsLockType4 type, ulong offset, ulong length, bool wait, CancellationToken cancellationToken);

    ValueTask UnlockAsync(ulong offset, ulong length, CancellationToken cancellationToken);

    ValueTask CloseAsync(CancellationToken cancellationToken);
}
