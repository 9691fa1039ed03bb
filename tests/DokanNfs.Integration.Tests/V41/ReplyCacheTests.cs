using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// Exactly-once semantics with real NFS-Ganesha (RFC 8881 §2.10.6): a request whose reply was lost with its connection
/// goes again on the same slot with the same sequence id, and the server answers it from its reply cache instead of
/// running it twice — when the request asked for its reply to be cached (sa_cachethis).
/// </summary>
[TestClass]
public sealed class ReplyCacheTests(TestContext testContext) : SessionTestBase(testContext)
{
    [TestMethod]
    public async Task A_CREATE_resent_after_its_reply_was_lost_is_answered_from_the_reply_cache()
    {
        var server = await StartServerAsync();
        var recorder = Record(server.EndPoint);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var (session, log) = await EstablishAsync(proxy.EndPoint);
        var dropped = proxy.DropReplyToCall(1);

        // The server creates the directory; its reply is dropped and the connection cut. The re-send is answered
        // NFS4_OK from the cache — run a second time it would be NFS4ERR_EXIST.
        await CreateDirectoryAsync(session, "made-once", cacheThis: true, Ct);

        var xid = await dropped.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.IsTrue(Directory.Exists(server.PathInExport("made-once")));
        var creates = recorder.Calls.Where(c => c.Request.Ops.Any(o => o.Op == NfsOpnum4.Create)).ToList();
        TestContext.WriteLine(recorder.Describe());
        Assert.HasCount(2, creates, "the CREATE reached the server twice");
        Assert.AreEqual(xid, creates[0].Xid);
        Assert.AreNotEqual(creates[0].Connection, creates[1].Connection, "the second time on a new connection");
        var first = (SequenceArgs)creates[0].Request.Ops[0];
        var second = (SequenceArgs)creates[1].Request.Ops[0];
        Assert.AreEqual(first, second, "same session, slot, sequence id, sa_highest_slotid and sa_cachethis");
        Assert.IsTrue(first.CacheThis);
        Assert.IsTrue(creates.All(c => c.Status == NfsStat4.Ok), "both answered NFS4_OK: the second from the reply cache");
        Assert.HasCount(1, log.WithId(ResendingEvent));
        Assert.AreEqual(0L, session.ResetCount);
        Assert.AreEqual(first.SequenceId + 1, session.Slots.NextSequenceIdOf(first.SlotId), "the slot moved on once");
    }

    [TestMethod]
    public async Task Without_sa_cachethis_a_resent_request_is_refused_as_uncached_and_goes_again_as_a_new_one()
    {
        var server = await StartServerAsync();
        var recorder = Record(server.EndPoint);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var (session, _) = await EstablishAsync(proxy.EndPoint);

        // An idempotent GETATTR: the re-send meets NFS4ERR_RETRY_UNCACHED_REP, and is sent again as a new request.
        var dropped = proxy.DropReplyToCall(1);
        var attributes = await GetRootAttributesAsync(session, Ct);
        await dropped.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        var getattrs = recorder.Calls.Where(c => c.Request.Tag == "getattr").ToList();
        TestContext.WriteLine(recorder.Describe());
        Assert.HasCount(3, getattrs, "sent, re-sent on the same slot, sent as a new request");
        Assert.AreEqual(NfsStat4.RetryUncachedRep, getattrs[1].Status);
        var (one, two, three) = ((SequenceArgs)getattrs[0].Request.Ops[0], (SequenceArgs)getattrs[1].Request.Ops[0], (SequenceArgs)getattrs[2].Request.Ops[0]);
        Assert.AreEqual(one, two);
        Assert.AreEqual(one.SequenceId + 1, three.SequenceId, "the server had run it: the new request takes the next sequence id");

        // A CREATE without sa_cachethis is taken for idempotent and goes again the same way — and runs twice:
        // NFS4ERR_EXIST. This is why a non-idempotent request must ask for its reply to be cached.
        dropped = proxy.DropReplyToCall(1);
        var ex = await Assert.ThrowsAsync<NfsException>(() => CreateDirectoryAsync(session, "made-twice", cacheThis: false, Ct).AsTask());
        await dropped.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.AreEqual(NfsStat4.Exist, ex.Status);
        var creates = recorder.Calls.Where(c => c.Request.Tag == "create").Select(c => c.Status).ToArray();
        CollectionAssert.AreEqual(new NfsStat4?[] { NfsStat4.Ok, NfsStat4.RetryUncachedRep, NfsStat4.Exist }, creates, recorder.Describe());
    }

    [TestMethod]
    public async Task A_slot_whose_request_was_given_up_is_used_again_whether_the_server_ran_it_or_not()
    {
        var server = await StartServerAsync();
        var recorder = Record(server.EndPoint);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var options = NewOptions() with { ForeChannel = NewOptions().ForeChannel with { MaxRequests = 1 }, RetryBudget = TimeSpan.Zero };
        var (session, _) = await EstablishAsync(proxy.EndPoint, options);
        Assert.AreEqual(1u, session.ForeChannel.MaxRequests);

        // The server ran it, the reply was lost, and with no retry budget the request is given up: the next request on
        // the slot takes the next sequence id, which the server expects.
        var droppedReply = proxy.DropReplyToCall(1);
        await Assert.ThrowsAsync<RpcConnectionLostException>(() => GetRootAttributesAsync(session, Ct).AsTask());
        await droppedReply.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.AreEqual(NfsFtype4.Dir, (await GetRootAttributesAsync(session, Ct)).Type);

        // The request never reached the server: the next sequence id is one too far (NFS4ERR_SEQ_MISORDERED), and the
        // request goes again with the one the lost request had.
        var droppedCall = proxy.DropCall(1);
        await Assert.ThrowsAsync<RpcConnectionLostException>(() => GetRootAttributesAsync(session, Ct).AsTask());
        await droppedCall.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.AreEqual(NfsFtype4.Dir, (await GetRootAttributesAsync(session, Ct)).Type);

        TestContext.WriteLine(recorder.Describe());
        var misordered = recorder.Calls.Where(c => c.Status == NfsStat4.SeqMisordered).ToList();
        Assert.HasCount(1, misordered);
        var after = recorder.Calls.SkipWhile(c => c != misordered[0]).Skip(1).First();
        Assert.AreEqual(((SequenceArgs)misordered[0].Request.Ops[0]).SequenceId - 1, ((SequenceArgs)after.Request.Ops[0]).SequenceId);
        Assert.AreEqual(NfsStat4.Ok, after.Status);
        Assert.AreEqual(0L, session.ResetCount, "no new session was needed");
    }
}
