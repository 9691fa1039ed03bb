using System.Collections.Concurrent;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// Disconnected operation, bounded (issue 8 §5). While the server cannot be reached, writes to files already open go
// to a journal on local disk (WriteJournal) instead of waiting, up to NfsClientOptions.JournalMaxBytes. When the
// server answers again, each handle's journaled data goes through the same rules as UNSTABLE data the server lost
// (NfsOpenFile.Versions.cs): written again behind VERIFY only over a version of ours, else a conflict copy — the
// seed's rule that a replay applies only to objects at the version it was based on
// (../shared/seeds/version-based-recovery.txt §2.4), and its delayed recovery (§2.4.4): a client that comes back
// late, even as a new process, still replays under version checks. Records no live handle owns — a client process
// that ended with data in the journal, a handle closed or lost meanwhile — are replayed by the client itself,
// through the file opened again by path (or, when the path now names another file, by its filehandle).
public sealed partial class NfsClient
{
    private static readonly AsyncLocal<bool> InJournalReplay = new();

    private readonly ConcurrentDictionary<long, NfsOpenFile> _journalOwners = new();
    private readonly List<NfsJournalReplay> _journalReplays = [];
    private readonly Lock _journalLock = new();
    private readonly CancellationTokenSource _journalStop = new();
    private WriteJournal? _journal;
    private TaskCompletionSource _journalChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _unreachable;
    private int _startupReplayPending;
    private Task? _startupReplay;
    private Task? _orphanReplay;
    private bool _orphanReplayAgain;

    /// <summary>
    /// True from the moment a call found the server unreachable (no connection, or no answer in time) until one is
    /// answered again. Kept only with a journal: it is what sends writes there.
    /// </summary>
    public bool IsServerUnreachable => Volatile.Read(ref _unreachable) != 0;

    /// <summary>The write journal's file, or null when disconnected operation is off.</summary>
    public string? JournalPath => _journal?.FilePath;

    /// <summary>Records in the journal not yet replayed (written on the server or saved in a conflict copy).</summary>
    public int JournalRecords => _journal?.LiveCount ?? 0;

    /// <summary>Bytes of those records in the journal file, headers included (what <see cref="NfsClientOptions.JournalMaxBytes"/> bounds).</summary>
    public long JournalBytes => _journal?.LiveBytes ?? 0;

    /// <summary>What was found damaged when the journal was opened: a torn tail, checksum mismatches.</summary>
    public IReadOnlyList<NfsJournalDamage> JournalDamage => _journal?.Damage ?? [];

    /// <summary>Where the journal was kept as it was when damage other than a torn tail was found in it, or null.</summary>
    public string? JournalDamagedCopy => _journal?.DamagedCopy;

    /// <summary>The files whose journaled writes the client replayed itself (after a restart, or for closed handles), oldest first.</summary>
    public IReadOnlyList<NfsJournalReplay> JournalReplays
    {
        get
        {
            lock (_journalReplays)
            {
                return [.. _journalReplays];
            }
        }
    }

    internal WriteJournal? Journal => _journal;

    /// <summary>Completes at the next release of journal space or when the server answers again.</summary>
    internal Task JournalChanged => Volatile.Read(ref _journalChanged).Task;

    /// <summary>
    /// Replays the journaled writes no open handle of this client owns (what an earlier run of the client left, or
    /// handles closed since), or joins the replay running. Done before anything else is served at start.
    /// </summary>
    public Task ReplayJournalAsync(CancellationToken cancellationToken) =>
        _journal is null ? Task.CompletedTask : StartOrphanReplay().WaitAsync(cancellationToken);

