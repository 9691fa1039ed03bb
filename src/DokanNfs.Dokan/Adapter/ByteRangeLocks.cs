namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// The byte-range locks (LockFile) the handles of one mount hold, as Windows sees them. NFS byte-range locks
/// are advisory and belong to a lock-owner: the server lets I/O through another open into a locked range
/// (NFS-Ganesha does), grants a lock-owner a range overlapping its own, and answers LOCKU of a range that
/// was never locked with NFS4_OK. Windows locks are mandatory and exclusive: a lock is owned by one handle
/// and process, blocks other handles' reads and writes (STATUS_FILE_LOCK_CONFLICT), may not overlap any
/// other lock — its own handle's included — and UnlockFile must name a range exactly as it was locked
/// (STATUS_RANGE_NOT_LOCKED). This table keeps those rules between the handles of this mount; the server
/// keeps them against other NFS clients. Locks of a handle that has been cleaned up are gone (its NFS OPEN
/// was closed, which unlocks) and are pruned as they are met.
/// </summary>
internal sealed class ByteRangeLocks
{
    private readonly Lock _gate = new();
    private readonly List<HeldRange> _held = [];
    private int _count;

    /// <summary>How many locks are held (including ones of cleaned-up handles not yet pruned).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// True when a lock held by another handle (or another process) of the same file overlaps
    /// [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>). Allocates nothing,
    /// and takes no lock while the mount holds no locks at all.
    /// </summary>
    public bool BlocksIo(FileContext requester, uint processId, long offset, long length)
    {
        if (Volatile.Read(ref _count) == 0 || length == 0)
        {
            return false;
        }

        lock (_gate)
        {
            Prune();
            foreach (var held in _held)
            {
                if (!held.IsOwnedBy(requester, processId) && SameFile(held.Owner, requester) && held.Overlaps(offset, length))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Records a lock of [<paramref name="offset"/>, +<paramref name="length"/>) for the handle, unless it
    /// overlaps a lock any handle of the file holds (an exclusive lock may overlap no other). A zero-length
    /// lock overlaps nothing, as in Windows.
    /// </summary>
    public bool TryAdd(FileContext owner, uint processId, long offset, long length)
    {
        lock (_gate)
        {
            Prune();
            foreach (var held in _held)
            {
                if (SameFile(held.Owner, owner) && held.Overlaps(offset, length))
                {
                    return false;
                }
            }

            _held.Add(new HeldRange(owner, processId, offset, length));
            Volatile.Write(ref _count, _held.Count);
            return true;
        }
    }

    /// <summary>True when the handle and process hold exactly this range.</summary>
    public bool Holds(FileContext owner, uint processId, long offset, long length)
    {
        lock (_gate)
        {
            return IndexOf(owner, processId, offset, length) >= 0;
        }
    }

    /// <summary>Forgets one lock of exactly this range held by the handle and process; false when there is none.</summary>
    public bool Remove(FileContext owner, uint processId, long offset, long length)
    {
        lock (_gate)
        {
            var index = IndexOf(owner, processId, offset, length);
            if (index < 0)
            {
                return false;
            }

            _held.RemoveAt(index);
            Volatile.Write(ref _count, _held.Count);
            return true;
        }
    }

    private int IndexOf(FileContext owner, uint processId, long offset, long length)
    {
        for (var i = 0; i < _held.Count; i++)
        {
            var held = _held[i];
            if (held.IsOwnedBy(owner, processId) && held.Offset == offset && held.Length == length)
            {
                return i;
            }
        }

        return -1;
    }

    private void Prune()
    {
        if (_held.RemoveAll(static held => held.Owner.IsCleanedUp) > 0)
        {
            Volatile.Write(ref _count, _held.Count);
        }
    }

    /// <summary>Two opens of one file: the adapter knows a file by its drive path (a rename updates the open's path).</summary>
    private static bool SameFile(FileContext a, FileContext b) => string.Equals(a.Path, b.Path, StringComparison.Ordinal);

    private readonly record struct HeldRange(FileContext Owner, uint ProcessId, long Offset, long Length)
    {
        /// <summary>Windows locks belong to a file object and the process that took them (FsRtl lock semantics).</summary>
        public bool IsOwnedBy(FileContext context, uint processId) => ReferenceEquals(Owner, context) && ProcessId == processId;

        /// <summary>Ranges are [offset, offset + length); zero-length ranges overlap nothing. Callers keep offset + length in range.</summary>
        public bool Overlaps(long offset, long length) =>
            Length != 0 && length != 0 && offset < Offset + Length && Offset < offset + length;
    }
}
