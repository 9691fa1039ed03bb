using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client.Callbacks;

/// <summary>
/// The client's end of the NFSv4.1 back channel (RFC 8881 §2.10.3.1, §20): the server's CALLs arrive on the fore
/// channel's connection (<see cref="IRpcCallHandler"/>) and are answered here. CB_NULL; CB_COMPOUND with CB_SEQUENCE
/// first, checked against the back channel's slots and answered from their reply cache when re-sent; CB_RECALL and
/// CB_GETATTR through <see cref="ICallbackTarget"/>; every other known operation NFS4ERR_NOTSUPP, an unknown one
/// OP_CB_ILLEGAL. Arguments are decoded whole and bounded before anything runs: a malformed call is answered
/// GARBAGE_ARGS and changes nothing.
/// </summary>
internal sealed class CallbackDispatcher : IRpcCallHandler
{
    /// <summary>The most operations one CB_COMPOUND is decoded for, whatever the back channel granted.</summary>
    private const int MaxOperations = 16;

    /// <summary>The most referring calls one CB_SEQUENCE may list (they are read and not used).</summary>
    private const int MaxReferringCalls = 64;

    private readonly uint _program;
    private readonly ICallbackTarget _target;
    private readonly ILogger _logger;
    private readonly string _server;
    private readonly Lock _lock = new();
    private readonly BackChannelSlots _slots = new();
    private readonly List<CallbackOp> _ops = new(MaxOperations);

    public CallbackDispatcher(uint program, ICallbackTarget target, ILogger logger, string server)
    {
        _program = program;
        _target = target;
        _logger = logger;
        _server = server;
    }

    private long _answered;

    /// <summary>How many callback calls were answered (tests, statistics).</summary>
    public long Answered => Interlocked.Read(ref _answered);

    public void HandleCall(RpcConnection connection, ReceivedRecord record)
    {
        // Off the receive loop: the reply waits for the connection's send lock, and replies the loop must read may
        // be what frees it.
        _ = Task.Run(() => AnswerAsync(connection, record));
    }

    /// <summary>
    /// Decodes one RPC CALL message (<paramref name="call"/>, without its record mark) and writes the whole RPC reply
    /// into <paramref name="reply"/>. False when there is nothing to answer (a record too short to name its XID).
    /// </summary>
    public bool Process(ReadOnlySpan<byte> call, XdrWriter reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (call.Length < 8)
        {
            return false;
        }

        var reader = new XdrReader(call);
        var xid = reader.ReadUInt32();
        reader.ReadUInt32();
        uint program, version, procedure;
        try
        {
            var rpcVersion = reader.ReadUInt32();
            if (rpcVersion != RpcLimits.RpcVersion)
            {
                WriteRpcMismatch(reply, xid);
                return true;
            }

            program = reader.ReadUInt32();
            version = reader.ReadUInt32();
            procedure = reader.ReadUInt32();
            SkipAuth(ref reader);
            SkipAuth(ref reader);
        }
        catch (XdrException)
        {
            WriteAccepted(reply, xid, RpcAcceptStat.GarbageArgs);
            return true;
        }

        if (program != _program)
        {
            WriteAccepted(reply, xid, RpcAcceptStat.ProgUnavail);
            return true;
        }

        if (version != NfsCallbackProgram.Version)
        {
            WriteAccepted(reply, xid, RpcAcceptStat.ProgMismatch);
            reply.WriteUInt32(NfsCallbackProgram.Version);
            reply.WriteUInt32(NfsCallbackProgram.Version);
            return true;
        }

        switch (procedure)
        {
            case NfsCallbackProgram.ProcNull:
                WriteAccepted(reply, xid, RpcAcceptStat.Success);
                break;
            case NfsCallbackProgram.ProcCompound:
                lock (_lock)
                {
                    Compound(ref reader, xid, reply);
                }

                break;
            default:
                WriteAccepted(reply, xid, RpcAcceptStat.ProcUnavail);
                break;
        }

        Interlocked.Increment(ref _answered);
        return true;
    }

    private static void SkipAuth(ref XdrReader reader)
    {
        reader.ReadUInt32();
        reader.ReadOpaque(RpcLimits.MaxAuthBytes);
    }

