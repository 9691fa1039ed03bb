using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Tests.Client.Sessions;

/// <summary>
/// The session slot table (RFC 8881 §2.10.6.1): sequence ids per slot, lending and waiting, the server's limits,
/// requests of unknown fate, and the SEQUENCE error table — with many tasks at once, and with no allocation when a
/// slot is free.
/// </summary>
[TestClass]
public sealed class SlotTableTests
{
    [TestMethod]
    public void Slots_are_lent_lowest_first_starting_at_sequence_id_1()
    {
        var table = new SlotTable(4);

        var a = Take(table);
        var b = Take(table);

        Assert.AreEqual(new SessionSlot(0, 1, 0, 0), a);
        Assert.AreEqual(new SessionSlot(1, 1, 1, 0), b, "sa_highest_slotid counts slot 1 in use");
        Assert.AreEqual(2, table.InUse);
    }

    [TestMethod]
    public void The_highest_slot_in_use_follows_releases()
    {
        var table = new SlotTable(4);
        var a = Take(table);
        var b = Take(table);
        var c = Take(table);
        table.Release(c, SlotRelease.Advanced);
        table.Release(b, SlotRelease.Advanced);

        var next = Take(table);

        Assert.AreEqual(1u, next.SlotId);
        Assert.AreEqual(1u, next.HighestSlotId, "slots 0 and 1 are out; 2 was given back");
        table.Release(a, SlotRelease.Advanced);
        table.Release(next, SlotRelease.Advanced);
        Assert.AreEqual(0u, Take(table).HighestSlotId);
    }

    [TestMethod]
    public void Advanced_moves_the_sequence_id_on_and_unchanged_keeps_it()
    {
        var table = new SlotTable(1);

        table.Release(Take(table), SlotRelease.Advanced);
        table.Release(Take(table), SlotRelease.Advanced);
        var third = Take(table);
        table.Release(third, SlotRelease.Unchanged);

        Assert.AreEqual(3u, third.SequenceId);
        Assert.AreEqual(3u, Take(table).SequenceId, "a request the server never processed leaves the slot where it was");
    }

    [TestMethod]
    public void Complete_takes_the_servers_limits_and_moves_on()
    {
        var table = new SlotTable(8);
        var slot = Take(table);

        table.Complete(slot, highestSlotId: 5, targetHighestSlotId: 3);

        Assert.AreEqual(5u, table.ServerHighestSlotId);
        Assert.AreEqual(3u, table.TargetHighestSlotId);
        Assert.AreEqual(3u, table.HighestUsableSlotId);
        Assert.AreEqual(2u, table.NextSequenceIdOf(0));
    }

    [TestMethod]
    public void A_request_of_unknown_fate_makes_the_next_one_uncertain_and_resequence_steps_back()
    {
        var table = new SlotTable(1);
        var lost = Take(table);
        table.Release(lost, SlotRelease.Unknown);

        var next = Take(table);
        Assert.AreEqual(new SessionSlot(0, 2, 0, 1), next, "the next sequence id, flagged: the server may be one behind");

        var back = table.Resequence(next);
        Assert.AreEqual(new SessionSlot(0, 1, 0, 0), back, "NFS4ERR_SEQ_MISORDERED: the lost one never arrived; reuse its id");
        table.Complete(back, 0, 0);
        Assert.AreEqual(new SessionSlot(0, 2, 0, 0), Take(table));
    }

    [TestMethod]
    public void Uncertainty_accumulates_and_an_answered_request_clears_it()
    {
        var table = new SlotTable(1);
        table.Release(Take(table), SlotRelease.Unknown);
        table.Release(Take(table), SlotRelease.Unknown);

        var third = Take(table);
        Assert.AreEqual(2, third.Uncertain);
        Assert.AreEqual(3u, third.SequenceId);
        table.Release(third, SlotRelease.Unchanged);
        Assert.AreEqual(2, Take(table).Uncertain, "a request the server never saw leaves the doubt as it was");
    }

