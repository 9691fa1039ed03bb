namespace DokanNfs.Dokan.Adapter;

/// <summary>The raw NT values ZwCreateFile receives (wdm.h / winnt.h; ../shared/windows-io.md §0).</summary>
public static class NtCreate
{
    // ACCESS_MASK bits (winnt.h). File and directory rights share bits: READ_DATA = LIST_DIRECTORY, …
    public const uint FileReadData = 0x0001;
    public const uint FileListDirectory = 0x0001;
    public const uint FileWriteData = 0x0002;
    public const uint FileAddFile = 0x0002;
    public const uint FileAppendData = 0x0004;
    public const uint FileAddSubdirectory = 0x0004;
    public const uint FileReadEa = 0x0008;
    public const uint FileWriteEa = 0x0010;
    public const uint FileExecute = 0x0020;
    public const uint FileTraverse = 0x0020;
    public const uint FileDeleteChild = 0x0040;
    public const uint FileReadAttributes = 0x0080;
    public const uint FileWriteAttributes = 0x0100;
    public const uint Delete = 0x00010000;
    public const uint ReadControl = 0x00020000;
    public const uint WriteDac = 0x00040000;
    public const uint WriteOwner = 0x00080000;
    public const uint Synchronize = 0x00100000;
    public const uint AccessSystemSecurity = 0x01000000;
    public const uint GenericRead = 0x80000000;
    public const uint GenericWrite = 0x40000000;
    public const uint GenericExecute = 0x20000000;
    public const uint GenericAll = 0x10000000;

    /// <summary>Rights that need an NFS OPEN to be honoured: reading or changing the data.</summary>
    public const uint DataAccess = FileReadData | FileWriteData | FileAppendData | FileExecute
        | GenericRead | GenericWrite | GenericExecute | GenericAll;

    /// <summary>Rights that change the file's data.</summary>
    public const uint WriteAccess = FileWriteData | FileAppendData | GenericWrite | GenericAll;

    // ShareAccess (FILE_SHARE_*).
    public const uint FileShareRead = 0x1;
    public const uint FileShareWrite = 0x2;
    public const uint FileShareDelete = 0x4;

    // CreateDisposition (FILE_*), as the kernel passes it — not the Win32 CREATE_NEW… values.
    public const uint FileSupersede = 0;
    public const uint FileOpen = 1;
    public const uint FileCreate = 2;
    public const uint FileOpenIf = 3;
    public const uint FileOverwrite = 4;
    public const uint FileOverwriteIf = 5;

    // CreateOptions (FILE_*).
    public const uint FileDirectoryFile = 0x00000001;
    public const uint FileWriteThrough = 0x00000002;
    public const uint FileSequentialOnly = 0x00000004;
    public const uint FileNoIntermediateBuffering = 0x00000008;
    public const uint FileSynchronousIoNonAlert = 0x00000020;
    public const uint FileNonDirectoryFile = 0x00000040;
    public const uint FileRandomAccess = 0x00000800;
    public const uint FileDeleteOnClose = 0x00001000;
    public const uint FileOpenForBackupIntent = 0x00004000;
    public const uint FileOpenReparsePoint = 0x00200000;

    // FILE_ATTRIBUTE_* (winnt.h).
    public const uint FileAttributeReadOnly = 0x1;
    public const uint FileAttributeHidden = 0x2;
    public const uint FileAttributeSystem = 0x4;
    public const uint FileAttributeDirectory = 0x10;
    public const uint FileAttributeArchive = 0x20;
    public const uint FileAttributeNormal = 0x80;
    public const uint FileAttributeReparsePoint = 0x400;
}
