using System.Buffers;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

// Disconnected operation (issue 8 §5; NfsClient.Journal.cs): while the server cannot be reached a write goes to the
// client's journal — on disk, fsync'd, before the call returns — and stays with the handle as an uncommitted write
// marked journaled. Such a write never matches a COMMIT verifier: once the server answers again, the handle's next
// COMMIT (or I/O) hands it to the resolution of lost UNSTABLE data (NfsOpenFile.Versions.cs), the same
// classification, VERIFY-guarded rewrite and conflict copy; only when that has put it on the server (FILE_SYNC) or
// in a conflict copy does it leave the journal. Reads meanwhile see the handle's own journaled bytes.
public sealed partial class NfsOpenFile
{
    private long _journaledBytes;
    private bool _replayByFileHandle;

    /// <summary>Bytes this handle wrote to the client's journal that are not yet on the server or in a conflict copy.</summary>
    public long JournaledBytes => Interlocked.Read(ref _journaledBytes);

    internal bool HasJournaled => Interlocked.Read(ref _journaledBytes) > 0;

    /// <summary>Writes of this handle may go to the journal: the client keeps one and the file is open for writing.</summary>
    private bool CanJournal => _client.Journal is not null && (Access & OpenShareAccess.Write) != 0 && !_replayByFileHandle;

    /// <summary>A write now goes to the journal: the server is unreachable and this handle's state is not lost.</summary>
    private bool ShouldJournal => CanJournal && _client.IsServerUnreachable && Lost is null;

    /// <summary>
    /// A handle of the client's own for replaying journaled records of a file no open reaches by path any more:
    /// no OPEN behind it, I/O with the anonymous stateid (RFC 7530 §9.1.4.3: the server still checks share
    /// reservations and locks), <paramref name="fileId"/> to refuse a refreshed handle of another file.
    /// </summary>
    internal static NfsOpenFile ForJournalReplay(NfsClient client, string path, NfsFh fileHandle, OwnerState owner, ulong? fileId) =>
        new(client, path, fileHandle, owner, StateId4.Anonymous, OpenShareAccess.Write, OpenShareDeny.None, new NfsAttributes { FileId = fileId }, new OpenDelegation(OpenDelegationType4.None, default, false))
        {
            _replayByFileHandle = true,
        };

    /// <summary>
    /// Takes over journaled records of this file left by another handle or an earlier client process: they become
    /// this handle's uncommitted writes, and its versions the one the data was based on, so the resolution rewrites
    /// them only if the file is still exactly there.
    /// </summary>
    internal void AdoptJournal(IReadOnlyList<JournalRecord> records)
    {
        var baseVersion = records[0].Base;
        lock (_versionLock)
        {
            (_stable, _latest) = (baseVersion, baseVersion);
        }

        KeepJournaled(records, baseVersion);
    }

