using System.Buffers;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Adapter;

// ReadFile, WriteFile and FlushFileBuffers (issue 6 §3). Sizes, times and attributes are in .SetInfo.cs,
// byte-range locks in .Locks.cs.
//
// Which open carries the I/O: the open's own NFS OPEN (FileContext.Handle) for what the program asked. The
// I/O manager checks a handle's granted access before a read or write IRP exists (NtReadFile needs
// FILE_READ_DATA, NtWriteFile FILE_WRITE_DATA or FILE_APPEND_DATA), so a non-paging read or write the open's
// DesiredAccess does not allow is answered STATUS_ACCESS_DENIED, as Windows would — that covers opens that
// only read attributes (no NFS OPEN) and writes on opens made for reading (an NFS OPEN for read). Paging I/O
// is different: the cache manager and the memory manager send it through whichever file object backs the
// section, possibly one opened read-only or one already cleaned up (its NFS OPEN closed at Cleanup), so
// paging I/O that the open's NFS OPEN cannot carry goes through an OPEN made on demand
// (FileContext.LateHandle: deny none, for read, or read and write once a paging write needs it), which
// CloseFile closes — as Dokan's mirror sample reopens the file for I/O on a cleaned-up handle.
public sealed partial class NfsDokanOperations
{
    /// <summary>Rights NtReadFile needs (winnt.h; generic rights usually arrive mapped already).</summary>
    private const uint ReadDataAccess = FileReadData | GenericRead | GenericAll;

    /// <summary>Rights that let NtWriteFile write at an offset; FILE_APPEND_DATA alone only appends.</summary>
    private const uint WriteDataAccess = FileWriteData | GenericWrite | GenericAll;

    private static readonly OpenRequest LateReadRequest = new() { Access = OpenShareAccess.Read, Deny = OpenShareDeny.None };

    private static readonly OpenRequest LateWriteRequest = new() { Access = OpenShareAccess.Both, Deny = OpenShareDeny.None };

    /// <summary>
    /// ReadFile at <paramref name="offset"/>. A read that starts at or after end of file answers
    /// STATUS_END_OF_FILE with nothing read, as NTFS does for NtReadFile; a read that crosses it returns the
    /// bytes up to it with STATUS_SUCCESS. (Dokan's library turns STATUS_SUCCESS with 0 bytes into
    /// STATUS_END_OF_FILE itself — dokan/read.c — so the program sees the same either way.) A read into a
    /// range another handle of the file has locked fails with STATUS_FILE_LOCK_CONFLICT; paging I/O is not
    /// subject to byte-range locks. Allocates nothing of its own per call: the bytes come through a pooled
    /// buffer.
    /// </summary>
    public int ReadFile(ReadOnlySpan<char> fileName, Span<byte> buffer, out uint readLength, long offset, ref DOKAN_FILE_INFO info)
    {
        readLength = 0;
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            var paging = info.PagingIo != 0;
            var status = CheckIo(context, offset, buffer.Length, paging, ReadDataAccess, checkLocks: true, ref info);
            if (status != NtStatus.Success || buffer.IsEmpty)
            {
                return status;
            }

            var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                int read;
                using (CredentialScope.Use(context.Credential))
                {
                    read = ReadThrough(context, offset, rented.AsMemory(0, buffer.Length), paging, ref info, out status);
                }

                if (status != NtStatus.Success)
                {
                    return status;
                }

                if (read == 0)
                {
                    return NtStatus.EndOfFile;
                }

                rented.AsSpan(0, read).CopyTo(buffer);
                readLength = (uint)read;
                return NtStatus.Success;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        catch (Exception e)
        {
            return Fail(e, nameof(ReadFile), context.Path);
        }
    }

