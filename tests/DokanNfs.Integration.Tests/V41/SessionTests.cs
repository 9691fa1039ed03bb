using DokanNfs.Core.Client;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeNfs;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// An NFSv4.1 session with real NFS-Ganesha: established (EXCHANGE_ID, CREATE_SESSION, RECLAIM_COMPLETE), COMPOUNDs
/// through SEQUENCE and the slot table, many at once, the lease kept by SEQUENCE alone, a back channel bound again
/// after a reconnect, and torn down (DESTROY_SESSION, DESTROY_CLIENTID) so the server forgets the client at once.
/// </summary>
[TestClass]
public sealed class SessionTests(TestContext testContext) : SessionTestBase(testContext)
{
    [TestMethod]
    public async Task A_session_is_established_and_PUTROOTFH_GETATTR_goes_through_SEQUENCE()
    {
        var server = await StartServerAsync();
        var recorder = Record(server.EndPoint);
        var (session, log) = await EstablishAsync(recorder.EndPoint);

        var attributes = await GetRootAttributesAsync(session, Ct);

        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        Assert.AreEqual(5u, attributes.LeaseTime);
        Assert.AreEqual(TimeSpan.FromSeconds(5), session.LeaseTime);
        Assert.AreNotEqual(0UL, session.ClientId);
        Assert.AreEqual(1L, session.ClientIdGeneration);
        Assert.AreEqual(1L, session.SessionGeneration);
        Assert.AreEqual(ExchangeIdFlags.UseNonPnfs, session.ExchangeIdResult.Flags & ExchangeIdFlags.MaskPnfs, "no pNFS role");
        Assert.AreEqual(StateProtectHow4.None, session.ExchangeIdResult.StateProtect);
        var fore = session.ForeChannel;
        TestContext.WriteLine($"Ganesha granted fore {fore}, back {session.BackChannel}, flags {session.SessionFlags}; impl {session.ExchangeIdResult.ServerImplId}");
        Assert.IsGreaterThanOrEqualTo(1u, fore.MaxRequests);
        Assert.IsLessThanOrEqualTo(64u, fore.MaxRequests, "never more slots than asked");
        Assert.AreEqual(fore.MaxRequests - 1, session.Slots.HighestUsableSlotId);
        Assert.HasCount(1, log.WithId(SessionCreatedEvent));

        // sr_status_flags: with no back channel, Ganesha says the callback path is down (it would grant no delegation).
        Assert.AreEqual(SequenceStatusFlags.CbPathDown, session.StatusFlags);
        Assert.AreEqual(SequenceStatusFlags.CbPathDown, log.WithId(StatusFlagsChangedEvent).Single().Values["Current"]);

        // What went over the wire: EXCHANGE_ID and CREATE_SESSION alone, then SEQUENCE first in every COMPOUND, slot 0
        // used one request after another with consecutive sequence ids; RECLAIM_COMPLETE(one_fs = false) at the start.
        var calls = recorder.Calls;
        TestContext.WriteLine(recorder.Describe());
        Assert.AreEqual(NfsOpnum4.ExchangeId, calls[0].Request.Ops[0].Op);
        Assert.AreEqual(NfsOpnum4.CreateSession, calls[1].Request.Ops[0].Op);
        var sequenced = calls.Skip(2).Select(c => c.Request).ToList();
        Assert.IsTrue(sequenced.All(r => r.Ops[0] is SequenceArgs s && s.SessionId == session.SessionId && r.MinorVersion == 1), recorder.Describe());
        Assert.AreEqual(NfsOpnum4.ReclaimComplete, sequenced[0].Ops[1].Op);
        var sequenceIds = sequenced.Select(r => ((SequenceArgs)r.Ops[0]).SequenceId).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(1, sequenceIds.Length).Select(i => (uint)i).ToArray(), sequenceIds);
        Assert.IsTrue(sequenced.All(r => r.Ops[0] is SequenceArgs { SlotId: 0, HighestSlotId: 0, CacheThis: false }));
        Assert.IsTrue(calls.All(c => c.Status == NfsStat4.Ok), recorder.Describe());
    }

    [TestMethod]
    public async Task Sixty_four_compounds_at_once_go_through_the_slot_table_and_more_wait_for_a_slot()
    {
        var server = await StartServerAsync();
        var proxy = await StartProxyAsync(server.EndPoint);
        var (session, _) = await EstablishAsync(proxy.EndPoint);
        var slots = (int)session.Slots.HighestUsableSlotId + 1;
        proxy.Delay(TimeSpan.FromMilliseconds(100));

        // Twice as many as there are slots, all started at once: half wait for a slot; every one succeeds.
        var peak = 0;
        var results = await Task.WhenAll(Enumerable.Range(0, 2 * Math.Max(slots, 32)).Select(async _ =>
        {
            var attributes = GetRootAttributesAsync(session, Ct);
            var inUse = session.Slots.InUse;
            InterlockedMax(ref peak, inUse);
            return await attributes;
        }));

        Assert.IsTrue(results.All(a => a.Type == NfsFtype4.Dir));
        TestContext.WriteLine($"{slots} slots; peak in use {peak}");
        Assert.AreEqual(slots, peak, "every slot was in use at once");
        Assert.AreEqual(0, session.Slots.InUse);
        Assert.AreEqual(0, session.Slots.Waiting);
        Assert.AreEqual(0L, session.ResetCount);
        for (var slot = 0u; slot < slots; slot++)
        {
            Assert.IsGreaterThan(1u, session.Slots.NextSequenceIdOf(slot), $"slot {slot} was used");
        }
    }

    [TestMethod]
    public async Task Sixty_four_compounds_run_at_once_when_the_server_grants_64_slots()
    {
        var server = await StartServerAsync();
        var recorder = Record(server.EndPoint);
        var proxy = await StartProxyAsync(recorder.EndPoint);
        var (session, _) = await EstablishAsync(proxy.EndPoint);
        Assert.AreEqual(64u, session.ForeChannel.MaxRequests, "Ganesha grants the 64 slots asked for");
        proxy.Delay(TimeSpan.FromMilliseconds(200));
        var before = recorder.Calls.Count;

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => GetRootAttributesAsync(session, Ct).AsTask()));

        Assert.HasCount(64, results);
        var slotIds = recorder.Calls.Skip(before).Select(c => ((SequenceArgs)c.Request.Ops[0]).SlotId).Order().ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(0, 64).Select(i => (uint)i).ToArray(), slotIds, "one request on each of the 64 slots");
        Assert.IsTrue(recorder.Calls.Skip(before).Any(c => c.Request.Ops[0] is SequenceArgs { HighestSlotId: 63 }), "sa_highest_slotid reached 63");
    }

    [TestMethod]
    public async Task An_idle_session_is_kept_alive_by_SEQUENCE_alone()
    {
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = 3 });
        var (session, _) = await EstablishAsync(server.EndPoint);
        Assert.AreEqual(TimeSpan.FromSeconds(3), session.LeaseTime);

        // Three leases with nothing to do.
        await Task.Delay(TimeSpan.FromSeconds(9), Ct);

        Assert.IsGreaterThanOrEqualTo(4L, session.RenewCount, "SEQUENCE alone about every 1.33 s");
        var attributes = await GetRootAttributesAsync(session, Ct);
        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        Assert.AreEqual(0L, session.ResetCount, "the session never lapsed");
        Assert.AreEqual(1L, session.ClientIdGeneration);
    }

    [TestMethod]
    public async Task Teardown_destroys_the_session_and_the_client_id()
    {
        var server = await StartServerAsync();
        var (session, _) = await EstablishAsync(server.EndPoint);
        await GetRootAttributesAsync(session, Ct);
        var sessionId = session.SessionId;
        var clientId = session.ClientId;

        await session.DestroyAsync(Ct);

        // The server no longer knows either: SEQUENCE on the session is BADSESSION, DESTROY_CLIENTID is STALE_CLIENTID.
        await using var rpc = new RpcClient(server.EndPoint);
        var sequence = await Assert.ThrowsAsync<NfsException>(() => rpc.CallAsync(
            NfsProgram.Program,
            NfsProgram.Version4,
            NfsProgram.ProcCompound,
            new CompoundArgs<SessionId4>("sequence", 1, sessionId, static (ref CompoundEncoder e, SessionId4 id) => e.Sequence(id, 99, 0, 0, false)),
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                return results.Sequence(ref r);
            },
            Ct,
            RpcCredential.Sys(0, 0)).AsTask());
        Assert.AreEqual(NfsStat4.BadSession, sequence.Status);
        var destroy = await Assert.ThrowsAsync<NfsException>(() => rpc.CallAsync(
            NfsProgram.Program,
            NfsProgram.Version4,
            NfsProgram.ProcCompound,
            new CompoundArgs<ulong>("destroy_clientid", 1, clientId, static (ref CompoundEncoder e, ulong id) => e.DestroyClientId(id)),
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.DestroyClientId(ref r);
                return true;
            },
            Ct,
            RpcCredential.Sys(0, 0)).AsTask());
        Assert.AreEqual(NfsStat4.StaleClientId, destroy.Status);
    }

    [TestMethod]
    public async Task A_server_without_NFSv4_1_answers_MINOR_VERS_MISMATCH_for_a_fallback_to_4_0()
    {
        var server = await StartServerAsync(new GaneshaOptions { MinorVersions = [0] });
        await using var rpc = new RpcClient(server.EndPoint);

        var ex = await Assert.ThrowsAsync<NfsException>(() => NfsSession.EstablishAsync(rpc, NewOptions(), null, Ct));

        Assert.AreEqual(NfsStat4.MinorVersMismatch, ex.Status);
    }

    [TestMethod]
    public async Task A_back_channel_connection_is_bound_again_after_a_reconnect()
    {
        var server = await StartServerAsync();
        var proxy = await StartProxyAsync(server.EndPoint);
        var options = NewOptions() with { CreateSessionFlags = CreateSessionFlags.ConnBackChan };
        var (session, log) = await EstablishAsync(proxy.EndPoint, options);
        TestContext.WriteLine($"csr_flags {session.SessionFlags}, back channel {session.BackChannel}, status flags {session.StatusFlags}");
        Assert.AreEqual(CreateSessionFlags.ConnBackChan, session.SessionFlags & CreateSessionFlags.ConnBackChan, "Ganesha took the connection for the back channel");
        Assert.AreEqual(0L, session.BindCount, "CREATE_SESSION's connection needs no bind");

        proxy.CutAll();
        var attributes = await GetRootAttributesAsync(session, Ct);

        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        Assert.AreEqual(1L, session.BindCount, "the new connection was bound before the request went on it");
        var bound = log.WithId(ConnectionBoundEvent).Single();
        TestContext.WriteLine(bound.Message);
        Assert.AreEqual(ChannelDirFromServer4.Both, bound.Values["Direction"]);
        Assert.AreEqual(0L, session.ResetCount);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
