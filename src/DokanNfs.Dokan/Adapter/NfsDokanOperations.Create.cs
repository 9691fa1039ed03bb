using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Adapter;

// ZwCreateFile, Cleanup and CloseFile: the life of one open (../shared/windows-io.md §0).
public sealed partial class NfsDokanOperations
{
    private const uint OwnerWriteBits = 0x92; // 0222: what READONLY takes away

    /// <summary>
    /// ZwCreateFile with the kernel's raw arguments. Success for an object that was created or plainly opened;
    /// STATUS_OBJECT_NAME_COLLISION for an existing object opened by OPEN_IF / OVERWRITE_IF / SUPERSEDE, which
    /// is how Dokan learns to report FILE_OPENED / FILE_OVERWRITTEN rather than FILE_CREATED (dokan create.c).
    /// Sets <see cref="DOKAN_FILE_INFO.IsDirectory"/> whenever the object is a directory. Opens that only read
    /// attributes or security, and directory opens, send no NFS OPEN.
    /// </summary>
    public int ZwCreateFile(
        ReadOnlySpan<char> fileName, uint desiredAccess, uint fileAttributes, uint shareAccess, uint createDisposition, uint createOptions, ref DOKAN_FILE_INFO info)
    {
        string? path = null;
        try
        {
            var status = ResolvePath(fileName, ref info, out path);
            if (status != NtStatus.Success)
            {
                return status;
            }

            var credential = RequesterCredential(ref info, out status);
            if (status != NtStatus.Success)
            {
                return status;
            }

            using (CredentialScope.Use(credential))
            {
                return Create(path, desiredAccess, fileAttributes, shareAccess, createDisposition, createOptions, credential, ref info);
            }
        }
        catch (Exception e)
        {
            return Fail(e, nameof(ZwCreateFile), path);
        }
    }

    private int Create(
        string path, uint desiredAccess, uint fileAttributes, uint shareAccess, uint disposition, uint createOptions, Core.Rpc.RpcCredential? credential, ref DOKAN_FILE_INFO info)
    {
        var wantDirectory = (createOptions & FileDirectoryFile) != 0;
        var wantFile = (createOptions & FileNonDirectoryFile) != 0;
        var deleteOnClose = (createOptions & FileDeleteOnClose) != 0;
        if ((wantDirectory && wantFile) || disposition > FileOverwriteIf)
        {
            return NtStatus.InvalidParameter;
        }

        var status = Lookup(path, ref info, out var existing);
        if (status != NtStatus.Success)
        {
            return status;
        }

        if (existing is null)
        {
            return CreateNew(path, desiredAccess, fileAttributes, shareAccess, disposition, createOptions, credential, ref info);
        }

        var isDirectory = WindowsInfo.IsDirectory(existing);
        var overwrite = disposition is FileOverwrite or FileOverwriteIf or FileSupersede;
        if (isDirectory && wantFile)
        {
            return NtStatus.FileIsADirectory;
        }

        if (!isDirectory && wantDirectory)
        {
            return NtStatus.NotADirectory;
        }

        if (disposition == FileCreate)
        {
            return NtStatus.ObjectNameCollision;
        }

        if (isDirectory && overwrite)
        {
            // The I/O manager lets only CREATE / OPEN / OPEN_IF through with FILE_DIRECTORY_FILE; overwriting a
            // directory found without it is refused as NTFS refuses it (ERROR_ACCESS_DENIED to Win32).
            return wantDirectory ? NtStatus.InvalidParameter : NtStatus.FileIsADirectory;
        }

        var writes = overwrite || (desiredAccess & WriteAccess) != 0;
        if (Options.ReadOnly && (writes || deleteOnClose))
        {
            return NtStatus.MediaWriteProtected;
        }

        if (!isDirectory && (WindowsInfo.FileAttributes(existing) & FileAttributeReadOnly) != 0)
        {
            if (deleteOnClose)
            {
                return NtStatus.CannotDelete;
            }

            if (writes)
            {
                return NtStatus.AccessDenied;
            }
        }

        if (isDirectory && deleteOnClose && !IsEmptyDirectory(path, ref info))
        {
            return NtStatus.DirectoryNotEmpty;
        }

        INfsFileHandle? handle = null;
        if (!isDirectory && (overwrite || (desiredAccess & DataAccess) != 0))
        {
            handle = Wait(_fs.OpenAsync(path, new OpenRequest { Access = ShareAccessFor(desiredAccess, overwrite), Deny = ShareDenyFor(shareAccess), Truncate = overwrite }, Ct), ref info);
            if (overwrite)
            {
                NoteOwnChange(path); // .Changes.cs: not announced back to Windows
            }
        }

        var context = Handles.Add(path, isDirectory, desiredAccess, shareAccess, createOptions, credential);
        context.Handle = handle;
        info.Context = context.Id;
        info.IsDirectory = isDirectory ? (byte)1 : (byte)0;
        return disposition is FileOpenIf or FileOverwriteIf or FileSupersede ? NtStatus.ObjectNameCollision : NtStatus.Success;
    }

