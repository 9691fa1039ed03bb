using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// Queries: GetFileInformation, FindFiles, volume information (issue 6 §4, §9, §11).
public sealed partial class NfsDokanOperations
{
    public int GetFileInformation(ReadOnlySpan<char> fileName, out BY_HANDLE_FILE_INFORMATION information, ref DOKAN_FILE_INFO info)
    {
        information = default;
        return NtStatus.NotImplemented;
    }

    public int FindFiles<TSink>(ReadOnlySpan<char> fileName, ref TSink sink, ref DOKAN_FILE_INFO info)
        where TSink : IFindDataSink, allows ref struct =>
        NtStatus.NotImplemented;

    /// <summary>Entries of the directory whose names match <paramref name="searchPattern"/> (DOS wildcards).</summary>
    public int FindFilesWithPattern<TSink>(ReadOnlySpan<char> fileName, ReadOnlySpan<char> searchPattern, ref TSink sink, ref DOKAN_FILE_INFO info)
        where TSink : IFindDataSink, allows ref struct =>
        NtStatus.NotImplemented;

    public int FindStreams<TSink>(ReadOnlySpan<char> fileName, ref TSink sink, ref DOKAN_FILE_INFO info)
        where TSink : IFindStreamSink, allows ref struct =>
        NtStatus.NotImplemented;

    public int GetDiskFreeSpace(out ulong freeBytesAvailable, out ulong totalNumberOfBytes, out ulong totalNumberOfFreeBytes, ref DOKAN_FILE_INFO info)
    {
        freeBytesAvailable = totalNumberOfBytes = totalNumberOfFreeBytes = 0;
        return NtStatus.NotImplemented;
    }

    /// <summary>Volume name and file system name go to caller buffers (truncated to fit, NUL-terminated).</summary>
    public int GetVolumeInformation(
        Span<char> volumeNameBuffer, out uint volumeSerialNumber, out uint maximumComponentLength, out uint fileSystemFlags, Span<char> fileSystemNameBuffer, ref DOKAN_FILE_INFO info)
    {
        volumeSerialNumber = maximumComponentLength = fileSystemFlags = 0;
        return NtStatus.NotImplemented;
    }

    public int Mounted(ReadOnlySpan<char> mountPoint, ref DOKAN_FILE_INFO info) => NtStatus.Success;

    public int Unmounted(ref DOKAN_FILE_INFO info) => NtStatus.Success;
}
