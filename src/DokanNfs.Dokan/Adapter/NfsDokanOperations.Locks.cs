using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Adapter;

// LockFile / UnlockFile (issue 6 §6). Dokan calls them only when the volume is mounted with
// DOKAN_OPTION_FILELOCK_USER_MODE (dokan.h); otherwise the driver keeps byte-range locks itself (FsRtl) and
// the server never hears of them. Here a Windows lock becomes an NFS byte-range lock (RFC 7530 §9.5, §16.10)
// through the open's own lock-owner, so other NFS clients see it, and ByteRangeLocks keeps the Windows rules
// NFS does not (mandatory, exclusive, exact unlock) between this mount's handles.
public sealed partial class NfsDokanOperations
{
    private readonly ByteRangeLocks _locks = new();

    /// <summary>
    /// LockFile: an exclusive lock of [<paramref name="byteOffset"/>, +<paramref name="length"/>), answered at
    /// once. Dokan's library passes neither the exclusive nor the fail-immediately flag (dokan/lock.c), so every
    /// lock is what Win32 LockFile takes — exclusive, no waiting: NFS WRITE_LT without blocking. A range that
    /// overlaps a lock held by any handle of the file (this one included: exclusive locks do not overlap,
    /// LockFileEx docs) or by another NFS client is STATUS_LOCK_NOT_GRANTED (Dokan's library reports any
    /// failure of LockFile as that status). On an open made for reading only the server refuses WRITE_LT
    /// (NFS4ERR_OPENMODE, RFC 7530 §16.10.5), so the lock is READ_LT there: exclusive against writers elsewhere,
    /// and against this mount's handles by the table. A zero-length lock is legal in Windows and conflicts with
    /// nothing; NFS has none (length 0 is NFS4ERR_INVAL), so it stays local. An open with no NFS OPEN (it asked
    /// for attributes only) is refused with STATUS_ACCESS_DENIED, as NtLockFile refuses a handle with neither
    /// FILE_READ_DATA nor FILE_WRITE_DATA. Negative or overflowing ranges are STATUS_INVALID_PARAMETER.
    /// </summary>
    public int LockFile(ReadOnlySpan<char> fileName, long byteOffset, long length, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            var status = CheckLockRange(context, byteOffset, length);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (context.Handle is not { } handle)
            {
                return NtStatus.AccessDenied;
            }

            var processId = info.ProcessId;
            if (!_locks.TryAdd(context, processId, byteOffset, length))
            {
                return NtStatus.LockNotGranted;
            }

            if (length == 0)
            {
                return NtStatus.Success;
            }

            var granted = false;
            try
            {
                using (CredentialScope.Use(context.Credential))
                {
                    var type = (context.DesiredAccess & WriteAccess) != 0 ? NfsLockType4.Write : NfsLockType4.Read;
                    LockDenied? denied;
                    try
                    {
                        denied = Wait(handle.LockAsync(type, (ulong)byteOffset, (ulong)length, wait: false, Ct), ref info);
                    }
                    catch (NfsException e) when (e.Status == NfsStat4.OpenMode && type == NfsLockType4.Write)
                    {
                        denied = Wait(handle.LockAsync(NfsLockType4.Read, (ulong)byteOffset, (ulong)length, wait: false, Ct), ref info);
                    }

                    granted = denied is null;
                }
            }
            finally
            {
                if (!granted)
                {
                    _locks.Remove(context, processId, byteOffset, length);
                }
            }

            return granted ? NtStatus.Success : NtStatus.LockNotGranted;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(LockFile), context.Path);
        }
    }

    /// <summary>
    /// UnlockFile: releases a lock this handle and process took with exactly this offset and length (LOCKU);
    /// any other range is STATUS_RANGE_NOT_LOCKED, as NtUnlockFile answers — NFS would unlock any sub-range.
    /// Locks still held when the handle is cleaned up go with its NFS OPEN: closing it unlocks every range and
    /// releases the lock-owner (NfsOpenFile.CloseAsync: LOCKU, RELEASE_LOCKOWNER, CLOSE).
    /// </summary>
    public int UnlockFile(ReadOnlySpan<char> fileName, long byteOffset, long length, ref DOKAN_FILE_INFO info)
    {
        var context = ContextOf(ref info);
        if (context is null)
        {
            return NtStatus.InvalidHandle;
        }

        try
        {
            var status = CheckLockRange(context, byteOffset, length);
            if (status != NtStatus.Success)
            {
                return status;
            }

            var processId = info.ProcessId;
            if (!_locks.Holds(context, processId, byteOffset, length))
            {
                return NtStatus.RangeNotLocked;
            }

            if (length > 0 && context.Handle is { } handle)
            {
                using (CredentialScope.Use(context.Credential))
                {
                    Wait(handle.UnlockAsync((ulong)byteOffset, (ulong)length, Ct), ref info);
                }
            }

            _locks.Remove(context, processId, byteOffset, length);
            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(UnlockFile), context.Path);
        }
    }

    /// <summary>Offsets and lengths are non-negative LONGLONGs whose sum fits; locks are for files, not directories.</summary>
    private static int CheckLockRange(FileContext context, long byteOffset, long length)
    {
        if (byteOffset < 0 || length < 0 || byteOffset > long.MaxValue - length || context.IsDirectory)
        {
            return NtStatus.InvalidParameter;
        }

        return context.IsCleanedUp ? NtStatus.FileClosed : NtStatus.Success;
    }
}
