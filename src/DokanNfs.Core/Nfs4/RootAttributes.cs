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
        results.Expect(ref reader, NfsOpnum4.PutRootFh);
        results.Expect(ref reader, NfsOpnum4.GetAttr);
        var returned = Bitmap4.Decode(ref reader);
        var values = new XdrReader(reader.ReadOpaque());

        // fattr4 values come in attribute-number order (RFC 7530 §3.2); we asked for two fixed ones.
        var supported = returned.Contains(FAttr4.SupportedAttrs) ? Bitmap4.Decode(ref values) : default;
        var lease = returned.Contains(FAttr4.LeaseTime) ? values.ReadUInt32() : 0;
        return new RootAttributes(supported, lease);
    }
}
