using System.Collections.Concurrent;
using DokanNfs.Core.Rpc;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Dokan.Security;

namespace DokanNfs.Dokan.Adapter;

// Who is asking: the Windows user behind a ZwCreateFile, as the AUTH_SYS credential its NFS calls carry
// (issue 6 §15). One Windows user never acts with another's NFS identity: the credential is fixed per open.
public sealed partial class NfsDokanOperations
{
    /// <summary>Credentials by requester SID; null value = refused. Bounded by the number of Windows users.</summary>
    private readonly ConcurrentDictionary<string, RpcCredential?> _requesterCredentials = new(StringComparer.OrdinalIgnoreCase);

    private RpcCredential? RequesterCredential(ref DOKAN_FILE_INFO info, out int status)
    {
        status = NtStatus.Success;
        if (!Options.MapRequesters)
        {
            return null;
        }

        var sid = _host.GetRequestorSid(ref info);
        var credential = sid is null ? AnonymousOrRefused() : _requesterCredentials.GetOrAdd(sid, static (s, self) => self.MapRequester(s), this);
        if (credential is null)
        {
            AdapterLog.CallbackError(_logger, nameof(ZwCreateFile), sid ?? "(unknown requester)", NtStatus.AccessDenied, "the Windows user has no NFS identity and unmapped users are refused");
            status = NtStatus.AccessDenied;
        }

        return credential;
    }

    private RpcCredential? MapRequester(string sid)
    {
        if (!Sid.TryParse(sid, out var user))
        {
            return AnonymousOrRefused();
        }

        return Options.Identity.TryMapRequester(user, out var identity) ? ToCredential(identity) : null;
    }

    private RpcCredential? AnonymousOrRefused() =>
        Options.Identity.UnmappedUserPolicy == UnmappedUserPolicy.Refuse ? null : ToCredential(Options.Identity.AnonymousIdentity);

    private static RpcCredential ToCredential(NfsIdentity identity) =>
        RpcCredential.Sys(identity.Uid, identity.Gid, identity.SupplementaryGids, Environment.MachineName);
}
