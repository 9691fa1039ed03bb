using System.Runtime.InteropServices;

#pragma warning disable CA1707, CA1051, CA1815 // Native layouts keep the header's names and public fields; no equality.

namespace DokanNfs.Dokan.Native;

/// <summary>
/// dokan.h struct _DOKAN_OPTIONS (Dokan 2.x). x64: 16432 bytes, MountPoint at 16, Timeout at 32,
/// VolumeSecurityDescriptor at 48. Dokan keeps the pointer it is given for the life of the mount, so an
/// instance passed to DokanCreateFileSystem must live in memory that does not move (native or pinned).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct DOKAN_OPTIONS
{
    /// <summary>USHORT: feature version requested, without dots (see <see cref="DokanConstants.DokanVersion"/>).</summary>
    public ushort Version;
    /// <summary>BOOLEAN: one dispatch thread only.</summary>
    public byte SingleThread;
    /// <summary>ULONG: <see cref="DokanOptionFlags"/>.</summary>
    public DokanOptionFlags Options;
    /// <summary>ULONG64: anything the file system wants.</summary>
    public ulong GlobalContext;
    /// <summary>LPCWSTR: drive letter ("M:\") or an empty NTFS folder.</summary>
    public char* MountPoint;
    /// <summary>LPCWSTR: UNC name for the network redirector (DOKAN_OPTION_NETWORK).</summary>
    public char* UNCName;
    /// <summary>ULONG: request timeout in milliseconds; past it the driver unmounts.</summary>
    public uint Timeout;
    /// <summary>ULONG</summary>
    public uint AllocationUnitSize;
    /// <summary>ULONG</summary>
    public uint SectorSize;
    /// <summary>ULONG: bytes used in <see cref="VolumeSecurityDescriptor"/>; 0 disables it.</summary>
    public uint VolumeSecurityDescriptorLength;
    /// <summary>CHAR[VOLUME_SECURITY_DESCRIPTOR_MAX_SIZE]: self-relative security descriptor of the volume.</summary>
    public fixed byte VolumeSecurityDescriptor[DokanConstants.VolumeSecurityDescriptorMaxSize];
}

/// <summary>
/// dokan.h struct _DOKAN_FILE_INFO (Dokan 2.x). x64: 48 bytes (42 used, padded to 8).
/// <see cref="Context"/> carries a handle-table id, never a GCHandle.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct DOKAN_FILE_INFO
{
    /// <summary>ULONG64: set in ZwCreateFile, seen by every later call on the same open.</summary>
    public ulong Context;
    /// <summary>ULONG64: reserved for the Dokan library; never modify.</summary>
    public ulong DokanContext;
    /// <summary>PDOKAN_OPTIONS: the options passed to DokanCreateFileSystem.</summary>
    public DOKAN_OPTIONS* DokanOptions;
    /// <summary>PVOID: reserved for the Dokan library.</summary>
    public void* ProcessingContext;
    /// <summary>ULONG: process that issued the I/O.</summary>
    public uint ProcessId;
    /// <summary>UCHAR: must be set by ZwCreateFile when the path is a directory.</summary>
    public byte IsDirectory;
    /// <summary>UCHAR: the file is to be deleted in Cleanup.</summary>
    public byte DeletePending;
    /// <summary>UCHAR: paging I/O.</summary>
    public byte PagingIo;
    /// <summary>UCHAR: synchronous I/O.</summary>
    public byte SynchronousIo;
    /// <summary>UCHAR: non-cached I/O.</summary>
    public byte Nocache;
    /// <summary>UCHAR: WriteFile appends at end of file and ignores its Offset.</summary>
    public byte WriteToEndOfFile;
}

