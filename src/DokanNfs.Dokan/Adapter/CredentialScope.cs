using DokanNfs.Core.Rpc;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// Runs the NFS calls of one callback under the credential of the open's requester.
/// Until the core carries a per-call credential this is where that hook lives (issue 6 §15).
/// </summary>
internal readonly struct CredentialScope : IDisposable
{
    public static CredentialScope Use(RpcCredential? credential)
    {
        _ = credential;
        return default;
    }

    public void Dispose()
    {
    }
}
