using System.Runtime.CompilerServices;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;

namespace DokanNfs.Benchmarks.Adapter;

/// <summary>
/// A fixed in-memory <see cref="INfsFileSystem"/>: a root, one directory and files made at construction. Every
/// call completes synchronously with objects made up front — attributes, and one stateless handle per file —
/// so it allocates nothing per call and whatever a benchmark measures above it is the adapter's own cost.
/// Writes and changes are refused (NFS4ERR_ROFS): the adapter benchmarks only read.
/// </summary>
public sealed class MemoryFileSystem : INfsFileSystem
{
    private static readonly Core.Nfs4.NfsTime4 Time = new(1_700_000_000, 0);
    private static readonly Fsid4 Fsid = new(1, 1);

    private readonly Dictionary<string, NfsAttributes> _attributes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MemoryFile> _files = new(StringComparer.Ordinal);
    private ulong _nextFileId = 2;

    public MemoryFileSystem()
    {
        _attributes["/"] = Attributes(NfsFtype4.Dir, 4096, 0x1ED, 1);
    }

    /// <summary>Adds a directory (its parent must exist).</summary>
    public void AddDirectory(string path) => _attributes[path] = Attributes(NfsFtype4.Dir, 4096, 0x1ED, _nextFileId++);

    /// <summary>Adds a regular file with <paramref name="content"/>.</summary>
    public void AddFile(string path, byte[] content)
    {
        var attributes = Attributes(NfsFtype4.Reg, (ulong)content.Length, 0x1A4, _nextFileId++);
        _attributes[path] = attributes;
        _files[path] = new MemoryFile(path, content, attributes);
    }

    public ValueTask<NfsAttributes> GetAttributesAsync(string path, CancellationToken cancellationToken) =>
        _attributes.TryGetValue(path, out var attributes)
            ? ValueTask.FromResult(attributes)
            : ValueTask.FromException<NfsAttributes>(new NfsException(NfsStat4.NoEnt, NfsOpnum4.Lookup, path));

    public ValueTask<NfsAttributes> GetFileSystemAttributesAsync(string path, CancellationToken cancellationToken) =>
        GetAttributesAsync(path, cancellationToken);

    public async IAsyncEnumerable<NfsFsEntry> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefix = path == "/" ? "/" : path + "/";
        foreach (var (name, attributes) in _attributes)
        {
            if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal) && name.IndexOf('/', prefix.Length) < 0)
            {
                yield return new NfsFsEntry(name[prefix.Length..], attributes);
            }
        }

        await Task.CompletedTask;
    }

    public ValueTask<INfsFileHandle> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Create is not null || request.Truncate || (request.Access & OpenShareAccess.Write) != 0)
        {
            return ValueTask.FromException<INfsFileHandle>(ReadOnly(NfsOpnum4.Open, path));
        }

        return _files.TryGetValue(path, out var file)
            ? ValueTask.FromResult<INfsFileHandle>(file)
            : ValueTask.FromException<INfsFileHandle>(new NfsException(NfsStat4.NoEnt, NfsOpnum4.Open, path));
    }

    public ValueTask<NfsAttributes> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken) =>
        ValueTask.FromException<NfsAttributes>(ReadOnly(NfsOpnum4.Create, path));

    public ValueTask<NfsAttributes> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken) =>
        ValueTask.FromException<NfsAttributes>(ReadOnly(NfsOpnum4.Create, path));

    public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken) =>
        ValueTask.FromException<string>(new NfsException(NfsStat4.Inval, NfsOpnum4.ReadLink, path));

    public ValueTask RemoveAsync(string path, CancellationToken cancellationToken) => ValueTask.FromException(ReadOnly(NfsOpnum4.Remove, path));

    public ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken) => ValueTask.FromException(ReadOnly(NfsOpnum4.Rename, from));

    public ValueTask<NfsAttributes> SetAttributesAsync(string path, SetAttributes attributes, CancellationToken cancellationToken) =>
        ValueTask.FromException<NfsAttributes>(ReadOnly(NfsOpnum4.SetAttr, path));

    private static NfsException ReadOnly(NfsOpnum4 op, string path) => new(NfsStat4.RoFs, op, path);

    private static NfsAttributes Attributes(NfsFtype4 type, ulong size, uint mode, ulong fileId) => new()
    {
        Type = type,
        Size = size,
        Mode = mode,
        NumLinks = 1,
        FileId = fileId,
        Fsid = Fsid,
        Change = 1,
        Owner = "0",
        OwnerGroup = "0",
        SpaceUsed = size,
        TimeAccess = Time,
        TimeModify = Time,
        TimeMetadata = Time,
        TimeCreate = Time,
    };

    /// <summary>An open file: stateless, so one instance serves every open of the file.</summary>
    private sealed class MemoryFile(string path, byte[] content, NfsAttributes attributes) : INfsFileHandle
    {
        public string Path => path;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (offset >= content.Length)
            {
                return ValueTask.FromResult(0);
            }

            var count = (int)Math.Min(buffer.Length, content.Length - offset);
            content.AsSpan((int)offset, count).CopyTo(buffer.Span);
            return ValueTask.FromResult(count);
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.FromException(ReadOnly(NfsOpnum4.Write, path));

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<NfsAttributes> GetAttributesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(attributes);

        public ValueTask SetSizeAsync(ulong size, CancellationToken cancellationToken) => ValueTask.FromException(ReadOnly(NfsOpnum4.SetAttr, path));

        public ValueTask<LockDenied?> LockAsync(NfsLockType4 type, ulong offset, ulong length, bool wait, CancellationToken cancellationToken) =>
            ValueTask.FromResult<LockDenied?>(null);

        public ValueTask UnlockAsync(ulong offset, ulong length, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CloseAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// The least <see cref="IDokanHost"/>: no requester (the adapter's default MapRequesters = false never asks) and
/// notifications dropped. The real one calls dokan2.dll; its cost is Dokan's, not the adapter's.
/// </summary>
public sealed class NullDokanHost : IDokanHost
{
    public void ResetTimeout(uint milliseconds, ref DOKAN_FILE_INFO info)
    {
    }

    public string? GetRequestorSid(ref DOKAN_FILE_INFO info) => null;

    public void NotifyCreate(string path, bool isDirectory)
    {
    }

    public void NotifyDelete(string path, bool isDirectory)
    {
    }

    public void NotifyUpdate(string path)
    {
    }

    public void NotifyRename(string oldPath, string newPath, bool isDirectory, bool isInSameDirectory)
    {
    }
}