    private static void WriteAccepted(XdrWriter w, uint xid, RpcAcceptStat status)
    {
        w.WriteUInt32(xid);
        w.WriteEnum(RpcMsgType.Reply);
        w.WriteEnum(RpcReplyStat.MsgAccepted);
        w.WriteEnum(RpcAuthFlavor.AuthNone);
        w.WriteUInt32(0);
        w.WriteEnum(status);
    }

    private static void WriteRpcMismatch(XdrWriter w, uint xid)
    {
        w.WriteUInt32(xid);
        w.WriteEnum(RpcMsgType.Reply);
        w.WriteEnum(RpcReplyStat.MsgDenied);
        w.WriteEnum(RpcRejectStat.RpcMismatch);
        w.WriteUInt32(RpcLimits.RpcVersion);
        w.WriteUInt32(RpcLimits.RpcVersion);
    }

    /// <summary>CB_COMPOUND4args → CB_COMPOUND4res (RFC 8881 §20, nfs4.x).</summary>
    private void Compound(ref XdrReader reader, uint xid, XdrWriter reply)
    {
        string tag;
        uint minorVersion;
        var tooMany = false;
        _ops.Clear();
        try
        {
            tag = reader.ReadString(NfsLimits.MaxOpaque);
            minorVersion = reader.ReadUInt32();
            reader.ReadUInt32(); // callback_ident: NFSv4.0 only.
            var count = reader.ReadUInt32();
            if (count > MaxOperations)
            {
                tooMany = true;
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    var op = CallbackOp.Decode(ref reader);
                    _ops.Add(op);
                    if (!op.Decoded)
                    {
                        // Its arguments are unknown to us, so nothing after it can be found; it fails and ends the COMPOUND.
                        break;
                    }
                }
            }
        }
        catch (XdrException)
        {
            CallbackLog.Malformed(_logger, _server, xid);
            WriteAccepted(reply, xid, RpcAcceptStat.GarbageArgs);
            return;
        }

        WriteAccepted(reply, xid, RpcAcceptStat.Success);
        var channel = _target.BackChannel;
        var first = _ops.Count > 0 ? _ops[0] : default;
        byte[]? cached = null;
        var verdict = BackChannelSlotVerdict.Refused;
        var firstFailed = false;
        NfsStat4 status;
        if (channel is not { } current)
        {
            // No session yet, or none any more: nothing the call can name exists.
            status = NfsStat4.BadSession;
        }
        else if (minorVersion != current.MinorVersion)
        {
            status = NfsStat4.MinorVersMismatch;
        }
        else if (tooMany || _ops.Count > Math.Max(current.MaxOperations, 1))
        {
            status = NfsStat4.TooManyOps;
        }
        else if (_ops.Count == 0)
        {
            status = NfsStat4.Ok;
        }
        else if (first.Opnum != NfsCbOpnum4.CbSequence)
        {
            // §20.9.3: every CB_COMPOUND of a session starts with CB_SEQUENCE.
            status = first.Opnum == NfsCbOpnum4.CbIllegal ? NfsStat4.OpIllegal : NfsStat4.OpNotInSession;
            firstFailed = true;
        }
        else
        {
            verdict = _slots.Begin(current, first.SessionId, first.SequenceId, first.SlotId, out status, out cached);
            firstFailed = verdict == BackChannelSlotVerdict.Refused;
        }

        if (verdict == BackChannelSlotVerdict.Replay)
        {
            reply.WriteFixedOpaque(cached);
            CallbackLog.Replayed(_logger, _server, first.SlotId, first.SequenceId);
            return;
        }

        var start = reply.WrittenSpan.Length;
        var statusAt = reply.ReserveUInt32();
        reply.WriteString(tag, NfsLimits.MaxOpaque);
        var countAt = reply.ReserveUInt32();
        var results = 0u;
        if (verdict == BackChannelSlotVerdict.New)
        {
            status = RunOps(reply, out results);
        }
        else if (firstFailed)
        {
            // The first operation failed: its result is the only one.
            results = 1;
            reply.WriteUInt32(first.ResultOpnum);
            reply.WriteUInt32((uint)status);
        }

