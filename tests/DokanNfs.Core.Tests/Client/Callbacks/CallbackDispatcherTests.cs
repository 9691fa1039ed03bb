using DokanNfs.Core.Client.Callbacks;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging.Abstractions;
using static DokanNfs.Core.Tests.Client.Callbacks.CallbackMessages;

namespace DokanNfs.Core.Tests.Client.Callbacks;

/// <summary>
/// <see cref="CallbackDispatcher"/> on bytes (RFC 8881 §20, §2.10.6.1): CB_NULL, CB_SEQUENCE's slot and sequence checks
/// and reply cache, CB_RECALL and CB_GETATTR handed to the target, what it does not know refused the way the RFC says,
/// and malformed calls answered GARBAGE_ARGS without touching the slots.
/// </summary>
[TestClass]
public sealed class CallbackDispatcherTests
{
    private static readonly SessionId4 Session = new(0x1111, 0x2222);
    private static readonly StateId4 Deleg = new(1, 0xABCDEF, 7);
    private static readonly NfsFh File = new([1, 2, 3, 4]);

    private readonly StubTarget _target = new() { BackChannel = new BackChannelInfo(Session, 1, 2, 4) };

    [TestMethod]
    public void CB_NULL_is_answered_with_success_and_nothing_else()
    {
        var reply = Run(Call(7, NfsCallbackProgram.ProcNull, []), compound: false);

        Assert.AreEqual(7u, reply.Xid);
        Assert.AreEqual(RpcAcceptStat.Success, reply.AcceptStat);
    }

