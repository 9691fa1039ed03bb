using System.Buffers;
using System.Runtime.ExceptionServices;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// Write-behind (issue 9 §2): an UNSTABLE write returns once its data is copied into pooled buffers and its WRITEs
/// are under way, at most <see cref="NfsClientOptions.WriteBehindBytes"/> of them per handle (a writer past that
/// waits for the oldest). Each WRITE goes the way a synchronous one does (journal on outage, versions, uncommitted
/// data kept until COMMIT confirms the verifier: NfsOpenFile.Versions.cs), so issue 8's rules hold unchanged. A WRITE
/// that fails is reported by the handle's next write, read, flush, attribute call or close. A write over bytes
/// still in flight waits for them, so the server applies overlapping writes in the caller's order; everything that
/// must see the writes (reads, GETATTR, SETATTR, COMMIT, locks, downgrade, close) waits for them first.
/// </summary>
public sealed partial class NfsOpenFile
{
    private readonly Lock _writeBehindLock = new();
    private readonly List<WriteBehind> _writesBehind = [];
    private Exception? _writeBehindError;
    private Task? _backgroundCommit;

    /// <summary>Whether WRITEs accepted by write-behind are still under way.</summary>
    public bool HasWritesInFlight
    {
        get
        {
            lock (_writeBehindLock)
            {
                return _writesBehind.Count > 0;
            }
        }
    }

    /// <summary>Waits until every WRITE accepted so far has been answered; then reports the first that failed, once.</summary>
    public async ValueTask DrainWritesAsync(CancellationToken cancellationToken)
    {
        await WaitForWritesAsync(cancellationToken).ConfigureAwait(false);
        ThrowWriteBehindError();
    }

    private bool UseWriteBehind(StableHow4 stable) =>
        stable == StableHow4.Unstable && _client.Options.WriteBehindBytes > 0 && !ShouldJournal && !HasJournaled;

    /// <summary>
    /// An UNSTABLE write of the first <paramref name="count"/> bytes of <paramref name="pooledBuffer"/>, a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/>, which write-behind takes over instead of copying (issue 9: the upload's last copy in
    /// user space): its WRITE is sent from it, the uncommitted data kept for replay after a server restart is it, and it goes
    /// back to the pool when neither needs it any more. True when taken — the caller must not touch the buffer again. False
    /// when write-behind does not take it whole (no write-behind, the journal in use, more than maxwrite bytes): the caller
    /// still owns it and writes it as <see cref="WriteAsync"/> does. An exception means not taken.
    /// </summary>
    public async ValueTask<bool> TryWritePooledAsync(long offset, byte[] pooledBuffer, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pooledBuffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, pooledBuffer.Length);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (count == 0 || !UseWriteBehind(StableHow4.Unstable))
        {
            return false;
        }

        var chunk = (int)await _client.GetWriteSizeAsync(cancellationToken, journalOnOutage: CanJournal).ConfigureAwait(false);
        if (count > chunk)
        {
            return false;
        }

        // WriteAsync's steps, in its order, except that the COMMIT bounding the uncommitted data is started before this
        // WRITE is queued rather than after: nothing may throw once the buffer is taken.
        BeginWrite(offset + count);
        await BeforeIoAsync(cancellationToken).ConfigureAwait(false);
        await CommitBehindIfLargeAsync(cancellationToken).ConfigureAwait(false);
        await WaitForRoomAsync(offset, count, WriteBehindWindow(chunk), cancellationToken).ConfigureAwait(false);
        if (!UseWriteBehind(StableHow4.Unstable))
        {
            // The journal took over meanwhile (an outage): the caller's write goes its way.
            return false;
        }

