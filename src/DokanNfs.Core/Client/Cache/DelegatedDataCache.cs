using System.Buffers;
using DokanNfs.Core.Client.Delegations;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Cache;

/// <summary>
/// File data read while a read delegation was held, served to later reads and re-opens without a READ (RFC 8881 §10.4:
/// while the delegation is held no other client can write the file, so what we read stays what the server has). Kept
/// in pages of <see cref="PageSize"/> rented from the shared pool (each filled block by block by the READs that reach it),
/// per file up to a per-file bound and in all up to a global one; past either, nothing more is kept (what is kept stays valid). A file's pages belong to the delegation
/// they were read under: they are dropped when it ends (<see cref="Drop"/>, from <see cref="IDelegationView.Ended"/>),
/// and data read under a delegation whose return has begun is never kept.
/// </summary>
internal sealed class DelegatedDataCache
{
    /// <summary>The unit of allocation: 64 KiB, filled by the READs that reach it, block by block.</summary>
    public const int PageSize = 64 * 1024;

    /// <summary>What a page keeps track of: a block is held once one READ covered it whole (or up to the end of file).</summary>
    public const int BlockSize = 4096;

    private const int BlocksPerPage = PageSize / BlockSize;

    private readonly Lock _lock = new();
    private readonly Dictionary<NfsFh, FileData> _files = [];
    private readonly long _maxPagesPerFile;
    private readonly long _maxPages;
    private long _pages;

    public DelegatedDataCache(long maxBytesPerFile, long maxBytes)
    {
        _maxPagesPerFile = Math.Max(0, maxBytesPerFile / PageSize);
        _maxPages = Math.Max(0, maxBytes / PageSize);
    }

    /// <summary>False when the bounds allow no page at all: nothing is ever kept.</summary>
    public bool Enabled => _maxPagesPerFile > 0 && _maxPages > 0;

    /// <summary>Bytes of pages held (whole pages, whatever part of them is data).</summary>
    public long Bytes => Interlocked.Read(ref _pages) * PageSize;

