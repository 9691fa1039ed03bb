using System.Buffers;
using System.Globalization;
using System.Text;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

// The conflict copy: data the server lost that may not be written to the file again is kept, as a file of
// its own — beside the original on the server ("name (conflict 2026-11-21 093012 from HOST).ext", made with
// this handle's credential through the ordinary OPEN and WRITE), or in a local directory
// (NfsClientOptions.ConflictDirectory; and as a last resort when the server refuses the copy).
public sealed partial class NfsOpenFile
{
    private const int CopyChunk = 1024 * 1024;

    /// <summary>
    /// Saves a copy of the file as our writes left it: its current content on the server (when
    /// <paramref name="readBase"/> and readable through this handle; zeros otherwise), cut or extended to
    /// <paramref name="size"/>, with <paramref name="ours"/> written over it. Returns where, or null when
    /// it could be saved nowhere.
    /// </summary>
    private async ValueTask<(string? Path, bool Local)> SaveConflictCopyAsync(
        IReadOnlyList<DataSegment> ours, long size, bool readBase, NfsFileVersionCheck check, string reason, long bytes)
    {
        var options = _client.Options;
        var at = DateTimeOffset.Now;
        var host = ConflictNames.Host(options.ConflictHostName);
        var source = new CopySource(this, ours, readBase);
        if (options.ConflictDirectory is null)
        {
            string? attempted = null;
            try
            {
                var saved = await SaveOnServerAsync(source, size, at, host, p => attempted = p).ConfigureAwait(false);
                _client.LogConflictCopySaved(Path, bytes, check, reason, saved);
                return (saved, false);
            }
            catch (Exception ex) when (ex is NfsException or RpcException)
            {
                _client.LogConflictCopyFailed(Path, bytes, attempted ?? NfsPath.SplitLast(Path).Parent, ex.Message);
            }
        }

        var directory = options.ConflictDirectory
            ?? System.IO.Path.Combine(_client.Identity.StateDirectory ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dokannfs"), "conflicts");
        try
        {
            var saved = await SaveLocallyAsync(source, size, directory, at, host).ConfigureAwait(false);
            _client.LogConflictCopySaved(Path, bytes, check, reason, saved);
            return (saved, true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NfsException or RpcException)
        {
            _client.LogConflictCopyFailed(Path, bytes, directory, ex.Message);
            return (null, false);
        }
    }

    /// <summary>The data of a handle whose open was lost, saved on its way out (it can no longer go to the file).</summary>
    private async ValueTask<(string? Path, bool Local)> SaveUncommittedOfLostHandleAsync()
    {
        UncommittedWrite[] all;
        lock (_uncommittedLock)
        {
            // Journaled writes are not saved here: the client replays them itself through a new open (NfsClient.Journal.cs).
            all = [.. _uncommitted.Where(w => w.JournalSequence == 0)];
        }

        var segments = UncommittedRanges.Uncovered([.. all.Select(w => (w.Offset, (ReadOnlyMemory<byte>)w.Data.AsMemory(0, w.Length)))], [.. all.Select(_ => true)]);
        var size = (long)Math.Max(LatestVersion.Size, (ulong)segments.Select(s => s.Offset + s.Data.Length).DefaultIfEmpty(0).Max());
        return await SaveConflictCopyAsync(segments, size, readBase: false, VersionCheck, Lost?.Reason ?? "the open was lost", all.Sum(w => (long)w.Length)).ConfigureAwait(false);
    }

    private async ValueTask<string> SaveOnServerAsync(CopySource source, long size, DateTimeOffset at, string host, Action<string> attempting)
    {
        // Created as the user who opened this file, like any file that user makes.
        using var scope = NfsCallContext.Use(Credential);
        var (directory, name) = NfsPath.SplitLast(Path);
        var mode = ((Attributes.Mode ?? 0x1A4) & 0x1B6) | 0x180; // the original's rw bits, and rw for the owner
        NfsOpenFile? copy = null;
        var copyPath = string.Empty;
        for (var n = 1; copy is null; n++)
        {
            copyPath = NfsPath.Combine(directory, ConflictNames.For(name, at, host, n));
            attempting(copyPath);
            try
            {
                copy = await _client.OpenAsync(
                    copyPath,
                    new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Guarded, CreateAttributes = new SetAttributes { Mode = mode } },
                    CancellationToken.None).ConfigureAwait(false);
            }
            catch (NfsException ex) when (ex.Status == NfsStat4.Exist && n < 20)
            {
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CopyChunk);
        try
        {
            for (long offset = 0; offset < size; offset += CopyChunk)
            {
                var length = (int)Math.Min(CopyChunk, size - offset);
                await source.FillAsync(offset, buffer.AsMemory(0, length)).ConfigureAwait(false);
                await copy.WriteAsync(offset, buffer.AsMemory(0, length), StableHow4.FileSync, CancellationToken.None).ConfigureAwait(false);
            }

            await copy.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or RpcException)
        {
            // A half-written copy helps nobody: the local one is made instead.
            await copy.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await _client.RemoveAsync(copyPath, CancellationToken.None).ConfigureAwait(false);
            }
            catch (NfsException)
            {
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return copyPath;
    }

    private static async ValueTask<string> SaveLocallyAsync(CopySource source, long size, string directory, DateTimeOffset at, string host)
    {
        Directory.CreateDirectory(directory);
        var name = NfsPath.SplitLast(source.File.Path).Name;
        FileStream? stream = null;
        var path = string.Empty;
        for (var n = 1; stream is null; n++)
        {
            path = System.IO.Path.Combine(directory, ConflictNames.For(name, at, host, n));
            try
            {
                stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
            }
            catch (IOException) when (File.Exists(path) && n < 20)
            {
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CopyChunk);
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                for (long offset = 0; offset < size; offset += CopyChunk)
                {
                    var length = (int)Math.Min(CopyChunk, size - offset);
                    await source.FillAsync(offset, buffer.AsMemory(0, length)).ConfigureAwait(false);
                    await stream.WriteAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
                }

                await stream.FlushAsync().ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return path;
    }

    /// <summary>The bytes of the conflict copy, one chunk at a time: the file on the server, ours over it.</summary>
    private sealed class CopySource(NfsOpenFile file, IReadOnlyList<DataSegment> ours, bool readBase)
    {
        private bool _readBase = readBase;

        public NfsOpenFile File => file;

        public async ValueTask FillAsync(long offset, Memory<byte> buffer)
        {
            var got = 0;
            if (_readBase)
            {
                try
                {
                    got = await file.ReadUnguardedAsync(offset, buffer, CancellationToken.None).ConfigureAwait(false);
                }
                catch (NfsException)
                {
                    // Not readable through this handle (opened for writing only, say): ours over zeros.
                    _readBase = false;
                }
            }

            buffer.Span[got..].Clear();
            var end = offset + buffer.Length;
            foreach (var segment in ours)
            {
                var from = Math.Max(offset, segment.Offset);
                var to = Math.Min(end, segment.Offset + segment.Data.Length);
                if (from < to)
                {
                    segment.Data.Span.Slice((int)(from - segment.Offset), (int)(to - from)).CopyTo(buffer.Span[(int)(from - offset)..]);
                }
            }
        }
    }
}

/// <summary>Names of conflict copies: "report (conflict 2026-11-21 093012 from HOST).docx".</summary>
internal static class ConflictNames
{
    /// <summary>The longest name most servers take (NAME_MAX); the tag is kept whole, the stem is shortened.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>
    /// The name of the <paramref name="n"/>th conflict copy of <paramref name="name"/> made at <paramref name="at"/>
    /// (local time) by <paramref name="host"/>; from the second on, a number tells them apart.
    /// </summary>
    public static string For(string name, DateTimeOffset at, string host, int n)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.LastIndexOf('.');
        var (stem, extension) = dot > 0 ? (name[..dot], name[dot..]) : (name, string.Empty);
        var tag = string.Create(
            CultureInfo.InvariantCulture,
            $" (conflict {at.LocalDateTime:yyyy-MM-dd HHmmss} from {host}{(n > 1 ? " " + n.ToString(CultureInfo.InvariantCulture) : string.Empty)})");
        while (stem.Length > 1 && Encoding.UTF8.GetByteCount(stem + tag + extension) > MaxNameBytes)
        {
            stem = stem[..(char.IsLowSurrogate(stem[^1]) && stem.Length > 2 ? ^2 : ^1)];
        }

        return stem + tag + extension;
    }

    /// <summary>The host part: <paramref name="configured"/> or the machine name, reduced to letters, digits, '-' and '.'.</summary>
    public static string Host(string? configured)
    {
        var host = string.IsNullOrWhiteSpace(configured) ? Environment.MachineName : configured;
        var chars = host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-').ToArray();
        return chars.Length == 0 ? "client" : new string(chars);
    }
}