    private int CreateNew(
        string path, uint desiredAccess, uint fileAttributes, uint shareAccess, uint disposition, uint createOptions, Core.Rpc.RpcCredential? credential, ref DOKAN_FILE_INFO info)
    {
        if (disposition is FileOpen or FileOverwrite)
        {
            return NtStatus.ObjectNameNotFound;
        }

        if (Options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        var isDirectory = (createOptions & FileDirectoryFile) != 0;
        INfsFileHandle? handle = null;
        if (isDirectory)
        {
            Wait(_fs.CreateDirectoryAsync(path, new SetAttributes { Mode = Options.NewDirectoryMode }, Ct), ref info);
        }
        else
        {
            var mode = (fileAttributes & FileAttributeReadOnly) != 0 ? Options.NewFileMode & ~OwnerWriteBits : Options.NewFileMode;
            handle = Wait(
                _fs.OpenAsync(
                    path,
                    new OpenRequest
                    {
                        Access = ShareAccessFor(desiredAccess, overwrite: false),
                        Deny = ShareDenyFor(shareAccess),
                        Create = disposition == FileCreate ? CreateMode4.Guarded : CreateMode4.Unchecked,
                        CreateAttributes = new SetAttributes { Mode = mode },
                    },
                    Ct),
                ref info);
        }

        NoteOwnCreate(path, isDirectory); // .Changes.cs: not announced back to Windows
        var context = Handles.Add(path, isDirectory, desiredAccess, shareAccess, createOptions, credential);
        context.Handle = handle;
        info.Context = context.Id;
        info.IsDirectory = isDirectory ? (byte)1 : (byte)0;
        return NtStatus.Success;
    }

    /// <summary>
    /// The attributes of <paramref name="path"/>, or null with Success when it does not exist but its parent
    /// does; STATUS_OBJECT_PATH_NOT_FOUND when a directory on the way is missing (cmd tells the two apart).
    /// </summary>
    private int Lookup(string path, ref DOKAN_FILE_INFO info, out NfsAttributes? attributes)
    {
        attributes = null;
        try
        {
            attributes = Wait(_fs.GetAttributesAsync(path, Ct), ref info);
            NoticeAttributes(path, attributes, ownOpen: false, canRelist: false, ref info); // .Changes.cs
            return NtStatus.Success;
        }
        catch (NfsException e) when (e.Status is NfsStat4.NotDir or NfsStat4.Symlink)
        {
            return NtStatus.ObjectPathNotFound;
        }
        catch (NfsException e) when (e.Status == NfsStat4.NoEnt)
        {
            var parent = NfsPath.SplitLast(path).Parent;
            if (parent == "/" || parent == path)
            {
                return NtStatus.Success;
            }

            try
            {
                var parentAttributes = Wait(_fs.GetAttributesAsync(parent, Ct), ref info);
                return WindowsInfo.IsDirectory(parentAttributes) ? NtStatus.Success : NtStatus.ObjectPathNotFound;
            }
            catch (NfsException p) when (p.Status is NfsStat4.NoEnt or NfsStat4.NotDir or NfsStat4.Symlink)
            {
                return NtStatus.ObjectPathNotFound;
            }
        }
    }

    private bool IsEmptyDirectory(string path, ref DOKAN_FILE_INFO info)
    {
        var listing = _fs.ListAsync(path, Ct).GetAsyncEnumerator(Ct);
        try
        {
            return !Wait(listing.MoveNextAsync(), ref info);
        }
        finally
        {
            Wait(listing.DisposeAsync(), ref info);
        }
    }

    /// <summary>DesiredAccess → OPEN share_access (RFC 7530 §16.16): what the handle may do with the data.</summary>
    internal static OpenShareAccess ShareAccessFor(uint desiredAccess, bool overwrite)
    {
        var access = OpenShareAccess.None;
        if ((desiredAccess & (FileReadData | FileExecute | GenericRead | GenericExecute | GenericAll)) != 0)
        {
            access |= OpenShareAccess.Read;
        }

        if (overwrite || (desiredAccess & WriteAccess) != 0)
        {
            access |= OpenShareAccess.Write;
        }

        // OPEN needs some access; a create asked for none (attributes only) still makes an open to create with.
        return access == OpenShareAccess.None ? OpenShareAccess.Read : access;
    }

    /// <summary>ShareAccess → OPEN share_deny: what this handle refuses others (a missing FILE_SHARE_* bit).</summary>
    internal static OpenShareDeny ShareDenyFor(uint shareAccess)
    {
        var deny = OpenShareDeny.None;
        if ((shareAccess & FileShareRead) == 0)
        {
            deny |= OpenShareDeny.Read;
        }

        if ((shareAccess & FileShareWrite) == 0)
        {
            deny |= OpenShareDeny.Write;
        }

        return deny;
    }

    /// <summary>
    /// Cleanup: the program closed its handle. The NFS OPEN (and so its share reservation and locks) goes now,
    /// not at CloseFile, so the next program is not refused by an open the cache manager still holds; a
    /// pending delete happens here (Dokan 2.3+ calls with DeletePending only on the last handle's Cleanup).
    /// Cannot fail; errors are logged.
    /// </summary>
    public void Cleanup(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null || !context.TryBeginCleanup())
        {
            return;
        }

        var remove = info.DeletePending != 0 || context.DeleteOnClose;
        using (CredentialScope.Use(context.Credential))
        {
            Wait(ReleaseAsync(context, remove), ref info);
        }
    }

