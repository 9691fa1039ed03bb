using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// The replay log of one <see cref="NfsClient"/>: every non-idempotent name call from just before it is sent until
/// its outcome is final. An entry whose outcome became unknown holds back new calls on the objects it touches
/// (<see cref="WaitForAsync(string, CancellationToken)"/>) until it is resolved, so nothing new is based on a state
/// the client cannot yet describe (issue 8 §2; Lustre's version-based recovery replays before new requests).
/// </summary>
/// <remarks>
/// In memory: a client process that dies takes its unresolved calls with it, as a local file system loses what
/// was not yet written. The common case — nothing unknown — costs one volatile read per path-based call.
/// </remarks>
internal sealed class ReplayLog
{
    private readonly Lock _lock = new();
    private readonly List<ReplayEntry> _entries = [];
    private int _unknown;

    /// <summary>Entries whose outcome is unknown now.</summary>
    public int UnknownCount => Volatile.Read(ref _unknown);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public IReadOnlyList<ReplayEntry> Snapshot()
    {
        lock (_lock)
        {
            return [.. _entries];
        }
    }

    /// <summary>Records <paramref name="entry"/> before its call is sent.</summary>
    public void Add(ReplayEntry entry)
    {
        lock (_lock)
        {
            _entries.Add(entry);
        }
    }

    /// <summary>The connection died after the call may have reached the server: new calls on its objects wait.</summary>
    public void MarkUnknown(ReplayEntry entry)
    {
        lock (_lock)
        {
            if (!entry.OutcomeUnknown && _entries.Contains(entry))
            {
                entry.MarkUnknown();
                _unknown++;
            }
        }
    }

    /// <summary>The outcome is final (a reply, a resolution, or the caller gave up): the entry leaves the log.</summary>
    public void Remove(ReplayEntry entry)
    {
        lock (_lock)
        {
            if (_entries.Remove(entry) && entry.OutcomeUnknown)
            {
                _unknown--;
            }
        }

        entry.MarkFinal();
    }

    /// <summary>Waits until no entry whose outcome is unknown touches <paramref name="path"/>.</summary>
    public ValueTask WaitForAsync(string path, CancellationToken cancellationToken) =>
        UnknownCount == 0 ? ValueTask.CompletedTask : WaitAsync(e => e.Touches(path), cancellationToken);

    /// <summary>Waits until no entry whose outcome is unknown changes the object with <paramref name="fileHandle"/>.</summary>
    public ValueTask WaitForAsync(NfsFh fileHandle, CancellationToken cancellationToken) =>
        UnknownCount == 0 ? ValueTask.CompletedTask : WaitAsync(e => e.TargetHandle == fileHandle, cancellationToken);

    private async ValueTask WaitAsync(Func<ReplayEntry, bool> touches, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task[] pending;
            lock (_lock)
            {
                pending = [.. _entries.Where(e => e.OutcomeUnknown && touches(e)).Select(e => e.Resolved)];
            }

            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
