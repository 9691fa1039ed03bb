using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// Which security flavors the server wants for an object: what a client asks after NFS4ERR_WRONGSEC (RFC 7530 §16.31.4,
// RFC 8881 §2.6.3.1). NFSv4.0 asks SECINFO by name in the parent directory; NFSv4.1 looks the name up and asks
// SECINFO_NO_NAME for the current filehandle (RFC 8881 §18.45), which also answers for the pseudo root, which has no name.
public sealed partial class NfsClient
{
    /// <summary>
    /// The RPC authentication flavors the server accepts for <paramref name="path"/>, most preferred first (1 AUTH_SYS,
    /// 0 AUTH_NONE, 6 RPCSEC_GSS, …). This client speaks AUTH_SYS and AUTH_NONE: when neither is in the list, the
    /// NFS4ERR_WRONGSEC the server answered cannot be mended by choosing another of ours.
    /// </summary>
    /// <exception cref="ArgumentException">Under NFSv4.0 for the pseudo root, which SECINFO cannot name.</exception>
    public async ValueTask<uint[]> GetSecurityFlavorsAsync(string path, CancellationToken cancellationToken)
    {
        var components = NfsPath.Split(path);
        if (!VersionSettled)
        {
            // "auto": which of the two is asked depends on the version the server speaks.
            await EnsureClientIdAsync(cancellationToken).ConfigureAwait(false);
        }

        var sessioned = MinorVersion > 0;
        if (components.Length == 0)
        {
            if (!sessioned)
            {
                throw new ArgumentException("NFSv4.0 asks SECINFO by name, and the pseudo root has none.", nameof(path));
            }

            return await RunAsync(
                "secinfo_no_name",
                0,
                static (ref CompoundEncoder e, int _) =>
                {
                    e.PutRootFh();
                    e.SecInfoNoName(SecInfoStyle4.CurrentFh);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutRootFh(ref r);
                    return results.SecInfoNoName(ref r);
                },
                cancellationToken).ConfigureAwait(false);
        }

        var (parent, name) = await ResolveParentAsync(path, cancellationToken).ConfigureAwait(false);
        return await RunAsync(
            sessioned ? "secinfo_no_name" : "secinfo",
            (parent.FileHandle, name, sessioned),
            static (ref CompoundEncoder e, (NfsFh Directory, string Name, bool Sessioned) c) =>
            {
                e.PutFh(c.Directory);
                if (c.Sessioned)
                {
                    // RFC 8881 §2.6.3.1.1.7: LOOKUP does not check the flavor under 4.1; the operation after it does.
                    e.Lookup(c.Name);
                    e.SecInfoNoName(SecInfoStyle4.CurrentFh);
                }
                else
                {
                    e.SecInfo(c.Name);
                }
            },
            sessioned ? DecodeLookupSecInfoNoName : DecodeSecInfo,
            cancellationToken).ConfigureAwait(false);
    }

    private static readonly RpcResultDecoder<uint[]> DecodeSecInfo = static (ref XdrReader r) =>
    {
        var results = CompoundResults.Begin(ref r);
        results.PutFh(ref r);
        return results.SecInfo(ref r);
    };

    private static readonly RpcResultDecoder<uint[]> DecodeLookupSecInfoNoName = static (ref XdrReader r) =>
    {
        var results = CompoundResults.Begin(ref r);
        results.PutFh(ref r);
        results.Lookup(ref r);
        return results.SecInfoNoName(ref r);
    };
}
