namespace DokanNfs.Core.Client;

/// <summary>
/// A stretch of the write journal found unreadable when it was opened: <paramref name="AtTail"/> for a frame cut
/// short at the end (an append a crash interrupted, never acknowledged to the writer); otherwise bytes that changed
/// on disk, skipped up to the next intact frame (the file as it was is kept beside it, see
/// <see cref="NfsClient.JournalDamagedCopy"/>).
/// </summary>
public sealed record NfsJournalDamage(long Offset, long Length, bool AtTail, string Reason)
{
    public override string ToString() => $"{(AtTail ? "torn tail" : "damage")} at {Offset} ({Length} bytes): {Reason}";
}

/// <summary>How the journaled writes of one file were replayed by the client (not through a handle the caller holds).</summary>
public enum NfsJournalReplayOutcome
{
    /// <summary>The file was still at the version the data was based on: the data was written, verified, FILE_SYNC.</summary>
    Written,

    /// <summary>The file had changed (or was gone): the data went to a conflict copy, the file was left as it was.</summary>
    ConflictCopy,

    /// <summary>The replay stopped (the server could not be reached, or refused): the records stay for the next attempt.</summary>
    Pending,
}

/// <summary>One file's journaled writes, replayed after a restart of the client or after its handle was closed.</summary>
public sealed record NfsJournalReplay(string Path, long Bytes, NfsJournalReplayOutcome Outcome, string? ConflictCopyPath, string Detail)
{
    public override string ToString() => $"{Path}: {Bytes} bytes {Outcome}{(ConflictCopyPath is null ? string.Empty : " to " + ConflictCopyPath)} ({Detail})";
}
