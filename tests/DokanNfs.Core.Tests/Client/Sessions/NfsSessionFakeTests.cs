using DokanNfs.Core.Client;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Client.Sessions;

/// <summary>
/// <see cref="NfsSession"/> against a scripted NFSv4.1 server, for what a real one will not do on demand: every
/// SEQUENCE error of the table, a lost CREATE_SESSION reply, a reply that is not the request's, a restart between a
/// request and its re-send, unbound connections, slot limits and status flags, and requests over an extra connection.
/// </summary>
[TestClass]
public sealed class NfsSessionFakeTests(TestContext testContext)
{
    private static readonly CompoundOpsEncoder<int> EncodeGetAttr = static (ref CompoundEncoder e, int _) =>
    {
        e.PutRootFh();
        e.GetAttr(Bitmap4.Of(FAttr4.Type));
    };

    private static readonly CompoundResultsDecoder<NfsAttributes> DecodeGetAttr = static (ref CompoundResults results, ref XdrReader r) =>
    {
        results.PutRootFh(ref r);
        return results.GetAttr(ref r);
    };

    private readonly List<IAsyncDisposable> _disposables = [];

    private CancellationToken Ct => testContext.CancellationToken;

    [TestCleanup]
    public async Task CleanupAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }
    }

    [TestMethod]
    public async Task Establishing_sends_EXCHANGE_ID_CREATE_SESSION_with_eir_sequenceid_and_RECLAIM_COMPLETE()
    {
        var (fake, session) = await StartAsync();

        Assert.AreEqual(
            "ExchangeId | CreateSession | Sequence, ReclaimComplete | Sequence, PutRootFh, GetAttr",
            string.Join(" | ", fake.Calls.Select(c => string.Join(", ", c.Ops))));
        Assert.IsTrue(fake.Calls.All(c => c.Status == NfsStat4.Ok), "CREATE_SESSION carried eir_sequenceid (5): " + Describe(fake));
        Assert.AreEqual(0x100UL, session.ClientId);
        Assert.AreEqual(TimeSpan.FromSeconds(5), session.LeaseTime);
        Assert.AreEqual(8u, session.ForeChannel.MaxRequests);
    }

    [TestMethod]
    public async Task NFS4ERR_DELAY_on_SEQUENCE_sends_the_request_again_on_the_same_slot_and_sequence_id()
    {
        var (fake, session) = await StartAsync();
        fake.FailNextSequence(NfsStat4.Delay, count: 2);

        await GetAttrAsync(session);

        var last = fake.Calls.TakeLast(3).ToList();
        CollectionAssert.AreEqual(new[] { NfsStat4.Delay, NfsStat4.Delay, NfsStat4.Ok }, last.Select(c => c.Status).ToArray(), Describe(fake));
        Assert.AreEqual(1, last.Select(c => (c.SlotId, c.SequenceId)).Distinct().Count(), "one slot, one sequence id: " + Describe(fake));
        Assert.AreEqual(0L, session.ResetCount);
    }

    [TestMethod]
    [DataRow(NfsStat4.SeqMisordered)]
    [DataRow(NfsStat4.BadSlot)]
    public async Task A_session_out_of_step_is_replaced_and_the_old_one_destroyed(NfsStat4 status)
    {
        var (fake, session) = await StartAsync();
        var old = session.SessionId;
        fake.FailNextSequence(status);

        await GetAttrAsync(session);

        Assert.AreEqual(1L, session.ResetCount);
        Assert.AreEqual(2L, session.SessionGeneration);
        Assert.AreEqual(1L, session.ClientIdGeneration, "the client id stays");
        Assert.AreNotEqual(old, session.SessionId);
        var ops = fake.Calls.Select(c => c.Ops[0]).ToList();
        Assert.AreEqual(2, ops.Count(o => o == NfsOpnum4.CreateSession), Describe(fake));
        Assert.AreEqual(1, ops.Count(o => o == NfsOpnum4.DestroySession), "the abandoned session is destroyed: " + Describe(fake));
        Assert.AreEqual(1, fake.SessionCount);
        Assert.AreEqual(NfsStat4.Ok, fake.Calls[^1].Status);
        Assert.AreEqual(1u, fake.Calls[^1].SequenceId, "a new session starts its slots at 1");
    }

    [TestMethod]
    public async Task A_restarted_server_gets_a_new_client_id_then_the_reclaim_hook_then_RECLAIM_COMPLETE()
    {
        var reclaims = 0;
        var (fake, session) = await StartAsync(NewOptions() with
        {
            Reclaim = async (s, ct) =>
            {
                Interlocked.Increment(ref reclaims);
                await GetAttrAsync(s);
            },
        });
        var before = fake.Calls.Count;
        fake.Restart();

        await GetAttrAsync(session);
        await session.ReclaimCompletion.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var after = fake.Calls.Skip(before).Select(c => $"{string.Join(",", c.Ops)} {c.Status}").ToList();
        CollectionAssert.AreEqual(
            new[]
            {
                "Sequence BadSession",
                "CreateSession StaleClientId",
                "ExchangeId Ok",
                "CreateSession Ok",
                "Sequence,PutRootFh,GetAttr Ok", // the lease time again
                "Sequence,PutRootFh,GetAttr Ok", // the reclaim hook
                "Sequence,ReclaimComplete Ok",
                "Sequence,PutRootFh,GetAttr Ok", // the request, again
            },
            after,
            string.Join("\n", after));
        Assert.AreEqual(1, reclaims);
        Assert.AreEqual(2L, session.ClientIdGeneration);
        Assert.AreEqual(1L, session.ResetCount);
    }

    [TestMethod]
    public async Task A_failing_reclaim_hook_still_ends_in_RECLAIM_COMPLETE_and_the_request_goes_on()
    {
        var (fake, session) = await StartAsync(NewOptions() with { Reclaim = (_, _) => throw new InvalidOperationException("reclaim bug") });
        fake.Restart();

        await GetAttrAsync(session);
        await session.ReclaimCompletion.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.AreEqual(1, fake.Calls.Count(c => c.Ops.Contains(NfsOpnum4.ReclaimComplete) && c.Status == NfsStat4.Ok && c.SessionId == session.SessionId), Describe(fake));
        Assert.AreEqual(2L, session.ClientIdGeneration);
    }

    [TestMethod]
    public async Task A_connection_the_server_says_is_not_bound_is_bound_and_the_request_sent_again()
    {
        var (fake, session) = await StartAsync();
        fake.RequireBinding = true;

        await GetAttrAsync(session);

        var last = fake.Calls.TakeLast(3).ToList();
        Assert.AreEqual(NfsStat4.ConnNotBoundToSession, last[0].Status, Describe(fake));
        Assert.AreEqual(NfsOpnum4.BindConnToSession, last[1].Ops[0]);
        Assert.AreEqual((last[0].SlotId, last[0].SequenceId, NfsStat4.Ok), (last[2].SlotId, last[2].SequenceId, last[2].Status));
        Assert.AreEqual(1L, session.BindCount);
    }

    [TestMethod]
    public async Task A_lost_reply_of_a_cached_request_is_answered_from_the_reply_cache()
    {
        var (fake, session) = await StartAsync();
        fake.DropRepliesAfterRunning(1);

        await GetAttrAsync(session, cacheThis: true);

        var last = fake.Calls.TakeLast(2).ToList();
        Assert.AreEqual((last[0].SlotId, last[0].SequenceId), (last[1].SlotId, last[1].SequenceId), Describe(fake));
        Assert.AreNotEqual(last[0].Connection, last[1].Connection);
        Assert.AreEqual(last[0].SequenceId + 1, session.Slots.NextSequenceIdOf(last[0].SlotId));
    }

    [TestMethod]
    public async Task A_lost_reply_of_an_uncached_idempotent_request_goes_again_as_a_new_request()
    {
        var (fake, session) = await StartAsync();
        fake.DropRepliesAfterRunning(1);

        await GetAttrAsync(session);

        var last = fake.Calls.TakeLast(3).ToList();
        Assert.AreEqual(NfsStat4.RetryUncachedRep, last[1].Status, Describe(fake));
        Assert.AreEqual(last[0].SequenceId, last[1].SequenceId);
        Assert.AreEqual(last[0].SequenceId + 1, last[2].SequenceId);
        Assert.AreEqual(NfsStat4.Ok, last[2].Status);
    }

    [TestMethod]
    public async Task A_request_that_asks_to_be_given_back_when_the_server_is_unreachable_is_not_sent_again()
    {
        var (fake, session) = await StartAsync();
        var before = fake.Calls.Count;
        fake.DropRepliesAfterRunning(1);

        // A WRITE the disconnected-write journal can take (issue 8 §5): the caller journals it rather than wait.
        await Assert.ThrowsAsync<RpcConnectionLostException>(() => session.RunAsync(
            "write",
            0,
            static (ref CompoundEncoder e, int _) => e.PutRootFh(),
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutRootFh(ref r);
                return true;
            },
            CancellationToken.None,
            giveBackWhenUnreachable: true).AsTask());

        Assert.AreEqual(before + 1, fake.Calls.Count, "sent once, not again on the same slot: " + Describe(fake));
        var sent = fake.Calls[^1];
        Assert.AreEqual(sent.SequenceId + 1, session.Slots.NextSequenceIdOf(sent.SlotId), "the slot moves on: the request may have run");
        await GetAttrAsync(session);
    }

    [TestMethod]
    public async Task A_cached_request_that_may_have_run_is_not_run_again_on_a_new_session()
    {
        var (fake, session) = await StartAsync();
        fake.DropRepliesAfterRunning(1);
        fake.OnDrop = fake.Restart;

        var ex = await Assert.ThrowsAsync<NfsException>(() => GetAttrAsync(session, cacheThis: true));

        Assert.AreEqual(NfsStat4.BadSession, ex.Status, "the new session cannot know whether it ran: the caller decides");
        Assert.AreEqual(2L, session.ClientIdGeneration, "the session and client id were replaced all the same");
        await GetAttrAsync(session);
    }

    [TestMethod]
    public async Task A_lost_CREATE_SESSION_reply_is_asked_again_with_the_same_csa_sequence()
    {
        var fake = await FakeSessionServer.StartAsync();
        _disposables.Add(fake);
        fake.DropRepliesAfterRunning(1, NfsOpnum4.CreateSession);

        var session = await EstablishAsync(fake);

        var creates = fake.Calls.Where(c => c.Ops[0] == NfsOpnum4.CreateSession).ToList();
        Assert.HasCount(2, creates);
        Assert.IsTrue(creates.All(c => c.Status == NfsStat4.Ok), "the second answered from CREATE_SESSION's cache: " + Describe(fake));
        Assert.AreEqual(1, fake.SessionCount, "one session, not two");
        await GetAttrAsync(session);
    }

    [TestMethod]
    public async Task A_reply_that_is_not_the_requests_fails_it_and_the_slot_goes_on()
    {
        var (fake, session) = await StartAsync();
        fake.CorruptSequenceReply = true;

        await Assert.ThrowsAsync<RpcMalformedReplyException>(() => GetAttrAsync(session));
        fake.CorruptSequenceReply = false;
        await GetAttrAsync(session);

        Assert.AreEqual(NfsStat4.Ok, fake.Calls[^1].Status, Describe(fake));
        Assert.AreEqual(0L, session.ResetCount);
    }

    [TestMethod]
    public async Task The_servers_slot_limits_are_followed()
    {
        var (fake, session) = await StartAsync();
        fake.HighestSlotId = 3;
        fake.TargetHighestSlotId = 1;

        await GetAttrAsync(session);

        Assert.AreEqual(3u, session.Slots.ServerHighestSlotId);
        Assert.AreEqual(1u, session.Slots.HighestUsableSlotId);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GetAttrAsync(session)));
        Assert.IsTrue(fake.Calls.Skip(5).All(c => c.SlotId <= 1), Describe(fake));
    }

    [TestMethod]
    public async Task Status_flags_are_reported_when_they_change()
    {
        var (fake, session) = await StartAsync();
        var seen = new List<SequenceStatusFlagsChangedEventArgs>();
        session.StatusFlagsChanged += (_, e) => seen.Add(e);

        fake.StatusFlags = SequenceStatusFlags.RecallableStateRevoked | SequenceStatusFlags.CbPathDown;
        await GetAttrAsync(session);
        await GetAttrAsync(session);
        fake.StatusFlags = SequenceStatusFlags.CbPathDown;
        await GetAttrAsync(session);

        Assert.HasCount(2, seen);
        Assert.AreEqual(SequenceStatusFlags.RecallableStateRevoked | SequenceStatusFlags.CbPathDown, seen[0].Raised);
        Assert.AreNotEqual(SequenceStatusFlags.None, seen[0].Current & SequenceStatusFlags.StateRevoked);
        Assert.AreEqual(SequenceStatusFlags.None, seen[1].Raised);
        Assert.AreEqual(SequenceStatusFlags.CbPathDown, session.StatusFlags);
    }

    [TestMethod]
    public async Task EXCHANGE_ID_refused_as_in_use_says_what_to_do()
    {
        var fake = await FakeSessionServer.StartAsync();
        _disposables.Add(fake);
        fake.ClidInUse = true;

        var ex = await Assert.ThrowsAsync<NfsException>(() => EstablishAsync(fake));

        Assert.AreEqual(NfsStat4.ClidInuse, ex.Status);
        Assert.Contains("own identity", ex.Message);
    }

    [TestMethod]
    public async Task A_server_never_reached_is_reported_at_once_not_waited_for()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var endPoint = (System.Net.IPEndPoint)listener.LocalEndpoint;
        listener.Stop();
        var rpc = new RpcClient(endPoint);
        _disposables.Add(rpc);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAsync<RpcConnectException>(() => NfsSession.EstablishAsync(rpc, NewOptions(), null, Ct));

        Assert.IsLessThan(TimeSpan.FromSeconds(5), clock.Elapsed, "not the 20 s retry budget");
    }

    [TestMethod]
    public async Task Disposing_destroys_the_session_and_the_client_id()
    {
        var (fake, session) = await StartAsync();

        await session.DisposeAsync();

        CollectionAssert.AreEqual(
            new[] { NfsOpnum4.DestroySession, NfsOpnum4.DestroyClientId },
            fake.Calls.TakeLast(2).Select(c => c.Ops[0]).ToArray());
        Assert.IsTrue(fake.Calls.TakeLast(2).All(c => c.Status == NfsStat4.Ok));
        Assert.AreEqual(0, fake.SessionCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => GetAttrAsync(session));
    }

    [TestMethod]
    public async Task A_request_over_an_extra_connection_is_answered_there_without_a_BIND_CONN_TO_SESSION()
    {
        var (fake, session) = await StartAsync();
        var own = fake.Calls[^1].Connection;
        var failures = new List<Exception>();

        var overExtra = await GetAttrOverExtraAsync(fake, session, failures);

        Assert.IsTrue(overExtra, Describe(fake));
        Assert.AreNotEqual(own, fake.Calls[^1].Connection, "sent over the second connection: " + Describe(fake));
        Assert.AreEqual(NfsStat4.Ok, fake.Calls[^1].Status);
        Assert.AreEqual(0L, session.BindCount);
        Assert.IsEmpty(failures);
    }

    [TestMethod]
    public async Task An_extra_connection_the_server_will_not_bind_is_given_up_and_the_request_goes_over_the_sessions_own()
    {
        var (fake, session) = await StartAsync();
        fake.RequireBinding = true;
        var failures = new List<Exception>();

        var overExtra = await GetAttrOverExtraAsync(fake, session, failures);

        Assert.IsFalse(overExtra);
        var refused = fake.Calls.First(c => c.Status == NfsStat4.ConnNotBoundToSession);
        var answered = fake.Calls[^1];
        Assert.AreEqual(NfsStat4.Ok, answered.Status, Describe(fake));
        Assert.AreNotEqual(refused.Connection, answered.Connection, "answered over the session's own connection: " + Describe(fake));
        Assert.AreEqual((refused.SlotId, refused.SequenceId), (answered.SlotId, answered.SequenceId), "same slot, same sequence id");
        Assert.AreEqual(NfsStat4.ConnNotBoundToSession, ((NfsException)failures.Single()).Status);
    }

    [TestMethod]
    public async Task A_reply_lost_on_an_extra_connection_is_asked_for_again_on_the_same_slot_over_the_sessions_own()
    {
        var (fake, session) = await StartAsync();
        fake.DropRepliesAfterRunning(1);
        var failures = new List<Exception>();

        var overExtra = await GetAttrOverExtraAsync(fake, session, failures);

        Assert.IsFalse(overExtra);
        var last = fake.Calls.TakeLast(3).ToList();
        Assert.AreEqual((last[0].SlotId, last[0].SequenceId), (last[1].SlotId, last[1].SequenceId), "the re-send: " + Describe(fake));
        Assert.AreNotEqual(last[0].Connection, last[1].Connection);
        Assert.AreEqual(NfsStat4.RetryUncachedRep, last[1].Status, "it ran and its reply was not cached (a READ does not ask)");
        Assert.AreEqual((last[0].SequenceId + 1, NfsStat4.Ok), (last[2].SequenceId, last[2].Status), "then again as a new request");
        Assert.IsInstanceOfType<RpcConnectionLostException>(failures.Single());
    }

    private static NfsSessionOptions NewOptions()
    {
        var identity = ClientIdentity.Create();
        return new NfsSessionOptions
        {
            OwnerId = identity.IdFor("fake"),
            Verifier = identity.BootVerifier,
            RetryDelayMin = TimeSpan.FromMilliseconds(5),
            RetryDelayMax = TimeSpan.FromMilliseconds(50),
            RetryBudget = TimeSpan.FromSeconds(20),
            RenewInterval = TimeSpan.FromHours(1),
        };
    }

    private static string Describe(FakeSessionServer fake) => "\n" + string.Join("\n", fake.Calls);

    private static async Task GetAttrAsync(NfsSession session, bool cacheThis = false)
    {
        var attributes = await session.RunAsync(
            "getattr",
            0,
            EncodeGetAttr,
            DecodeGetAttr,
            CancellationToken.None,
            cacheThis);
        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
    }

    /// <summary>A GETATTR through <see cref="NfsSession.RunOverExtraConnectionAsync"/> over a second connection to the fake (NFSv4.1 read connections).</summary>
    private async Task<bool> GetAttrOverExtraAsync(FakeSessionServer fake, NfsSession session, List<Exception> failures)
    {
        var extra = NewRpc(fake);
        var (attributes, overExtra) = await session.RunOverExtraConnectionAsync(
            extra,
            failures.Add,
            "getattr",
            0,
            EncodeGetAttr,
            DecodeGetAttr,
            Ct,
            credential: null);
        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        return overExtra;
    }

    private async Task<(FakeSessionServer Fake, NfsSession Session)> StartAsync(NfsSessionOptions? options = null)
    {
        var fake = await FakeSessionServer.StartAsync();
        _disposables.Add(fake);
        return (fake, await EstablishAsync(fake, options));
    }

    private async Task<NfsSession> EstablishAsync(FakeSessionServer fake, NfsSessionOptions? options = null)
    {
        var session = await NfsSession.EstablishAsync(NewRpc(fake), options ?? NewOptions(), null, Ct);
        _disposables.Add(session);
        return session;
    }

    private RpcClient NewRpc(FakeSessionServer fake)
    {
        var rpc = new RpcClient(fake.EndPoint, new RpcClientOptions { CallTimeout = TimeSpan.FromSeconds(10), ReconnectDelayMin = TimeSpan.FromMilliseconds(5) });
        _disposables.Add(rpc);
        return rpc;
    }
}
