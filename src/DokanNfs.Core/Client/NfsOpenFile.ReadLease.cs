namespace DokanNfs.Core.Client;

/// <summary>
/// Reads that lend the bytes instead of copying them (issue 9 §2, client CPU per GiB read). A read into the caller's
/// buffer copies every READ ahead that arrived before the caller asked for it — and with several READs in flight the
/// server answers a third of them out of order (a profile of a 512 MiB read: 190 of 512), so the caller is still
/// waiting for the one before. A lease hands over the buffer the READ's reply was received into: the bytes cross the
/// client once, from the socket, for consumers that only pass them on (dokannfs cat, downloads to a local file).
/// </summary>
public sealed partial class NfsOpenFile
{
    /// <summary>
    /// Bytes of the file at <paramref name="offset"/>, at most <paramref name="maxLength"/>, lent (<see cref="ReadLease"/>):
    /// the reply buffer of a READ ahead when the read-ahead window starts exactly there, a buffer rented and read into as
    /// <see cref="ReadAsync"/> reads otherwise (the first read of a handle, writes in flight, bytes prefetched with the
    /// OPEN or journaled while disconnected, a window elsewhere). Fewer bytes than asked only at the end of the file or
    /// after a short READ; <see cref="ReadLease.Eof"/> tells which.
    /// </summary>
    public async ValueTask<ReadLease> ReadLeasedAsync(long offset, int maxLength, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (!HasWritesInFlight && !HasJournaled && _prefetch is null && Lost is null)
        {
            ThrowWriteBehindError();
            await BeforeIoAsync(cancellationToken).ConfigureAwait(false);
            if (await TryLendAsync(offset, maxLength, cancellationToken).ConfigureAwait(false) is { } lent)
            {
                return lent;
            }
        }

        return await ReadLease.ReadIntoRentedAsync(maxLength, buffer => ReadAsync(offset, buffer, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The window's first READ when it starts at <paramref name="offset"/> and fits; null when the read must go the usual way.</summary>
    private async ValueTask<ReadLease?> TryLendAsync(long offset, int maxLength, CancellationToken cancellationToken)
    {
        var chunk = (int)await _client.GetReadSizeAsync(cancellationToken).ConfigureAwait(false);
        if (TakeSlot(offset) is not { } slot)
        {
            return null;
        }

        if (slot.Offset != offset || slot.Length > maxLength)
        {
            // Partly served already, or larger than the caller takes: ReadAsync copies out of it.
            PutBack(slot);
            return null;
        }

        // A READ ahead that failed: this read goes the usual way (ReadAsync).
        if (await AwaitSlotAsync(slot, waited: !slot.Read.IsCompleted, registered: false, cancellationToken).ConfigureAwait(false) is not { } data)
        {
            return null;
        }

        // Nobody offered a buffer for this slot, so its data is in the reply buffer (never placed).
        var eof = data.Eof || data.Count == 0;
        if (eof)
        {
            DropReadAhead();
        }

        _client.NoteReadLent(data.Count);
        TopUp(offset, data.Count, eof, chunk);
        return new ReadLease(data.Buffer, data.Start, data.Count, eof);
    }
}