    /// <summary>Ends a replay handle: CLOSE for one opened by path, a local release for one by filehandle.</summary>
    internal async ValueTask EndJournalReplayAsync()
    {
        if (!_replayByFileHandle)
        {
            try
            {
                await CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NfsException or RpcException)
            {
                // Reported by the replay already, or the records stay for the next one.
            }

            return;
        }

        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Volatile.Write(ref _openReleased, 1);
            DropUncommitted();
            _client.Owners.ReleaseOpenOwner(_owner, Path);
        }
    }

    /// <summary>
    /// Journals <paramref name="data"/> at <paramref name="offset"/>: true once it is on disk. While the journal is full
    /// this waits, for space or for the server; false when the server answers again (the caller then sends the write,
    /// after the journaled data). On a soft mount the wait ends after the soft timeout with its error: nothing is
    /// dropped silently.
    /// </summary>
    private async ValueTask<bool> JournalWriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var options = _client.Options;
        var soft = options.Mount == NfsMountType.Soft;
        var started = Environment.TickCount64;
        var reportedFull = false;
        while (true)
        {
            // Taken before trying, so space released between the try and the wait is not missed.
            var changed = _client.JournalChanged;
            await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!ShouldJournal)
                {
                    return false;
                }

                if (TryJournal(offset, data))
                {
                    return true;
                }
            }
            finally
            {
                ExitWrite();
            }

            if (!reportedFull)
            {
                reportedFull = true;
                _client.LogJournalFull(Path, data.Length);
            }

            var waited = TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (soft && waited >= options.SoftTimeout)
            {
                throw OutageClock.SoftTimeoutError(options, null);
            }

            try
            {
                await changed.WaitAsync(soft ? options.SoftTimeout - waited : Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw OutageClock.SoftTimeoutError(options, null);
            }
        }
    }

    /// <summary>Appends the write (one record per <see cref="JournalRecord.MaxData"/>) and keeps it; false when the journal cannot take it whole.</summary>
    private bool TryJournal(long offset, ReadOnlyMemory<byte> data)
    {
        var baseVersion = LatestVersion;
        var fileHandle = FileHandle.Bytes.ToArray();
        var credential = JournalRecord.EncodeCredential(Credential);
        var records = new List<JournalRecord>((data.Length / JournalRecord.MaxData) + 1);
        for (var at = 0; at < data.Length; at += JournalRecord.MaxData)
        {
            var slice = data.Slice(at, Math.Min(JournalRecord.MaxData, data.Length - at));
            records.Add(new JournalRecord(_client.ServerName, Path, fileHandle, Attributes.FileId, baseVersion, credential, offset + at, slice));
        }

        if (!_client.Journal!.TryAppend(records, out var error))
        {
            if (error is not null)
            {
                _client.LogJournalAppendFailed(Path, error.Message);
            }

            return false;
        }

        KeepJournaled(records, baseVersion);
        _client.LogJournaled(Path, data.Length, offset);
        return true;
    }

    private void KeepJournaled(IReadOnlyList<JournalRecord> records, NfsFileVersion baseVersion)
    {
        long bytes = 0;
        lock (_uncommittedLock)
        {
            foreach (var record in records)
            {
                var copy = ArrayPool<byte>.Shared.Rent(record.Data.Length);
                record.Data.CopyTo(copy);
                _uncommitted.Add(new UncommittedWrite(record.Offset, copy, record.Data.Length, default, baseVersion, null) { JournalSequence = record.Sequence });
                bytes += record.Data.Length;
            }

            Interlocked.Add(ref _uncommittedBytes, bytes);
            Interlocked.Add(ref _journaledBytes, bytes);
        }

        _client.OwnJournal(records.Select(r => r.Sequence), this);
    }

    /// <summary>Journaled writes resolved (rewritten FILE_SYNC, or saved in a conflict copy): out of the journal.</summary>
    private void ReleaseJournaled(IEnumerable<UncommittedWrite> resolved)
    {
        var sequences = resolved.Where(w => w.JournalSequence != 0).Select(w => w.JournalSequence).ToArray();
        if (sequences.Length > 0)
        {
            _client.ReleaseJournal(sequences);
        }
    }

    /// <summary>The handle is closing with journaled writes not replayed: the client replays them itself.</summary>
    private void DisownJournaled(List<long> sequences)
    {
        Interlocked.Exchange(ref _journaledBytes, 0);
        if (sequences.Count > 0)
        {
            _client.DisownJournal(sequences, this);
        }
    }

    /// <summary>A read of a handle with journaled writes: served from them alone while the server cannot be reached and they cover it; otherwise read from the server with them laid over.</summary>
    private async ValueTask<int> ReadWithJournaledAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_client.IsServerUnreachable && TryReadJournaled(offset, buffer.Span, out var local))
        {
            return local;
        }

        var count = await ReadUnguardedAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
        return OverlayJournaled(offset, buffer.Span, count);
    }

    /// <summary>
    /// The bytes of [<paramref name="offset"/>, + length) as this handle's writes left them, when journaled writes cover
    /// every byte of it below the file's size (the size our own operations left, or the end of a journaled write beyond it).
    /// </summary>
    private bool TryReadJournaled(long offset, Span<byte> buffer, out int count)
    {
        count = 0;
        var size = (long)LatestVersion.Size;
        lock (_uncommittedLock)
        {
            var ranges = new List<(long Start, long End)>();
            foreach (var write in _uncommitted)
            {
                if (write.JournalSequence != 0)
                {
                    ranges.Add((write.Offset, write.Offset + write.Length));
                    size = Math.Max(size, write.Offset + write.Length);
                }
            }

            var end = Math.Min(offset + buffer.Length, size);
            if (end <= offset)
            {
                // At or past the end of the file as we left it.
                return true;
            }

            ranges.Sort();
            var covered = offset;
            foreach (var (start, stop) in ranges)
            {
                if (start > covered)
                {
                    break;
                }

                covered = Math.Max(covered, stop);
            }

            if (covered < end)
            {
                return false;
            }

            count = (int)(end - offset);
            CopyJournaled(offset, buffer[..count]);
            return true;
        }
    }

    /// <summary>
    /// Lays this handle's journaled writes over <paramref name="count"/> bytes read from the server (they may not be
    /// there yet), extending the count over what they add at the end (a gap before them reads as zeros).
    /// </summary>
    private int OverlayJournaled(long offset, Span<byte> buffer, int count)
    {
        lock (_uncommittedLock)
        {
            var end = (long)count;
            foreach (var write in _uncommitted)
            {
                if (write.JournalSequence != 0 && write.Offset < offset + buffer.Length && write.Offset + write.Length > offset)
                {
                    end = Math.Max(end, Math.Min(buffer.Length, write.Offset + write.Length - offset));
                }
            }

            buffer[count..(int)end].Clear();
            CopyJournaled(offset, buffer[..(int)end]);
            return (int)end;
        }
    }

    /// <summary>Copies the journaled bytes that fall in <paramref name="buffer"/>, oldest first so later writes win. Under the lock.</summary>
    private void CopyJournaled(long offset, Span<byte> buffer)
    {
        foreach (var write in _uncommitted)
        {
            if (write.JournalSequence == 0)
            {
                continue;
            }

            var from = Math.Max(offset, write.Offset);
            var to = Math.Min(offset + buffer.Length, write.Offset + write.Length);
            if (from < to)
            {
                write.Data.AsSpan((int)(from - write.Offset), (int)(to - from)).CopyTo(buffer[(int)(from - offset)..]);
            }
        }
    }
}
