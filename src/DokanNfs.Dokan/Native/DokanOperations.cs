using System.Runtime.InteropServices;

#pragma warning disable CA1707, CA1051, CA1815 // Native layout keeps the header's names and public fields; no equality.

namespace DokanNfs.Dokan.Native;

/// <summary>
/// dokan.h struct _DOKAN_OPERATIONS (Dokan 2.x): 25 DOKAN_CALLBACK (__stdcall) pointers in header order,
/// 200 bytes on x64. Every field is filled with the address of an [UnmanagedCallersOnly] method — no
/// delegates, so nothing needs a GCHandle. NTSTATUS is <see cref="int"/>, BOOL is <see cref="int"/>,
/// LPCWSTR/LPWSTR are <see cref="char"/>*. A null field means "not implemented" to Dokan.
/// Like DOKAN_OPTIONS, the instance given to DokanCreateFileSystem must not move while mounted.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct DOKAN_OPERATIONS
{
    /// <summary>NTSTATUS ZwCreateFile(LPCWSTR FileName, PDOKAN_IO_SECURITY_CONTEXT SecurityContext, ACCESS_MASK DesiredAccess,
    /// ULONG FileAttributes, ULONG ShareAccess, ULONG CreateDisposition, ULONG CreateOptions, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, uint, uint, uint, uint, uint, DOKAN_FILE_INFO*, int> ZwCreateFile;

    /// <summary>void Cleanup(LPCWSTR FileName, PDOKAN_FILE_INFO). Deletes when DeletePending is set.</summary>
    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, void> Cleanup;

    /// <summary>void CloseFile(LPCWSTR FileName, PDOKAN_FILE_INFO). Last call on a Context.</summary>
    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, void> CloseFile;

    /// <summary>NTSTATUS ReadFile(LPCWSTR, LPVOID Buffer, DWORD BufferLength, LPDWORD ReadLength, LONGLONG Offset, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, uint, uint*, long, DOKAN_FILE_INFO*, int> ReadFile;

    /// <summary>NTSTATUS WriteFile(LPCWSTR, LPCVOID Buffer, DWORD NumberOfBytesToWrite, LPDWORD NumberOfBytesWritten,
    /// LONGLONG Offset, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, uint, uint*, long, DOKAN_FILE_INFO*, int> WriteFile;

    /// <summary>NTSTATUS FlushFileBuffers(LPCWSTR, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> FlushFileBuffers;

    /// <summary>NTSTATUS GetFileInformation(LPCWSTR, LPBY_HANDLE_FILE_INFORMATION Buffer, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, BY_HANDLE_FILE_INFORMATION*, DOKAN_FILE_INFO*, int> GetFileInformation;

    /// <summary>NTSTATUS FindFiles(LPCWSTR, PFillFindData FillFindData, PDOKAN_FILE_INFO).
    /// PFillFindData is int WINAPI (PWIN32_FIND_DATAW, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int>, DOKAN_FILE_INFO*, int> FindFiles;

    /// <summary>NTSTATUS FindFilesWithPattern(LPCWSTR PathName, LPCWSTR SearchPattern, PFillFindData, PDOKAN_FILE_INFO).
    /// Null: Dokan calls FindFiles and matches the pattern itself.</summary>
    public delegate* unmanaged[Stdcall]<char*, char*, delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int>, DOKAN_FILE_INFO*, int> FindFilesWithPattern;

    /// <summary>NTSTATUS SetFileAttributes(LPCWSTR, DWORD FileAttributes, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, uint, DOKAN_FILE_INFO*, int> SetFileAttributes;

    /// <summary>NTSTATUS SetFileTime(LPCWSTR, CONST FILETIME* CreationTime, CONST FILETIME* LastAccessTime,
    /// CONST FILETIME* LastWriteTime, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, FILETIME*, FILETIME*, FILETIME*, DOKAN_FILE_INFO*, int> SetFileTime;

    /// <summary>NTSTATUS DeleteFile(LPCWSTR, PDOKAN_FILE_INFO): may the file be deleted? Deletion itself is in Cleanup.</summary>
    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> DeleteFile;

    /// <summary>NTSTATUS DeleteDirectory(LPCWSTR, PDOKAN_FILE_INFO): may the directory be deleted (is it empty)?</summary>
    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> DeleteDirectory;

    /// <summary>NTSTATUS MoveFile(LPCWSTR FileName, LPCWSTR NewFileName, BOOL ReplaceIfExisting, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, char*, int, DOKAN_FILE_INFO*, int> MoveFile;

    /// <summary>NTSTATUS SetEndOfFile(LPCWSTR, LONGLONG ByteOffset, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, long, DOKAN_FILE_INFO*, int> SetEndOfFile;

    /// <summary>NTSTATUS SetAllocationSize(LPCWSTR, LONGLONG AllocSize, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, long, DOKAN_FILE_INFO*, int> SetAllocationSize;

    /// <summary>NTSTATUS LockFile(LPCWSTR, LONGLONG ByteOffset, LONGLONG Length, PDOKAN_FILE_INFO).
    /// Called only with DOKAN_OPTION_FILELOCK_USER_MODE.</summary>
    public delegate* unmanaged[Stdcall]<char*, long, long, DOKAN_FILE_INFO*, int> LockFile;

    /// <summary>NTSTATUS UnlockFile(LPCWSTR, LONGLONG ByteOffset, LONGLONG Length, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, long, long, DOKAN_FILE_INFO*, int> UnlockFile;

    /// <summary>NTSTATUS GetDiskFreeSpace(PULONGLONG FreeBytesAvailable, PULONGLONG TotalNumberOfBytes,
    /// PULONGLONG TotalNumberOfFreeBytes, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<ulong*, ulong*, ulong*, DOKAN_FILE_INFO*, int> GetDiskFreeSpace;

    /// <summary>NTSTATUS GetVolumeInformation(LPWSTR VolumeNameBuffer, DWORD VolumeNameSize, LPDWORD VolumeSerialNumber,
    /// LPDWORD MaximumComponentLength, LPDWORD FileSystemFlags, LPWSTR FileSystemNameBuffer, DWORD FileSystemNameSize,
    /// PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, uint, uint*, uint*, uint*, char*, uint, DOKAN_FILE_INFO*, int> GetVolumeInformation;

    /// <summary>NTSTATUS Mounted(LPCWSTR MountPoint, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> Mounted;

    /// <summary>NTSTATUS Unmounted(PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<DOKAN_FILE_INFO*, int> Unmounted;

    /// <summary>NTSTATUS GetFileSecurity(LPCWSTR, PSECURITY_INFORMATION SecurityInformation, PSECURITY_DESCRIPTOR SecurityDescriptor,
    /// ULONG BufferLength, PULONG LengthNeeded, PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, uint*, void*, uint, uint*, DOKAN_FILE_INFO*, int> GetFileSecurity;

    /// <summary>NTSTATUS SetFileSecurity(LPCWSTR, PSECURITY_INFORMATION, PSECURITY_DESCRIPTOR, ULONG SecurityDescriptorLength,
    /// PDOKAN_FILE_INFO).</summary>
    public delegate* unmanaged[Stdcall]<char*, uint*, void*, uint, DOKAN_FILE_INFO*, int> SetFileSecurity;

    /// <summary>NTSTATUS FindStreams(LPCWSTR, PFillFindStreamData FillFindStreamData, PVOID FindStreamContext, PDOKAN_FILE_INFO).
    /// PFillFindStreamData is BOOL WINAPI (PWIN32_FIND_STREAM_DATA, PVOID FindStreamContext); FALSE means the buffer is full.</summary>
    public delegate* unmanaged[Stdcall]<char*, delegate* unmanaged[Stdcall]<WIN32_FIND_STREAM_DATA*, void*, int>, void*, DOKAN_FILE_INFO*, int> FindStreams;
}
