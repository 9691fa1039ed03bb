using DokanNfs.Core.Rpc;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// Who is asking: the Windows user behind a ZwCreateFile, as the credential its NFS calls carry.
public sealed partial class NfsDokanOperations
{
    private RpcCredential? RequesterCredential(ref DOKAN_FILE_INFO info, out int status)
    {
        status = NtStatus.Success;
        if (Options.CredentialForRequestor is not { } map)
        {
            return null;
        }

        return map(_host.GetRequestorSid(ref info));
    }
}
