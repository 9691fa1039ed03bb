using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

/// <summary>
/// The on-disk journal of writes made while the server could not be reached (issue 8 §5): append-only frames
/// (<see cref="JournalFrame"/>), each on stable storage (fsync) before the append returns, so a write the caller
/// was told succeeded survives a crash of the client. A record leaves the journal — a Release frame naming it —
/// only once its data is committed on the server or saved in a conflict copy. The journal holds at most
/// <see cref="MaxBytes"/> of live frames; an append that does not fit is refused whole. Opened exclusively (one
/// client per identity and server); at open the file is read back: intact records are live again, a frame cut
/// short at the end (a torn tail: never acknowledged) is cut off, and damage before the end is skipped up to the
/// next intact frame and reported, with the file kept aside as it was.
/// </summary>
internal sealed class WriteJournal : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, (long Position, int Length)> _live = [];
    private readonly List<NfsJournalDamage> _damage = [];
    private FileStream _stream;
    private long _length;
    private long _liveBytes;
    private long _nextSequence = 1;
    private bool _disposed;

    private WriteJournal(string path, long maxBytes, FileStream stream)
    {
        FilePath = path;
        MaxBytes = maxBytes;
        _stream = stream;
    }

    public string FilePath { get; }

    /// <summary>The most bytes of live frames (headers included) the journal holds.</summary>
    public long MaxBytes { get; }

    /// <summary>Where the damaged journal found at open was kept, or null.</summary>
    public string? DamagedCopy { get; private set; }

    /// <summary>What was found damaged when the journal was opened (a torn tail, checksum mismatches).</summary>
    public IReadOnlyList<NfsJournalDamage> Damage => _damage;

    public long LiveBytes
    {
        get
        {
            lock (_lock)
            {
                return _liveBytes;
            }
        }
    }

    public int LiveCount
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    public long FileLength
    {
        get
        {
            lock (_lock)
            {
                return _length;
            }
        }
    }

    /// <summary>The journal file of one identity and one server in <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, Guid identity, string server)
    {
        var safe = new string([.. server.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')]);
        return Path.Combine(directory, $"{identity:N}.{safe}.journal");
    }

    /// <summary>
    /// Opens (or creates) the journal at <paramref name="path"/> for this process alone and reads it back.
    /// <see cref="IOException"/> when another holder has it open.
    /// </summary>
    public static WriteJournal Open(string path, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);

        // FileShare.None: an exclusive flock on Unix, a sharing mode on Windows. Unbuffered: every append goes to
        // the file at once, and fsync makes it durable.
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        var journal = new WriteJournal(path, maxBytes, stream);
        try
        {
            journal.Load();
            return journal;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends <paramref name="records"/> (numbering them) and makes them durable before returning true. False,
    /// with nothing appended, when they would not fit within <see cref="MaxBytes"/>, or when the file could not be
    /// written (<paramref name="error"/>: a full disk, say).
    /// </summary>
    public bool TryAppend(IReadOnlyList<JournalRecord> records, out IOException? error)
    {
        ArgumentNullException.ThrowIfNull(records);
        error = null;
        using var body = new XdrWriter(64 * 1024);
        using var writer = new XdrWriter(64 * 1024);
        Span<byte> header = stackalloc byte[JournalFrame.HeaderLength];
        var frames = new List<(long Sequence, int Start, int Length)>(records.Count);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var sequence = _nextSequence;
            foreach (var record in records)
            {
                record.Sequence = sequence++;
                body.Reset();
                record.Encode(body);
                JournalFrame.WriteHeader(header, JournalFrameKind.Write, body.WrittenSpan);
                var start = writer.Length;

                // XDR bodies are whole 4-byte units: nothing is padded here.
                writer.WriteFixedOpaque(header);
                writer.WriteFixedOpaque(body.WrittenSpan);
                frames.Add((record.Sequence, start, writer.Length - start));
            }

            if (_liveBytes + writer.Length > MaxBytes)
            {
                return false;
            }

            try
            {
                RandomAccess.Write(_stream.SafeFileHandle, writer.WrittenSpan, _length);
                _stream.Flush(flushToDisk: true);
            }
            catch (IOException ex)
            {
                // Nothing of it counts: cut off whatever part reached the file.
                error = ex;
                TryTruncate(_length);
                return false;
            }

            foreach (var (seq, start, length) in frames)
            {
                _live[seq] = (_length + start, length);
            }

            _length += writer.Length;
            _liveBytes += writer.Length;
            _nextSequence = sequence;
            return true;
        }
    }

    /// <summary>
    /// Marks records done: their data is committed on the server or saved elsewhere. With none left the file goes
    /// back to its header; with much dead space it is rewritten with only the live frames.
    /// </summary>
    public void Release(IReadOnlyCollection<long> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var known = sequences.Where(_live.ContainsKey).ToArray();
            if (known.Length == 0)
            {
                return;
            }

            foreach (var seq in known)
            {
                _liveBytes -= _live[seq].Length;
                _live.Remove(seq);
            }

            if (_live.Count == 0)
            {
                // Nothing is pending: the file is just its header again.
                _stream.SetLength(JournalFrame.FileHeaderLength);
                _stream.Flush(flushToDisk: true);
                _length = JournalFrame.FileHeaderLength;
                return;
            }

            using var body = new XdrWriter(64 + (known.Length * 8));
            body.WriteArrayCount(known.Length);
            foreach (var seq in known)
            {
                body.WriteInt64(seq);
            }

            using var writer = new XdrWriter(JournalFrame.HeaderLength + body.Length);
            Span<byte> header = stackalloc byte[JournalFrame.HeaderLength];
            JournalFrame.WriteHeader(header, JournalFrameKind.Release, body.WrittenSpan);
            writer.WriteFixedOpaque(header);
            writer.WriteFixedOpaque(body.WrittenSpan);
            try
            {
                RandomAccess.Write(_stream.SafeFileHandle, writer.WrittenSpan, _length);
                _stream.Flush(flushToDisk: true);
                _length += writer.Length;
            }
            catch (IOException)
            {
                // Not recorded: the records would be replayed again after a restart, and find their data there
                // already or go to a conflict copy — never lost, never written over someone else's change.
                TryTruncate(_length);
            }

            if (_length - _liveBytes > Math.Max(MaxBytes, 4L * 1024 * 1024))
            {
                Compact();
            }
        }
    }

    /// <summary>True while the record numbered <paramref name="sequence"/> is in the journal.</summary>
    public bool IsLive(long sequence)
    {
        lock (_lock)
        {
            return _live.ContainsKey(sequence);
        }
    }

    /// <summary>The live records <paramref name="include"/> selects (all by default), read back from the file, oldest first.</summary>
    public List<JournalRecord> ReadLive(Func<long, bool>? include = null)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var result = new List<JournalRecord>();
            foreach (var (seq, (position, length)) in _live.OrderBy(e => e.Key))
            {
                if (include is null || include(seq))
                {
                    var frame = new byte[length];
                    RandomAccess.Read(_stream.SafeFileHandle, frame, position);
                    result.Add(JournalRecord.Decode(frame.AsSpan(JournalFrame.HeaderLength)));
                }
            }

            return result;
        }
    }

    /// <summary>Closes the file; one with nothing pending is deleted. Pending records stay for the next client.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            var empty = _live.Count == 0;
            _stream.Dispose();
            if (empty)
            {
                try
                {
                    File.Delete(FilePath);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>Closes the file as a crash would: nothing is written, nothing deleted.</summary>
    public void Abandon()
    {
        lock (_lock)
        {
            _disposed = true;
            _stream.Dispose();
        }
    }

    private void Load()
    {
        _length = _stream.Length;
        var header = new byte[JournalFrame.FileHeaderLength];
        if (_length == 0)
        {
            WriteNewHeader();
            return;
        }

        if (_length < JournalFrame.FileHeaderLength || RandomAccess.Read(_stream.SafeFileHandle, header, 0) < header.Length || !JournalFrame.IsFileHeader(header))
        {
            _damage.Add(new NfsJournalDamage(0, _length, AtTail: false, "not a DokanNfs write journal (or of another format version)"));
            KeepDamagedCopy();
            _stream.SetLength(0);
            WriteNewHeader();
            return;
        }

        var position = (long)JournalFrame.FileHeaderLength;
        var frameHeader = new byte[JournalFrame.HeaderLength];
        while (position < _length)
        {
            var (ok, frameLength, reason) = TryLoadFrame(position, frameHeader);
            if (ok)
            {
                position += frameLength;
                continue;
            }

            var next = FindNextFrame(position + 1, frameHeader);
            _damage.Add(new NfsJournalDamage(position, next - position, AtTail: next == _length, reason));
            position = next;
        }

        if (_damage.Any(d => !d.AtTail))
        {
            // Intact frames after damage are replayed; the file as it was is kept for whoever looks into it.
            KeepDamagedCopy();
            Compact();
        }
        else if (_damage.Count > 0)
        {
            // A torn tail: a frame whose append never finished (so never acknowledged) is cut off.
            _length = _damage[0].Offset;
            _stream.SetLength(_length);
            _stream.Flush(flushToDisk: true);
        }
    }

    /// <summary>Reads the frame at <paramref name="position"/> and takes in what it says, if it is intact.</summary>
    private (bool Ok, int Length, string Reason) TryLoadFrame(long position, byte[] frameHeader)
    {
        if (RandomAccess.Read(_stream.SafeFileHandle, frameHeader, position) < frameHeader.Length
            || !JournalFrame.TryReadHeader(frameHeader, _length - position, out var kind, out var bodyLength, out var checksum))
        {
            return (false, 0, _length - position < JournalFrame.HeaderLength ? "a frame header cut short" : "no intact frame header (or its body is cut short)");
        }

        var body = ArrayPool<byte>.Shared.Rent(bodyLength);
        try
        {
            var span = body.AsSpan(0, bodyLength);
            RandomAccess.Read(_stream.SafeFileHandle, span, position + JournalFrame.HeaderLength);
            if (!JournalFrame.ChecksumMatches(frameHeader, span, checksum))
            {
                return (false, 0, "checksum mismatch");
            }

            var frameLength = JournalFrame.HeaderLength + bodyLength;
            if (kind == JournalFrameKind.Write)
            {
                var seq = BinaryPrimitives.ReadInt64BigEndian(span);
                JournalRecord.Decode(span);
                _live[seq] = (position, frameLength);
                _liveBytes += frameLength;
                _nextSequence = Math.Max(_nextSequence, seq + 1);
            }
            else
            {
                var reader = new XdrReader(span);
                var count = reader.ReadArrayCount(bodyLength / 8, 8);
                for (var i = 0; i < count; i++)
                {
                    var seq = reader.ReadInt64();
                    if (_live.Remove(seq, out var entry))
                    {
                        _liveBytes -= entry.Length;
                    }
                }
            }

            return (true, frameLength, string.Empty);
        }
        catch (XdrException ex)
        {
            return (false, 0, $"an intact frame whose record cannot be read: {ex.Message}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>The position of the next intact frame after <paramref name="from"/>, or the end of the file.</summary>
    private long FindNextFrame(long from, byte[] frameHeader)
    {
        var window = new byte[64 * 1024];
        for (var start = from; start < _length;)
        {
            var read = RandomAccess.Read(_stream.SafeFileHandle, window, start);
            if (read <= 0)
            {
                break;
            }

            for (var i = 0; i + 4 <= read; i++)
            {
                if (BinaryPrimitives.ReadUInt32BigEndian(window.AsSpan(i)) == JournalFrame.Magic && IsIntactFrame(start + i, frameHeader))
                {
                    return start + i;
                }
            }

            // Overlap by three bytes so a magic split across two windows is still found.
            start += Math.Max(1, read - 3);
        }

        return _length;
    }

    private bool IsIntactFrame(long position, byte[] frameHeader)
    {
        if (RandomAccess.Read(_stream.SafeFileHandle, frameHeader, position) < frameHeader.Length
            || !JournalFrame.TryReadHeader(frameHeader, _length - position, out _, out var bodyLength, out var checksum))
        {
            return false;
        }

        var body = ArrayPool<byte>.Shared.Rent(bodyLength);
        try
        {
            var span = body.AsSpan(0, bodyLength);
            return RandomAccess.Read(_stream.SafeFileHandle, span, position + JournalFrame.HeaderLength) == bodyLength
                && JournalFrame.ChecksumMatches(frameHeader, span, checksum);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private void WriteNewHeader()
    {
        var header = new byte[JournalFrame.FileHeaderLength];
        JournalFrame.WriteFileHeader(header);
        RandomAccess.Write(_stream.SafeFileHandle, header, 0);
        _stream.Flush(flushToDisk: true);
        _length = header.Length;
    }

    private void KeepDamagedCopy()
    {
        var copy = $"{FilePath}.damaged-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture)}";
        using (var target = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            var buffer = new byte[64 * 1024];
            for (long at = 0; at < _length;)
            {
                var read = RandomAccess.Read(_stream.SafeFileHandle, buffer, at);
                if (read <= 0)
                {
                    break;
                }

                target.Write(buffer, 0, read);
                at += read;
            }

            target.Flush(flushToDisk: true);
        }

        DamagedCopy = copy;
    }

    /// <summary>
    /// Rewrites the journal with only its live frames, oldest first: to a new file, made durable, then renamed over
    /// the old one, so a crash in between leaves one or the other whole.
    /// </summary>
    private void Compact()
    {
        var temporary = FilePath + ".compacting";
        var positions = new Dictionary<long, (long Position, int Length)>();
        long length = JournalFrame.FileHeaderLength;
        using (var target = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            var header = new byte[JournalFrame.FileHeaderLength];
            JournalFrame.WriteFileHeader(header);
            target.Write(header);
            foreach (var (seq, (position, frameLength)) in _live.OrderBy(e => e.Key))
            {
                var frame = ArrayPool<byte>.Shared.Rent(frameLength);
                try
                {
                    RandomAccess.Read(_stream.SafeFileHandle, frame.AsSpan(0, frameLength), position);
                    target.Write(frame, 0, frameLength);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }

                positions[seq] = (length, frameLength);
                length += frameLength;
            }

            target.Flush(flushToDisk: true);
        }

        // Closed first: Windows does not rename over a file open without FILE_SHARE_DELETE. Only this identity's
        // client uses the file (the identity is held by one process), so the moment without the lock is harmless.
        _stream.Dispose();
        File.Move(temporary, FilePath, overwrite: true);
        _stream = new FileStream(FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        _live.Clear();
        foreach (var (seq, entry) in positions)
        {
            _live[seq] = entry;
        }

        _length = length;
    }

    private void TryTruncate(long length)
    {
        try
        {
            _stream.SetLength(length);
        }
        catch (IOException)
        {
            // The next load finds a torn tail there and cuts it off.
        }
    }
}