/// <summary>dokan.h struct _DOKAN_MOUNT_POINT_INFO, an element of DokanGetMountPointList. x64: 788 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct DOKAN_MOUNT_POINT_INFO
{
    /// <summary>ULONG: device type.</summary>
    public uint Type;
    /// <summary>WCHAR[MAX_PATH]</summary>
    public fixed char MountPoint[DokanConstants.MaxPath];
    /// <summary>WCHAR[64]</summary>
    public fixed char UNCName[DokanConstants.MountPointInfoNameLength];
    /// <summary>WCHAR[64]</summary>
    public fixed char DeviceName[DokanConstants.MountPointInfoNameLength];
    /// <summary>ULONG: session the volume is visible in, or -1 for all.</summary>
    public uint SessionId;
    /// <summary>ULONG: the DOKAN_OPTION_* flags of the mount.</summary>
    public DokanOptionFlags MountOptions;
}

/// <summary>minwinbase.h FILETIME: 100 ns ticks since 1601-01-01 UTC, split in two DWORDs (alignment 4). 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FILETIME
{
    /// <summary>DWORD</summary>
    public uint dwLowDateTime;
    /// <summary>DWORD</summary>
    public uint dwHighDateTime;
}

/// <summary>
/// minwinbase.h WIN32_FIND_DATAW, filled for FindFiles/FindFilesWithPattern (PFillFindData in dokan.h).
/// x64: 592 bytes; cFileName at 44, cAlternateFileName at 564.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct WIN32_FIND_DATAW
{
    /// <summary>DWORD: FILE_ATTRIBUTE_*.</summary>
    public uint dwFileAttributes;
    /// <summary>FILETIME</summary>
    public FILETIME ftCreationTime;
    /// <summary>FILETIME</summary>
    public FILETIME ftLastAccessTime;
    /// <summary>FILETIME</summary>
    public FILETIME ftLastWriteTime;
    /// <summary>DWORD</summary>
    public uint nFileSizeHigh;
    /// <summary>DWORD</summary>
    public uint nFileSizeLow;
    /// <summary>DWORD: reparse tag when FILE_ATTRIBUTE_REPARSE_POINT is set.</summary>
    public uint dwReserved0;
    /// <summary>DWORD</summary>
    public uint dwReserved1;
    /// <summary>WCHAR[MAX_PATH], NUL-terminated.</summary>
    public fixed char cFileName[DokanConstants.MaxPath];
    /// <summary>WCHAR[14]: 8.3 name, NUL-terminated.</summary>
    public fixed char cAlternateFileName[DokanConstants.AlternateFileNameLength];
}

/// <summary>
/// fileapi.h BY_HANDLE_FILE_INFORMATION, filled by GetFileInformation (dokan.h). x64: 52 bytes, nFileIndexLow at 48.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct BY_HANDLE_FILE_INFORMATION
{
    /// <summary>DWORD: FILE_ATTRIBUTE_*.</summary>
    public uint dwFileAttributes;
    /// <summary>FILETIME</summary>
    public FILETIME ftCreationTime;
    /// <summary>FILETIME</summary>
    public FILETIME ftLastAccessTime;
    /// <summary>FILETIME</summary>
    public FILETIME ftLastWriteTime;
    /// <summary>DWORD</summary>
    public uint dwVolumeSerialNumber;
    /// <summary>DWORD</summary>
    public uint nFileSizeHigh;
    /// <summary>DWORD</summary>
    public uint nFileSizeLow;
    /// <summary>DWORD</summary>
    public uint nNumberOfLinks;
    /// <summary>DWORD</summary>
    public uint nFileIndexHigh;
    /// <summary>DWORD</summary>
    public uint nFileIndexLow;
}

/// <summary>
/// fileapi.h WIN32_FIND_STREAM_DATA, filled for FindStreams (PFillFindStreamData in dokan.h). x64: 600 bytes.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct WIN32_FIND_STREAM_DATA
{
    /// <summary>LARGE_INTEGER</summary>
    public long StreamSize;
    /// <summary>WCHAR[MAX_PATH + 36]: ":name:$DATA", NUL-terminated.</summary>
    public fixed char cStreamName[DokanConstants.MaxStreamNameLength];
}
