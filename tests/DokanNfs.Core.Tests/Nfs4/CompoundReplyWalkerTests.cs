using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Nfs4;

/// <summary>The COMPOUND walker's rules on hand-made replies (real ones are in the fuzz fixtures).</summary>
[TestClass]
public sealed class CompoundReplyWalkerTests
{
    [TestMethod]
    public void A_failed_operation_is_summarised_not_thrown()
    {
        var record = Reply(NfsStat4.NoEnt, 2, w =>
        {
            Result(w, NfsOpnum4.PutFh, NfsStat4.Ok);
            Result(w, NfsOpnum4.Lookup, NfsStat4.NoEnt);
        });

        var summary = ReplyDecoding.DecodeRecord(record);

        Assert.AreEqual("NoEnt: PutFh Ok, Lookup NoEnt", summary.ToString());
    }

    [TestMethod]
    public void Lock_denied_and_clid_inuse_bodies_are_read()
    {
        var denied = Reply(NfsStat4.Denied, 2, w =>
        {
            Result(w, NfsOpnum4.PutFh, NfsStat4.Ok);
            Result(w, NfsOpnum4.Lock, NfsStat4.Denied);
            w.WriteUInt64(10);
            w.WriteUInt64(20);
            w.WriteEnum(NfsLockType4.Write);
            new StateOwner4(7, "owner"u8.ToArray()).Encode(w);
        });
        var inUse = Reply(NfsStat4.ClidInuse, 1, w =>
        {
            Result(w, NfsOpnum4.SetClientId, NfsStat4.ClidInuse);
            w.WriteString("tcp");
            w.WriteString("127.0.0.1.8.1");
        });

        Assert.AreEqual("Denied: PutFh Ok, Lock Denied", ReplyDecoding.DecodeRecord(denied).ToString());
        Assert.AreEqual("ClidInuse: SetClientId ClidInuse", ReplyDecoding.DecodeRecord(inUse).ToString());
    }

    [TestMethod]
    public void A_result_after_a_failed_one_is_malformed()
    {
        var record = Reply(NfsStat4.Ok, 2, w =>
        {
            Result(w, NfsOpnum4.PutFh, NfsStat4.Stale);
            Result(w, NfsOpnum4.Lookup, NfsStat4.Ok);
        });

        AssertMalformed(record, "more results follow");
    }

    [TestMethod]
    public void A_compound_status_other_than_the_last_results_is_malformed()
    {
        AssertMalformed(Reply(NfsStat4.Ok, 1, w => Result(w, NfsOpnum4.PutRootFh, NfsStat4.Access)), "differs from its last result");
    }

    [TestMethod]
    public void Bytes_after_the_last_result_are_malformed()
    {
        AssertMalformed(Reply(NfsStat4.Ok, 1, w =>
        {
            Result(w, NfsOpnum4.PutRootFh, NfsStat4.Ok);
            w.WriteUInt32(0);
        }), "unexpected bytes");
    }

    [TestMethod]
    public void An_opnum_this_client_never_sends_is_malformed()
    {
        AssertMalformed(Reply(NfsStat4.Ok, 1, w => Result(w, NfsOpnum4.LayoutGet, NfsStat4.Ok)), "never sends");
    }

    [TestMethod]
    public void A_refused_call_is_the_typed_rpc_error()
    {
        using var w = new XdrWriter();
        w.WriteUInt32(1);
        w.WriteEnum(RpcMsgType.Reply);
        w.WriteEnum(RpcReplyStat.MsgAccepted);
        w.WriteUInt32(0);
        w.WriteOpaque([]);
        w.WriteEnum(RpcAcceptStat.ProgUnavail);

        var ex = Assert.ThrowsExactly<RpcAcceptedErrorException>(() => ReplyDecoding.DecodeRecord(w.WrittenSpan));

        Assert.AreEqual(RpcAcceptStat.ProgUnavail, ex.AcceptStat);
    }

    [TestMethod]
    public void The_hook_sees_each_result_and_where_it_starts()
    {
        var record = Reply(NfsStat4.Ok, 2, w =>
        {
            Result(w, NfsOpnum4.PutRootFh, NfsStat4.Ok);
            Result(w, NfsOpnum4.GetFh, NfsStat4.Ok);
            w.WriteOpaque([1, 2, 3, 4]);
        });
        var seen = new List<(NfsOpnum4, int)>();

        ReplyDecoding.DecodeRecord(record, (op, offset) => seen.Add((op, offset)));

        // The RPC header is 24 bytes; status, empty tag and count 12 more; PUTROOTFH's result 8.
        CollectionAssert.AreEqual(new[] { (NfsOpnum4.PutRootFh, 36), (NfsOpnum4.GetFh, 44) }, seen);
    }

    private static void AssertMalformed(byte[] record, string why)
    {
        var ex = Assert.ThrowsExactly<RpcMalformedReplyException>(() => ReplyDecoding.DecodeRecord(record));
        Assert.IsInstanceOfType<XdrException>(ex.InnerException);
        Assert.Contains(why, ex.Message);
    }

    private static void Result(XdrWriter w, NfsOpnum4 op, NfsStat4 status)
    {
        w.WriteEnum(op);
        w.WriteEnum(status);
    }

    /// <summary>An accepted, successful RPC reply (RFC 5531 §9) holding a COMPOUND4res with an empty tag.</summary>
    private static byte[] Reply(NfsStat4 status, int count, Action<XdrWriter> results)
    {
        using var w = new XdrWriter();
        w.WriteUInt32(0x1234);
        w.WriteEnum(RpcMsgType.Reply);
        w.WriteEnum(RpcReplyStat.MsgAccepted);
        w.WriteUInt32(0); // AUTH_NONE verifier
        w.WriteOpaque([]);
        w.WriteEnum(RpcAcceptStat.Success);
        w.WriteEnum(status);
        w.WriteString(string.Empty);
        w.WriteUInt32((uint)count);
        results(w);
        return w.WrittenSpan.ToArray();
    }
}
