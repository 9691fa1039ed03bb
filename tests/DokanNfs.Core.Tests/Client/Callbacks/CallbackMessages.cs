using DokanNfs.Core.Client.Callbacks;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Client.Callbacks;

/// <summary>One operation's result in a CB_COMPOUND reply.</summary>
internal sealed record CbResult(uint Op, NfsStat4 Status, byte[] Body);

/// <summary>A callback reply as the server reads it: the RPC outcome and, for CB_COMPOUND, its status and results.</summary>
internal sealed record CbReply(uint Xid, RpcReplyStat ReplyStat, RpcAcceptStat AcceptStat, NfsStat4 Status, IReadOnlyList<CbResult> Results);

/// <summary>Builds the server's side of the back channel (RFC 8881 §20) for tests, and reads the client's replies.</summary>
internal static class CallbackMessages
{
    public const uint Program = NfsSessionOptions.DefaultCallbackProgram;

    /// <summary>A whole RPC CALL message of the callback program (AUTH_NONE).</summary>
    public static byte[] Call(uint xid, uint procedure, ReadOnlySpan<byte> args, uint program = Program, uint version = NfsCallbackProgram.Version, uint rpcVersion = 2)
    {
        using var w = new XdrWriter();
        w.WriteUInt32(xid);
        w.WriteEnum(RpcMsgType.Call);
        w.WriteUInt32(rpcVersion);
        w.WriteUInt32(program);
        w.WriteUInt32(version);
        w.WriteUInt32(procedure);
        w.WriteUInt64(0);
        w.WriteUInt64(0);
        w.WriteFixedOpaque(args);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>CB_COMPOUND4args with the given operations.</summary>
    public static byte[] Compound(uint minorVersion, params Action<XdrWriter>[] ops)
    {
        using var w = new XdrWriter();
        w.WriteString("cb");
        w.WriteUInt32(minorVersion);
        w.WriteUInt32(0);
        w.WriteUInt32((uint)ops.Length);
        foreach (var op in ops)
        {
            op(w);
        }

        return w.WrittenSpan.ToArray();
    }

    public static Action<XdrWriter> Sequence(SessionId4 session, uint sequenceId, uint slotId = 0) => w =>
    {
        w.WriteUInt32((uint)NfsCbOpnum4.CbSequence);
        session.Encode(w);
        w.WriteUInt32(sequenceId);
        w.WriteUInt32(slotId);
        w.WriteUInt32(slotId);
        w.WriteBool(false);
        w.WriteUInt32(0);
    };

    public static Action<XdrWriter> Recall(StateId4 stateId, NfsFh fileHandle) => w =>
    {
        w.WriteUInt32((uint)NfsCbOpnum4.CbRecall);
        stateId.Encode(w);
        w.WriteBool(false);
        fileHandle.Encode(w);
    };

    public static Action<XdrWriter> GetAttr(NfsFh fileHandle, Bitmap4 attributes) => w =>
    {
        w.WriteUInt32((uint)NfsCbOpnum4.CbGetAttr);
        fileHandle.Encode(w);
        attributes.Encode(w);
    };

    public static Action<XdrWriter> Raw(uint opnum) => w => w.WriteUInt32(opnum);

    /// <summary>Reads a reply; <paramref name="compound"/> says whether a successful one carries CB_COMPOUND4res.</summary>
    public static CbReply Parse(ReadOnlySpan<byte> reply, bool compound = true)
    {
        var r = new XdrReader(reply);
        var xid = r.ReadUInt32();
        Assert.AreEqual((uint)RpcMsgType.Reply, r.ReadUInt32());
        var replyStat = (RpcReplyStat)r.ReadUInt32();
        if (replyStat != RpcReplyStat.MsgAccepted)
        {
            return new CbReply(xid, replyStat, default, default, []);
        }

        r.ReadUInt32();
        r.ReadOpaque(400);
        var accept = (RpcAcceptStat)r.ReadUInt32();
        if (accept != RpcAcceptStat.Success || !compound)
        {
            return new CbReply(xid, replyStat, accept, default, []);
        }

        var status = (NfsStat4)r.ReadUInt32();
        r.ReadString(1024);
        var count = r.ReadUInt32();
        var results = new List<CbResult>();
        for (var i = 0; i < count; i++)
        {
            var op = r.ReadUInt32();
            var opStatus = (NfsStat4)r.ReadUInt32();
            var body = Array.Empty<byte>();
            if (opStatus == NfsStat4.Ok && op == (uint)NfsCbOpnum4.CbSequence)
            {
                body = r.ReadFixedOpaque(SessionId4.Size + 16).ToArray();
            }
            else if (opStatus == NfsStat4.Ok && op == (uint)NfsCbOpnum4.CbGetAttr)
            {
                var before = r.Position;
                Bitmap4.Decode(ref r);
                r.ReadOpaque(1024);
                body = reply[before..r.Position].ToArray();
            }

            results.Add(new CbResult(op, opStatus, body));
        }

        r.ExpectEnd();
        return new CbReply(xid, replyStat, accept, status, results);
    }
}
