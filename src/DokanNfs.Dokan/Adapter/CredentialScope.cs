using DokanNfs.Core.Client;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// Runs the NFS calls of one callback under the credential of the open's requester (issue 6 §15): the core
/// reads <see cref="NfsCallContext.Current"/> when a call starts. Null leaves the client's own credential.
/// </summary>
internal static class CredentialScope
{
    public static NfsCallContext.Scope Use(RpcCredential? credential) => NfsCallContext.Use(credential);
}
