using System.Globalization;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// One object as the client saw it at one moment: its identity — fileid (RFC 7530 §5.8.2.6) and, where known,
/// its filehandle (§4) — and its version, the change attribute (§5.8.1.4).
/// </summary>
/// <remarks>
/// The change attribute alone is weak evidence on NFS-Ganesha, where it is a timestamp (max of mtime and ctime in
/// nanoseconds): two updates within one tick leave it equal, and a new file can reuse a freed inode number. So
/// "the same object" needs the fileid AND (when both sides know it) the filehandle, whose generation tells a reused
/// inode number apart; "unchanged" needs the same object AND an equal change.
/// </remarks>
public readonly record struct ObjectVersion(ulong FileId, ulong Change, NfsFtype4 Type, NfsFh? FileHandle = null)
{
    /// <summary>The identity and version in <paramref name="attributes"/>, or null when it lacks fileid or change.</summary>
    public static ObjectVersion? Of(NfsAttributes attributes, NfsFh? fileHandle = null)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return attributes.FileId is { } fileId && attributes.Change is { } change
            ? new ObjectVersion(fileId, change, attributes.Type ?? NfsFtype4.None, fileHandle)
            : null;
    }

    /// <summary>
    /// True when <paramref name="other"/> is this object: the same fileid, and the same filehandle if both are known.
    /// Filehandles are compared only when both are known: a server with unique_handles (RFC 7530 §5.8.1.10) never
    /// gives two objects one handle, and NFS-Ganesha and Linux give an object the same handle every time.
    /// </summary>
    public bool IsSameObject(ObjectVersion other) =>
        FileId == other.FileId && (FileHandle is null || other.FileHandle is null || FileHandle == other.FileHandle);

    /// <summary>The same object with the same change attribute: nothing changed it, as far as the server can tell.</summary>
    public bool IsUnchanged(ObjectVersion other) => IsSameObject(other) && Change == other.Change;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Type} fileid {FileId} change {Change}");
}

/// <summary>
/// What one name in one directory refers to now, as the server answered a probe (PUTFH dir; GETATTR; LOOKUP name;
/// GETFH; GETATTR): the directory (null when its handle no longer works: <see cref="DirectoryStatus"/> says why) and
/// the object at the name (null when the name is free).
/// </summary>
internal sealed record NameProbe(NfsStat4 DirectoryStatus, ObjectVersion? Directory, ObjectVersion? Object, NfsAttributes? ObjectAttributes)
{
    /// <summary>True when the directory's filehandle is stale: the directory itself is gone (RFC 7530 §4.2.3).</summary>
    public bool DirectoryGone => DirectoryStatus == NfsStat4.Stale;

    public bool DirectoryUsable => DirectoryStatus == NfsStat4.Ok;

    public override string ToString() =>
        !DirectoryUsable ? $"directory {DirectoryStatus}"
        : Object is { } found ? found.ToString()
        : "no such name";
}
