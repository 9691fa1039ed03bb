using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Adapter;

// DeleteFile / DeleteDirectory answer whether deletion may proceed; MoveFile renames (issue 6 §5).
public sealed partial class NfsDokanOperations
{
    /// <summary>
    /// FileDispositionInformation on a file: may it be deleted? Nothing is removed here — Cleanup removes it when
    /// DeletePending is still set then (../shared/windows-io.md §0 "Delete by disposition"). DeletePending = false
    /// (an undelete) needs no check: Cleanup then leaves the file alone.
    /// </summary>
    public int DeleteFile(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info) => MayDelete(fileName, nameof(DeleteFile), ref info);

    /// <summary>As <see cref="DeleteFile"/> for a directory: STATUS_DIRECTORY_NOT_EMPTY while it holds anything.</summary>
    public int DeleteDirectory(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info) => MayDelete(fileName, nameof(DeleteDirectory), ref info);

    /// <summary>
    /// FileRenameInformation on an open handle (Context = the source's open). Afterwards every open of the old
    /// name — and of anything beneath it, for a directory — carries the new one, because Dokan sends the new name
    /// on that handle from now on, Cleanup included (windows-io.md §0 "Rename on an open handle"). The handle's
    /// NFS OPEN stays: its stateid belongs to the file, not to the name.
    /// </summary>
    public int MoveFile(ReadOnlySpan<char> fileName, ReadOnlySpan<char> newFileName, bool replaceIfExisting, ref DOKAN_FILE_INFO info)
    {
        string? path = null;
        try
        {
            var status = ResolvePath(fileName, ref info, out path);
            if (status != NtStatus.Success)
            {
                return status;
            }

            status = ResolvePath(newFileName, ref info, out var newPath);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (Options.ReadOnly)
            {
                return NtStatus.MediaWriteProtected;
            }

            var context = ContextOf(ref info);
            path = context?.Path ?? path;
            if (Options.CaseInsensitive && string.Equals(newPath, path, StringComparison.Ordinal)
                && WindowsPath.TryToNfsPath(newFileName, 0, out var spelled) == NtStatus.Success)
            {
                // Only the case changes ("report.txt" → "Report.TXT"): the case-insensitive lookup found the source
                // itself, which would make this a no-op. NTFS gives the file the spelling asked for, so the last
                // component keeps the caller's (found by the Explorer rename scenario, Scenarios/ExplorerScenarioTests).
                newPath = WindowsPath.Combine(NfsPath.SplitLast(path).Parent, WindowsPath.NameOf(spelled));
            }

            using (CredentialScope.Use(context?.Credential))
            {
                return Rename(context, path, newPath, replaceIfExisting, ref info);
            }
        }
        catch (Exception e)
        {
            return Fail(e, nameof(MoveFile), path);
        }
    }

    private int MayDelete(ReadOnlySpan<char> fileName, string callback, ref DOKAN_FILE_INFO info)
    {
        string? path = null;
        try
        {
            var status = ResolvePath(fileName, ref info, out path);
            if (status != NtStatus.Success || info.DeletePending == 0)
            {
                return status;
            }

            if (Options.ReadOnly)
            {
                return NtStatus.MediaWriteProtected;
            }

            // The open's own name is what Cleanup will remove; it follows renames of the object and of its parents.
            var context = ContextOf(ref info);
            path = context?.Path ?? path;
            if (path == "/")
            {
                // The drive's root is the export's root: never removable from here.
                return NtStatus.CannotDelete;
            }

            using (CredentialScope.Use(context?.Credential))
            {
                var attributes = Wait(_fs.GetAttributesAsync(path, Ct), ref info);
                if (WindowsInfo.IsDirectory(attributes))
                {
                    if (!IsEmptyDirectory(path, ref info))
                    {
                        return NtStatus.DirectoryNotEmpty;
                    }
                }
                else if ((WindowsInfo.FileAttributes(attributes) & FileAttributeReadOnly) != 0)
                {
                    // A file without the owner's write bit is READONLY to Windows, and NTFS refuses to delete those.
                    return NtStatus.CannotDelete;
                }

                // Cleanup cannot fail, so ask now whether the server would let this user remove the name
                // (ACCESS4_DELETE on the parent, RFC 7530 §16.1): a read-only export or a directory the user may not
                // write would otherwise only show up as a delete that silently did not happen.
                var parent = NfsPath.SplitLast(path).Parent;
                var granted = Wait(_fs.AccessAsync(parent, Access4.Delete, Ct), ref info);
                return (granted & Access4.Delete) != 0 ? NtStatus.Success : NtStatus.AccessDenied;
            }
        }
        catch (Exception e)
        {
            return Fail(e, callback, path);
        }
    }

    /// <summary>
    /// RENAME (RFC 7530 §16.26) with Windows' rules checked first, because NFS would silently replace a file and
    /// refuse a directory with a status Windows programs do not expect (MS-FSA 2.1.5.14.11, FileRenameInformation):
    /// an existing target without ReplaceIfExists → STATUS_OBJECT_NAME_COLLISION; a target that is a directory,
    /// read-only, or open elsewhere → STATUS_ACCESS_DENIED. Across mounts the trigger layer answers NFS4ERR_XDEV,
    /// which is STATUS_NOT_SAME_DEVICE: MoveFileEx then copies and deletes.
    /// </summary>
    private int Rename(FileContext? context, string path, string newPath, bool replaceIfExisting, ref DOKAN_FILE_INFO info)
    {
        if (path == "/")
        {
            return NtStatus.AccessDenied;
        }

        if (string.Equals(path, newPath, StringComparison.Ordinal))
        {
            return NtStatus.Success;
        }

        var status = Lookup(newPath, ref info, out var target);
        if (status != NtStatus.Success)
        {
            return status;
        }

        if (target is not null)
        {
            if (!replaceIfExisting)
            {
                return NtStatus.ObjectNameCollision;
            }

            if (WindowsInfo.IsDirectory(target)
                || (WindowsInfo.FileAttributes(target) & FileAttributeReadOnly) != 0
                || IsOpenElsewhere(newPath, context))
            {
                return NtStatus.AccessDenied;
            }
        }

        using (BeginOwnChange(path)) // .Changes.cs: a listing meanwhile announces neither name
        using (BeginOwnChange(newPath))
        {
            Wait(_fs.RenameAsync(path, newPath, Ct), ref info);
            NoteOwnRename(path, newPath, context?.IsDirectory ?? false); // .Changes.cs
        }

        RenameOpens(path, newPath);
        return NtStatus.Success;
    }

    /// <summary>True when a handle other than <paramref name="self"/> has <paramref name="path"/> open (not yet cleaned up).</summary>
    private bool IsOpenElsewhere(string path, FileContext? self)
    {
        foreach (var open in Handles.Snapshot())
        {
            if (!ReferenceEquals(open, self) && !open.IsCleanedUp && string.Equals(open.Path, path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gives every open at or beneath <paramref name="from"/> its name under <paramref name="to"/>.</summary>
    private void RenameOpens(string from, string to)
    {
        foreach (var open in Handles.Snapshot())
        {
            var current = open.Path;
            if (string.Equals(current, from, StringComparison.Ordinal))
            {
                open.Path = to;
            }
            else if (current.Length > from.Length && current[from.Length] == '/' && current.StartsWith(from, StringComparison.Ordinal))
            {
                open.Path = to + current[from.Length..];
            }
        }
    }
}
