namespace DokanNfs.Dokan.Mapping;

/// <summary>
/// NTSTATUS values (ntstatus.h, MS-ERREF §2.3.1) the adapter returns to Dokan. Kept as <see cref="int"/>
/// because that is what a DOKAN_CALLBACK returns; severity lives in the top two bits.
/// </summary>
public static class NtStatus
{
    public const int Success = 0;
    public const int Pending = 0x00000103;
    public const int Reparse = 0x00000104;
    public const int BufferOverflow = unchecked((int)0x80000005);
    public const int NoMoreFiles = unchecked((int)0x80000006);
    public const int StoppedOnSymlink = unchecked((int)0x8000002D);
    public const int Unsuccessful = unchecked((int)0xC0000001);
    public const int NotImplemented = unchecked((int)0xC0000002);
    public const int InvalidInfoClass = unchecked((int)0xC0000003);
    public const int InvalidHandle = unchecked((int)0xC0000008);
    public const int InvalidParameter = unchecked((int)0xC000000D);
    public const int NoSuchDevice = unchecked((int)0xC000000E);
    public const int NoSuchFile = unchecked((int)0xC000000F);
    public const int InvalidDeviceRequest = unchecked((int)0xC0000010);
    public const int EndOfFile = unchecked((int)0xC0000011);
    public const int AccessDenied = unchecked((int)0xC0000022);
    public const int BufferTooSmall = unchecked((int)0xC0000023);
    public const int ObjectTypeMismatch = unchecked((int)0xC0000024);
    public const int ObjectNameInvalid = unchecked((int)0xC0000033);
    public const int ObjectNameNotFound = unchecked((int)0xC0000034);
    public const int ObjectNameCollision = unchecked((int)0xC0000035);
    public const int ObjectPathInvalid = unchecked((int)0xC0000039);
    public const int ObjectPathNotFound = unchecked((int)0xC000003A);
    public const int ObjectPathSyntaxBad = unchecked((int)0xC000003B);
    public const int SharingViolation = unchecked((int)0xC0000043);
    public const int QuotaExceeded = unchecked((int)0xC0000044);
    public const int FileLockConflict = unchecked((int)0xC0000054);
    public const int LockNotGranted = unchecked((int)0xC0000055);
    public const int DeletePending = unchecked((int)0xC0000056);
    public const int PrivilegeNotHeld = unchecked((int)0xC0000061);
    public const int RangeNotLocked = unchecked((int)0xC000007E);
    public const int DiskFull = unchecked((int)0xC000007F);
    public const int FileInvalid = unchecked((int)0xC0000098);
    public const int InsufficientResources = unchecked((int)0xC000009A);
    public const int MediaWriteProtected = unchecked((int)0xC00000A2);
    public const int DeviceNotReady = unchecked((int)0xC00000A3);
    public const int IoTimeout = unchecked((int)0xC00000B5);
    public const int FileIsADirectory = unchecked((int)0xC00000BA);
    public const int NotSupported = unchecked((int)0xC00000BB);
    public const int BadNetworkPath = unchecked((int)0xC00000BE);
    public const int NetworkBusy = unchecked((int)0xC00000BF);
    public const int UnexpectedNetworkError = unchecked((int)0xC00000C4);
    public const int NetworkNameDeleted = unchecked((int)0xC00000C9);
    public const int BadNetworkName = unchecked((int)0xC00000CC);
    public const int NotSameDevice = unchecked((int)0xC00000D4);
    public const int FileRenamed = unchecked((int)0xC00000D5);
    public const int InternalError = unchecked((int)0xC00000E5);
    public const int DirectoryNotEmpty = unchecked((int)0xC0000101);
    public const int NotADirectory = unchecked((int)0xC0000103);
    public const int NameTooLong = unchecked((int)0xC0000106);
    public const int CannotDelete = unchecked((int)0xC0000121);
    public const int FileDeleted = unchecked((int)0xC0000123);
    public const int FileClosed = unchecked((int)0xC0000128);
    public const int InvalidDeviceState = unchecked((int)0xC0000184);
    public const int IoDeviceError = unchecked((int)0xC0000185);
    public const int ConnectionDisconnected = unchecked((int)0xC000020C);
    public const int ConnectionReset = unchecked((int)0xC000020D);
    public const int Retry = unchecked((int)0xC000022D);
    public const int ConnectionRefused = unchecked((int)0xC0000236);
    public const int NetworkUnreachable = unchecked((int)0xC000023C);
    public const int HostUnreachable = unchecked((int)0xC000023D);
    public const int TooManyLinks = unchecked((int)0xC0000265);
    public const int VolumeDismounted = unchecked((int)0xC000026E);
    public const int NotAReparsePoint = unchecked((int)0xC0000275);
    public const int FileSystemLimitation = unchecked((int)0xC0000427);
    public const int FileTooLarge = unchecked((int)0xC0000904);
    public const int Cancelled = unchecked((int)0xC0000120);
    public const int InvalidOwner = unchecked((int)0xC000005A);
    public const int PossibleDeadlock = unchecked((int)0xC0000194);
    public const int DiskQuotaExceeded = unchecked((int)0xC0000802);

    /// <summary>NT_SUCCESS: severity success or informational.</summary>
    public static bool IsSuccess(int status) => status >= 0;
}
