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

    /// <summary>Drive paths whose delete waits for their last open's Cleanup (see <see cref="RemoveAtCleanup"/>).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _deleteWhenLastClosed = new(StringComparer.Ordinal);

    /// <summary>MAXIMUM_ALLOWED (winnt.h): whatever the caller may have; read, and write where the file allows it.</summary>
    private const uint MaximumAllowed = 0x02000000;

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

            if (!_deleteWhenLastClosed.IsEmpty && _deleteWhenLastClosed.ContainsKey(path))
            {
                // The object is to go when its last open is cleaned up; NTFS refuses new opens meanwhile.
                return NtStatus.DeletePending;
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
        var request = new CreateRequest(path, desiredAccess, fileAttributes, shareAccess, disposition, createOptions, credential);
        if ((request.WantDirectory && request.WantFile) || disposition > FileOverwriteIf)
        {
            return NtStatus.InvalidParameter;
        }

        if (request.WantDirectory && disposition is not (FileCreate or FileOpen or FileOpenIf))
        {
            // The I/O manager lets FILE_DIRECTORY_FILE through only with CREATE, OPEN and OPEN_IF (NtCreateFile's
            // parameter checks); a directory is never superseded or overwritten.
            return NtStatus.InvalidParameter;
        }

        // Two rounds at most: a create that finds the name taken by someone faster opens what is there instead.
        for (var round = 0; ; round++)
        {
            var status = Lookup(path, ref info, out var existing);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (existing is not null)
            {
                return OpenExisting(request, existing, ref info);
            }

            status = CreateNew(request, ref info, out var raced);
            if (!raced)
            {
                return status;
            }

            if (round > 0)
            {
                return NtStatus.ObjectNameCollision;
            }
        }
    }

    /// <summary>
    /// ZwCreateFile on an object that exists, in NTFS's order: CREATE collides whatever the object is
    /// (CreateDirectory over a file fails with ERROR_ALREADY_EXISTS, which .NET's Directory.CreateDirectory relies
    /// on; FastFat would check the type first); then the type the caller demanded; then the disposition, access
    /// and delete-on-close rules.
    /// </summary>
    private int OpenExisting(in CreateRequest request, NfsAttributes existing, ref DOKAN_FILE_INFO info)
    {
        var disposition = request.Disposition;
        if (disposition == FileCreate)
        {
            return NtStatus.ObjectNameCollision;
        }

        var isDirectory = WindowsInfo.IsDirectory(existing);
        if (isDirectory && request.WantFile)
        {
            return NtStatus.FileIsADirectory;
        }

        if (!isDirectory && request.WantDirectory)
        {
            return NtStatus.NotADirectory;
        }

        var overwrite = disposition is FileOverwrite or FileOverwriteIf or FileSupersede;
        if (isDirectory && overwrite)
        {
            // Only reachable without FILE_DIRECTORY_FILE (that case was refused above). FastFat answers
            // OBJECT_NAME_COLLISION here, but Dokan reads that as "opened" for OVERWRITE_IF and SUPERSEDE; a
            // directory cannot be overwritten as a file, and Win32 shows FILE_IS_A_DIRECTORY as ERROR_ACCESS_DENIED,
            // what CreateFile(CREATE_ALWAYS) on a folder gives on NTFS.
            return NtStatus.FileIsADirectory;
        }

        var attributes = WindowsInfo.FileAttributes(existing);
        var writable = (attributes & FileAttributeReadOnly) == 0 && !Options.ReadOnly;
        var writes = overwrite || (request.DesiredAccess & WriteAccess) != 0;
        if (Options.ReadOnly && (writes || request.DeleteOnClose))
        {
            return NtStatus.MediaWriteProtected;
        }

        if (!isDirectory)
        {
            if ((attributes & FileAttributeReadOnly) != 0)
            {
                // FastFat's order: the access check (write to a read-only file) before the delete-on-close one.
                if (writes)
                {
                    return NtStatus.AccessDenied;
                }

                if (request.DeleteOnClose)
                {
                    return NtStatus.CannotDelete;
                }
            }

            if (overwrite && HidesWhatTheCallerDidNotAskFor(attributes, request.FileAttributes))
            {
                // CreateFile: CREATE_ALWAYS / TRUNCATE_EXISTING on a HIDDEN or SYSTEM file must name those attributes.
                return NtStatus.AccessDenied;
            }
        }
        else if (request.DeleteOnClose)
        {
            if (request.Path == "/")
            {
                return NtStatus.CannotDelete;
            }

            if (!IsEmptyDirectory(request.Path, ref info))
            {
                return NtStatus.DirectoryNotEmpty;
            }
        }

        INfsFileHandle? handle = null;
        if (!isDirectory && (overwrite || NeedsOpen(request.DesiredAccess)))
        {
            var open = new OpenRequest { Access = ShareAccessFor(request.DesiredAccess, overwrite), Deny = ShareDenyFor(request.ShareAccess), Truncate = overwrite };
            var maximum = (request.DesiredAccess & MaximumAllowed) != 0 && writable && (open.Access & OpenShareAccess.Write) == 0;
            try
            {
                handle = Wait(_fs.OpenAsync(request.Path, maximum ? open with { Access = open.Access | OpenShareAccess.Write } : open, Ct), ref info);
            }
            catch (NfsException e) when (maximum && e.Status == NfsStat4.Access)
            {
                // MAXIMUM_ALLOWED: the server lets this user read but not write; read is what they get.
                handle = Wait(_fs.OpenAsync(request.Path, open, Ct), ref info);
            }

            if (overwrite)
            {
                NoteOwnChange(request.Path); // .Changes.cs: not announced back to Windows
            }
        }

        // dokan create.c: OBJECT_NAME_COLLISION from these three means FILE_OPENED / FILE_OVERWRITTEN / FILE_SUPERSEDED.
        var status = disposition is FileOpenIf or FileOverwriteIf or FileSupersede ? NtStatus.ObjectNameCollision : NtStatus.Success;
        return Opened(request, isDirectory, handle, status, ref info);
    }

    /// <summary>
    /// ZwCreateFile on a name that does not exist (its parent does). <paramref name="raced"/> is set when the
    /// name appeared meanwhile and the disposition would open it: the caller looks again.
    /// </summary>
    private int CreateNew(in CreateRequest request, ref DOKAN_FILE_INFO info, out bool raced)
    {
        raced = false;
        var disposition = request.Disposition;
        if (disposition is FileOpen or FileOverwrite)
        {
            return NtStatus.ObjectNameNotFound;
        }

        if (Options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        var readOnly = (request.FileAttributes & FileAttributeReadOnly) != 0;
        using var ownCreate = BeginOwnChange(request.Path); // .Changes.cs: a listing meanwhile does not announce it
        if (request.WantDirectory)
        {
            try
            {
                Wait(_fs.CreateDirectoryAsync(request.Path, new SetAttributes { Mode = Options.NewDirectoryMode }, Ct), ref info);
            }
            catch (NfsException e) when (e.Status == NfsStat4.Exist && disposition != FileCreate)
            {
                raced = true;
                return NtStatus.ObjectNameCollision;
            }

            NoteOwnCreate(request.Path, isDirectory: true); // .Changes.cs: not announced back to Windows
            return Opened(request, isDirectory: true, handle: null, NtStatus.Success, ref info);
        }

        if (request.DeleteOnClose && readOnly)
        {
            // A read-only file could never be deleted on close: refuse before it exists (as Dokan's mirror does).
            return NtStatus.CannotDelete;
        }

        // GUARDED4 (RFC 7530 §16.16.3): an UNCHECKED4 create would open a file someone made since the lookup and
        // report it created; instead the name is looked at again and the existing object opened.
        var dataAccess = NeedsOpen(request.DesiredAccess);
        var mode = readOnly ? Options.NewFileMode & ~OwnerWriteBits : Options.NewFileMode;
        var access = ShareAccessFor(request.DesiredAccess, overwrite: false);
        if ((request.DesiredAccess & MaximumAllowed) != 0 && !readOnly)
        {
            access |= OpenShareAccess.Write;
        }

        INfsFileHandle handle;
        try
        {
            handle = Wait(
                _fs.OpenAsync(
                    request.Path,
                    new OpenRequest
                    {
                        Access = access,
                        Deny = dataAccess ? ShareDenyFor(request.ShareAccess) : OpenShareDeny.None,
                        Create = CreateMode4.Guarded,
                        CreateAttributes = new SetAttributes { Mode = mode },
                    },
                    Ct),
                ref info);
        }
        catch (NfsException e) when (e.Status == NfsStat4.Exist && disposition != FileCreate)
        {
            raced = true;
            return NtStatus.ObjectNameCollision;
        }

        NoteOwnCreate(request.Path, isDirectory: false); // .Changes.cs: not announced back to Windows
        if (!dataAccess)
        {
            // Created for attributes only: the OPEN that made the file is not kept, so it holds no share
            // reservation (Windows checks share modes only between opens that read, write or delete data).
            Wait(CloseQuietlyAsync(handle, nameof(ZwCreateFile)), ref info);
            return Opened(request, isDirectory: false, handle: null, NtStatus.Success, ref info);
        }

        return Opened(request, isDirectory: false, handle, NtStatus.Success, ref info);
    }

    /// <summary>Records a successful open: its context id goes to Dokan, IsDirectory types the kernel's handle.</summary>
    private int Opened(in CreateRequest request, bool isDirectory, INfsFileHandle? handle, int status, ref DOKAN_FILE_INFO info)
    {
        var context = Handles.Add(request.Path, isDirectory, request.DesiredAccess, request.ShareAccess, request.CreateOptions, request.Credential);
        context.Handle = handle;
        info.Context = context.Id;
        info.IsDirectory = isDirectory ? (byte)1 : (byte)0;
        return status;
    }

    /// <summary>Rights that read or change data need an NFS OPEN; attributes, security, DELETE and SYNCHRONIZE do not.</summary>
    private static bool NeedsOpen(uint desiredAccess) => (desiredAccess & (DataAccess | MaximumAllowed)) != 0;

    /// <summary>The existing file is HIDDEN or SYSTEM and the caller's attributes do not say so.</summary>
    private static bool HidesWhatTheCallerDidNotAskFor(uint existing, uint requested)
    {
        var special = existing & (FileAttributeHidden | FileAttributeSystem);
        return (special & ~requested) != 0;
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

        var remove = RemoveAtCleanup(context, info.DeletePending != 0 || context.DeleteOnClose);
        using (CredentialScope.Use(context.Credential))
        {
            Wait(ReleaseAsync(context, remove), ref info);
        }
    }

    /// <summary>
    /// Whether this Cleanup removes the object. A delete (on close, or pending by disposition) takes effect when
    /// the object's LAST open is cleaned up, as on NTFS: with other opens still live it is remembered and done by
    /// the last one. <paramref name="context"/> has begun its cleanup, so it does not count itself.
    /// </summary>
    private bool RemoveAtCleanup(FileContext context, bool deleteRequested)
    {
        if (!deleteRequested && (_deleteWhenLastClosed.IsEmpty || !_deleteWhenLastClosed.ContainsKey(context.Path)))
        {
            return false;
        }

        if (HasOtherLiveOpen(context))
        {
            _deleteWhenLastClosed[context.Path] = 0;
            return false;
        }

        _deleteWhenLastClosed.TryRemove(context.Path, out _);
        return true;
    }

    private bool HasOtherLiveOpen(FileContext context)
    {
        foreach (var other in Handles.Snapshot())
        {
            if (other.Id != context.Id && !other.IsCleanedUp && string.Equals(other.Path, context.Path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
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
                // No Cleanup came: a delete that was due then (on close, or pending by disposition) is done here.
                Wait(ReleaseAsync(context, RemoveAtCleanup(context, context.DeleteOnClose || info.DeletePending != 0)), ref info);
            }

            if (context.LateHandle is { } late)
            {
                context.LateHandle = null;
                Wait(CloseQuietlyAsync(late, nameof(CloseFile)), ref info);
            }
        }

        info.Context = 0;
    }

    /// <summary>Closes the open's NFS OPEN (committing its writes), then removes the object if asked. Never throws.</summary>
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
            // No separate flush of a written handle: its close commits what is uncommitted, in the CLOSE's own COMPOUND
            // when nothing else must come first (NfsOpenFile.CommitClose.cs), and a failure is logged like the close's.
            await CloseQuietlyAsync(handle, nameof(Cleanup)).ConfigureAwait(false);
            context.Dirty = false;
        }

        if (removeIfPending)
        {
            try
            {
                var path = context.Path;
                using (BeginOwnChange(path)) // .Changes.cs: a listing meanwhile does not announce it
                {
                    await _fs.RemoveAsync(path, Ct).ConfigureAwait(false);
                    NoteOwnRemove(path); // .Changes.cs: not announced back to Windows
                }
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

    /// <summary>ZwCreateFile's arguments, carried through the steps of one create.</summary>
    private readonly record struct CreateRequest(
        string Path, uint DesiredAccess, uint FileAttributes, uint ShareAccess, uint Disposition, uint CreateOptions, Core.Rpc.RpcCredential? Credential)
    {
        public bool WantDirectory => (CreateOptions & FileDirectoryFile) != 0;

        public bool WantFile => (CreateOptions & FileNonDirectoryFile) != 0;

        public bool DeleteOnClose => (CreateOptions & FileDeleteOnClose) != 0;
    }
}
