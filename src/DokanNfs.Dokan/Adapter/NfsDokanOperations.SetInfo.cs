using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Adapter;

// The set-information callbacks that change a file's size, times and attributes (issue 6 §3). Dokan's
// library calls them for FileEndOfFileInformation (and FileValidDataLengthInformation) → SetEndOfFile,
// FileAllocationInformation → SetAllocationSize, FileBasicInformation → SetFileAttributes then SetFileTime
// (dokan/setfile.c). Argument checks follow MS-FSA 2.1.5.14 (server requests to set file information).
public sealed partial class NfsDokanOperations
{
    /// <summary>FILE_ATTRIBUTE_TEMPORARY (winnt.h): not allowed on a directory (MS-FSA 2.1.5.14.2).</summary>
    private const uint FileAttributeTemporary = 0x100;

    /// <summary>The write bits of a mode (0222): what READONLY takes away.</summary>
    private const uint AllWriteBits = 0x92;

    /// <summary>The owner's write bit (0200, S_IWUSR): what clearing READONLY gives back.</summary>
    private const uint OwnerWriteBit = 0x80;

    /// <summary>Set once a server answered NFS4ERR_ATTRNOTSUPP for time_create: creation times are not sent again.</summary>
    private volatile bool _timeCreateUnsupported;