    [TestMethod]
    public void CB_RECALL_after_CB_SEQUENCE_reaches_the_target_and_both_answer_OK()
    {
        var reply = Run(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1), Recall(Deleg, File))));

        Assert.AreEqual(NfsStat4.Ok, reply.Status);
        CollectionAssert.AreEqual(new[] { (uint)NfsCbOpnum4.CbSequence, (uint)NfsCbOpnum4.CbRecall }, reply.Results.Select(x => x.Op).ToArray());
        Assert.IsTrue(reply.Results.All(x => x.Status == NfsStat4.Ok));
        CollectionAssert.AreEqual(new[] { Deleg }, _target.Recalls);
        CollectionAssert.AreEqual(new[] { File }, _target.RecalledFiles);

        // csr_sessionid, csr_sequenceid, csr_slotid, csr_highest_slotid, csr_target_highest_slotid.
        var r = new XdrReader(reply.Results[0].Body);
        Assert.AreEqual(Session, SessionId4.Decode(ref r));
        Assert.AreEqual(1u, r.ReadUInt32());
        Assert.AreEqual(0u, r.ReadUInt32());
        Assert.AreEqual(1u, r.ReadUInt32(), "two slots: the highest is 1");
        Assert.AreEqual(1u, r.ReadUInt32());
    }

    [TestMethod]
    public void A_resent_request_is_answered_from_the_slots_cache_and_not_run_again()
    {
        var args = Compound(1, Sequence(Session, 1), Recall(Deleg, File));
        using var first = new XdrWriter();
        using var again = new XdrWriter();
        var dispatcher = Dispatcher();

        dispatcher.Process(Call(1, NfsCallbackProgram.ProcCompound, args), first);
        dispatcher.Process(Call(2, NfsCallbackProgram.ProcCompound, args), again);

        Assert.HasCount(1, _target.Recalls, "the re-send did not run again");
        var original = Parse(first.WrittenSpan);
        var replayed = Parse(again.WrittenSpan);
        Assert.AreEqual(2u, replayed.Xid, "the cached reply goes out under the re-send's XID");
        Assert.AreEqual(NfsStat4.Ok, original.Status);
        Assert.IsTrue(first.WrittenSpan[4..].SequenceEqual(again.WrittenSpan[4..]), "byte for byte the reply it had");
    }

    [TestMethod]
    [DataRow(3u, NfsStat4.SeqMisordered, DisplayName = "a sequence id that skips one")]
    [DataRow(0u, NfsStat4.SeqMisordered, DisplayName = "an old sequence id")]
    public void A_misordered_sequence_id_is_refused_and_nothing_runs(uint sequenceId, NfsStat4 expected)
    {
        var dispatcher = Dispatcher();
        using var w = new XdrWriter();
        dispatcher.Process(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1))), w);
        w.Reset();
        _target.Recalls.Clear();

        dispatcher.Process(Call(2, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, sequenceId), Recall(Deleg, File))), w);
        var reply = Parse(w.WrittenSpan);

        Assert.AreEqual(expected, reply.Status);
        Assert.HasCount(1, reply.Results);
        Assert.AreEqual(expected, reply.Results[0].Status);
        Assert.IsEmpty(_target.Recalls);
    }

    [TestMethod]
    public void A_slot_beyond_the_back_channel_is_BADSLOT_and_another_session_BADSESSION()
    {
        var badSlot = Run(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1, slotId: 2), Recall(Deleg, File))));
        var badSession = Run(Call(2, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(new SessionId4(9, 9), 1), Recall(Deleg, File))));

        Assert.AreEqual(NfsStat4.BadSlot, badSlot.Status);
        Assert.AreEqual(NfsStat4.BadSession, badSession.Status);
        Assert.IsEmpty(_target.Recalls);
    }

    [TestMethod]
    public void Without_a_session_with_a_back_channel_every_compound_is_BADSESSION()
    {
        _target.BackChannel = null;

        var reply = Run(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1), Recall(Deleg, File))));

        Assert.AreEqual(NfsStat4.BadSession, reply.Status);
        Assert.IsEmpty(_target.Recalls);
    }

    [TestMethod]
    public void A_compound_not_starting_with_CB_SEQUENCE_is_OP_NOT_IN_SESSION_and_a_second_CB_SEQUENCE_SEQUENCE_POS()
    {
        var first = Run(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Recall(Deleg, File))));
        var second = Run(Call(2, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1), Sequence(Session, 2))));

        Assert.AreEqual(NfsStat4.OpNotInSession, first.Status);
        Assert.IsEmpty(_target.Recalls);
        Assert.AreEqual(NfsStat4.SequencePos, second.Status);
        CollectionAssert.AreEqual(new[] { NfsStat4.Ok, NfsStat4.SequencePos }, second.Results.Select(x => x.Status).ToArray());
    }

    [TestMethod]
    public void An_unknown_operation_is_OP_CB_ILLEGAL_and_a_known_unsupported_one_NOTSUPP()
    {
        var unknown = Run(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1), Raw(99), Recall(Deleg, File))));
        var layout = Run(Call(2, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1), Raw((uint)NfsCbOpnum4.CbLayoutRecall))));

        Assert.AreEqual(NfsStat4.OpIllegal, unknown.Status);
        Assert.AreEqual((uint)NfsCbOpnum4.CbIllegal, unknown.Results[^1].Op);
        Assert.HasCount(2, unknown.Results, "nothing after the failed operation runs");
        Assert.IsEmpty(_target.Recalls);
        Assert.AreEqual(NfsStat4.NotSupp, layout.Status);
        Assert.AreEqual((uint)NfsCbOpnum4.CbLayoutRecall, layout.Results[^1].Op);
    }

    [TestMethod]
    public void CB_GETATTR_answers_change_and_size_of_a_write_delegated_file()
    {
        var reply = Run(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1), GetAttr(File, Bitmap4.Of(FAttr4.Size, FAttr4.Change)))));

        Assert.AreEqual(NfsStat4.Ok, reply.Status);
        var r = new XdrReader(reply.Results[1].Body);
        Assert.AreEqual(Bitmap4.Of(FAttr4.Change, FAttr4.Size), Bitmap4.Decode(ref r));
        Assert.AreEqual(16u, r.ReadUInt32());
        Assert.AreEqual(7UL, r.ReadUInt64());
        Assert.AreEqual(42UL, r.ReadUInt64());
    }

    [TestMethod]
    public void CB_GETATTR_of_a_file_without_a_delegation_is_BADHANDLE()
    {
        var reply = Run(Call(1, NfsCallbackProgram.ProcCompound, Compound(1, Sequence(Session, 1), GetAttr(new NfsFh([9]), Bitmap4.Of(FAttr4.Size)))));

        Assert.AreEqual(NfsStat4.BadHandle, reply.Status);
    }

    [TestMethod]
    public void A_wrong_program_version_procedure_or_minor_version_is_refused_as_RFC_5531_and_8881_say()
    {
        Assert.AreEqual(RpcAcceptStat.ProgUnavail, Run(Call(1, 0, [], program: 100003), compound: false).AcceptStat);
        Assert.AreEqual(RpcAcceptStat.ProgMismatch, Run(Call(2, 0, [], version: 4), compound: false).AcceptStat);
        Assert.AreEqual(RpcAcceptStat.ProcUnavail, Run(Call(3, 5, []), compound: false).AcceptStat);
        Assert.AreEqual(RpcReplyStat.MsgDenied, Run(Call(4, 0, [], rpcVersion: 3), compound: false).ReplyStat);
        Assert.AreEqual(NfsStat4.MinorVersMismatch, Run(Call(5, NfsCallbackProgram.ProcCompound, Compound(2, Sequence(Session, 1)))).Status);
    }

    [TestMethod]
    [DataRow(4, DisplayName = "cut inside CB_SEQUENCE")]
    [DataRow(40, DisplayName = "cut inside CB_RECALL's filehandle")]
    [DataRow(1, DisplayName = "cut inside the tag")]
    public void A_truncated_compound_is_GARBAGE_ARGS_and_leaves_the_slot_as_it_was(int cutFromEnd)
    {
        var args = Compound(1, Sequence(Session, 1), Recall(Deleg, File));
        var dispatcher = Dispatcher();
        using var w = new XdrWriter();
        var cut = cutFromEnd == 1 ? args[..6] : args[..^cutFromEnd];

        dispatcher.Process(Call(1, NfsCallbackProgram.ProcCompound, cut), w);
        Assert.AreEqual(RpcAcceptStat.GarbageArgs, Parse(w.WrittenSpan, compound: false).AcceptStat);
        Assert.IsEmpty(_target.Recalls);

        // The slot still expects sequence id 1.
        w.Reset();
        dispatcher.Process(Call(2, NfsCallbackProgram.ProcCompound, args), w);
        Assert.AreEqual(NfsStat4.Ok, Parse(w.WrittenSpan).Status);
        Assert.HasCount(1, _target.Recalls);
    }

    [TestMethod]
    public void A_compound_declaring_more_operations_than_decoded_is_TOO_MANY_OPS_or_GARBAGE_ARGS_never_a_crash()
    {
        using var w = new XdrWriter();
        w.WriteString("cb");
        w.WriteUInt32(1);
        w.WriteUInt32(0);
        w.WriteUInt32(uint.MaxValue);

        var reply = Run(Call(1, NfsCallbackProgram.ProcCompound, w.WrittenSpan));

        Assert.AreEqual(NfsStat4.TooManyOps, reply.Status);
        Assert.IsFalse(Dispatcher().Process([0, 0, 0], new XdrWriter()), "a record too short to hold an XID gets no answer");
    }

    private CallbackDispatcher Dispatcher() => new(Program, _target, NullLogger.Instance, "test");

    private CbReply Run(byte[] call, bool compound = true)
    {
        using var w = new XdrWriter();
        Assert.IsTrue(Dispatcher().Process(call, w));
        return Parse(w.WrittenSpan, compound);
    }

    private sealed class StubTarget : ICallbackTarget
    {
        public BackChannelInfo? BackChannel { get; set; }

        public List<StateId4> Recalls { get; } = [];

        public List<NfsFh> RecalledFiles { get; } = [];

        public NfsStat4 Recall(StateId4 stateId, bool truncate, NfsFh fileHandle)
        {
            Recalls.Add(stateId);
            RecalledFiles.Add(fileHandle);
            return NfsStat4.Ok;
        }

        public NfsStat4 GetAttributes(NfsFh fileHandle, out ulong change, out ulong size)
        {
            (change, size) = (7, 42);
            return fileHandle.Equals(File) ? NfsStat4.Ok : NfsStat4.BadHandle;
        }
    }
}
