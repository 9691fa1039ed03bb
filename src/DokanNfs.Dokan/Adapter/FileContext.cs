using DokanNfs.Core.Rpc;
using DokanNfs.Namespace;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// One successful ZwCreateFile: what the adapter knows about that open until CloseFile. Its id, not a
/// GCHandle, is what DOKAN_FILE_INFO.Context holds (see <see cref="HandleTable"/>).
/// </summary>
public sealed class FileContext
{
    private int _cleanedUp;
    private int _closed;

    internal FileContext(ulong id, string path, bool isDirectory)
    {
        Id = id;
        Path = path;
        IsDirectory = isDirectory;
    }

    public ulong Id { get; }

    /// <summary>The drive path ("/" separated, NFS names). A rename on this open changes it.</summary>
    public string Path { get; internal set; }

    public bool IsDirectory { get; }

    /// <summary>ZwCreateFile's DesiredAccess, ShareAccess and CreateOptions.</summary>
    public uint DesiredAccess { get; init; }

    public uint ShareAccess { get; init; }

    public uint CreateOptions { get; init; }

    /// <summary>The credential every NFS call made for this open carries (the requester's).</summary>
    public RpcCredential? Credential { get; init; }

    /// <summary>The NFS OPEN behind this handle; null for opens that only read attributes, and directories.</summary>
    public INfsFileHandle? Handle { get; internal set; }

    /// <summary>An OPEN made after Cleanup for paging I/O the cache manager still sends (closed in CloseFile).</summary>
    internal INfsFileHandle? LateHandle { get; set; }

    /// <summary><see cref="LateHandle"/> was opened for writing too (a paging write needed it).</summary>
    internal bool LateHandleWrites { get; set; }

    /// <summary>FILE_DELETE_ON_CLOSE was given at create.</summary>
    public bool DeleteOnClose { get; init; }

    /// <summary>Data was written through this open since the last flush (SetFileTime flushes first).</summary>
    internal bool Dirty { get; set; }

    /// <summary>Serializes the calls Dokan may make on one open from several threads.</summary>
    internal object Sync { get; } = new();

    /// <summary>True exactly once: for the first Cleanup.</summary>
    internal bool TryBeginCleanup() => Interlocked.Exchange(ref _cleanedUp, 1) == 0;

    internal bool IsCleanedUp => Volatile.Read(ref _cleanedUp) != 0;

    /// <summary>True exactly once: for the first CloseFile.</summary>
    internal bool TryBeginClose() => Interlocked.Exchange(ref _closed, 1) == 0;

    public override string ToString() => $"#{Id} {Path}{(IsDirectory ? " (dir)" : "")}";
}
