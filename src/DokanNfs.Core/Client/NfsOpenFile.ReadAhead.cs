using System.Buffers;
using System.Diagnostics;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

/// <summary>
/// Read-ahead (issue 9 §2): once a handle is read sequentially, READs of the server's maxread go out ahead of the
/// caller, so that the wire and the server never wait for the caller's next request. What they bring is kept in
/// pooled buffers (at most <see cref="NfsClientOptions.ReadAheadMaxChunks"/> × maxread per handle) and handed to
/// the caller's later reads. The window is dropped on anything that could make it stale: a read elsewhere in the
/// file, a write or size change through any handle of this client to the same file, close, and a recovery (a new
/// client id). Data another client writes meanwhile is seen as with any READ made earlier: NFS promises no more
/// than close-to-open consistency (RFC 7530 §10.3.1), and a file opened again starts with an empty window.
/// </summary>
public sealed partial class NfsOpenFile
{
    /// <summary>Handles of every client with a read-ahead window: a write checks the others only when there are any.</summary>
    private static int s_windowsOpen;

    private readonly Lock _readAheadLock = new();
    private readonly ReadAheadPacer _pacer;
    private readonly List<ReadAheadSlot> _readAhead = [];
    private CancellationTokenSource? _readAheadCancel;
    private long _sequentialEnd;
    private long _readAheadSent;
    private bool _windowCounted;