    /// <summary>
    /// SetEndOfFile: truncate or extend to <paramref name="byteOffset"/> bytes (SETATTR size with the open's
    /// stateid, RFC 7530 §16.32). Data this open wrote UNSTABLE is committed first, so a write the server
    /// lost and the client writes again after a restart cannot reappear past a new, smaller end.
    /// </summary>
    public int SetEndOfFile(ReadOnlySpan<char> fileName, long byteOffset, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            var status = CheckSetSize(context, byteOffset, out var handle, ref info);
            if (status != NtStatus.Success)
            {
                return status;
            }

            using (CredentialScope.Use(context.Credential))
            {
                FlushOpen(context, ref info);
                Wait(handle!.SetSizeAsync((ulong)byteOffset, Ct), ref info);
                NoteOwnChange(context.Path); // .Changes.cs: not announced back to Windows
            }

            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(SetEndOfFile), context.Path);
        }
    }

    /// <summary>
    /// SetAllocationSize: NFS has no allocation to reserve, so a size at or above the end of file changes
    /// nothing visible; one below it truncates the file, because the end of file may never exceed the
    /// allocation (MS-FSA 2.1.5.14.1; Dokan's mirror sample does the same).
    /// </summary>
    public int SetAllocationSize(ReadOnlySpan<char> fileName, long allocationSize, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            var status = CheckSetSize(context, allocationSize, out var handle, ref info);
            if (status != NtStatus.Success)
            {
                return status;
            }

            using (CredentialScope.Use(context.Credential))
            {
                var size = Wait(handle!.GetAttributesAsync(Ct), ref info).Size ?? 0;
                if ((ulong)allocationSize < size)
                {
                    FlushOpen(context, ref info);
                    Wait(handle.SetSizeAsync((ulong)allocationSize, Ct), ref info);
                    NoteOwnChange(context.Path);
                }
            }

            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(SetAllocationSize), context.Path);
        }
    }

    /// <summary>
    /// SetFileTime. A null pointer, 0 and -1 leave a time unchanged (MS-FSCC 2.4.7 FileBasicInformation;
    /// -2 as well, which on Windows only turns automatic updates back on); other negative values are
    /// STATUS_INVALID_PARAMETER. The creation time goes to time_create when the server supports it and is
    /// ignored, without an error, when it does not (NFS4ERR_ATTRNOTSUPP; NFS-Ganesha's VFS has none). Data this
    /// open wrote is committed before the times are set, so no later COMMIT (or a re-write after the server
    /// lost it) moves the last-write time the program just set — what robocopy and Explorer's copy rely on.
    /// </summary>
    public int SetFileTime(ReadOnlySpan<char> fileName, FILETIME? creationTime, FILETIME? lastAccessTime, FILETIME? lastWriteTime, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            if (!TryReadTime(creationTime, out var creation) || !TryReadTime(lastAccessTime, out var lastAccess) || !TryReadTime(lastWriteTime, out var lastWrite))
            {
                return NtStatus.InvalidParameter;
            }

            if (creation is null && lastAccess is null && lastWrite is null)
            {
                return NtStatus.Success;
            }

            if (Options.ReadOnly)
            {
                return NtStatus.MediaWriteProtected;
            }

            var attributes = new SetAttributes
            {
                TimeCreate = _timeCreateUnsupported ? null : creation,
                TimeAccess = lastAccess is { } a ? SetTime.ClientTime(a) : null,
                TimeModify = lastWrite is { } w ? SetTime.ClientTime(w) : null,
            };
            if (attributes.Mask.IsEmpty)
            {
                return NtStatus.Success;
            }

            using (CredentialScope.Use(context.Credential))
            {
                FlushOpen(context, ref info);
                try
                {
                    Wait(_fs.SetAttributesAsync(context.Path, attributes, Ct), ref info);
                    NoteOwnChange(context.Path);
                }
                catch (NfsException e) when (e.Status == NfsStat4.AttrNotSupp && attributes.TimeCreate is not null)
                {
                    // One mount of the drive speaks for all here: a server without time_create is common,
                    // and asking again for every file a copy touches would cost a round trip each.
                    _timeCreateUnsupported = true;
                    attributes = attributes with { TimeCreate = null };
                    if (!attributes.Mask.IsEmpty)
                    {
                        Wait(_fs.SetAttributesAsync(context.Path, attributes, Ct), ref info);
                        NoteOwnChange(context.Path);
                    }
                }
            }

            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(SetFileTime), context.Path);
        }
    }

    /// <summary>
    /// SetFileAttributes. 0 leaves the attributes unchanged (MS-FSCC 2.6). On a file READONLY maps onto the
    /// mode's write bits: setting it clears all of them (0222), clearing it — any value without READONLY,
    /// FILE_ATTRIBUTE_NORMAL included — gives the owner write back (u+w); the mode is only changed when that
    /// changes it. On a directory READONLY is ignored (Windows folders use it as "customized", see
    /// WindowsInfo). HIDDEN, SYSTEM, ARCHIVE, NORMAL and the rest are accepted and change nothing.
    /// DIRECTORY on a file and TEMPORARY on a directory are STATUS_INVALID_PARAMETER (MS-FSA 2.1.5.14.2).
    /// </summary>
    public int SetFileAttributes(ReadOnlySpan<char> fileName, uint fileAttributes, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            if (fileAttributes == 0)
            {
                return NtStatus.Success;
            }

            if (context.IsDirectory)
            {
                return (fileAttributes & FileAttributeTemporary) != 0 ? NtStatus.InvalidParameter : NtStatus.Success;
            }

            if ((fileAttributes & FileAttributeDirectory) != 0)
            {
                return NtStatus.InvalidParameter;
            }

            using (CredentialScope.Use(context.Credential))
            {
                var mode = Wait(_fs.GetAttributesAsync(context.Path, Ct), ref info).Mode ?? 0;
                mode &= SetAttributes.ModeMask;
                var wanted = (fileAttributes & FileAttributeReadOnly) != 0
                    ? mode & ~AllWriteBits
                    : (mode & OwnerWriteBit) == 0 ? mode | OwnerWriteBit : mode;
                if (wanted == mode)
                {
                    return NtStatus.Success;
                }

                if (Options.ReadOnly)
                {
                    return NtStatus.MediaWriteProtected;
                }

                Wait(_fs.SetAttributesAsync(context.Path, new SetAttributes { Mode = wanted }, Ct), ref info);
                NoteOwnChange(context.Path);
            }

            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(SetFileAttributes), context.Path);
        }
    }

    /// <summary>
    /// What SetEndOfFile and SetAllocationSize check before anything is sent: a non-negative size, a file
    /// (a directory has no end of file: STATUS_INVALID_PARAMETER, MS-FSA 2.1.5.14.1/.4), a writable volume,
    /// and an open that may change the data — the I/O manager asks FILE_WRITE_DATA for both information
    /// classes, so an open without it is STATUS_ACCESS_DENIED. A cleaned-up open (the cache manager's) uses
    /// its late OPEN.
    /// </summary>
    private int CheckSetSize(FileContext context, long size, out INfsFileHandle? handle, ref DOKAN_FILE_INFO info)
    {
        handle = null;
        if (size < 0 || context.IsDirectory)
        {
            return NtStatus.InvalidParameter;
        }

        if (Options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        if ((context.DesiredAccess & WriteDataAccess) == 0)
        {
            return NtStatus.AccessDenied;
        }

        if (context.Handle is { } own)
        {
            handle = own;
            return NtStatus.Success;
        }

        if (!context.IsCleanedUp)
        {
            return NtStatus.AccessDenied;
        }

        using (CredentialScope.Use(context.Credential))
        {
            handle = LateHandleFor(context, write: true, ref info);
        }

        return NtStatus.Success;
    }

    /// <summary>
    /// A FILETIME argument as the time to set: null when it is to stay unchanged (no pointer, 0, -1, -2).
    /// False for other negative values.
    /// </summary>
    private static bool TryReadTime(FILETIME? value, out NfsTime4? time)
    {
        time = null;
        if (value is not { } fileTime)
        {
            return true;
        }

        var ticks = WindowsInfo.ToTicks(fileTime);
        if (ticks is 0 or -1 or -2)
        {
            return true;
        }

        if (ticks < 0)
        {
            return false;
        }

        time = WindowsInfo.FromTicks(ticks);
        return true;
    }
}
