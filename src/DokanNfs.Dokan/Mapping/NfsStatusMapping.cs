using DokanNfs.Core.Nfs4;

namespace DokanNfs.Dokan.Mapping;

/// <summary>
/// The one table from an NFS status (RFC 7530 §13, RFC 8881 §15) to the NTSTATUS a Windows program sees.
/// Statuses the client core recovers from itself (GRACE, DELAY, stale state, …) only reach this table when
/// recovery gave up, so they map to what the program should be told then.
/// </summary>
public static class NfsStatusMapping
{
    public static int ToNtStatus(NfsStat4 status) => status switch
    {
        NfsStat4.Ok => NtStatus.Success,
        NfsStat4.Perm => NtStatus.AccessDenied,
        NfsStat4.NoEnt => NtStatus.ObjectNameNotFound,
        NfsStat4.Io => NtStatus.IoDeviceError,
        NfsStat4.NxIo => NtStatus.NoSuchDevice,
        NfsStat4.Access => NtStatus.AccessDenied,
        NfsStat4.Exist => NtStatus.ObjectNameCollision,
        NfsStat4.Xdev => NtStatus.NotSameDevice,
        NfsStat4.NotDir => NtStatus.NotADirectory,
        NfsStat4.IsDir => NtStatus.FileIsADirectory,
        NfsStat4.Inval => NtStatus.InvalidParameter,
        NfsStat4.Fbig => NtStatus.FileTooLarge,
        NfsStat4.NoSpc => NtStatus.DiskFull,
        NfsStat4.RoFs => NtStatus.MediaWriteProtected,
        NfsStat4.MLink => NtStatus.TooManyLinks,
        NfsStat4.NameTooLong => NtStatus.ObjectNameInvalid, // what NTFS answers for an over-long component
        NfsStat4.NotEmpty => NtStatus.DirectoryNotEmpty,
        NfsStat4.DQuot => NtStatus.DiskQuotaExceeded,
        NfsStat4.Stale => NtStatus.FileDeleted, // the object is gone from the server
        NfsStat4.BadHandle => NtStatus.InvalidHandle,
        NfsStat4.BadCookie => NtStatus.UnexpectedNetworkError,
        NfsStat4.NotSupp => NtStatus.NotSupported,
        NfsStat4.TooSmall => NtStatus.BufferTooSmall,
        NfsStat4.ServerFault => NtStatus.UnexpectedNetworkError,
        NfsStat4.BadType => NtStatus.NotSupported,
        NfsStat4.Delay => NtStatus.NetworkBusy,
        NfsStat4.Same => NtStatus.Unsuccessful,
        NfsStat4.Denied => NtStatus.LockNotGranted,
        NfsStat4.Expired => NtStatus.FileInvalid,
        NfsStat4.Locked => NtStatus.FileLockConflict,
        NfsStat4.Grace => NtStatus.NetworkBusy,
        NfsStat4.FhExpired => NtStatus.FileInvalid,
        NfsStat4.ShareDenied => NtStatus.SharingViolation,
        NfsStat4.Wrongsec => NtStatus.AccessDenied,
        NfsStat4.ClidInuse => NtStatus.UnexpectedNetworkError,
        NfsStat4.Resource => NtStatus.InsufficientResources,
        NfsStat4.Moved => NtStatus.BadNetworkPath, // a referral that was not followed
        NfsStat4.NoFileHandle => NtStatus.UnexpectedNetworkError,
        NfsStat4.MinorVersMismatch => NtStatus.NotSupported,
        NfsStat4.StaleClientId => NtStatus.FileInvalid,
        NfsStat4.StaleStateId => NtStatus.FileInvalid,
        NfsStat4.OldStateId => NtStatus.FileInvalid,
        NfsStat4.BadStateId => NtStatus.FileInvalid,
        NfsStat4.BadSeqId => NtStatus.FileInvalid,
        NfsStat4.NotSame => NtStatus.Unsuccessful,
        NfsStat4.LockRange => NtStatus.LockNotGranted,
        NfsStat4.Symlink => NtStatus.ObjectPathNotFound, // a path component is a symbolic link
        NfsStat4.RestoreFh => NtStatus.UnexpectedNetworkError,
        NfsStat4.LeaseMoved => NtStatus.NetworkNameDeleted,
        NfsStat4.AttrNotSupp => NtStatus.NotSupported,
        NfsStat4.NoGrace => NtStatus.FileInvalid, // state could not be reclaimed after a server restart
        NfsStat4.ReclaimBad => NtStatus.FileInvalid,
        NfsStat4.ReclaimConflict => NtStatus.FileInvalid,
        NfsStat4.BadXdr => NtStatus.UnexpectedNetworkError,
        NfsStat4.LocksHeld => NtStatus.FileLockConflict,
        NfsStat4.OpenMode => NtStatus.AccessDenied, // I/O the open's access does not allow
        NfsStat4.BadOwner => NtStatus.InvalidOwner,
        NfsStat4.BadChar => NtStatus.ObjectNameInvalid,
        NfsStat4.BadName => NtStatus.ObjectNameInvalid,
        NfsStat4.BadRange => NtStatus.InvalidParameter,
        NfsStat4.LockNotSupp => NtStatus.NotSupported,
        NfsStat4.OpIllegal => NtStatus.NotSupported,
        NfsStat4.Deadlock => NtStatus.PossibleDeadlock,
        NfsStat4.FileOpen => NtStatus.SharingViolation,
        NfsStat4.AdminRevoked => NtStatus.FileInvalid,
        NfsStat4.CbPathDown => NtStatus.UnexpectedNetworkError,
        NfsStat4.WrongCred => NtStatus.AccessDenied,
        NfsStat4.DelegRevoked => NtStatus.FileInvalid,
        NfsStat4.Noxattr => NtStatus.ObjectNameNotFound,
        NfsStat4.Xattr2big => NtStatus.FileTooLarge,
        // NFSv4.1/4.2 session and pNFS errors: the core handles them or fails the call; nothing better to say.
        _ => NtStatus.UnexpectedNetworkError,
    };
}
