namespace DokanNfs.Dokan.Security;

/// <summary>
/// ACCESS_MASK bits (MS-DTYP §2.4.3) and the file-specific rights of winnt.h that a file's DACL grants.
/// For directories FILE_READ_DATA is FILE_LIST_DIRECTORY, FILE_WRITE_DATA is FILE_ADD_FILE, FILE_APPEND_DATA
/// is FILE_ADD_SUBDIRECTORY and FILE_EXECUTE is FILE_TRAVERSE: the same bits.
/// </summary>
public static class AccessRights
{
    public const uint FileReadData = 0x00000001;
    public const uint FileWriteData = 0x00000002;
    public const uint FileAppendData = 0x00000004;
    public const uint FileReadEa = 0x00000008;
    public const uint FileWriteEa = 0x00000010;
    public const uint FileExecute = 0x00000020;
    public const uint FileDeleteChild = 0x00000040;
    public const uint FileReadAttributes = 0x00000080;
    public const uint FileWriteAttributes = 0x00000100;

    public const uint Delete = 0x00010000;
    public const uint ReadControl = 0x00020000;
    public const uint WriteDac = 0x00040000;
    public const uint WriteOwner = 0x00080000;
    public const uint Synchronize = 0x00100000;

    public const uint GenericAll = 0x10000000;
    public const uint GenericExecute = 0x20000000;
    public const uint GenericWrite = 0x40000000;
    public const uint GenericRead = 0x80000000;

    /// <summary>FILE_GENERIC_READ: READ_CONTROL | SYNCHRONIZE | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA.</summary>
    public const uint FileGenericRead = 0x00120089;

    /// <summary>FILE_GENERIC_WRITE: READ_CONTROL | SYNCHRONIZE | FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA.</summary>
    public const uint FileGenericWrite = 0x00120116;

    /// <summary>FILE_GENERIC_EXECUTE: READ_CONTROL | SYNCHRONIZE | FILE_EXECUTE | FILE_READ_ATTRIBUTES.</summary>
    public const uint FileGenericExecute = 0x001200A0;

    /// <summary>FILE_ALL_ACCESS: what Explorer's "Full control" grants.</summary>
    public const uint FileAllAccess = 0x001F01FF;
}