    /// <summary>CloseFile: the last reference is gone. Whatever Cleanup did not release (it may never have run) goes now.</summary>
    public void CloseFile(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null || !context.TryBeginClose())
        {
            return;
        }

        Handles.Remove(context.Id);
        using (CredentialScope.Use(context.Credential))
        {
            if (context.TryBeginCleanup())
            {
                Wait(ReleaseAsync(context, removeIfPending: context.DeleteOnClose), ref info);
            }

            if (context.LateHandle is { } late)
            {
                context.LateHandle = null;
                Wait(CloseQuietlyAsync(late, nameof(CloseFile)), ref info);
            }
        }

        info.Context = 0;
    }

    /// <summary>Flushes and closes the open's NFS OPEN, then removes the object if asked. Never throws.</summary>
    private async ValueTask ReleaseAsync(FileContext context, bool removeIfPending)
    {
        INfsFileHandle? handle;
        lock (context.Sync)
        {
            handle = context.Handle;
            context.Handle = null;
        }

        if (handle is not null)
        {
            if (context.Dirty)
            {
                try
                {
                    await handle.FlushAsync(Ct).ConfigureAwait(false);
                    context.Dirty = false;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    AdapterLog.ReleaseFailed(_logger, nameof(Cleanup), context.Path, e.Message);
                }
            }

            await CloseQuietlyAsync(handle, nameof(Cleanup)).ConfigureAwait(false);
        }

        if (removeIfPending)
        {
            try
            {
                await _fs.RemoveAsync(context.Path, Ct).ConfigureAwait(false);
                NoteOwnRemove(context.Path); // .Changes.cs: not announced back to Windows
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                AdapterLog.ReleaseFailed(_logger, "delete", context.Path, e.Message);
            }
        }
    }

    private async ValueTask CloseQuietlyAsync(INfsFileHandle handle, string callback)
    {
        try
        {
            await handle.CloseAsync(Ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            AdapterLog.ReleaseFailed(_logger, callback, handle.Path, e.Message);
        }
        finally
        {
            await handle.DisposeAsync().ConfigureAwait(false);
        }
    }
}
