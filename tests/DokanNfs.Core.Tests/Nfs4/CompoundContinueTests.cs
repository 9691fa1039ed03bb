using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Nfs4;

/// <summary>
/// <see cref="CompoundResults.Continue"/>: a decoder written for NFSv4.0 replies (it starts with
/// <see cref="CompoundResults.Begin"/>) reads an NFSv4.1 reply after SEQUENCE's result, with the operations numbered as
/// the caller encoded them, and the hand-over never leaks into the next decode on the thread.
/// </summary>
[TestClass]
public sealed class CompoundContinueTests
{
    private static readonly SessionId4 Session = new(1, 2);

    [TestMethod]
    public void A_whole_reply_decoder_reads_the_results_after_sequence()
    {
        var reply = Compound(NfsStat4.Ok, 3, w =>
        {
            WriteSequenceOk(w);
            Result(w, NfsOpnum4.PutRootFh, NfsStat4.Ok);
            Result(w, NfsOpnum4.Lookup, NfsStat4.Ok);
        });

        var (seen, count) = DecodeAfterSequence(reply, static (ref XdrReader r) =>
        {
            var results = CompoundResults.Begin(ref r);
            results.PutRootFh(ref r);
            results.Lookup(ref r);
            r.ExpectEnd();
            return (results.Seen, results.OpCount);
        });

        Assert.AreEqual((2, 2), (seen, count), "SEQUENCE is the session's: the caller's two results are all it sees");
    }

    [TestMethod]
    public void A_failure_is_numbered_among_the_callers_operations_as_under_4_0()
    {
        var reply = Compound(NfsStat4.NoEnt, 3, w =>
        {
            WriteSequenceOk(w);
            Result(w, NfsOpnum4.PutRootFh, NfsStat4.Ok);
            Result(w, NfsOpnum4.Lookup, NfsStat4.NoEnt);
        });

        var error = Assert.ThrowsExactly<NfsException>(() => DecodeAfterSequence(reply, static (ref XdrReader r) =>
        {
            var results = CompoundResults.Begin(ref r);
            results.Path = "/a";
            results.PutRootFh(ref r);
            results.Lookup(ref r);
            results.GetFh(ref r);
            return 0;
        }));

        Assert.AreEqual(NfsStat4.NoEnt, error.Status);
        Assert.AreEqual(NfsOpnum4.Lookup, error.Operation);
        Assert.AreEqual(1, error.OpIndex, "PUTROOTFH is 0, LOOKUP 1: as the same decoder numbers them in an NFSv4.0 reply");
        Assert.AreEqual("/a", error.Path);
    }

    [TestMethod]
    public void After_a_decoder_that_returned_or_threw_the_next_begin_reads_a_header_again()
    {
        var failing = Compound(NfsStat4.Stale, 2, w =>
        {
            WriteSequenceOk(w);
            Result(w, NfsOpnum4.PutRootFh, NfsStat4.Stale);
        });
        var plain = Compound(NfsStat4.Ok, 1, w => Result(w, NfsOpnum4.PutRootFh, NfsStat4.Ok));

        Assert.ThrowsExactly<NfsException>(() => DecodeAfterSequence(failing, static (ref XdrReader r) =>
        {
            var results = CompoundResults.Begin(ref r);
            results.PutRootFh(ref r);
            return 0;
        }));

        // A decoder that never called Begin leaves nothing behind either.
        DecodeAfterSequence(failing, static (ref XdrReader r) => 0);

        var reader = new XdrReader(plain);
        var results = CompoundResults.Begin(ref reader);
        results.PutRootFh(ref reader);
        reader.ExpectEnd();
        Assert.AreEqual(1, results.OpCount);
    }

    /// <summary>What NfsSession does: the header and SEQUENCE's result, then the caller's decoder on the rest.</summary>
    private static T DecodeAfterSequence<T>(byte[] reply, RpcResultDecoder<T> decode)
    {
        var reader = new XdrReader(reply);
        var results = CompoundResults.Begin(ref reader);
        var sequence = results.Sequence(ref reader);
        Assert.AreEqual(Session, sequence.SessionId);
        return CompoundResults.Continue(results, ref reader, decode);
    }

    private static byte[] Compound(NfsStat4 status, int count, Action<XdrWriter> results)
    {
        using var w = new XdrWriter();
        w.WriteEnum(status);
        w.WriteString(string.Empty);
        w.WriteUInt32((uint)count);
        results(w);
        return w.WrittenSpan.ToArray();
    }

    private static void WriteSequenceOk(XdrWriter w)
    {
        Result(w, NfsOpnum4.Sequence, NfsStat4.Ok);
        Session.Encode(w);
        w.WriteUInt32(1);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
        w.WriteUInt32(0);
    }

    private static void Result(XdrWriter w, NfsOpnum4 op, NfsStat4 status)
    {
        w.WriteEnum(op);
        w.WriteEnum(status);
    }
}
