using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// Data and attribute changes on an open: ReadFile … UnlockFile (issue 6 §3, §6).
public sealed partial class NfsDokanOperations
{
    public int ReadFile(ReadOnlySpan<char> fileName, Span<byte> buffer, out uint readLength, long offset, ref DOKAN_FILE_INFO info)
    {
        readLength = 0;
        return NtStatus.NotImplemented;
    }

    public int WriteFile(ReadOnlySpan<char> fileName, ReadOnlySpan<byte> buffer, out uint writtenLength, long offset, ref DOKAN_FILE_INFO info)
    {
        writtenLength = 0;
        return NtStatus.NotImplemented;
    }

    public int FlushFileBuffers(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;

    public int SetEndOfFile(ReadOnlySpan<char> fileName, long byteOffset, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;

    public int SetAllocationSize(ReadOnlySpan<char> fileName, long allocationSize, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;

    /// <summary>Null, 0 and -1 FILETIMEs leave that time unchanged.</summary>
    public int SetFileTime(ReadOnlySpan<char> fileName, FILETIME? creationTime, FILETIME? lastAccessTime, FILETIME? lastWriteTime, ref DOKAN_FILE_INFO info) =>
        NtStatus.NotImplemented;

    public int SetFileAttributes(ReadOnlySpan<char> fileName, uint fileAttributes, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;

    public int LockFile(ReadOnlySpan<char> fileName, long byteOffset, long length, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;

    public int UnlockFile(ReadOnlySpan<char> fileName, long byteOffset, long length, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;
}