        reply.PatchUInt32(statusAt, (uint)status);
        reply.PatchUInt32(countAt, results);
        if (verdict == BackChannelSlotVerdict.New)
        {
            // The patched status and count belong in the cached copy too.
            _slots.Complete(first.SlotId, reply.WrittenSpan[start..]);
        }
    }

    /// <summary>
    /// Runs a new request's operations in order (CB_SEQUENCE, already admitted, first), each result written after the
    /// last; stops at the first failure, whose result is the last (RFC 8881 §20).
    /// </summary>
    private NfsStat4 RunOps(XdrWriter reply, out uint results)
    {
        var status = NfsStat4.Ok;
        results = 0;
        for (var i = 0; i < _ops.Count && status == NfsStat4.Ok; i++)
        {
            var op = _ops[i];
            results++;
            reply.WriteUInt32(op.ResultOpnum);
            switch (op.Opnum)
            {
                case NfsCbOpnum4.CbSequence when i == 0:
                    reply.WriteUInt32((uint)NfsStat4.Ok);
                    op.SessionId.Encode(reply);
                    reply.WriteUInt32(op.SequenceId);
                    reply.WriteUInt32(op.SlotId);
                    reply.WriteUInt32(_slots.HighestSlotId);
                    reply.WriteUInt32(_slots.HighestSlotId);
                    break;
                case NfsCbOpnum4.CbSequence:
                    status = NfsStat4.SequencePos;
                    reply.WriteUInt32((uint)status);
                    break;
                case NfsCbOpnum4.CbRecall:
                    status = _target.Recall(op.StateId, op.Truncate, op.FileHandle!);
                    CallbackLog.Recall(_logger, _server, op.StateId, status);
                    reply.WriteUInt32((uint)status);
                    break;
                case NfsCbOpnum4.CbGetAttr:
                    status = _target.GetAttributes(op.FileHandle!, out var change, out var size);
                    reply.WriteUInt32((uint)status);
                    if (status == NfsStat4.Ok)
                    {
                        WriteDelegatedAttributes(reply, op.Attributes, change, size);
                    }

                    break;
                case NfsCbOpnum4.CbIllegal:
                    status = NfsStat4.OpIllegal;
                    reply.WriteUInt32((uint)status);
                    break;
                default:
                    status = NfsStat4.NotSupp;
                    reply.WriteUInt32((uint)status);
                    break;
            }
        }

        return status;
    }

    /// <summary>CB_GETATTR4resok: of the attributes asked, change and size (the ones §10.4.3 has the server ask for).</summary>
    private static void WriteDelegatedAttributes(XdrWriter w, Bitmap4 asked, ulong change, ulong size)
    {
        var answered = asked.Intersect(Bitmap4.Of(FAttr4.Change, FAttr4.Size));
        answered.Encode(w);
        var lengthAt = w.ReserveUInt32();
        var before = w.WrittenSpan.Length;
        if (answered.Contains(FAttr4.Change))
        {
            w.WriteUInt64(change);
        }

        if (answered.Contains(FAttr4.Size))
        {
            w.WriteUInt64(size);
        }

        w.PatchUInt32(lengthAt, (uint)(w.WrittenSpan.Length - before));
    }

    private async Task AnswerAsync(RpcConnection connection, ReceivedRecord record)
    {
        using var writer = new XdrWriter(512);
        var markAt = writer.ReserveUInt32();
        bool answer;
        try
        {
            answer = Process(record.Span, writer);
        }
        finally
        {
            record.Return();
        }

        if (!answer)
        {
            return;
        }

        try
        {
            await connection.SendReplyAsync(writer, markAt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            // The connection is gone; the server sends the call again on the next one it has for the back channel.
            CallbackLog.ReplyLost(_logger, _server, ex.Message);
        }
    }
}

/// <summary>Log messages of the back channel (event ids 2240–2249).</summary>
internal static partial class CallbackLog
{
    [LoggerMessage(2240, LogLevel.Warning, "{Server}: malformed callback {Xid:x8} answered GARBAGE_ARGS")]
    public static partial void Malformed(ILogger logger, string server, uint xid);

    [LoggerMessage(2241, LogLevel.Debug, "{Server}: callback re-sent on slot {Slot} (sequence {Sequence}): answered from the reply cache")]
    public static partial void Replayed(ILogger logger, string server, uint slot, uint sequence);

    [LoggerMessage(2242, LogLevel.Information, "{Server}: CB_RECALL of delegation {StateId}: {Status}")]
    public static partial void Recall(ILogger logger, string server, StateId4 stateId, NfsStat4 status);

    [LoggerMessage(2243, LogLevel.Debug, "{Server}: callback reply not sent: {Reason}")]
    public static partial void ReplyLost(ILogger logger, string server, string reason);
}
