using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>The non-idempotent name operations the replay log records (RFC 7530 §16).</summary>
public enum ReplayOperation
{
    /// <summary>REMOVE (§16.26).</summary>
    Remove,

    /// <summary>RENAME (§16.27).</summary>
    Rename,

    /// <summary>CREATE of a directory or symbolic link (§16.4).</summary>
    Create,

    /// <summary>LINK (§16.9).</summary>
    Link,

    /// <summary>SETATTR by path (§16.32).</summary>
    SetAttr,

    /// <summary>OPEN that may create (§16.16): resolved by the owner's replay cache and the EXCLUSIVE4 verifier.</summary>
    Open,
}

/// <summary>
/// One object an entry touches, in its role ("directory", "target", "source", "destination", …), with the version
/// the call was based on (null: the name was free) and, once the reply came, the version after.
/// </summary>
public sealed record ReplayObject(string Role, string Path, ObjectVersion? Before)
{
    /// <summary>The change attribute after the call, from its reply (change_info4 or a GETATTR in the same COMPOUND).</summary>
    public ulong? ChangeAfter { get; internal set; }

    public override string ToString() =>
        $"{Role} {Path}: {(Before is { } v ? v.ToString() : "absent")}" + (ChangeAfter is { } after ? $" -> change {after}" : string.Empty);
}

/// <summary>
/// One call in the replay log (after Lustre's version-based recovery): what it changes, the versions of those
/// objects it was based on — recorded before it is sent — and the versions after, from its reply. It stays in the
/// log until its outcome is final; while the outcome is unknown (the connection died after the call may have
/// reached the server) new calls on the same objects wait for it to be resolved.
/// </summary>
internal sealed class ReplayEntry
{
    private readonly TaskCompletionSource _resolved = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReplayEntry(ReplayOperation operation, string path, string? secondPath, IReadOnlyList<ReplayObject> objects, NfsFh? targetHandle = null, bool changesDirectories = true)
    {
        Operation = operation;
        Path = NfsPath.Normalize(path);
        SecondPath = secondPath is null ? null : NfsPath.Normalize(secondPath);
        Objects = objects;
        TargetHandle = targetHandle;
        Directories = changesDirectories
            ? [.. new[] { Path, SecondPath }.OfType<string>().Where(p => p != "/").Select(p => NfsPath.SplitLast(p).Parent).Distinct(StringComparer.Ordinal)]
            : [];
    }

    public ReplayOperation Operation { get; }

    /// <summary>The name the call changes (for RENAME the source, for LINK the new name).</summary>
    public string Path { get; }

    /// <summary>RENAME's destination, LINK's existing file; else null.</summary>
    public string? SecondPath { get; }

    /// <summary>The directories whose entries the call changes.</summary>
    public IReadOnlyList<string> Directories { get; }

    public IReadOnlyList<ReplayObject> Objects { get; }

    /// <summary>The filehandle of the object the call changes, when it addresses one by handle (SETATTR).</summary>
    public NfsFh? TargetHandle { get; }

    /// <summary>
    /// An OPEN's exclusive-create verifier (RFC 7530 §16.16.5): the evidence that a file found at the name after a
    /// lost reply is the one this call made. The server compares it when the OPEN is sent again with it.
    /// </summary>
    public Verifier4? CreateVerifier { get; init; }

    /// <summary>True from the moment the outcome became unknown until the entry leaves the log.</summary>
    public bool OutcomeUnknown { get; private set; }

    /// <summary>Completes when the entry leaves the log.</summary>
    public Task Resolved => _resolved.Task;

    /// <summary>The object in <paramref name="role"/>.</summary>
    public ReplayObject this[string role] => Objects.First(o => o.Role == role);

    /// <summary>
    /// True when a new call on <paramref name="path"/> must wait for this entry: the path is, or lies below, a name
    /// the entry changes, or is a directory whose entries it changes.
    /// </summary>
    public bool Touches(string path) =>
        NfsPath.IsAtOrBelow(path, Path) ||
        (SecondPath is not null && NfsPath.IsAtOrBelow(path, SecondPath)) ||
        Directories.Contains(NfsPath.Normalize(path), StringComparer.Ordinal);

    internal void MarkUnknown() => OutcomeUnknown = true;

    internal void MarkFinal() => _resolved.TrySetResult();

    /// <summary>The versions the call was based on, for the log and for the conflict error.</summary>
    public string DescribeBasis() =>
        string.Join("; ", Objects.Select(o => o.ToString())) + (CreateVerifier is { } verifier ? $"; create verifier {verifier}" : string.Empty);

    public override string ToString() =>
        $"{Operation} {Path}" + (SecondPath is null ? string.Empty : (Operation == ReplayOperation.Link ? " (link to " : " -> ") + SecondPath + (Operation == ReplayOperation.Link ? ")" : string.Empty));
}
