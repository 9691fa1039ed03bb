using BenchmarkDotNet.Attributes;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Benchmarks;

/// <summary>
/// Decoding a typical READ reply: RPC reply header, then COMPOUND4res { PUTFH OK, READ OK (eof, 4 KiB), GETATTR OK
/// (bitmap4 + attrlist of fixed-size attributes) }, from a record built once in setup with the production
/// <see cref="XdrWriter"/>. Everything decodes into structs and spans — the READ data is copied into a caller buffer,
/// as the file system will do — so every benchmark must show no allocation at all. (Before <c>XdrReader.PeekLength</c>
/// stopped building its error-message prefix eagerly, each opaque or array length read here cost a 48-byte string.)
/// </summary>
[MemoryDiagnoser]
public class XdrDecodeBenchmarks
{
    private const uint Xid = 0x1234_5678;

    private readonly byte[] _destination = new byte[64 * 1024];
    private byte[] _reply = [];
    private FileAttributes _attributes;

    [GlobalSetup]
    public void Setup()
    {
        _reply = NfsWire.BuildReadGetAttrReply(Xid, NfsWire.Filled(4 * 1024, 0x42));

        // Fail fast if the canned reply and the decoder disagree, rather than benchmark an exception.
        if (ReadGetAttrReply() != 4 * 1024 || _attributes.Size != 4 * 1024 || _attributes.TimeModify.NanoSeconds != 123_456_789)
        {
            throw new InvalidOperationException("The canned reply does not decode as expected.");
        }
    }

    /// <summary>Only the RPC reply header and the COMPOUND4res header: the per-reply fixed cost.</summary>
    [Benchmark]
    public int ReplyHeader()
    {
        var reader = new XdrReader(_reply);
        RpcMessage.ReadReplyHeader(ref reader);
        var results = CompoundResults.Begin(ref reader);
        return results.OpCount;
    }

    /// <summary>The whole reply: status of each op, eof, the READ data copied out, and the attributes decoded.</summary>
    [Benchmark]
    public int ReadGetAttrReply()
    {
        var reader = new XdrReader(_reply);
        if (RpcMessage.ReadReplyHeader(ref reader) != Xid)
        {
            throw new InvalidOperationException("XID mismatch.");
        }

        var results = CompoundResults.Begin(ref reader);
        results.Expect(ref reader, NfsOpnum4.PutFh);
        results.Expect(ref reader, NfsOpnum4.Read);
        var eof = reader.ReadBool();
        var data = reader.ReadOpaque(_destination.Length);
        data.CopyTo(_destination);
        results.Expect(ref reader, NfsOpnum4.GetAttr);
        var returned = Bitmap4.Decode(ref reader);
        _attributes = NfsWire.DecodeAttributes(returned, reader.ReadOpaque());
        reader.ExpectEnd();
        return eof ? data.Length : -data.Length;
    }
}