    /// <summary>
    /// WriteFile at <paramref name="offset"/>. With WriteToEndOfFile (the I/O manager's
    /// FILE_WRITE_TO_END_OF_FILE, also what an open with FILE_APPEND_DATA but not FILE_WRITE_DATA gets) the
    /// offset is ignored and the data goes at the file's current end. Paging writes never extend the file
    /// (the memory manager writes whole pages; the size is the file system's): they are clipped to the
    /// current size, and one that starts at or past it writes nothing and succeeds — as Dokan's mirror sample
    /// and FastFat do. A write into a range another handle has locked fails with STATUS_FILE_LOCK_CONFLICT.
    /// </summary>
    public int WriteFile(ReadOnlySpan<char> fileName, ReadOnlySpan<byte> buffer, out uint writtenLength, long offset, ref DOKAN_FILE_INFO info)
    {
        writtenLength = 0;
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            if (Options.ReadOnly)
            {
                return NtStatus.MediaWriteProtected;
            }

            var paging = info.PagingIo != 0;
            var append = info.WriteToEndOfFile != 0;
            if (!paging && !append && (context.DesiredAccess & WriteDataAccess) == 0 && (context.DesiredAccess & FileAppendData) != 0)
            {
                // Append-only access: the I/O manager sends such writes to the end of file (NtWriteFile).
                append = true;
            }

            var status = CheckIo(context, append ? 0 : offset, buffer.Length, paging, WriteDataAccess | FileAppendData, checkLocks: !append, ref info);
            if (status != NtStatus.Success || buffer.IsEmpty)
            {
                return status;
            }

            var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
            try
            {
                buffer.CopyTo(rented);
                int written;
                using (CredentialScope.Use(context.Credential))
                {
                    written = WriteThrough(context, append ? -1 : offset, rented.AsMemory(0, buffer.Length), paging, ref info, out status);
                }

                writtenLength = (uint)written;
                return status;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        catch (Exception e)
        {
            return Fail(e, nameof(WriteFile), context.Path);
        }
    }

    /// <summary>
    /// FlushFileBuffers: COMMIT what this open wrote UNSTABLE (RFC 7530 §16.3), so it is on the server's
    /// stable storage. An open with nothing written (or no NFS OPEN at all) has nothing to flush.
    /// </summary>
    public int FlushFileBuffers(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            using (CredentialScope.Use(context.Credential))
            {
                FlushOpen(context, ref info);
            }

            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(FlushFileBuffers), context.Path);
        }
    }

    /// <summary>
    /// The checks Windows makes before a read or write reaches a file system: a directory has no data
    /// (Dokan's driver answers STATUS_INVALID_PARAMETER; NTFS STATUS_INVALID_DEVICE_REQUEST); offsets are
    /// non-negative and offset + length fits; non-paging I/O needs an open that is not cleaned up
    /// (STATUS_FILE_CLOSED) and was granted <paramref name="access"/> (STATUS_ACCESS_DENIED), and must not touch
    /// a range another handle locked (STATUS_FILE_LOCK_CONFLICT). An append's range is checked once its offset is known.
    /// </summary>
    private int CheckIo(FileContext context, long offset, int length, bool paging, uint access, bool checkLocks, ref DOKAN_FILE_INFO info)
    {
        if (context.IsDirectory)
        {
            return NtStatus.InvalidDeviceRequest;
        }

        if (offset < 0 || offset > long.MaxValue - length)
        {
            return NtStatus.InvalidParameter;
        }

        if (paging)
        {
            return NtStatus.Success;
        }

        if (context.IsCleanedUp)
        {
            return NtStatus.FileClosed;
        }

        if ((context.DesiredAccess & access) == 0)
        {
            return NtStatus.AccessDenied;
        }

        return checkLocks && _locks.BlocksIo(context, info.ProcessId, offset, length) ? NtStatus.FileLockConflict : NtStatus.Success;
    }

    /// <summary>READ through the open that can carry it; on paging I/O, once more through a late OPEN when that one could not.</summary>
    private int ReadThrough(FileContext context, long offset, Memory<byte> into, bool paging, ref DOKAN_FILE_INFO info, out int status)
    {
        var late = false;
        while (true)
        {
            var handle = IoHandle(context, write: false, paging, late, ref info);
            if (handle is null)
            {
                status = NtStatus.AccessDenied;
                return 0;
            }

            try
            {
                status = NtStatus.Success;
                return Wait(handle.ReadAsync(offset, into, Ct), ref info);
            }
            catch (Exception e) when (paging && !late && ShouldRetryLate(context, handle, e))
            {
                late = true;
            }
        }
    }

    /// <summary>WRITE through the open that can carry it (offset -1: at the end of file), clipped for paging I/O; the count written.</summary>
    private int WriteThrough(FileContext context, long offset, ReadOnlyMemory<byte> data, bool paging, ref DOKAN_FILE_INFO info, out int status)
    {
        var late = false;
        while (true)
        {
            var handle = IoHandle(context, write: true, paging, late, ref info);
            if (handle is null)
            {
                status = NtStatus.AccessDenied;
                return 0;
            }

            try
            {
                var at = offset;
                var length = data.Length;
                if (at < 0 || paging)
                {
                    var size = (long)Math.Min(Wait(handle.GetAttributesAsync(Ct), ref info).Size ?? 0, long.MaxValue);
                    if (at < 0)
                    {
                        // WriteToEndOfFile: the current end, as the server sees it (UNSTABLE writes included).
                        at = size;
                        if (at > long.MaxValue - length)
                        {
                            status = NtStatus.InvalidParameter;
                            return 0;
                        }

                        if (!paging && _locks.BlocksIo(context, info.ProcessId, at, length))
                        {
                            status = NtStatus.FileLockConflict;
                            return 0;
                        }
                    }

                    if (paging)
                    {
                        // Never past the end: a page that starts there writes nothing.
                        length = at >= size ? 0 : (int)Math.Min(length, size - at);
                    }

                    if (length == 0)
                    {
                        status = NtStatus.Success;
                        return 0;
                    }
                }

                Wait(handle.WriteAsync(at, data[..length], Ct), ref info);
                context.Dirty = true;
                NoteOwnChange(context.Path); // .Changes.cs: not announced back to Windows
                status = NtStatus.Success;
                return length;
            }
            catch (Exception e) when (paging && !late && ShouldRetryLate(context, handle, e))
            {
                late = true;
            }
        }
    }

    /// <summary>
    /// The open I/O goes through: the open's own NFS OPEN when it allows the I/O; for paging I/O otherwise
    /// (or when <paramref name="forceLate"/>), the late OPEN. Null when nothing may carry it.
    /// </summary>
    private INfsFileHandle? IoHandle(FileContext context, bool write, bool paging, bool forceLate, ref DOKAN_FILE_INFO info)
    {
        if (!forceLate && context.Handle is { } handle && (!write || (context.DesiredAccess & WriteAccess) != 0))
        {
            return handle;
        }

        return paging ? LateHandleFor(context, write, ref info) : null;
    }

    /// <summary>
    /// A paging I/O that failed on the open's own NFS OPEN goes again through a late OPEN when that OPEN could
    /// not carry it (NFS4ERR_OPENMODE: a write-only OPEN asked to read), or was closed under it (Cleanup ran
    /// meanwhile, or a read-only late OPEN was replaced by a read-write one).
    /// </summary>
    private static bool ShouldRetryLate(FileContext context, INfsFileHandle used, Exception e)
    {
        if (e is NfsException { Status: NfsStat4.OpenMode })
        {
            return true;
        }

        var stillCurrent = ReferenceEquals(used, context.Handle) || ReferenceEquals(used, context.LateHandle);
        return !stillCurrent && e is ObjectDisposedException or NfsException;
    }

    /// <summary>
    /// The late OPEN of <paramref name="context"/>, made now if there is none yet or it cannot write and
    /// <paramref name="write"/> is asked. Deny none: Windows no longer counts a cleaned-up handle in share
    /// checks, so this OPEN should stand in no one's way; for reading only until a paging write comes.
    /// </summary>
    private INfsFileHandle LateHandleFor(FileContext context, bool write, ref DOKAN_FILE_INFO info)
    {
        lock (context.Sync)
        {
            if (context.LateHandle is { } existing && (!write || context.LateHandleWrites))
            {
                return existing;
            }
        }

        var opened = Wait(_fs.OpenAsync(context.Path, write ? LateWriteRequest : LateReadRequest, Ct), ref info);
        INfsFileHandle? surplus;
        lock (context.Sync)
        {
            if (context.LateHandle is { } raced && (!write || context.LateHandleWrites))
            {
                // Another paging I/O made one meanwhile: use it, give ours back.
                surplus = opened;
                opened = raced;
            }
            else
            {
                surplus = context.LateHandle;
                context.LateHandle = opened;
                context.LateHandleWrites = write;
            }
        }

        if (surplus is not null)
        {
            Wait(CloseQuietlyAsync(surplus, nameof(WriteFile)), ref info);
        }

        return opened;
    }

    /// <summary>COMMITs whatever this open (and its late OPEN) wrote UNSTABLE; nothing is sent when nothing is pending.</summary>
    private void FlushOpen(FileContext context, ref DOKAN_FILE_INFO info)
    {
        if (context.Handle is { } handle)
        {
            Wait(handle.FlushAsync(Ct), ref info);
            context.Dirty = false;
        }

        if (context.LateHandle is { } late)
        {
            Wait(late.FlushAsync(Ct), ref info);
        }
    }
}
