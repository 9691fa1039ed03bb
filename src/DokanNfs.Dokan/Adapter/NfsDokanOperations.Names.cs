using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// Windows paths → drive paths of the trigger layer.
public sealed partial class NfsDokanOperations
{
    /// <summary>
    /// The drive path ("/a/b") of the volume-relative path Dokan gives ("\a\b"), or the NTSTATUS that says why
    /// there is none.
    /// </summary>
    private int ResolvePath(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info, out string path)
    {
        _ = info;
        var trimmed = fileName.TrimEnd('\\');
        if (trimmed.IsEmpty)
        {
            path = "/";
            return NtStatus.Success;
        }

        path = trimmed.ToString().Replace('\\', '/');
        return NtStatus.Success;
    }
}
