using System.Collections.Concurrent;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// The opens of one mount by id. DOKAN_FILE_INFO.Context holds the id: a plain number survives the native
/// boundary without pinning anything, and a stale or forged id finds nothing instead of a freed object.
/// </summary>
public sealed class HandleTable
{
    private readonly ConcurrentDictionary<ulong, FileContext> _opens = new();
    private long _nextId;

    /// <summary>How many opens are live (CloseFile not yet called).</summary>
    public int Count => _opens.Count;

    internal FileContext Add(string path, bool isDirectory, uint desiredAccess, uint shareAccess, uint createOptions, Core.Rpc.RpcCredential? credential)
    {
        var id = (ulong)Interlocked.Increment(ref _nextId); // never 0: 0 is Dokan's "no context"
        var context = new FileContext(id, path, isDirectory)
        {
            DesiredAccess = desiredAccess,
            ShareAccess = shareAccess,
            CreateOptions = createOptions,
            Credential = credential,
            DeleteOnClose = (createOptions & NtCreate.FileDeleteOnClose) != 0,
        };
        _opens[id] = context;
        return context;
    }

    public FileContext? Find(ulong id) => id != 0 && _opens.TryGetValue(id, out var context) ? context : null;

    internal bool Remove(ulong id) => _opens.TryRemove(id, out _);

    /// <summary>The live opens, for unmount (so their NFS state is released) and for tests.</summary>
    public IReadOnlyCollection<FileContext> Snapshot() => [.. _opens.Values];
}
