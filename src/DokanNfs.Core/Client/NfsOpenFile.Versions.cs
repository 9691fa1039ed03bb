using System.Buffers;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// Data the server lost (issue 8 §3, after the seed's version-based recovery): UNSTABLE data stays with the
// client until a COMMIT answers with the write verifier the WRITE got (RFC 7530 §16.3.5). When it does not,
// the server restarted and may have lost it, and it is written again — but only if the file is still at a
// version our own operations produced. Otherwise someone else changed the file meanwhile (or the server went
// back further than what it had confirmed), and re-sending would overwrite their change: our data goes to a
// conflict copy instead, and the handle's next I/O, flush or close reports NfsWriteConflictException.
//
// WriteVersionRule — which versions a WRITE fetches (issue 9: fewer GETATTRs per WRITE, every rule above kept).
// After a restart the file's version is compared for equality with versions we hold as ours (NfsFileVersionRules):
// `latest` (Unchanged), `stable` and every version an uncommitted WRITE recorded (OwnEarlierVersion). The change
// attribute (RFC 7530 §5.8.1.4) is only compared, never counted: Ganesha's is max(mtime, ctime) in ns, so how far it
// moved says nothing about how many WRITEs moved it, and two of ours can even leave it equal.
// - GETATTR after every WRITE, in its COMPOUND, stays. A restart that lost nothing (a killed Ganesha keeps its page
//   cache) leaves the file at the version after our last WRITE, and only a GETATTR run by the server instance that
//   ran the WRITEs can show that version as ours: one in the COMMIT's COMPOUND, or any later one, runs after the
//   restart when there was one (the COMMIT's new verifier is how we learn it), so it can only be `found`, never
//   `latest`. Which WRITE is the last before a restart is not known when it is sent: write-behind sends each one
//   without knowing whether the caller writes again, and a restart can come between any two. And of WRITEs in flight
//   together (write-behind, split writes) only the GETATTR the server ran last sees all of them applied; it is one of
//   ours only if every WRITE carries one. With fewer, a restart that lost nothing would give a conflict copy.
// - No GETATTR before a WRITE. It recorded the version a WRITE was based on, which is ours only when the previous
//   WRITE, the OPEN, a COMMIT or a check left it; then `latest`, `stable` or an earlier WRITE's "after" holds it
//   already. Otherwise a foreign change came in between, and taking it as ours (as that GETATTR did) went beyond
//   issue 8's rule ("a version our own operations produced"): now such a file gets a conflict copy, the rule's safe
//   side. The one state it alone could show — two of our WRITEs in flight, the file between them — is not one the
//   version check needs: a crash that leaves exactly that is also a conflict copy, never a wrong overwrite.
// - COMMIT carries no GETATTR: `stable` after a COMMIT is the version the last WRITE it covers left, and after a
//   new verifier the version is read in ReadVersionAsync anyway, once no WRITE of ours is in flight.
public sealed partial class NfsOpenFile
{
    private readonly Lock _versionLock = new();

    // The last version the server confirmed as stable to us (OPEN, a FILE_SYNC WRITE, a COMMIT, a SETATTR)
    // and the last our own operations produced or, with nothing uncommitted, that we saw.
    private NfsFileVersion _stable;
    private NfsFileVersion _latest;

    // WRITEs of ours in flight, and the gate that holds new ones (and READs) while lost data is resolved.
    private int _writesInFlight;
    private TaskCompletionSource? _gate;
    private TaskCompletionSource? _drained;

    private Task? _resolution;
    private int _resolveAfterRestart;
    private NfsWriteConflictException? _conflictToReport;

    /// <summary>How the file stood at the last check after a server restart (or a COMMIT with a new write verifier).</summary>
    public NfsFileVersionCheck VersionCheck { get; private set; }

    /// <summary>The last write conflict of this handle (kept after it was reported), or null.</summary>
    public NfsWriteConflictException? Conflict { get; private set; }

    /// <summary>The last version of the file our own operations produced (or saw, with nothing uncommitted).</summary>
    public NfsFileVersion LatestVersion
    {
        get
        {
            lock (_versionLock)
            {
                return _latest;
            }
        }
    }

