using System.Text;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;

namespace DokanNfs.Dokan.Adapter;

// Change notifications (issue 6 §11): when an answer shows that an object changed on the server since the
// adapter last saw it, Windows is told (DokanNotify*), so Explorer refreshes. Files: their change attribute
// moved → NotifyUpdate. Directories: the names that appeared / vanished since the last listing → NotifyCreate /
// NotifyDelete. Changes made through the adapter are reported to the tracker by the callbacks that make them
// (the NoteOwn* methods) and are never announced back.
public sealed partial class NfsDokanOperations
{
    private readonly ChangeTracker _changes = new();

    /// <summary>What the adapter remembers to detect changes (for tests: its memory stays bounded).</summary>
    internal ChangeTracker Changes => _changes;

    /// <summary>
    /// The adapter itself changed the data, size, times, attributes or security of <paramref name="path"/>.
    /// Seam: WriteFile, SetEndOfFile, SetAllocationSize, SetFileTime, SetFileAttributes and SetFileSecurity call it
    /// after they succeed (the lead wires them; until then a change seen through a write-capable open of the file
    /// is presumed its own, and another open may announce it once).
    /// </summary>
    internal void NoteOwnChange(string path) => _changes.Forget(path);

    /// <summary>The adapter created <paramref name="path"/> (ZwCreateFile).</summary>
    internal void NoteOwnCreate(string path, bool isDirectory) => _changes.Created(path, isDirectory);

    /// <summary>The adapter removed <paramref name="path"/> (Cleanup of a delete-pending open).</summary>
    internal void NoteOwnRemove(string path) => _changes.Removed(path);

    /// <summary>
    /// The adapter starts creating, removing or renaming <paramref name="path"/>: a listing that runs before the
    /// matching NoteOwn* call neither announces the name appearing nor vanishing. Dispose when the call is done.
    /// </summary>
    internal ChangeTracker.OwnChange BeginOwnChange(string path) => _changes.BeginOwnChange(path);

    /// <summary>Seam: MoveFile calls it after a rename succeeded (the lead wires it).</summary>
    internal void NoteOwnRename(string from, string to, bool isDirectory) => _changes.Renamed(from, to, isDirectory);

    /// <summary>
    /// Attributes just read for <paramref name="path"/> (GetFileInformation; a create's lookup). A file whose change
    /// moved is announced; a listed directory whose change moved is listed again when <paramref name="canRelist"/>
    /// (GetFileInformation), and its new and vanished names are announced. Never throws.
    /// </summary>
    private void NoticeAttributes(string path, NfsAttributes attributes, bool ownOpen, bool canRelist, ref DOKAN_FILE_INFO info)
    {
        if (attributes.Change is not { } change)
        {
            return;
        }

        if (!WindowsInfo.IsDirectory(attributes))
        {
            if (_changes.ObserveFile(path, change, ownOpen))
            {
                Notify(ChangeKind.Update, path, isDirectory: false);
            }

            return;
        }

        if (_changes.ObserveDirectory(path, change, canRelist))
        {
            Relist(path, ref info);
        }
    }

    /// <summary>Reads a changed directory's names again only to compare them with the ones seen last.</summary>
    private void Relist(string path, ref DOKAN_FILE_INFO info)
    {
        var tracking = BeginListingChanges(path);
        var complete = false;
        try
        {
            var listing = _fs.ListAsync(path, Ct).GetAsyncEnumerator(Ct);
            try
            {
                while (Wait(listing.MoveNextAsync(), ref info))
                {
                    NoticeListedEntry(ref tracking, listing.Current);
                }

                complete = true;
            }
            finally
            {
                Wait(listing.DisposeAsync(), ref info);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The query that led here has its answer already; the names are compared at the next listing.
            InfoLog.RelistFailed(_logger, path, e.Message);
        }
        finally
        {
            EndListingChanges(ref tracking, complete);
        }
    }

    private ChangeTracker.Listing BeginListingChanges(string directory) => _changes.BeginListing(directory);

    private void NoticeListedEntry(ref ChangeTracker.Listing tracking, NfsFsEntry entry)
    {
        var isDirectory = WindowsInfo.IsDirectory(entry.Attributes);
        if (_changes.Listed(ref tracking, entry.Name, isDirectory))
        {
            Notify(ChangeKind.Create, Child(tracking, entry.Name), isDirectory);
        }
        else if (!isDirectory && entry.Attributes.Change is { } change && _changes.ListedFile(ref tracking, entry.Name, change))
        {
            Notify(ChangeKind.Update, Child(tracking, entry.Name), isDirectory: false);
        }
    }

    private void EndListingChanges(ref ChangeTracker.Listing tracking, bool complete)
    {
        var vanished = _changes.EndListing(ref tracking, complete);
        if (vanished is null)
        {
            return;
        }

        foreach (var (name, isDirectory) in vanished)
        {
            Notify(ChangeKind.Delete, NfsPathJoin(tracking.Directory, name), isDirectory);
        }
    }

    private static string Child(in ChangeTracker.Listing tracking, string name) => NfsPathJoin(tracking.Directory, name);

    private static string NfsPathJoin(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>Tells Windows; a host that fails is logged, never fails the callback that noticed the change.</summary>
    private void Notify(ChangeKind kind, string path, bool isDirectory)
    {
        var dokanPath = ToDokanPath(path);
        try
        {
            switch (kind)
            {
                case ChangeKind.Create:
                    _host.NotifyCreate(dokanPath, isDirectory);
                    break;
                case ChangeKind.Delete:
                    _host.NotifyDelete(dokanPath, isDirectory);
                    break;
                default:
                    _host.NotifyUpdate(dokanPath);
                    break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            InfoLog.NotifyFailed(_logger, kind.ToString(), dokanPath, e.Message);
        }
    }

    /// <summary>The volume-relative Windows path ("\dir\name") of a drive path ("/dir/name"), names mapped for Windows.</summary>
    private static string ToDokanPath(string drivePath) => WindowsPath.ToDokanPath(drivePath);

    private enum ChangeKind
    {
        Create,
        Delete,
        Update,
    }
}
