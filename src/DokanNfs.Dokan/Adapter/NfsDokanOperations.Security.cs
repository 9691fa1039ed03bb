using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// GetFileSecurity / SetFileSecurity from uid, gid and mode (issue 6 §7).
public sealed partial class NfsDokanOperations
{
    /// <summary>Writes a self-relative security descriptor; STATUS_BUFFER_OVERFLOW with <paramref name="lengthNeeded"/> when it does not fit.</summary>
    public int GetFileSecurity(ReadOnlySpan<char> fileName, uint securityInformation, Span<byte> securityDescriptor, out uint lengthNeeded, ref DOKAN_FILE_INFO info)
    {
        lengthNeeded = 0;
        return NtStatus.NotImplemented;
    }

    public int SetFileSecurity(ReadOnlySpan<char> fileName, uint securityInformation, ReadOnlySpan<byte> securityDescriptor, ref DOKAN_FILE_INFO info) =>
        NtStatus.NotImplemented;
}