    /// <summary>How many files have data here.</summary>
    public int Files
    {
        get
        {
            lock (_lock)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>
    /// Copies [<paramref name="offset"/>, + destination length) from the cache when every page of it (up to the end of
    /// file, when the cache knows it) is held: <paramref name="count"/> is then what a READ would have returned.
    /// </summary>
    public bool TryRead(NfsFh fileHandle, long offset, Span<byte> destination, out int count)
    {
        count = 0;
        lock (_lock)
        {
            if (_files.Count == 0 || !_files.TryGetValue(fileHandle, out var file) || file.Delegation.Returning)
            {
                return false;
            }

            var end = offset + destination.Length;
            if (file.EndOfFile >= 0)
            {
                end = Math.Min(end, file.EndOfFile);
            }

            if (end <= offset)
            {
                // At or past the end of file the cache knows: a READ would return nothing, with eof.
                return file.EndOfFile >= 0;
            }

            // Every block touched must be held (the one holding the end of file up to it).
            for (var block = offset / BlockSize; block * BlockSize < end; block++)
            {
                if (!file.Pages.TryGetValue(block / BlocksPerPage, out var page) || (page.Blocks & (1u << (int)(block % BlocksPerPage))) == 0)
                {
                    return false;
                }
            }

            for (var position = offset; position < end;)
            {
                var index = position / PageSize;
                var page = file.Pages[index];
                var within = (int)(position - (index * PageSize));
                var n = (int)Math.Min(PageSize - within, end - position);
                page.Buffer.AsSpan(within, n).CopyTo(destination[(int)(position - offset)..]);
                position += n;
            }

            count = (int)(end - offset);
            return true;
        }
    }

    /// <summary>
    /// Keeps what a READ under <paramref name="delegation"/> returned at <paramref name="offset"/>: the 4 KiB blocks it
    /// covers whole; <paramref name="eof"/> records where the file ends. Ignored once the delegation's return
    /// has begun (checked under the same lock <see cref="Drop"/> takes, so nothing read before a recall outlives it).
    /// </summary>
    public void Fill(Delegation delegation, long offset, ReadOnlySpan<byte> data, bool eof)
    {
        if (!Enabled || delegation.IsWrite)
        {
            return;
        }

        lock (_lock)
        {
            if (delegation.Returning)
            {
                return;
            }

            if (!_files.TryGetValue(delegation.FileHandle, out var file) || !ReferenceEquals(file.Delegation, delegation))
            {
                if (file is not null)
                {
                    DropLocked(delegation.FileHandle, file);
                }

                file = new FileData(delegation);
                _files[delegation.FileHandle] = file;
            }

            var end = offset + data.Length;
            if (eof && (data.Length > 0 || offset == 0))
            {
                // Only an eof right after data (or at 0) says where the file ends: an empty READ past the end says only
                // that it ends at or before the offset.
                file.EndOfFile = end;
            }

            // A page holds the blocks READs covered whole (the one holding the end of file: up to it), in any order —
            // READs of one request come back in any order.
            for (var index = offset / PageSize; index * PageSize < end; index++)
            {
                var start = index * PageSize;
                var blocks = 0u;
                for (var b = 0; b < BlocksPerPage; b++)
                {
                    var blockStart = start + (b * BlockSize);
                    var blockEnd = blockStart + BlockSize;
                    if (file.EndOfFile >= 0)
                    {
                        blockEnd = Math.Min(blockEnd, file.EndOfFile);
                    }

                    if (blockStart >= offset && blockEnd <= end && blockEnd > blockStart)
                    {
                        blocks |= 1u << b;
                    }
                }

                if (blocks == 0)
                {
                    continue;
                }

                if (!file.Pages.TryGetValue(index, out var page))
                {
                    if (file.Pages.Count >= _maxPagesPerFile || Interlocked.Read(ref _pages) >= _maxPages)
                    {
                        break;
                    }

                    page = new Page(ArrayPool<byte>.Shared.Rent(PageSize), 0);
                    Interlocked.Increment(ref _pages);
                }

                var from = Math.Max(offset, start);
                var to = Math.Min(end, start + PageSize);
                data.Slice((int)(from - offset), (int)(to - from)).CopyTo(page.Buffer.AsSpan((int)(from - start)));
                file.Pages[index] = page with { Blocks = page.Blocks | blocks };
            }
        }
    }

    /// <summary>Forgets the data of <paramref name="fileHandle"/> (its delegation ended, or we write it ourselves).</summary>
    public void Drop(NfsFh fileHandle)
    {
        lock (_lock)
        {
            if (_files.TryGetValue(fileHandle, out var file))
            {
                DropLocked(fileHandle, file);
            }
        }
    }

    /// <summary>Forgets everything (a server restart: the delegations are gone).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var (fileHandle, file) in _files.ToArray())
            {
                DropLocked(fileHandle, file);
            }
        }
    }

    private void DropLocked(NfsFh fileHandle, FileData file)
    {
        _files.Remove(fileHandle);
        foreach (var page in file.Pages.Values)
        {
            ArrayPool<byte>.Shared.Return(page.Buffer);
        }

        Interlocked.Add(ref _pages, -file.Pages.Count);
        file.Pages.Clear();
    }

    private sealed class FileData(Delegation delegation)
    {
        public Delegation Delegation { get; } = delegation;

        public Dictionary<long, Page> Pages { get; } = [];

        /// <summary>The file's size as a READ under the delegation saw it end, or -1.</summary>
        public long EndOfFile { get; set; } = -1;
    }

    /// <summary>A page's buffer and which of its blocks hold data (bit b: [b × 4 KiB, + 4 KiB)).</summary>
    private readonly record struct Page(byte[] Buffer, uint Blocks);
}