    /// <summary>
    /// Hands this handle bytes of the file already read at <paramref name="offset"/> (e.g. by a READ sent in the OPEN's
    /// COMPOUND): the next read at that offset is served from them without a round trip. <paramref name="eof"/> says
    /// the server reported end of file right after them. Ignored when a window is already in place.
    /// </summary>
    public void AcceptPrefetched(long offset, ReadOnlySpan<byte> data, bool eof)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        var slot = new ReadAheadSlot(offset, data.Length, _client.ClientIdGeneration)
        {
            Read = Task.FromResult(new ReadAheadData(buffer, 0, data.Length, eof)),
        };
        lock (_readAheadLock)
        {
            if (_readAhead.Count == 0 && !IsClosed)
            {
                _readAhead.Add(slot);
                CountWindow();
                return;
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>A read served from the read-ahead window where it can be, from the server otherwise; then the window topped up.</summary>
    private async ValueTask<int> ReadSequentialAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var chunk = (int)await _client.GetReadSizeAsync(cancellationToken).ConfigureAwait(false);
        var served = 0;
        var eof = false;
        while (served < buffer.Length && TakeSlot(offset + served) is { } slot)
        {
            var waited = !slot.Read.IsCompleted;

            // Still on its way and wholly wanted: its data may be received straight into the caller's buffer.
            var registered = waited && slot.Offset == offset + served && buffer.Length - served >= slot.Length &&
                slot.Placement.TryRegister(buffer.Slice(served, slot.Length));
            if (await AwaitSlotAsync(slot, waited, registered, cancellationToken).ConfigureAwait(false) is not { } data)
            {
                break;
            }

            var count = data.Count;
            if (data.Placed)
            {
                // Already where the caller wants it: the whole slot was offered at offset + served.
                served += count;
                _client.NoteReadPlaced(count);
            }
            else
            {
                var start = (int)(offset + served - slot.Offset);
                var n = Math.Max(Math.Min(count - start, buffer.Length - served), 0);
                data.Buffer.AsSpan(data.Start + start, n).CopyTo(buffer.Span[served..]);
                served += n;
                if (start + n < count)
                {
                    PutBack(slot);
                    continue;
                }

                ReplyBufferPool.Shared.Return(data.Buffer);
            }

            if (data.Eof || count == 0)
            {
                eof = true;
                DropReadAhead();
                break;
            }

            if (count < slot.Length)
            {
                // Short without end of file: the next slot does not start where this one ended; the caller's
                // read goes on by itself (TakeSlot drops the window).
                break;
            }
        }

        if (served < buffer.Length && !eof)
        {
            var (count, atEnd) = await ReadClippedAsync(offset + served, buffer[served..], chunk, cancellationToken).ConfigureAwait(false);
            served += count;
            eof = atEnd;
        }

        TopUp(offset, served, eof, chunk);
        return served;
    }

    /// <summary>
    /// The data of a slot taken from the window; null when its READ failed — a failed read-ahead says nothing certain
    /// about the caller's read, which then goes to the server itself and meets the error (or not) on its own. What the
    /// caller took, and whether it <paramref name="waited"/> for a READ still in flight, paces the window. Cancelled, the slot is abandoned,
    /// once a placement already under way into the caller's buffer (<paramref name="registered"/>) is over.
    /// </summary>
    private async ValueTask<ReadAheadData?> AwaitSlotAsync(ReadAheadSlot slot, bool waited, bool registered, CancellationToken cancellationToken)
    {
        ReadAheadData data;
        try
        {
            data = await slot.Read.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Abandon(slot);
            DropReadAhead();
            return null;
        }
        catch (OperationCanceledException)
        {
            if (registered && !slot.Placement.TryUnregister())
            {
                // The data is being received into the caller's buffer: it may be given back only once that is over.
                await ((Task)slot.Read).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            Abandon(slot);
            throw;
        }

        lock (_readAheadLock)
        {
            // What the reader gets per second decides how many READs are kept ahead of it (ReadAheadPacer).
            _pacer.Taken(data.Count);
            if (waited)
            {
                _pacer.Waited(Stopwatch.GetTimestamp());
            }
        }

        return data;
    }

    /// <summary>Drops the window; READs still in flight give their buffers back when they end.</summary>
    internal void DropReadAhead()
    {
        lock (_readAheadLock)
        {
            foreach (var slot in _readAhead)
            {
                Abandon(slot);
            }

            _readAhead.Clear();
            _pacer.Reset();
            UncountWindow();
            if (IsClosed)
            {
                _readAheadCancel?.Cancel();
                _readAheadCancel?.Dispose();
                _readAheadCancel = null;
            }
        }
    }

    /// <summary>A write or size change to this file: every handle of this client on it loses its window.</summary>
    private void DropReadAheadOfFile()
    {
        DropReadAhead();
        if (Volatile.Read(ref s_windowsOpen) == 0)
        {
            return;
        }

        var fileHandle = FileHandle;
        foreach (var other in _client.OpenFiles)
        {
            if (!ReferenceEquals(other, this) && other.FileHandle == fileHandle)
            {
                other.DropReadAhead();
            }
        }
    }

    private static void Abandon(ReadAheadSlot slot)
    {
        // A READ still under way gives its buffer back when it is over (its error, if any, is of no interest now).
        slot.Read.ContinueWith(
            static t =>
            {
                if (t.IsCompletedSuccessfully && !t.Result.Placed)
                {
                    ReplyBufferPool.Shared.Return(t.Result.Buffer);
                }
                else
                {
                    _ = t.Exception;
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The window's first slot if it continues exactly at <paramref name="offset"/>; otherwise the window is dropped.</summary>
    private ReadAheadSlot? TakeSlot(long offset)
    {
        lock (_readAheadLock)
        {
            if (_readAhead.Count == 0)
            {
                return null;
            }

            var slot = _readAhead[0];
            if (slot.Generation == _client.ClientIdGeneration && offset >= slot.Offset && offset < slot.Offset + slot.Length)
            {
                _readAhead.RemoveAt(0);
                return slot;
            }
        }

        // Not where the caller reads, or from before a recovery: of no use.
        DropReadAhead();
        return null;
    }

    /// <summary>A slot the caller used part of goes back to the window's front, unless the window moved on meanwhile.</summary>
    private void PutBack(ReadAheadSlot slot)
    {
        lock (_readAheadLock)
        {
            if (!IsClosed && (_readAhead.Count == 0 || _readAhead[0].Offset == slot.Offset + slot.Length))
            {
                _readAhead.Insert(0, slot);
                CountWindow();
                return;
            }
        }

        Abandon(slot);
    }

    /// <summary>
    /// Notes where the caller's read ended; a read that continues where the previous one ended is sequential, and
    /// READs are sent ahead of it up to the window (not past the size known, nor past end of file).
    /// </summary>
    private void TopUp(long offset, int served, bool eof, int chunk)
    {
        var maxChunks = _client.Options.ReadAheadMaxChunks;
        lock (_readAheadLock)
        {
            var sequential = offset == _sequentialEnd;
            _sequentialEnd = offset + served;
            if (!sequential || eof || maxChunks <= 0 || IsClosed || served == 0)
            {
                return;
            }

            var size = Volatile.Read(ref _knownSize);
            var next = _readAhead.Count > 0 ? _readAhead[^1].Offset + _readAhead[^1].Length : _sequentialEnd;
            var window = Math.Min(_pacer.Window, maxChunks);
            while (_readAhead.Count < window && (size < 0 || next < size))
            {
                _readAheadCancel ??= new CancellationTokenSource();
                var length = size < 0 ? chunk : (int)Math.Min(chunk, size - next);
                var slot = new ReadAheadSlot(next, length, _client.ClientIdGeneration) { Sequence = _readAheadSent++ };
                slot.Read = ReadAheadAsync(slot, _readAheadCancel.Token);
                _readAhead.Add(slot);
                next += length;
            }

            if (_readAhead.Count > 0)
            {
                CountWindow();
            }
        }
    }

    /// <summary>
    /// One READ ahead. Its data stays in the buffer the reply was received into (RpcReplyBuffer): the only copy is the
    /// one into the caller's buffer, as for a READ the caller waits for.
    /// </summary>
    private async Task<ReadAheadData> ReadAheadAsync(ReadAheadSlot slot, CancellationToken cancellationToken)
    {
        var count = slot.Length;
        var delegation = _client.ReadDelegationFor(FileHandle);
        var placement = slot.Placement;

        // The READ's calls carry the placement (this method's own flow only: an async method restores its caller's).
        ReplyPlacement.Current = placement;
        ReadAheadData read;
        RpcResultDecoder<ReadAheadData> decode = (ref XdrReader r) =>
        {
            var results = CompoundResults.Begin(ref r);
            results.PutFh(ref r);
            var data = results.Read(ref r, out var eof);
            if (ReferenceEquals(RpcReplyBuffer.Placed, placement))
            {
                // Received into the caller's buffer (the locator checked it fits: at most count bytes).
                return new ReadAheadData(null!, 0, placement.PlacedCount, eof, Placed: true);
            }

            if (data.Length > count)
            {
                throw new XdrException($"READ returned {data.Length} bytes for a request of {count}.");
            }

            if (RpcReplyBuffer.TryTake(data, out var buffer, out var start))
            {
                return new ReadAheadData(buffer, start, data.Length, eof);
            }

            var copy = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
            data.CopyTo(copy);
            return new ReadAheadData(copy, 0, data.Length, eof);
        };
        try
        {
            read = Lost is null && _client.ReadConnectionFor(slot.Sequence) is { } extra
                ? await ReadAheadOnExtraConnectionAsync(extra, slot, count, decode, cancellationToken).ConfigureAwait(false)
                : await ReadAheadOnOwnConnectionAsync(slot, count, decode, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Nothing may write into a caller's buffer once this READ is over, whatever a late reply brings.
            placement.Close();
        }

        var bytes = read.Placed ? placement.Destination.Span[..read.Count] : read.Buffer.AsSpan(read.Start, read.Count);
        _client.NoteReadUnderDelegation(delegation, slot.Offset, bytes, read.Eof);
        return read;
    }

    /// <summary>A READ ahead as any I/O of the handle goes: the I/O layer's retries, recovery, outages.</summary>
    private ValueTask<ReadAheadData> ReadAheadOnOwnConnectionAsync(
        ReadAheadSlot slot, int count, RpcResultDecoder<ReadAheadData> decode, CancellationToken cancellationToken) =>
        RunIoAsync(
            (fileHandle, stateId, ct) => _client.RunAsync(
                "read", new ReadAheadCall(fileHandle, stateId, slot.Offset, count), EncodeReadAhead, decode, ct, retryAfterRecovery: false, Credential),
            cancellationToken);

    /// <summary>
    /// A READ ahead over an extra read connection (NfsClient.ReadConnections.cs): one attempt (under NFSv4.1 the session
    /// itself goes on over its own connection if the extra one fails), as a successful stateful call renews the lease
    /// (RunIoAsync). Whatever goes wrong, the READ goes again over the client's own connection, which retries, recovers
    /// and waits out outages as every I/O does.
    /// </summary>
    private async ValueTask<ReadAheadData> ReadAheadOnExtraConnectionAsync(
        RpcClient connection, ReadAheadSlot slot, int count, RpcResultDecoder<ReadAheadData> decode, CancellationToken cancellationToken)
    {
        var stateId = IoStateId;
        var sent = Environment.TickCount64;
        try
        {
            var read = await _client.CallOnReadConnectionAsync(
                connection, "read", new ReadAheadCall(FileHandle, stateId, slot.Offset, count), EncodeReadAhead, decode, cancellationToken, Credential).ConfigureAwait(false);
            if (stateId != StateId4.Anonymous)
            {
                _client.NoteLeaseRenewed(sent);
            }

            if (_client.Session is null)
            {
                _client.NoteReadOnExtraConnection();
            }

            return read;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (ex is RpcException)
            {
                if (_client.Session is not null)
                {
                    // The session already went on over its own connection and gave up there (a soft mount's budget).
                    throw;
                }

                _client.NoteReadConnectionFailed(ex);
            }

            return await ReadAheadOnOwnConnectionAsync(slot, count, decode, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void EncodeReadAhead(ref CompoundEncoder e, ReadAheadCall c)
    {
        e.PutFh(c.Fh);
        e.Read(c.StateId, (ulong)c.Offset, (uint)c.Count);
    }

    private void CountWindow()
    {
        if (!_windowCounted)
        {
            _windowCounted = true;
            Interlocked.Increment(ref s_windowsOpen);
        }
    }

    private void UncountWindow()
    {
        if (_windowCounted)
        {
            _windowCounted = false;
            Interlocked.Decrement(ref s_windowsOpen);
        }
    }

    /// <summary>One READ of the window: [Offset, Offset + Length) asked for under client id generation Generation.</summary>
    private sealed class ReadAheadSlot(long offset, int length, long generation)
    {
        public long Offset { get; } = offset;

        public int Length { get; } = length;

        public long Generation { get; } = generation;

        public Task<ReadAheadData> Read { get; set; } = null!;

        /// <summary>How many READs ahead the handle sent before this one: which read connection it goes over.</summary>
        public long Sequence { get; init; }

        /// <summary>Lets the READ's data go straight into the buffer of a caller that waits for it.</summary>
        public ReplyPlacement Placement { get; } = new(ReadReplyLocator.Instance);
    }

    private readonly record struct ReadAheadCall(NfsFh Fh, StateId4 StateId, long Offset, int Count);

    /// <summary>
    /// What a READ ahead brought: Count bytes at Start of a pooled Buffer (whoever consumes or drops it returns it), or,
    /// Placed, Count bytes already in the buffer of the caller that waited for it (no Buffer then).
    /// </summary>
    private readonly record struct ReadAheadData(byte[] Buffer, int Start, int Count, bool Eof, bool Placed = false);
}