    /// <summary>The last version the server confirmed to us as stable.</summary>
    public NfsFileVersion StableVersion
    {
        get
        {
            lock (_versionLock)
            {
                return _stable;
            }
        }
    }

    /// <summary>
    /// The identity and version a SETATTR through this handle is based on (issue 8 §1): the fileid, the handle, and
    /// the change attribute of the last version our own operations produced or saw. Null without a fileid.
    /// </summary>
    private ObjectVersion? ReplayBasis(NfsFh fileHandle) =>
        Attributes.FileId is { } fileId ? new ObjectVersion(fileId, LatestVersion.Change, Attributes.Type ?? NfsFtype4.Reg, fileHandle) : null;

    /// <summary>
    /// COMMIT (RFC 7530 §16.3). If the server's write verifier differs from the one an UNSTABLE write got, the
    /// server lost that data (it restarted): those ranges are written again, FILE_SYNC, if the file is still at
    /// a version of ours; otherwise they are saved to a conflict copy and this throws
    /// <see cref="NfsWriteConflictException"/> (once).
    /// </summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        await SettleWritesAsync(cancellationToken).ConfigureAwait(false); // write-behind: NfsOpenFile.WriteBehind.cs
        ThrowWriteBehindError();
        await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
        ThrowConflictOnce();
    }

    /// <summary>
    /// Marks, during recovery from a server restart, that data this handle holds must be resolved before its
    /// next I/O; <see cref="NfsClient"/> starts that at once when recovery is done.
    /// </summary>
    internal void ResolveAfterRestart() => Volatile.Write(ref _resolveAfterRestart, 1);

    internal bool NeedsResolution => Volatile.Read(ref _resolveAfterRestart) != 0;

    /// <summary>Runs a COMMIT (and whatever resolution it leads to) detached from any caller.</summary>
    internal async Task ResolveDetachedAsync()
    {
        try
        {
            await CommitCoreAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NfsException or Rpc.RpcException or ObjectDisposedException)
        {
            // The handle's next I/O meets the same condition and reports it.
        }
    }

    /// <summary>
    /// What every I/O call does first: lost data found by a server restart is resolved, a resolution under way
    /// is waited for, and a conflict not yet reported is thrown.
    /// </summary>
    private async ValueTask BeforeIoAsync(CancellationToken cancellationToken)
    {
        if (NeedsResolution || (HasJournaled && !_client.IsServerUnreachable))
        {
            // Data the server lost, or data journaled while it could not be reached: resolved before anything new.
            await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
        }

        if (Volatile.Read(ref _gate) is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        ThrowConflictOnce();
    }

    private void ThrowConflictOnce()
    {
        if (Interlocked.Exchange(ref _conflictToReport, null) is { } conflict)
        {
            throw conflict;
        }
    }

    private async ValueTask CommitCoreAsync(CancellationToken cancellationToken)
    {
        UncommittedWrite[] pending;
        lock (_uncommittedLock)
        {
            if (_uncommitted.Count == 0)
            {
                Volatile.Write(ref _resolveAfterRestart, 0);
                return;
            }

            pending = [.. _uncommitted];
        }

        Verifier4 commitVerifier;
        try
        {
            commitVerifier = await RunIoAsync(
                (fileHandle, _, ct) => _client.RunAsync(
                    "commit",
                    fileHandle,
                    static (ref CompoundEncoder e, NfsFh fh) =>
                    {
                        e.PutFh(fh);
                        e.Commit(0, 0);
                    },
                    static (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.PutFh(ref r);
                        return results.Commit(ref r);
                    },
                    ct,
                    retryAfterRecovery: false,
                    Credential),
                cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Stale)
        {
            // The file is gone: nothing of ours can be written to it any more.
            await ResolveAsync(null, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _resolveAfterRestart, 0);
            return;
        }

        // A journaled write never reached the server: it is resolved as data the server lost.
        if (pending.Any(w => w.JournalSequence != 0 || w.Verifier != commitVerifier))
        {
            await ResolveAsync(commitVerifier, cancellationToken).ConfigureAwait(false);
        }

        NoteCommitted(pending, commitVerifier);
        Volatile.Write(ref _resolveAfterRestart, 0);
    }

    /// <summary>
    /// What a COMMIT answered with <paramref name="commitVerifier"/> covered of <paramref name="pending"/> is on stable
    /// storage now (a resolution took the others out of the list), up to the version the last of those writes left.
    /// </summary>
    private void NoteCommitted(UncommittedWrite[] pending, Verifier4 commitVerifier)
    {
        NfsFileVersion? committed = null;
        lock (_uncommittedLock)
        {
            foreach (var write in pending)
            {
                if (write.JournalSequence == 0 && write.Verifier == commitVerifier && _uncommitted.Remove(write))
                {
                    Interlocked.Add(ref _uncommittedBytes, -write.Length);
                    ArrayPool<byte>.Shared.Return(write.Data);
                    committed = write.After ?? committed;
                }
            }
        }

        if (committed is { } version)
        {
            lock (_versionLock)
            {
                _stable = version;
            }
        }
    }

    /// <summary>
    /// Resolves the writes whose verifier is not <paramref name="commitVerifier"/> (all of them when null: the
    /// file is gone). One resolution at a time; a caller that comes while one runs waits for it.
    /// </summary>
    private async ValueTask ResolveAsync(Verifier4? commitVerifier, CancellationToken cancellationToken)
    {
        Task running;
        TaskCompletionSource? mine = null;
        lock (_versionLock)
        {
            if (_resolution is { IsCompleted: false } resolution)
            {
                running = resolution;
            }
            else
            {
                mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                running = _resolution = mine.Task;
            }
        }

        if (mine is not null)
        {
            // Not cancelled with the caller that happened to start it: the data is everybody's business.
            try
            {
                await ResolveLostWritesAsync(commitVerifier).ConfigureAwait(false);
                mine.SetResult();
            }
            catch (Exception ex)
            {
                mine.SetException(ex);
            }
        }

        await running.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ResolveLostWritesAsync(Verifier4? commitVerifier)
    {
        var gate = await CloseGateAsync().ConfigureAwait(false);
        try
        {
            UncommittedWrite[] all;
            lock (_uncommittedLock)
            {
                all = [.. _uncommitted];
            }

            var lostFlags = all.Select(w => w.JournalSequence != 0 || commitVerifier is not { } v || w.Verifier != v).ToArray();
            var lost = all.Where((_, i) => lostFlags[i]).ToArray();
            if (lost.Length == 0)
            {
                return;
            }

            var bytes = lost.Sum(w => (long)w.Length);
            if (lost.FirstOrDefault(w => w.JournalSequence == 0) is { } unstable)
            {
                _client.LogWriteVerifierChanged(Path, unstable.Verifier, commitVerifier ?? default, bytes);
            }

            // The parts of each lost write that no later write of ours covers: what the file would hold.
            var segments = UncommittedRanges.Uncovered(all.Select(w => (w.Offset, (ReadOnlyMemory<byte>)w.Data.AsMemory(0, w.Length))).ToArray(), lostFlags);
            NfsFileVersion stable, latest;
            lock (_versionLock)
            {
                (stable, latest) = (_stable, _latest);
            }

            (NfsFileVersion? Version, bool Gone)? found = commitVerifier is null ? null : await ReadVersionAsync().ConfigureAwait(false);
            var check = found is { Gone: true } || commitVerifier is null
                ? NfsFileVersionCheck.Gone
                : NfsFileVersionRules.Classify(found?.Version, stable, latest, all.SelectMany(w => new[] { w.Before, w.After }).OfType<NfsFileVersion>());
            VersionCheck = check;
            if (NfsFileVersionRules.MayRewrite(check) && found?.Version is { } baseVersion)
            {
                _client.LogRewritingLostWrites(Path, bytes, check, baseVersion.ToString());
                if (await RewriteAsync(segments, baseVersion).ConfigureAwait(false))
                {
                    Forget(lost);
                    return;
                }

                // VERIFY refused a rewrite: the file changed under it.
                found = await ReadVersionAsync().ConfigureAwait(false);
                check = found is { Gone: true } ? NfsFileVersionCheck.Gone : NfsFileVersionCheck.ChangedElsewhere;
                VersionCheck = check;
            }

            var now = found?.Version;
            var reason = $"{check}: found {(now is { } v2 ? v2.ToString() : check == NfsFileVersionCheck.Gone ? "no file" : "no version")}, ours {latest}, last stable {stable}";
            var size = (long)Math.Max(latest.Size, (ulong)segments.Select(s => s.Offset + s.Data.Length).DefaultIfEmpty(0).Max());
            var (copy, local) = await SaveConflictCopyAsync(segments, size, readBase: check != NfsFileVersionCheck.Gone, check, reason, bytes).ConfigureAwait(false);
            var conflict = new NfsWriteConflictException(Path, copy, local, reason, bytes);
            Conflict = conflict;
            Volatile.Write(ref _conflictToReport, conflict);
            if (now is { } adopted)
            {
                // From here on the file as it is on the server is what this handle builds on.
                lock (_versionLock)
                {
                    (_stable, _latest) = (adopted, adopted);
                }
            }

            if (copy is not null)
            {
                Forget(lost);
            }
        }
        finally
        {
            OpenGate(gate);
        }
    }

    /// <summary>
    /// Writes <paramref name="segments"/> again, FILE_SYNC, each in a COMPOUND that VERIFYs first that the file
    /// still has the version the previous one left (<paramref name="expected"/> for the first), so a change
    /// racing in between is caught by the server. False when a VERIFY failed.
    /// </summary>
    private async ValueTask<bool> RewriteAsync(IReadOnlyList<DataSegment> segments, NfsFileVersion expected)
    {
        var chunk = (int)await _client.GetWriteSizeAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var segment in segments)
        {
            var written = 0;
            while (written < segment.Data.Length)
            {
                var slice = segment.Data.Slice(written, Math.Min(chunk, segment.Data.Length - written));
                var at = segment.Offset + written;
                var version = expected;
                var (same, result, after) = await RunIoAsync(
                    (fileHandle, stateId, ct) => _client.RunAsync(
                        "rewrite",
                        new RewriteCall(fileHandle, stateId, at, slice, version),
                        static (ref CompoundEncoder e, RewriteCall c) =>
                        {
                            e.PutFh(c.Fh);
                            c.Expected.EncodeVerify(ref e);
                            e.Write(c.StateId, (ulong)c.Offset, StableHow4.FileSync, c.Data.Span);
                            e.GetAttr(NfsFileVersion.Mask);
                        },
                        (ref XdrReader r) =>
                        {
                            var results = CompoundResults.Begin(ref r);
                            results.Path = Path;
                            results.PutFh(ref r);
                            var status = results.Verify(ref r, NfsOpnum4.Verify);
                            if (status == NfsStat4.NotSame)
                            {
                                return (false, default(WriteResult), (NfsFileVersion?)null);
                            }

                            if (status != NfsStat4.Ok)
                            {
                                throw new NfsException(status, NfsOpnum4.Verify, Path) { OpIndex = 1 };
                            }

                            var write = results.Write(ref r);
                            return (true, write, NfsFileVersion.Decode(ref results, ref r));
                        },
                        ct,
                        retryAfterRecovery: false,
                        Credential),
                    CancellationToken.None).ConfigureAwait(false);

                if (!same)
                {
                    return false;
                }

                if (result.Count == 0 || result.Count > slice.Length)
                {
                    throw new NfsException(NfsStat4.Io, NfsOpnum4.Write, Path);
                }

                if (after is not { } next)
                {
                    // Without the version it left, the next rewrite could not be verified.
                    return false;
                }

                NoteOwnVersion(next, stable: result.Committed != StableHow4.Unstable);
                expected = next;
                written += (int)result.Count;
            }
        }

        return true;
    }

    /// <summary>GETATTR(change, size) of the file now; Gone when the server says it no longer exists.</summary>
    private async ValueTask<(NfsFileVersion? Version, bool Gone)> ReadVersionAsync()
    {
        try
        {
            var version = await RunIoAsync(
                (fileHandle, _, ct) => _client.RunAsync(
                    "getattr",
                    fileHandle,
                    static (ref CompoundEncoder e, NfsFh fh) =>
                    {
                        e.PutFh(fh);
                        e.GetAttr(NfsFileVersion.Mask);
                    },
                    static (ref XdrReader r) =>
                    {
                        var results = CompoundResults.Begin(ref r);
                        results.PutFh(ref r);
                        return NfsFileVersion.Decode(ref results, ref r);
                    },
                    ct,
                    retryAfterRecovery: false,
                    Credential),
                CancellationToken.None).ConfigureAwait(false);
            return (version, false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Stale)
        {
            return (null, true);
        }
    }

    /// <summary>Drops writes that are resolved (written again, or saved elsewhere).</summary>
    private void Forget(UncommittedWrite[] writes)
    {
        var forgotten = new List<UncommittedWrite>(writes.Length);
        lock (_uncommittedLock)
        {
            foreach (var write in writes)
            {
                if (_uncommitted.Remove(write))
                {
                    Interlocked.Add(ref _uncommittedBytes, -write.Length);
                    if (write.JournalSequence != 0)
                    {
                        Interlocked.Add(ref _journaledBytes, -write.Length);
                    }

                    ArrayPool<byte>.Shared.Return(write.Data);
                    forgotten.Add(write);
                }
            }
        }

        // Only now, on the server FILE_SYNC or in a conflict copy, do journaled writes leave the journal.
        ReleaseJournaled(forgotten);
    }

    private void InitVersion(NfsAttributes attributes)
    {
        if (NfsFileVersion.Of(attributes) is { } version)
        {
            _stable = version;
            _latest = version;
        }
    }

    /// <summary>
    /// A version one of our own operations produced; <paramref name="stable"/> when the server confirmed it
    /// durable; <paramref name="byWrite"/> for a WRITE's (several may be in flight at once).
    /// </summary>
    private void NoteOwnVersion(NfsFileVersion? version, bool stable, bool byWrite = false)
    {
        if (version is not { } v)
        {
            return;
        }

        lock (_versionLock)
        {
            // The later answer wins, whatever the value: change attributes do not always grow (Ganesha's is
            // max(mtime, ctime); an EXCLUSIVE4 create keeps its verifier in the times and the SETATTR after it
            // sets them back). But of WRITEs in flight together the last answered need not be the last carried
            // out; a WRITE only moves the times forward, so among WRITEs the greatest change is the newest.
            // A wrong pick only renames the check (OwnEarlierVersion for Unchanged): every WRITE's version is in
            // its record.
            if (!byWrite || v.Change >= _latest.Change)
            {
                _latest = v;
            }

            if (stable && (!byWrite || v.Change >= _stable.Change))
            {
                _stable = v;
            }
        }
    }

    /// <summary>
    /// A version a GETATTR through this handle saw. With nothing uncommitted it is simply the file as it is now;
    /// with data uncommitted it proves nothing about our writes, so it is not taken as ours.
    /// </summary>
    private void NoteObservedVersion(NfsAttributes attributes)
    {
        if (NfsFileVersion.Of(attributes) is not { } version || UncommittedBytes > 0 || Volatile.Read(ref _writesInFlight) > 0)
        {
            return;
        }

        lock (_versionLock)
        {
            _latest = version;
        }
    }

    private async ValueTask EnterWriteAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_uncommittedLock)
            {
                if (_gate is null)
                {
                    _writesInFlight++;
                    return;
                }

                wait = _gate.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void ExitWrite()
    {
        TaskCompletionSource? drained = null;
        lock (_uncommittedLock)
        {
            if (--_writesInFlight == 0 && _drained is { } waiting)
            {
                _drained = null;
                drained = waiting;
            }
        }

        drained?.TrySetResult();
    }

    /// <summary>Holds new WRITEs and READs, then waits until no WRITE of ours is in flight.</summary>
    private async ValueTask<TaskCompletionSource> CloseGateAsync()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? drained = null;
        lock (_uncommittedLock)
        {
            Volatile.Write(ref _gate, gate);
            if (_writesInFlight > 0)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                drained = _drained.Task;
            }
        }

        if (drained is not null)
        {
            await drained.ConfigureAwait(false);
        }

        return gate;
    }

    private void OpenGate(TaskCompletionSource gate)
    {
        lock (_uncommittedLock)
        {
            Volatile.Write(ref _gate, null);
        }

        gate.TrySetResult();
    }

    private readonly record struct RewriteCall(NfsFh Fh, StateId4 StateId, long Offset, ReadOnlyMemory<byte> Data, NfsFileVersion Expected);
}