    /// <summary>Opens the journal of this identity and server, if disconnected operation is on (the constructor's part).</summary>
    private void OpenJournal()
    {
        if (_options.JournalMaxBytes <= 0)
        {
            return;
        }

        var directory = _options.JournalDirectory ?? (_identity.StateDirectory is { } state ? Path.Combine(state, "journal") : null);
        if (directory is null)
        {
            // An identity that is not persisted is a new client at every start: nothing could replay its journal.
            return;
        }

        var path = WriteJournal.PathFor(directory, _identity.Uuid, ServerName);
        try
        {
            _journal = WriteJournal.Open(path, _options.JournalMaxBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            JournalLog.Unusable(_logger, ServerName, path, ex.Message);
            return;
        }

        foreach (var damage in _journal.Damage)
        {
            JournalLog.Damaged(_logger, ServerName, path, damage);
        }

        if (_journal.LiveCount > 0)
        {
            JournalLog.FoundAtStart(_logger, ServerName, path, _journal.LiveCount, _journal.LiveBytes);
            _startupReplayPending = 1;
        }
    }

    /// <summary>
    /// Holds a call until what an earlier run left in the journal is replayed ("before serving"). The replay's own
    /// calls pass. One volatile read once that is done.
    /// </summary>
    private Task WaitForJournalStartupAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _startupReplayPending) == 0 || InJournalReplay.Value)
        {
            return Task.CompletedTask;
        }

        return WaitForStartupReplayAsync(cancellationToken);
    }

    private async Task WaitForStartupReplayAsync(CancellationToken cancellationToken)
    {
        var replay = Volatile.Read(ref _startupReplay);
        if (replay is null)
        {
            var started = StartOrphanReplay();
            replay = Interlocked.CompareExchange(ref _startupReplay, started, null) ?? started;
        }

        // However it ended: what it could not replay stays in the journal, and the caller goes on.
        await Task.WhenAny(replay).WaitAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _startupReplayPending, 0);
    }

    /// <summary>A call found the server unreachable: from now on writes to open files go to the journal.</summary>
    private void NoteServerUnreachable(RpcException error)
    {
        if (_journal is null || _disposed || Interlocked.Exchange(ref _unreachable, 1) != 0)
        {
            return;
        }

        JournalLog.Disconnected(_logger, ServerName, error.Message, _journal.FilePath);
        var stop = _journalStop.Token;
        _ = NfsCallContext.StartDetached(() => WatchReachabilityAsync(stop));
    }

    /// <summary>A call was answered: if the server had been unreachable, journaled data is replayed now.</summary>
    private void NoteServerAnswered()
    {
        if (Volatile.Read(ref _unreachable) == 0 || Interlocked.Exchange(ref _unreachable, 0) == 0)
        {
            return;
        }

        var journal = _journal!;
        JournalLog.Reconnected(_logger, ServerName, journal.LiveCount, journal.LiveBytes);
        SignalJournalChanged();

        // Each handle resolves its own data (its next I/O would too: NfsOpenFile.BeforeIoAsync); the sooner it is
        // back on the server, the smaller the window for another client to find the file without it.
        foreach (var file in _openFiles.Keys.Where(f => f.HasJournaled && !f.IsClosed && f.Lost is null))
        {
            _ = NfsCallContext.StartDetached(() => ResolveJournaledAsync(file));
        }

        if (journal.LiveCount > 0)
        {
            _ = StartOrphanReplay();
        }
    }

    /// <summary>While the server is unreachable and nothing else asks it, a NULL call now and then finds out when it is back.</summary>
    private async Task WatchReachabilityAsync(CancellationToken stop)
    {
        var delay = _options.RetryDelayMin;
        try
        {
            while (IsServerUnreachable)
            {
                await Task.Delay(delay, stop).ConfigureAwait(false);
                delay = delay * 2 < _options.RetryDelayMax ? delay * 2 : _options.RetryDelayMax;
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop);
                attempt.CancelAfter(_options.CallTimeout);
                try
                {
                    await _rpc.NullAsync(NfsProgram.Program, NfsProgram.Version4, attempt.Token).ConfigureAwait(false);
                    NoteServerAnswered();
                    return;
                }
                catch (RpcException)
                {
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The client is going away.
        }
    }

    private async Task ResolveJournaledAsync(NfsOpenFile file)
    {
        await file.ResolveDetachedAsync().ConfigureAwait(false);
        if (file.Lost is not null && file.HasJournaled)
        {
            // The open did not survive the outage (the lease expired): its journaled data is replayed through a new one.
            _ = StartOrphanReplay();
        }
    }

    /// <summary>Records now held (in memory too) by <paramref name="file"/>: its own resolution replays them.</summary>
    internal void OwnJournal(IEnumerable<long> sequences, NfsOpenFile file)
    {
        foreach (var seq in sequences)
        {
            _journalOwners[seq] = file;
        }
    }

    /// <summary>
    /// <paramref name="file"/> let go of its records without replaying them (closed, e.g. after a soft mount's close
    /// failed): the client replays them itself, once the server can be reached.
    /// </summary>
    internal void DisownJournal(IEnumerable<long> sequences, NfsOpenFile file)
    {
        var any = false;
        foreach (var seq in sequences)
        {
            any |= _journalOwners.TryRemove(KeyValuePair.Create(seq, file));
        }

        // Not from within a replay (its own handle letting go after a failure): the next event tries again, not a loop.
        if (any && !IsServerUnreachable && !_disposed && !InJournalReplay.Value)
        {
            _ = StartOrphanReplay();
        }
    }

    /// <summary>Records whose data is committed on the server or saved in a conflict copy: they leave the journal.</summary>
    internal void ReleaseJournal(IReadOnlyCollection<long> sequences)
    {
        if (_journal is not { } journal)
        {
            return;
        }

        journal.Release(sequences);
        foreach (var seq in sequences)
        {
            _journalOwners.TryRemove(seq, out _);
        }

        SignalJournalChanged();
    }

    private void SignalJournalChanged() =>
        Interlocked.Exchange(ref _journalChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private bool IsOrphan(long sequence) =>
        !_journalOwners.TryGetValue(sequence, out var owner) || owner.Lost is not null;

    private Task StartOrphanReplay()
    {
        lock (_journalLock)
        {
            if (_orphanReplay is { IsCompleted: false } running)
            {
                _orphanReplayAgain = true;
                return running;
            }

            return _orphanReplay = NfsCallContext.StartDetached(ReplayOrphansAsync);
        }
    }

    private async Task ReplayOrphansAsync()
    {
        InJournalReplay.Value = true;
        while (true)
        {
            lock (_journalLock)
            {
                _orphanReplayAgain = false;
            }

            if (_disposed || _journal is not { } journal)
            {
                return;
            }

            List<JournalRecord> records;
            try
            {
                records = journal.ReadLive(IsOrphan);
            }
            catch (Exception ex) when (ex is IOException or XdrException or ObjectDisposedException)
            {
                JournalLog.Unusable(_logger, ServerName, journal.FilePath, ex.Message);
                return;
            }

            // One replay per file and base version, in the order the writes were made.
            var groups = records
                .GroupBy(r => (r.Path, Convert.ToHexString(r.FileHandle.Span), r.FileId, r.Base, Convert.ToBase64String(r.Credential.Span)))
                .OrderBy(g => g.First().Sequence);
            foreach (var group in groups)
            {
                var replay = await ReplayFileAsync([.. group]).ConfigureAwait(false);
                lock (_journalReplays)
                {
                    _journalReplays.Add(replay);
                }

                JournalLog.Replayed(_logger, ServerName, replay);
                if (replay.Outcome == NfsJournalReplayOutcome.Pending && IsServerUnreachable)
                {
                    // The rest would wait or fail the same way: the next answer from the server starts it again.
                    return;
                }
            }

            lock (_journalLock)
            {
                if (!_orphanReplayAgain)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Replays one file's orphaned records through a handle of the client's own: the file opened by path if it is
    /// still the same file (same fileid), else by its filehandle (the anonymous stateid, RFC 7530 §9.1.4.3), with the
    /// versions set to the one the data was based on. Then the ordinary resolution decides: rewrite behind VERIFY,
    /// or conflict copy.
    /// </summary>
    private async Task<NfsJournalReplay> ReplayFileAsync(IReadOnlyList<JournalRecord> records)
    {
        var first = records[0];
        var bytes = records.Sum(r => (long)r.Data.Length);
        RpcCredential credential;
        try
        {
            credential = JournalRecord.DecodeCredential(first.Credential.Span);
        }
        catch (XdrException ex)
        {
            return new NfsJournalReplay(first.Path, bytes, NfsJournalReplayOutcome.Pending, null, ex.Message);
        }

        using var scope = NfsCallContext.Use(credential);
        NfsOpenFile? file = null;
        string? copy = null;
        string detail;
        try
        {
            file = await OpenForReplayAsync(first, credential).ConfigureAwait(false);
            file.AdoptJournal(records);
            try
            {
                await file.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                detail = $"the file was at {first.Base}, the version the data was based on";
            }
            catch (NfsWriteConflictException ex)
            {
                copy = ex.ConflictCopyPath;
                detail = ex.Reason;
            }
        }
        catch (Exception ex) when (ex is NfsException or RpcException)
        {
            detail = ex.Message;
        }
        finally
        {
            if (file is not null)
            {
                await file.EndJournalReplayAsync().ConfigureAwait(false);
            }
        }

        var journal = _journal;
        var left = journal is not null && records.Any(r => journal.IsLive(r.Sequence));
        var outcome = left ? NfsJournalReplayOutcome.Pending : copy is null ? NfsJournalReplayOutcome.Written : NfsJournalReplayOutcome.ConflictCopy;
        return new NfsJournalReplay(first.Path, bytes, outcome, copy, detail);
    }

    private async Task<NfsOpenFile> OpenForReplayAsync(JournalRecord record, RpcCredential credential)
    {
        NfsOpenFile? opened = null;
        foreach (var access in new[] { OpenShareAccess.Both, OpenShareAccess.Write })
        {
            try
            {
                // Read access too, when allowed: a conflict copy is then the file as it is with our bytes over it.
                opened = await OpenAsync(record.Path, new OpenRequest { Access = access }, CancellationToken.None).ConfigureAwait(false);
                break;
            }
            catch (NfsException ex) when (ex.Status is NfsStat4.Access or NfsStat4.Perm && access == OpenShareAccess.Both)
            {
            }
            catch (NfsException)
            {
                break;
            }
        }

        if (opened is not null && (record.FileId is not { } id || opened.Attributes.FileId is not { } found || found == id))
        {
            return opened;
        }

        if (opened is not null)
        {
            // The path names another file now: ours is reached by its filehandle, if it still exists.
            await opened.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }

        var owner = _owners.AcquireOpenOwner(record.Path, credential);
        return NfsOpenFile.ForJournalReplay(this, record.Path, new NfsFh(record.FileHandle.Span), owner, record.FileId);
    }

    /// <summary>Test hook: ends this client as a crash of its process would — no COMMIT, no CLOSE, the journal left as it is.</summary>
    internal async ValueTask AbandonAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _journalStop.CancelAsync().ConfigureAwait(false);
        _journal?.Abandon();
        await StopLeaseRenewalAsync().ConfigureAwait(false);
        await _rpc.DisposeAsync().ConfigureAwait(false);
        if (_ownsIdentity)
        {
            _identity.Dispose();
        }
    }

    /// <summary>The journal's part of <see cref="DisposeAsync"/>: records still pending stay in the file for the next client.</summary>
    private async ValueTask CloseJournalAsync()
    {
        await _journalStop.CancelAsync().ConfigureAwait(false);
        _journal?.Dispose();
    }

    internal void LogJournaled(string path, long bytes, long offset) => JournalLog.Journaled(_logger, ServerName, path, bytes, offset);

    internal void LogJournalFull(string path, long bytes) =>
        JournalLog.Full(_logger, ServerName, path, _journal?.LiveBytes ?? 0, _options.JournalMaxBytes, bytes);

    internal void LogJournalAppendFailed(string path, string error) => JournalLog.AppendFailed(_logger, ServerName, path, error);
}