    [TestMethod]
    public void Resequence_without_a_lost_request_is_refused()
    {
        var table = new SlotTable(1);
        var slot = Take(table);

        Assert.ThrowsExactly<InvalidOperationException>(() => table.Resequence(slot));
    }

    [TestMethod]
    public void Giving_a_slot_back_twice_is_refused()
    {
        var table = new SlotTable(2);
        var slot = Take(table);
        table.Release(slot, SlotRelease.Advanced);

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => table.Release(slot, SlotRelease.Advanced));
        Assert.Contains("not lent", ex.Message);
        Assert.AreEqual(0, table.InUse);
    }

    [TestMethod]
    public async Task When_every_slot_is_lent_callers_wait_and_are_served_in_order()
    {
        var table = new SlotTable(1);
        var held = Take(table);

        var first = table.AcquireAsync(CancellationToken.None).AsTask();
        var second = table.AcquireAsync(CancellationToken.None).AsTask();
        Assert.IsFalse(first.IsCompleted);
        Assert.AreEqual(2, table.Waiting);

        table.Complete(held, 0, 0);
        var got = await first.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.AreEqual(new SessionSlot(0, 2, 0, 0), got);
        Assert.IsFalse(second.IsCompleted, "the second waiter is behind the first");

        table.Release(got, SlotRelease.Advanced);
        Assert.AreEqual(3u, (await second.WaitAsync(TimeSpan.FromSeconds(5))).SequenceId);
        Assert.AreEqual(0, table.Waiting);
    }

    [TestMethod]
    public async Task A_cancelled_waiter_leaves_the_queue_and_is_never_handed_a_slot()
    {
        var table = new SlotTable(1);
        var held = Take(table);
        using var cts = new CancellationTokenSource();
        var cancelled = table.AcquireAsync(cts.Token).AsTask();
        var next = table.AcquireAsync(CancellationToken.None).AsTask();

        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => cancelled);
        Assert.AreEqual(1, table.Waiting);

        table.Release(held, SlotRelease.Advanced);
        Assert.AreEqual(2u, (await next.WaitAsync(TimeSpan.FromSeconds(5))).SequenceId);
    }

    [TestMethod]
    public async Task An_already_cancelled_token_fails_only_when_it_would_have_to_wait()
    {
        var table = new SlotTable(1);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var free = table.AcquireAsync(cts.Token);
        Assert.IsTrue(free.IsCompletedSuccessfully, "a free slot is lent whatever the token");
        await Assert.ThrowsAsync<OperationCanceledException>(() => table.AcquireAsync(cts.Token).AsTask());
        Assert.AreEqual(0, table.Waiting);
    }

    [TestMethod]
    public async Task Closing_fails_waiters_and_later_callers_with_the_reason()
    {
        var table = new SlotTable(1);
        var held = Take(table);
        var waiting = table.AcquireAsync(CancellationToken.None).AsTask();
        var reason = new SessionResetException(default, NfsStat4.BadSession);

        table.Close(reason);

        Assert.AreSame(reason, await Assert.ThrowsAsync<SessionResetException>(() => waiting));
        Assert.AreSame(reason, await Assert.ThrowsAsync<SessionResetException>(() => table.AcquireAsync(CancellationToken.None).AsTask()));
        table.Release(held, SlotRelease.Unchanged);
        Assert.AreEqual(0, table.InUse, "a slot lent before the close can still be given back");
    }

    [TestMethod]
    public async Task A_lower_target_stops_lending_the_slots_above_it_and_a_higher_one_wakes_waiters()
    {
        var table = new SlotTable(4);
        var slots = Enumerable.Range(0, 4).Select(_ => Take(table)).ToList();
        table.Complete(slots[3], highestSlotId: 3, targetHighestSlotId: 1);
        table.Release(slots[2], SlotRelease.Advanced);

        var waiter = table.AcquireAsync(CancellationToken.None).AsTask();
        Assert.IsFalse(waiter.IsCompleted, "slots 2 and 3 are free but above the target");

        table.UpdateLimits(highestSlotId: 3, targetHighestSlotId: 3);
        var got = await waiter.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.AreEqual(2u, got.SlotId);
        Assert.AreEqual(2u, got.SequenceId, "slot 2 stayed within sr_highest_slotid: the server kept its sequence id");
    }

    [TestMethod]
    public void Slots_the_server_drops_start_again_at_sequence_id_1()
    {
        var table = new SlotTable(4);
        var slots = Enumerable.Range(0, 4).Select(_ => Take(table)).ToList();
        table.Release(slots[2], SlotRelease.Advanced);
        table.Complete(slots[0], highestSlotId: 1, targetHighestSlotId: 1);

        // Slot 3 was out when the server shrank the table; it comes back after.
        table.Complete(slots[3], highestSlotId: 1, targetHighestSlotId: 1);
        table.Release(slots[1], SlotRelease.Advanced);
        Assert.AreEqual(1u, table.NextSequenceIdOf(2), "dropped while free");
        Assert.AreEqual(1u, table.NextSequenceIdOf(3), "dropped while lent");
        Assert.AreEqual(2u, table.NextSequenceIdOf(1), "kept");

        table.UpdateLimits(highestSlotId: 3, targetHighestSlotId: 3);
        var lent = Enumerable.Range(0, 4).Select(_ => Take(table)).ToList();
        CollectionAssert.AreEqual(new uint[] { 2, 2, 1, 1 }, lent.Select(s => s.SequenceId).ToArray());
    }

    [TestMethod]
    public void A_server_offering_more_than_the_capacity_is_held_to_it()
    {
        var table = new SlotTable(2, capacity: 3);
        var slot = Take(table);

        table.Complete(slot, highestSlotId: 1000, targetHighestSlotId: 1000);

        Assert.AreEqual(2u, table.HighestUsableSlotId);
        Take(table);
        Take(table);
        Take(table);
        Assert.IsFalse(table.AcquireAsync(CancellationToken.None).IsCompleted);
    }

    [TestMethod]
    [DataRow(NfsStat4.Delay, 0, 0u, SequenceErrorAction.RetrySameSlot, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.SeqMisordered, 1, 0u, SequenceErrorAction.Resequence, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.SeqMisordered, 0, 0u, SequenceErrorAction.ResetSession, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.BadSlot, 0, 1u, SequenceErrorAction.ResetSession, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.BadSlot, 0, 3u, SequenceErrorAction.RetryOtherSlot, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.BadSession, 0, 0u, SequenceErrorAction.ResetSession, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.DeadSession, 0, 0u, SequenceErrorAction.ResetSession, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.ConnNotBoundToSession, 0, 0u, SequenceErrorAction.BindConnection, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.RetryUncachedRep, 0, 0u, SequenceErrorAction.RetryAsNewRequest, SlotRelease.Advanced)]
    [DataRow(NfsStat4.SeqFalseRetry, 0, 0u, SequenceErrorAction.Fail, SlotRelease.Advanced)]
    [DataRow(NfsStat4.ReqTooBig, 0, 0u, SequenceErrorAction.Fail, SlotRelease.Unchanged)]
    [DataRow(NfsStat4.BadXdr, 0, 0u, SequenceErrorAction.Fail, SlotRelease.Unchanged)]
    public void Sequence_errors_are_classified(NfsStat4 status, int uncertain, uint slotId, SequenceErrorAction action, SlotRelease release)
    {
        // The server accepts slots 0..3 and would like 0..1 used.
        var table = new SlotTable(4);
        table.UpdateLimits(highestSlotId: 3, targetHighestSlotId: 1);

        Assert.AreEqual(action, SequenceErrors.Classify(status, new SessionSlot(slotId, 5, slotId, uncertain), table));
        Assert.AreEqual(release, SequenceErrors.ReleaseFor(status));
    }

    [TestMethod]
    [DataRow(64, 64)]
    [DataRow(4, 48)]
    [DataRow(1, 16)]
    public async Task Many_tasks_share_the_slots_without_two_holding_one_and_with_unbroken_sequence_ids(int slots, int tasks)
    {
        const int rounds = 500;
        var table = new SlotTable((uint)slots);
        var holders = new int[slots];
        var lastSequence = new uint[slots];
        var violations = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(
            async () =>
            {
                var random = new Random(t);
                for (var i = 0; i < rounds; i++)
                {
                    var slot = await table.AcquireAsync(stop.Token);
                    var id = (int)slot.SlotId;
                    if (Interlocked.Increment(ref holders[id]) != 1)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    // Only the holder touches lastSequence[id]; each new request on a slot is the previous one + 1.
                    if (slot.SequenceId != lastSequence[id] + 1 || slot.HighestSlotId < slot.SlotId)
                    {
                        Interlocked.Increment(ref violations);
                    }

                    lastSequence[id] = slot.SequenceId;
                    if (random.Next(4) == 0)
                    {
                        await Task.Yield();
                    }

                    Interlocked.Decrement(ref holders[id]);
                    table.Complete(slot, (uint)slots - 1, (uint)slots - 1);
                }
            },
            stop.Token)));

        Assert.AreEqual(0, violations);
        Assert.AreEqual(0, table.InUse);
        Assert.AreEqual(0, table.Waiting);
        Assert.AreEqual((long)tasks * rounds, lastSequence.Sum(s => (long)s), "every request moved its slot on exactly once");
    }

    [TestMethod]
    public async Task Waiters_that_cancel_while_others_release_never_lose_a_slot()
    {
        var table = new SlotTable(2);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await Task.WhenAll(Enumerable.Range(0, 32).Select(t => Task.Run(
            async () =>
            {
                for (var i = 0; i < 300; i++)
                {
                    using var impatient = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    if ((t + i) % 3 == 0)
                    {
                        impatient.CancelAfter(TimeSpan.FromTicks(Random.Shared.Next(1, 2000)));
                    }

                    SessionSlot slot;
                    try
                    {
                        slot = await table.AcquireAsync(impatient.Token);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        continue;
                    }

                    await Task.Yield();
                    table.Release(slot, SlotRelease.Advanced);
                }
            },
            stop.Token)));

        Assert.AreEqual(0, table.InUse, "no slot was handed to a waiter that had gone");
        Assert.AreEqual(0, table.Waiting);
        Assert.IsTrue(table.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.IsTrue(table.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [TestMethod]
    public void Lending_and_giving_back_a_free_slot_allocates_nothing()
    {
        var table = new SlotTable(64);
        Cycle(table, 100); // warm up: JIT, statics

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sink = Cycle(table, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual(0L, allocated, $"{allocated} bytes over 10,000 acquire/release pairs");
        Assert.AreNotEqual(0L, sink);
    }

    private static long Cycle(SlotTable table, int count)
    {
        long sink = 0;
        for (var i = 0; i < count; i++)
        {
            var a = table.AcquireAsync(CancellationToken.None);
            var b = table.AcquireAsync(CancellationToken.None);
            var first = a.Result;
            var second = b.Result;
            sink += first.SequenceId + second.SlotId;
            table.Complete(first, 63, 63);
            table.Release(second, i % 2 == 0 ? SlotRelease.Advanced : SlotRelease.Unchanged);
        }

        return sink;
    }

    private static SessionSlot Take(SlotTable table)
    {
        var pending = table.AcquireAsync(CancellationToken.None);
        Assert.IsTrue(pending.IsCompletedSuccessfully, "a free slot is lent at once");
        return pending.Result;
    }
}
