using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// DeleteFile / DeleteDirectory answer whether deletion may proceed; MoveFile renames (issue 6 §5).
public sealed partial class NfsDokanOperations
{
    public int DeleteFile(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;

    public int DeleteDirectory(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;

    public int MoveFile(ReadOnlySpan<char> fileName, ReadOnlySpan<char> newFileName, bool replaceIfExisting, ref DOKAN_FILE_INFO info) => NtStatus.NotImplemented;
}
