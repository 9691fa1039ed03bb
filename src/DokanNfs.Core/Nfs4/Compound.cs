using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>Writes the operations of one COMPOUND; <see cref="CompoundArgs{TState}"/> supplies the header.</summary>
public delegate void CompoundOpsEncoder<TState>(ref CompoundEncoder encoder, TState state);

/// <summary>COMPOUND4args (RFC 7530 §15.2): tag, minor version and the operations, encoded into the call.</summary>
public readonly struct CompoundArgs<TState>(string tag, uint minorVersion, TState state, CompoundOpsEncoder<TState> encodeOps) : IRpcArgs
{
    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString(tag, NfsProgram.MaxTagLength);
        writer.WriteUInt32(minorVersion);
        var countAt = writer.ReserveUInt32();
        var encoder = new CompoundEncoder(writer);
        encodeOps(ref encoder, state);
        writer.PatchUInt32(countAt, (uint)encoder.OpCount);
    }
}

/// <summary>Appends nfs_argop4 entries; each operation is a method named after the operation.</summary>
public ref partial struct CompoundEncoder
{
    private readonly XdrWriter _writer;

    internal CompoundEncoder(XdrWriter writer)
    {
        _writer = writer;
        OpCount = 0;
    }

    public int OpCount { get; private set; }

    /// <summary>Starts an operation and returns the writer for its arguments.</summary>
    public XdrWriter BeginOp(NfsOpnum4 op)
    {
        OpCount++;
        _writer.WriteEnum(op);
        return _writer;
    }
}

/// <summary>
/// Walks COMPOUND4res (RFC 7530 §15.2): the overall status, then one result per executed operation. The
/// server stops at the first failing operation, so a missing result means an earlier one failed.
/// </summary>
public partial struct CompoundResults
{
    [ThreadStatic]
    private static bool t_continuing;

    [ThreadStatic]
    private static CompoundResults t_continued;

    private int _seen;

    private CompoundResults(NfsStat4 status, int opCount)
    {
        Status = status;
        OpCount = opCount;
        _seen = 0;
    }

    public NfsStat4 Status { get; }

    public int OpCount { get; }

    public NfsOpnum4 LastOp { get; private set; }

    /// <summary>How many results have been read so far.</summary>
    public readonly int Seen => _seen;

    /// <summary>The path the COMPOUND is about, named in any <see cref="NfsException"/> it throws.</summary>
    public string? Path { get; set; }

    public static CompoundResults Begin(ref XdrReader reader)
    {
        if (t_continuing)
        {
            // Inside Continue: the header (and SEQUENCE's result) were read already.
            t_continuing = false;
            var continued = t_continued;
            t_continued = default;
            return continued;
        }

        var status = reader.ReadEnum<NfsStat4>();
        reader.SkipOpaqueUncheckedPadding(NfsProgram.MaxTagLength);
        var count = reader.ReadArrayCount(NfsProgram.MaxOpsPerCompound, minElementSize: 8);
        return new CompoundResults(status, count);
    }

    /// <summary>
    /// Runs <paramref name="decode"/>, a decoder of a whole COMPOUND4res as NFSv4.0 sends it (it starts with
    /// <see cref="Begin"/>), on the rest of an NFSv4.1 reply whose header and SEQUENCE result <paramref name="results"/>
    /// has read: its <see cref="Begin"/> reads nothing and gets these results, numbered from the first operation after
    /// SEQUENCE — so one decoder serves both versions, and <see cref="NfsException.OpIndex"/> counts the caller's
    /// operations in both. Decoders are synchronous, so the hand-over is a thread-static; it does not allocate.
    /// </summary>
    public static TResult Continue<TResult>(in CompoundResults results, ref XdrReader reader, RpcResultDecoder<TResult> decode)
    {
        ArgumentNullException.ThrowIfNull(decode);
        t_continued = new CompoundResults(results.Status, results.OpCount - results._seen) { LastOp = results.LastOp, Path = results.Path };
        t_continuing = true;
        try
        {
            return decode(ref reader);
        }
        finally
        {
            t_continuing = false;
            t_continued = default;
        }
    }

    /// <summary>
    /// Reads the next result's opnum and status. Throws <see cref="NfsException"/> when the operation failed
    /// (or never ran because an earlier one failed); on NFS4_OK the reader is at the operation's result body.
    /// </summary>
    public void Expect(ref XdrReader reader, NfsOpnum4 op)
    {
        var status = Next(ref reader, op);
        if (status != NfsStat4.Ok)
        {
            throw new NfsException(status, op, Path) { OpIndex = _seen - 1 };
        }
    }

    /// <summary>Like <see cref="Expect"/> but hands a failing status back instead of throwing.</summary>
    public NfsStat4 Next(ref XdrReader reader, NfsOpnum4 op)
    {
        if (_seen == OpCount)
        {
            if (Status == NfsStat4.Ok)
            {
                throw new XdrException($"COMPOUND reply holds {OpCount} results but the call's {op} has none.");
            }

            // An earlier operation failed and this one never ran: report the failure where it happened.
            throw new NfsException(Status, LastOp, Path) { OpIndex = _seen - 1 };
        }

        var opnum = reader.ReadEnum<NfsOpnum4>();
        if (opnum != op)
        {
            throw new XdrException($"COMPOUND result {_seen} is for {opnum}, expected {op}.");
        }

        _seen++;
        LastOp = op;
        return reader.ReadEnum<NfsStat4>();
    }
}
