namespace DokanNfs.Core.Nfs4;

/// <summary>
/// Data written through a handle was lost by the server (it restarted before a COMMIT) and could not be
/// written again, because the file had meanwhile changed elsewhere or gone back to an older version. The
/// data was not dropped: it is in <see cref="ConflictCopyPath"/>, a copy of the file as our writes left it.
/// The handle stays usable; this is reported once, by its next I/O, flush or close.
/// </summary>
public sealed class NfsWriteConflictException : NfsException
{
    public NfsWriteConflictException(string path, string? conflictCopyPath, bool copyIsLocal, string reason, long bytes)
        : base(NfsStat4.NotSame, NfsOpnum4.Commit, path, Describe(path, conflictCopyPath, copyIsLocal, reason, bytes))
    {
        ConflictCopyPath = conflictCopyPath;
        CopyIsLocal = copyIsLocal;
        Reason = reason;
        Bytes = bytes;
    }

    /// <summary>
    /// Where our data was saved: a path on the same server (beside the file) or, when <see cref="CopyIsLocal"/>,
    /// a local path. Null only when it could be saved nowhere (the message then says so).
    /// </summary>
    public string? ConflictCopyPath { get; }

    /// <summary>True when <see cref="ConflictCopyPath"/> is on the local machine rather than on the server.</summary>
    public bool CopyIsLocal { get; }

    /// <summary>Why the data was not written again: the versions found and expected.</summary>
    public string Reason { get; }

    /// <summary>How many bytes of ours the server had lost.</summary>
    public long Bytes { get; }

    private static string Describe(string path, string? copy, bool local, string reason, long bytes) =>
        copy is null
            ? $"{bytes} bytes written to {path} were lost by the server and could not be written again ({reason}), nor saved anywhere."
            : $"{bytes} bytes written to {path} were lost by the server and could not be written again ({reason}); they were saved to {(local ? "the local file " : string.Empty)}{copy}.";
}
