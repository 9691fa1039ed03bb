using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>One result of a COMPOUND reply: which operation, and its status.</summary>
public readonly record struct CompoundOpStatus(NfsOpnum4 Op, NfsStat4 Status)
{
    public override string ToString() => $"{Op} {Status}";
}

/// <summary>What a COMPOUND reply held: its overall status and each operation's status, in order.</summary>
public sealed record CompoundReplySummary(NfsStat4 Status, IReadOnlyList<CompoundOpStatus> Results)
{
    /// <summary>"Ok: PutFh Ok, GetAttr Ok": one line, for logs and fixture indexes.</summary>
    public override string ToString() => $"{Status}: {string.Join(", ", Results)}";
}

/// <summary>
/// Decodes any COMPOUND4res this client can receive — NFSv4.0 (RFC 7530 §15.2) and the NFSv4.1 client id and
/// session operations (RFC 8881) — without knowing the call: each result is decoded by
/// its own opnum with the decoder the client uses for that operation (<see cref="CompoundResults"/>,
/// <see cref="Fattr4"/>, <see cref="DirEntryReader"/>), and only a summary is kept. It checks the reply as
/// a whole, too: the server stops at the first failing operation (§15.2), so a failure must be the last
/// result; the COMPOUND status is that of the last result; nothing may follow the results.
/// <para>
/// For malformed input it throws <see cref="XdrException"/> and nothing else (fuzzed in ReplyFuzzTests); a
/// well-formed reply whose operation failed is a summary, not an exception.
/// </para>
/// </summary>
public static class CompoundReplyWalker
{
    /// <summary>
    /// Walks the COMPOUND4res at <paramref name="reader"/> (just after the RPC reply header) to its end.
    /// <paramref name="onResult"/>, when given, is told each result's opnum and offset before it is decoded:
    /// a tracing hook, and how tests see which decoders a reply reached.
    /// </summary>
    /// <exception cref="XdrException">The reply is malformed, or holds an operation this client never sends.</exception>
    public static CompoundReplySummary Walk(ref XdrReader reader, Action<NfsOpnum4, int>? onResult = null)
    {
        var results = CompoundResults.Begin(ref reader);
        var summary = new CompoundOpStatus[results.OpCount];
        for (var i = 0; i < results.OpCount; i++)
        {
            var offset = reader.Position;
            var peek = reader;
            var op = peek.ReadEnum<NfsOpnum4>();
            onResult?.Invoke(op, offset);
            var status = DecodeResult(ref results, ref reader, op, i);
            summary[i] = new CompoundOpStatus(op, status);
            if (status != NfsStat4.Ok && i != results.OpCount - 1)
            {
                throw new XdrException($"COMPOUND result {i} ({op}) failed with {status} but {results.OpCount - 1 - i} more results follow.")
                {
                    Position = reader.Position,
                };
            }
        }

        // RFC 7530 §15.2: the COMPOUND status is the status of the last operation executed. With no results
        // (a bad minor version, say) the status stands alone.
        if (results.OpCount > 0 && summary[^1].Status != results.Status)
        {
            throw new XdrException($"COMPOUND status {results.Status} differs from its last result's {summary[^1].Status}.");
        }

        reader.ExpectEnd();
        return new CompoundReplySummary(results.Status, summary);
    }

    /// <summary>Decodes one result with its operation's decoder and returns its status.</summary>
    private static NfsStat4 DecodeResult(ref CompoundResults results, ref XdrReader reader, NfsOpnum4 op, int index)
    {
        try
        {
            return DecodeBody(ref results, ref reader, op);
        }
        catch (NfsException ex) when (ex.OpIndex == index)
        {
            // The decoders throw for a failed operation once they have read its status (and any body a
            // failure carries: SETATTR's attrsset, SETCLIENTID's CLID_INUSE client); that ends the walk.
            return ex.Status;
        }
    }

