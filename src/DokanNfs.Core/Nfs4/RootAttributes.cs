using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>What a server says about its root: the attributes it supports and its lease time.</summary>
public sealed record RootAttributes(Bitmap4 SupportedAttrs, uint LeaseTimeSeconds)
{
    private static readonly Bitmap4 Request = Bitmap4.Of(FAttr4.SupportedAttrs, FAttr4.LeaseTime);

    /// <summary>COMPOUND { PUTROOTFH, GETATTR(supported_attrs, lease_time) }.</summary>
    public static ValueTask<RootAttributes> FetchAsync(RpcClient client, uint minorVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var args = new CompoundArgs<Bitmap4>(
            "getattr-root",
            minorVersion,
            Request,
            static (ref CompoundEncoder e, Bitmap4 request) =>
            {
                e.PutRootFh();
                e.GetAttr(request);
            });
        return client.CallAsync(NfsProgram.Program, NfsProgram.Version4, NfsProgram.ProcCompound, args, Decode, cancellationToken);
    }

    private static RootAttributes Decode(ref XdrReader reader)
    {
        var results = CompoundResults.Begin(ref reader);
        results.Path = "/";
        results.PutRootFh(ref reader);
        var attributes = results.GetAttr(ref reader);
        return new RootAttributes(attributes.SupportedAttrs ?? default, attributes.LeaseTime ?? 0);
    }
}