        _client.NoteWriteTakenOver(count);
        StartBehind(offset, count, pooledBuffer);
        return true;
    }

    /// <summary>The caller's bytes copied into pooled buffers of maxwrite, each sent as its own WRITE without waiting for it.</summary>
    private async ValueTask QueueWritesAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var chunk = (int)await _client.GetWriteSizeAsync(cancellationToken, journalOnOutage: CanJournal).ConfigureAwait(false);
        var window = WriteBehindWindow(chunk);
        var queued = 0;
        while (queued < data.Length)
        {
            var length = Math.Min(chunk, data.Length - queued);
            var at = offset + queued;
            await WaitForRoomAsync(at, length, window, cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            data.Span.Slice(queued, length).CopyTo(buffer);
            StartBehind(at, length, buffer);
            queued += length;
        }
    }

    /// <summary>How many WRITEs of <paramref name="chunk"/> bytes write-behind keeps in flight.</summary>
    private int WriteBehindWindow(int chunk) => Math.Max(2, (int)Math.Min(_client.Options.WriteBehindBytes / chunk, 1024));

    /// <summary>Sends the first <paramref name="length"/> bytes of <paramref name="buffer"/>, which it owns from here on, as a WRITE behind.</summary>
    private void StartBehind(long offset, int length, byte[] buffer)
    {
        var entry = new WriteBehind(offset, length);
        lock (_writeBehindLock)
        {
            _writesBehind.Add(entry);
        }

        _client.NoteWriteBehindStarted();

        _ = SendBehindAsync(entry, buffer);
    }

    /// <summary>One WRITE of write-behind, detached from the caller: its failure is kept for the handle's next call.</summary>
    private async Task SendBehindAsync(WriteBehind entry, byte[] buffer)
    {
        var pooled = new PooledWriteData(buffer);
        try
        {
            await WriteNowAsync(entry.Offset, buffer.AsMemory(0, entry.Length), StableHow4.Unstable, CancellationToken.None, pooled).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or Rpc.RpcException or ObjectDisposedException or IOException)
        {
            Interlocked.CompareExchange(ref _writeBehindError, ex, null);
        }
        finally
        {
            if (!pooled.Adopted)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            lock (_writeBehindLock)
            {
                _writesBehind.Remove(entry);
            }

            _client.NoteWriteBehindFinished();
            entry.Finished.SetResult();
        }
    }

    /// <summary>Waits while the window is full or a WRITE in flight overlaps [offset, + length).</summary>
    private async ValueTask WaitForRoomAsync(long offset, int length, int window, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task? wait = null;
            lock (_writeBehindLock)
            {
                foreach (var write in _writesBehind)
                {
                    if (write.Offset < offset + length && offset < write.Offset + write.Length)
                    {
                        wait = write.Done;
                        break;
                    }
                }

                if (wait is null && _writesBehind.Count >= window)
                {
                    wait = _writesBehind[0].Done;
                }
            }

            if (wait is null)
            {
                return;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for every WRITE in flight (not for ones queued meanwhile by other callers); a failure stays for the handle's next call.</summary>
    internal async ValueTask WaitForWritesAsync(CancellationToken cancellationToken)
    {
        Task[] pending;
        lock (_writeBehindLock)
        {
            if (_writesBehind.Count == 0)
            {
                return;
            }

            pending = [.. _writesBehind.Select(w => w.Done)];
        }

        await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void ThrowWriteBehindError()
    {
        if (Interlocked.Exchange(ref _writeBehindError, null) is { } error)
        {
            // The WRITE's own exception (a conflict stays a conflict, a lost open a lost open), with its stack.
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    /// <summary>
    /// Keeps the data held for COMMIT bounded without draining the pipeline: past half of
    /// <see cref="NfsOpenFileLimits.MaxUncommittedBytes"/> a COMMIT goes out beside the following WRITEs (it covers the
    /// ones already answered: NfsOpenFile.Versions.cs), one at a time; past the whole of it the writer waits for
    /// that COMMIT, so a write returns with at most the bound plus itself uncommitted, as before write-behind.
    /// </summary>
    private async ValueTask CommitBehindIfLargeAsync(CancellationToken cancellationToken)
    {
        var uncommitted = UncommittedBytes;
        if (uncommitted <= NfsOpenFileLimits.MaxUncommittedBytes / 2)
        {
            return;
        }

        var running = Volatile.Read(ref _backgroundCommit);
        if (running is null || running.IsCompleted)
        {
            running = CommitBehindAsync();
            Volatile.Write(ref _backgroundCommit, running);
        }

        if (uncommitted > NfsOpenFileLimits.MaxUncommittedBytes)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CommitBehindAsync()
    {
        try
        {
            await CommitCoreAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or Rpc.RpcException or ObjectDisposedException or IOException)
        {
            Interlocked.CompareExchange(ref _writeBehindError, ex, null);
        }
    }

    /// <summary>What must see every write first: WRITEs in flight answered, a COMMIT in the background over.</summary>
    private async ValueTask SettleWritesAsync(CancellationToken cancellationToken)
    {
        await WaitForWritesAsync(cancellationToken).ConfigureAwait(false);
        if (Volatile.Read(ref _backgroundCommit) is { IsCompleted: false } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A range of the file whose WRITE is under way; Done ends when it was answered (it never faults).</summary>
    private sealed class WriteBehind(long offset, int length)
    {
        public long Offset { get; } = offset;

        public int Length { get; } = length;

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => Finished.Task;
    }
}