    private static NfsStat4 DecodeBody(ref CompoundResults results, ref XdrReader reader, NfsOpnum4 op)
    {
        switch (op)
        {
            case NfsOpnum4.Access: results.Access(ref reader); break;
            case NfsOpnum4.Close: results.Close(ref reader); break;
            case NfsOpnum4.Commit: results.Commit(ref reader); break;
            case NfsOpnum4.Create: results.Create(ref reader); break;
            case NfsOpnum4.DelegReturn: results.DelegReturn(ref reader); break;
            case NfsOpnum4.GetAttr: results.GetAttr(ref reader); break;
            case NfsOpnum4.GetFh: results.GetFh(ref reader); break;
            case NfsOpnum4.Link: results.Link(ref reader); break;
            case NfsOpnum4.Lock: return results.Lock(ref reader).Granted ? NfsStat4.Ok : NfsStat4.Denied;
            case NfsOpnum4.LockT: return results.LockT(ref reader) is null ? NfsStat4.Ok : NfsStat4.Denied;
            case NfsOpnum4.LockU: results.LockU(ref reader); break;
            case NfsOpnum4.Lookup: results.Lookup(ref reader); break;
            case NfsOpnum4.LookupP: results.LookupP(ref reader); break;
            case NfsOpnum4.Open: results.Open(ref reader); break;
            case NfsOpnum4.OpenConfirm: results.OpenConfirm(ref reader); break;
            case NfsOpnum4.OpenDowngrade: results.OpenDowngrade(ref reader); break;
            case NfsOpnum4.PutFh: results.PutFh(ref reader); break;
            case NfsOpnum4.PutRootFh: results.PutRootFh(ref reader); break;
            case NfsOpnum4.Read: results.Read(ref reader, out _); break;
            case NfsOpnum4.ReadDir: WalkReadDir(ref results, ref reader); break;
            case NfsOpnum4.ReadLink: results.ReadLink(ref reader); break;
            case NfsOpnum4.Remove: results.Remove(ref reader); break;
            case NfsOpnum4.Rename: results.Rename(ref reader); break;
            case NfsOpnum4.Renew: results.Renew(ref reader); break;
            case NfsOpnum4.RestoreFh: results.RestoreFh(ref reader); break;
            case NfsOpnum4.SaveFh: results.SaveFh(ref reader); break;
            case NfsOpnum4.SecInfo: results.SecInfo(ref reader); break;
            case NfsOpnum4.SecInfoNoName: results.SecInfoNoName(ref reader); break;
            case NfsOpnum4.SetAttr: results.SetAttr(ref reader); break;
            case NfsOpnum4.SetClientId: results.SetClientId(ref reader); break;
            case NfsOpnum4.SetClientIdConfirm: results.SetClientIdConfirm(ref reader); break;
            case NfsOpnum4.Write: results.Write(ref reader); break;
            case NfsOpnum4.ReleaseLockOwner: results.ReleaseLockOwner(ref reader); break;

            // NFSv4.1 client id and session operations (RFC 8881 §18.34–18.37, §18.46, §18.50, §18.51).
            case NfsOpnum4.ExchangeId: results.ExchangeId(ref reader); break;
            case NfsOpnum4.CreateSession: results.CreateSession(ref reader); break;
            case NfsOpnum4.Sequence: results.Sequence(ref reader); break;
            case NfsOpnum4.BindConnToSession: results.BindConnToSession(ref reader); break;
            case NfsOpnum4.ReclaimComplete: results.ReclaimComplete(ref reader); break;
            case NfsOpnum4.DestroySession: results.DestroySession(ref reader); break;
            case NfsOpnum4.DestroyClientId: results.DestroyClientId(ref reader); break;
            case NfsOpnum4.TestStateId: results.TestStateId(ref reader, 1024); break;
            case NfsOpnum4.FreeStateId: results.FreeStateId(ref reader); break;

            // VERIFY and NVERIFY report the comparison as their status (NFS4ERR_NOT_SAME, NFS4ERR_SAME).
            case NfsOpnum4.Verify or NfsOpnum4.NVerify: return results.Verify(ref reader, op);

            // Results that are a status alone (RFC 7530 §16.5, §16.17, §16.20, §15.2 for OP_ILLEGAL).
            case NfsOpnum4.DelegPurge or NfsOpnum4.OpenAttr or NfsOpnum4.PutPubFh or NfsOpnum4.Illegal:
                results.Expect(ref reader, op);
                break;

            default:
                throw new XdrException($"COMPOUND result {results.Seen} has opnum {(int)op}, which this client never sends.")
                {
                    Position = reader.Position,
                };
        }

        return NfsStat4.Ok;
    }

    /// <summary>READDIR4resok: the verifier, then every entry with its attributes decoded, then eof.</summary>
    private static void WalkReadDir(ref CompoundResults results, ref XdrReader reader)
    {
        results.ReadDir(ref reader);
        while (DirEntryReader.TryReadEntry(ref reader, out _, out _, out var mask, out var values))
        {
            Fattr4.DecodeValues(mask, values);
        }

        DirEntryReader.ReadEof(ref reader);
    }
}

/// <summary>Whole reply records, decoded the way <see cref="RpcClient"/> decodes them.</summary>
public static class ReplyDecoding
{
    /// <summary>
    /// Decodes an RPC reply record (the message, without record marking) holding a COMPOUND4res. The only
    /// exceptions are typed: <see cref="RpcMalformedReplyException"/> for a malformed header or results,
    /// <see cref="RpcAcceptedErrorException"/> or <see cref="RpcDeniedException"/> for a refused call, and
    /// <see cref="NfsException"/>.
    /// </summary>
    public static CompoundReplySummary DecodeRecord(ReadOnlySpan<byte> record, Action<NfsOpnum4, int>? onResult = null) =>
        RpcMessage.DecodeReply(record, (ref XdrReader reader) => CompoundReplyWalker.Walk(ref reader, onResult));
}
