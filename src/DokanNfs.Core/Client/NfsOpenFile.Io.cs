using System.Buffers;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsOpenFile
{
    private readonly Lock _uncommittedLock = new();

    /// <summary>The file's size as last known (OPEN's GETATTR, our writes, GETATTR / SETATTR), -1 if unknown: a hint for clipping READs.</summary>
    private long _knownSize = -1;
    private readonly List<UncommittedWrite> _uncommitted = [];
    private long _uncommittedBytes;

    private long _uncommittedAdopted;

    /// <summary>Bytes written UNSTABLE and not yet covered by a COMMIT with the same verifier.</summary>
    public long UncommittedBytes => Interlocked.Read(ref _uncommittedBytes);

    /// <summary>Uncommitted bytes kept in write-behind's own buffers rather than copied (<see cref="PooledWriteData"/>; for tests).</summary>
    internal long UncommittedBytesAdopted => Interlocked.Read(ref _uncommittedAdopted);

    /// <summary>
    /// Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>. Large reads are split into
    /// READs of the negotiated size with several in flight; the count returned stops at end of file.
    /// </summary>
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (HasWritesInFlight)
        {
            // A read sees every write made before it (write-behind: NfsOpenFile.WriteBehind.cs).
            await WaitForWritesAsync(cancellationToken).ConfigureAwait(false);
        }

        // Fix (found by WriteBehindFakeTests.A_failed_write_behind_is_reported_by_the_next_read_once_and_the_handle_goes_on,
        // failing now and then): also when nothing is in flight, since a WRITE behind that already failed has left the list.
        ThrowWriteBehindError();

        await BeforeIoAsync(cancellationToken).ConfigureAwait(false);
        if (Lost is null && _client.TryReadDelegated(FileHandle, offset, buffer.Span, out var delegated))
        {
            // Read before under the read delegation still held (NfsClient.DelegatedData.cs).
            return delegated;
        }

        if (_prefetch is not null && Lost is null && TryReadPrefetched(offset, buffer, out var prefetched))
        {
            // The OPEN's COMPOUND read it already (NfsOpenFile.Prefetch.cs).
            return prefetched;
        }

        if (HasJournaled)
        {
            // Written while the server could not be reached: this handle's own writes stay visible (NfsOpenFile.Journal.cs).
            return await ReadWithJournaledAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
        }

        // Sequential reads are served by read-ahead (NfsOpenFile.ReadAhead.cs).
        return await ReadSequentialAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The READs of <see cref="ReadAsync"/>, without waiting for data the server lost to be resolved.</summary>
    private async ValueTask<int> ReadUnguardedAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var chunk = (int)await _client.GetReadSizeAsync(cancellationToken).ConfigureAwait(false);
        return (await ReadClippedAsync(offset, buffer, chunk, cancellationToken).ConfigureAwait(false)).Count;
    }

    /// <summary>
    /// READs for [<paramref name="offset"/>, + length), first only up to the file's size as last known (a 4 KiB
    /// file is one READ, not one per maxread of the caller's buffer); past it only if the file turned out longer
    /// (no end of file at the known size). The size is a hint, never a limit: the server's eof decides.
    /// </summary>
    private async ValueTask<(int Count, bool Eof)> ReadClippedAsync(long offset, Memory<byte> buffer, int chunk, CancellationToken cancellationToken)
    {
        var size = Volatile.Read(ref _knownSize);
        if (size >= 0 && offset + buffer.Length > size)
        {
            // At or past the known end: one READ of at most maxread tells whether the file grew.
            var clipped = offset >= size ? Math.Min(buffer.Length, chunk) : (int)(size - offset);
            var (count, eof) = await ReadSplitAsync(offset, buffer[..clipped], chunk, cancellationToken).ConfigureAwait(false);
            if (eof || count < clipped)
            {
                return (count, true);
            }

            var (more, moreEof) = await ReadSplitAsync(offset + count, buffer[count..], chunk, cancellationToken).ConfigureAwait(false);
            return (count + more, moreEof);
        }

        return await ReadSplitAsync(offset, buffer, chunk, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Large reads are split into READs of maxread with several in flight; the count stops at end of file.</summary>
    private async ValueTask<(int Count, bool Eof)> ReadSplitAsync(long offset, Memory<byte> buffer, int chunk, CancellationToken cancellationToken)
    {
        if (buffer.Length <= chunk)
        {
            return await ReadChunkAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
        }

        var chunks = (buffer.Length + chunk - 1) / chunk;
        var counts = new (int Count, bool Eof)[chunks];
        await Parallel.ForAsync(
            0,
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = _client.Options.IoParallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var start = i * chunk;
                var length = Math.Min(chunk, buffer.Length - start);
                counts[i] = await ReadChunkAsync(offset + start, buffer.Slice(start, length), ct).ConfigureAwait(false);
            }).ConfigureAwait(false);

        var total = 0;
        for (var i = 0; i < chunks; i++)
        {
            total += counts[i].Count;
            if (counts[i].Eof || counts[i].Count < Math.Min(chunk, buffer.Length - (i * chunk)))
            {
                return (total, true);
            }
        }

        return (total, false);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/>, split into WRITEs of the negotiated size with
    /// several in flight. UNSTABLE data is kept until <see cref="CommitAsync"/> confirms it with an unchanged
    /// write verifier; FILE_SYNC data is on stable storage when this returns. While the server cannot be reached the
    /// data goes to the client's journal instead, on local disk when this returns (NfsOpenFile.Journal.cs).
    /// </summary>
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow4 stable = StableHow4.Unstable, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        BeginWrite(offset + data.Length);
        if (UseWriteBehind(stable))
        {
            // Write-behind (NfsOpenFile.WriteBehind.cs): back as soon as the data is queued.
            await BeforeIoAsync(cancellationToken).ConfigureAwait(false);
            await QueueWritesAsync(offset, data, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // FILE_SYNC / DATA_SYNC, or the journal in use: answered before this returns, after what was queued before.
            await SettleWritesAsync(cancellationToken).ConfigureAwait(false);
            ThrowWriteBehindError();
            await WriteNowAsync(offset, data, stable, cancellationToken).ConfigureAwait(false);
        }

        await CommitBehindIfLargeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What every write does before its data goes anywhere: the read-ahead windows on the file are stale, the size known
    /// grows to <paramref name="end"/>, and a WRITE behind that failed is reported now.
    /// </summary>
    private void BeginWrite(long end)
    {
        DropReadAheadOfFile();
        NoteWrittenUpTo(end);
        ThrowWriteBehindError();
    }

    /// <summary>The WRITEs of one write, answered when this returns; to the journal while the server cannot be reached.</summary>
    private async ValueTask WriteNowAsync(long offset, ReadOnlyMemory<byte> data, StableHow4 stable, CancellationToken cancellationToken, PooledWriteData? pooled = null)
    {
        while (true)
        {
            await BeforeIoAsync(cancellationToken).ConfigureAwait(false);
            if (ShouldJournal && await JournalWriteAsync(offset, data, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            try
            {
                await SendWriteAsync(offset, data, stable, cancellationToken, pooled).ConfigureAwait(false);
                return;
            }
            catch (RpcException) when (ShouldJournal)
            {
                // The server went away under this write: it goes to the journal, whole (what reached the server
                // already is written again by the replay, the same bytes).
            }
        }
    }

    private async ValueTask SendWriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow4 stable, CancellationToken cancellationToken, PooledWriteData? pooled)
    {
        var chunk = (int)await _client.GetWriteSizeAsync(cancellationToken, journalOnOutage: CanJournal).ConfigureAwait(false);

        // Counted in flight, so that data the server lost is resolved only once no WRITE of ours is under way
        // (its version would otherwise look like someone else's).
        await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (data.Length <= chunk)
            {
                await WriteChunkAsync(offset, data, stable, cancellationToken, pooled).ConfigureAwait(false);
            }
            else
            {
                var chunks = (data.Length + chunk - 1) / chunk;
                await Parallel.ForAsync(
                    0,
                    chunks,
                    new ParallelOptions { MaxDegreeOfParallelism = _client.Options.IoParallelism, CancellationToken = cancellationToken },
                    async (i, ct) =>
                    {
                        var start = i * chunk;
                        await WriteChunkAsync(offset + start, data.Slice(start, Math.Min(chunk, data.Length - start)), stable, ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
            }
        }
        finally
        {
            ExitWrite();
        }
    }

    /// <summary>
    /// A copy of the data written UNSTABLE and not yet committed, oldest first (offset, bytes). Used when the
    /// file is opened again elsewhere (the namespace's migration, NFS4ERR_MOVED): it is written again there.
    /// </summary>
    public IReadOnlyList<(long Offset, byte[] Data)> CopyUncommitted()
    {
        lock (_uncommittedLock)
        {
            return [.. _uncommitted.Select(w => (w.Offset, w.Data.AsSpan(0, w.Length).ToArray()))];
        }
    }

    /// <summary>The size known from attributes the server returned for this file.</summary>
    private void NoteSize(NfsAttributes attributes) =>
        Volatile.Write(ref _knownSize, attributes.Size is { } size ? (long)Math.Min(size, long.MaxValue) : -1);

    /// <summary>A write extends the size known (a write that fails leaves it too large: a hint only).</summary>
    private void NoteWrittenUpTo(long end)
    {
        var known = Volatile.Read(ref _knownSize);
        while (known >= 0 && end > known)
        {
            var seen = Interlocked.CompareExchange(ref _knownSize, end, known);
            if (seen == known)
            {
                break;
            }

            known = seen;
        }
    }

    /// <summary>The stateid I/O goes out with: the lock stateid once this handle holds locks (RFC 7530 §9.1.4).</summary>
    internal StateId4 IoStateId => _lockStateId is { } lockStateId ? lockStateId : _stateId;

    /// <summary>READs until <paramref name="destination"/> is full or the server says end of file.</summary>
    private async ValueTask<(int Count, bool Eof)> ReadChunkAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var total = 0;
        var eof = false;
        var delegation = _client.ReadDelegationFor(FileHandle);
        while (total < destination.Length)
        {
            var into = destination[total..];
            var got = await RunIoAsync(
                (fileHandle, stateId, ct) => _client.RunAsync(
                    "read",
                    new IoCall(fileHandle, stateId, offset + total, into),
                    static (ref CompoundEncoder e, IoCall c) =>
                    {
                        e.PutFh(c.Fh);
                        e.Read(c.StateId, (ulong)c.Offset, (uint)c.Buffer.Length);
                    },
                    (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.PutFh(ref r);
                        var data = results.Read(ref r, out var eof);
                        if (data.Length > into.Length)
                        {
                            throw new XdrException($"READ returned {data.Length} bytes for a request of {into.Length}.");
                        }

                        data.CopyTo(into.Span);
                        return (data.Length, eof);
                    },
                    ct,
                    retryAfterRecovery: false,
                    Credential),
                cancellationToken).ConfigureAwait(false);

            _client.NoteReadUnderDelegation(delegation, offset + total, into.Span[..got.Length], got.eof);
            total += got.Length;
            if (got.eof || got.Length == 0)
            {
                eof = true;
                break;
            }
        }

        return (total, eof);
    }

    private async ValueTask WriteChunkAsync(long offset, ReadOnlyMemory<byte> data, StableHow4 stable, CancellationToken cancellationToken, PooledWriteData? pooled = null)
    {
        var written = 0;
        while (written < data.Length)
        {
            var slice = data[written..];
            var at = offset + written;
            // WRITE4res carries no attributes (RFC 7530 §16.36.2): GETATTR(change, size) after the WRITE, in its
            // COMPOUND, is the version the write produced — what decides whether lost data may be written again after
            // a server restart (NfsOpenFile.Versions.cs; why after every WRITE and never before: WriteVersionRule).
            var journalOnOutage = CanJournal;
            var (result, after) = await RunIoAsync(
                (fileHandle, stateId, ct) => _client.RunCoreAsync(
                    "write",
                    new WriteCall(fileHandle, stateId, at, slice, stable),
                    static (ref CompoundEncoder e, WriteCall c) =>
                    {
                        e.PutFh(c.Fh);
                        // Data over 16 KiB in an array goes out from it, not copied into the request (SendSpliced).
                        e.Write(c.StateId, (ulong)c.Offset, c.Stable, c.Data);
                        e.GetAttr(NfsFileVersion.Mask);
                    },
                    static (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.PutFh(ref r);
                        var write = results.Write(ref r);
                        return (write, NfsFileVersion.Decode(ref results, ref r));
                    },
                    ct,
                    retryAfterRecovery: false,
                    Credential,
                    journalOnOutage),
                cancellationToken).ConfigureAwait(false);

            if (result.Count == 0 || result.Count > slice.Length)
            {
                throw new NfsException(NfsStat4.Io, NfsOpnum4.Write, Path);
            }

            if (result.Committed == StableHow4.Unstable && pooled is { Adopted: false } && written == 0 && result.Count == data.Length)
            {
                // The whole of a pooled buffer of our own (write-behind's copy of the caller's bytes, or a buffer the caller
                // handed over: TryWritePooledAsync): kept as it is.
                pooled.Adopted = true;
                Interlocked.Add(ref _uncommittedAdopted, data.Length);
                KeepUncommittedOwned(offset, pooled.Buffer, data.Length, result.WriteVerf, after);
            }
            else if (result.Committed == StableHow4.Unstable)
            {
                KeepUncommitted(offset + written, slice[..(int)result.Count], result.WriteVerf, after);
            }
            else
            {
                NoteOwnVersion(after, stable: true, byWrite: true);
            }

            written += (int)result.Count;
        }
    }

    /// <summary>
    /// Sends one I/O COMPOUND with the file's handle and I/O stateid, and recovers from the two errors that
    /// need only a fresh look at this open file, once each:
    /// <list type="bullet">
    /// <item>NFS4ERR_FHEXPIRED (RFC 7530 §4.2.3): a volatile handle expired. The open state belongs to the file,
    /// not to a handle of it, so the path is resolved again and the I/O goes to the new handle, if the path still
    /// names the same file (same fileid).</item>
    /// <item>NFS4ERR_OLD_STATEID (RFC 7530 §9.1.4.4): the stateid moved on (a LOCK, OPEN_DOWNGRADE, … while the
    /// call was in flight); the I/O goes again with the current one. If it did not change here, we hold nothing
    /// newer, and the error is the caller's.</item>
    /// </list>
    /// Other state errors (BAD_STATEID, …) go to the caller: recovering state is not a matter of one file.
    /// </summary>
    /// <remarks>
    /// Fix (found by FileHandleExpiryTests and StateIdErrorTests): READ, WRITE and COMMIT used the handle and
    /// stateid the file was opened with, and passed FHEXPIRED and OLD_STATEID straight to the caller.
    /// </remarks>
    private async ValueTask<T> RunIoAsync<T>(Func<NfsFh, StateId4, CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken)
    {
        var handleRefreshed = false;
        var stateIdRefreshed = false;
        var recovered = false;
        while (true)
        {
            ThrowIfLost();
            await _client.WaitForRecoveryAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfLost();
            // The generation before the stateid: a stateid read under it is current until it changes.
            var generation = _client.ClientIdGeneration;
            var fileHandle = FileHandle;
            var stateId = IoStateId;
            var sent = Environment.TickCount64;
            try
            {
                var result = await attempt(fileHandle, stateId, cancellationToken).ConfigureAwait(false);
                if (stateId != StateId4.Anonymous)
                {
                    _client.NoteLeaseRenewed(sent);
                }

                return result;
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.FhExpired && !handleRefreshed)
            {
                handleRefreshed = true;
                await RefreshFileHandleAsync(fileHandle, ex, cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.OldStateId && !stateIdRefreshed && IoStateId != stateId)
            {
                stateIdRefreshed = true;
            }
            catch (NfsException ex) when (NfsErrorPolicy.Classify(ex.Status) == NfsErrorAction.RecoverLease && !recovered)
            {
                // The server restarted or our lease expired: recovery reclaims this open (new stateid) or marks
                // it lost; either way the next round knows which.
                recovered = true;
                await _client.RecoverAsync(ex.Status, generation, cancellationToken).ConfigureAwait(false);
            }
            catch (NfsException ex) when (ex.Status is NfsStat4.BadStateId or NfsStat4.AdminRevoked && IoStateId == stateId && stateId != StateId4.Anonymous)
            {
                // The server no longer knows this open (revoked, or forgotten): whatever it guarded may have
                // changed hands. Reported, never quietly re-opened.
                MarkLost(ex.Status, $"the server no longer knows this open ({ex.Status})", operation: ex.Operation);
                throw Lost!;
            }
        }
    }

    /// <summary>
    /// The handle that replaces <paramref name="expired"/>: the path resolved again. Several I/Os of this file
    /// may find the handle expired at once; the first to resolve it sets it, the others use that one.
    /// </summary>
    private async ValueTask<NfsFh> RefreshFileHandleAsync(NfsFh expired, NfsException error, CancellationToken cancellationToken)
    {
        if (FileHandle != expired)
        {
            return FileHandle;
        }

        _client.LogFileHandleExpired(Path);
        NfsNode node;
        try
        {
            // Resolved as this file's principal, not as whoever's request met the expired handle.
            using (NfsCallContext.Use(Credential))
            {
                node = await _client.ResolveAsync(Path, AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NfsException resolveError)
        {
            throw new NfsException(error.Status, error.Operation, Path, resolveError);
        }

        if (node.Type != NfsFtype4.Reg || (Attributes.FileId is { } fileId && node.Attributes.FileId is { } found && found != fileId))
        {
            // The path names another file now (renamed or replaced behind our back): its handle is not ours.
            throw new NfsException(error.Status, error.Operation, Path, error);
        }

        if (Interlocked.CompareExchange(ref _fileHandle, node.FileHandle, expired) == expired)
        {
            _client.Owners.AddHandle(_owner, node.FileHandle);
            _client.Owners.ReleaseOpenOwner(_owner, expired);
        }

        return FileHandle;
    }

    private void KeepUncommitted(long offset, ReadOnlyMemory<byte> data, Verifier4 verifier, NfsFileVersion? after)
    {
        var copy = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(copy);
        KeepUncommittedOwned(offset, copy, data.Length, verifier, after);
    }

    /// <summary>Keeps <paramref name="length"/> bytes of <paramref name="pooled"/> (rented, now owned by the list) until they are committed.</summary>
    private void KeepUncommittedOwned(long offset, byte[] pooled, int length, Verifier4 verifier, NfsFileVersion? after)
    {
        lock (_uncommittedLock)
        {
            _uncommitted.Add(new UncommittedWrite(offset, pooled, length, verifier, Before: null, after));
        }

        Interlocked.Add(ref _uncommittedBytes, length);
        NoteOwnVersion(after, stable: false, byWrite: true);
    }

    /// <summary>
    /// A WRITE's bytes in a rented buffer of the handle's own (write-behind's copy): when the server answers UNSTABLE
    /// for all of them, the uncommitted list takes the buffer over instead of copying it once more (a profile of a
    /// 512 MiB upload showed that copy as a quarter of the client's memmove), and whoever rented it no longer returns it.
    /// </summary>
    private sealed class PooledWriteData(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;

        public bool Adopted { get; set; }
    }

    private void DropUncommitted()
    {
        var journaled = new List<long>();
        lock (_uncommittedLock)
        {
            foreach (var write in _uncommitted)
            {
                ArrayPool<byte>.Shared.Return(write.Data);
                if (write.JournalSequence != 0)
                {
                    journaled.Add(write.JournalSequence);
                }
            }

            _uncommitted.Clear();
            Interlocked.Exchange(ref _uncommittedBytes, 0);
        }

        DisownJournaled(journaled);
    }

    /// <summary>
    /// One WRITE the server answered UNSTABLE: its bytes (a pooled buffer), the write verifier it got, and the
    /// file's version just after it (null when the server gave none; none is read before it: WriteVersionRule in
    /// NfsOpenFile.Versions.cs). A write made while the server could not be reached has no verifier but a
    /// <see cref="JournalSequence"/>: its record in the client's journal, and <see cref="Before"/> is the version it
    /// was based on.
    /// </summary>
    private sealed record UncommittedWrite(long Offset, byte[] Data, int Length, Verifier4 Verifier, NfsFileVersion? Before, NfsFileVersion? After)
    {
        public long JournalSequence { get; init; }
    }

    private readonly record struct IoCall(NfsFh Fh, StateId4 StateId, long Offset, Memory<byte> Buffer);

    private readonly record struct WriteCall(NfsFh Fh, StateId4 StateId, long Offset, ReadOnlyMemory<byte> Data, StableHow4 Stable);
}

/// <summary>Bounds on what one open file keeps in memory.</summary>
public static class NfsOpenFileLimits
{
    /// <summary>Past this many uncommitted bytes a WRITE is followed by a COMMIT, so memory stays bounded.</summary>
    public const long MaxUncommittedBytes = 64L * 1024 * 1024;
}
