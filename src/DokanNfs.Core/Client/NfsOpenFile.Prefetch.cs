using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// The first READ sent in the OPEN's own COMPOUND (issue 9 §2: open-read-close of a small file in two round trips):
/// what it returned, served to the handle's first reads. In NFSv4.0 that READ cannot name the open it follows, so it
/// goes with the anonymous stateid (RFC 7530 §9.1.4.3), which the server checks against share reservations like any
/// other READ; under NFSv4.1 it names the OPEN's stateid as the current stateid (RFC 8881 §16.2.3.1.2).
/// </summary>
internal sealed class OpenPrefetch(uint count, StateId4 stateId)
{
    /// <summary>How many bytes from offset 0 the READ asks for.</summary>
    public uint Count { get; } = count;

    public StateId4 StateId { get; } = stateId;

    /// <summary>The bytes the READ returned (null if it failed: the OPEN stands, the data is read as usual).</summary>
    public byte[]? Data { get; private set; }

    public bool Eof { get; private set; }

    public void Fill(ReadOnlySpan<byte> data, bool eof)
    {
        Data = data.ToArray();
        Eof = eof;
    }
}

public sealed partial class NfsOpenFile
{
    private OpenPrefetch? _prefetch;

    /// <summary>The data the OPEN's COMPOUND read, kept for the first reads of a handle opened for reading only.</summary>
    internal void SetPrefetch(OpenPrefetch? prefetch) =>
        Volatile.Write(ref _prefetch, prefetch is { Data: not null } && (Access & OpenShareAccess.Write) == 0 ? prefetch : null);

    /// <summary>
    /// Serves a read from the OPEN's data when it covers the whole request, or the request reaches past an end of file
    /// that READ saw. Dropped once a read reaches its end, as soon as a read is not covered (the reader moved on), or
    /// when this client opens the file for writing (our own writes would not be in it).
    /// </summary>
    private bool TryReadPrefetched(long offset, Memory<byte> buffer, out int count)
    {
        count = 0;
        var prefetch = Volatile.Read(ref _prefetch);
        if (prefetch?.Data is not { } data)
        {
            return false;
        }

        var end = offset + buffer.Length;
        if (_client.IsOpenForWriting(FileHandle) || offset > data.Length || (end > data.Length && !prefetch.Eof))
        {
            Volatile.Write(ref _prefetch, null);
            return false;
        }

        count = (int)Math.Min(buffer.Length, data.Length - offset);
        data.AsSpan((int)offset, count).CopyTo(buffer.Span);
        if (offset + count >= data.Length)
        {
            // Read to its end: served once. A later read of the file (after a migration, a reopen, or simply again)
            // goes to the server.
            Volatile.Write(ref _prefetch, null);
        }

        return true;
    }
}
