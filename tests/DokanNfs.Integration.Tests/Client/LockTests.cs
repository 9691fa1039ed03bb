using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>Byte-range locks: LOCK, LOCKT, LOCKU, blocking waits, and RELEASE_LOCKOWNER at close.</summary>
[TestClass]
public sealed class LockTests(TestContext testContext) : ClientTestBase(testContext)
{
    private static readonly OpenRequest ReadWrite = OpenRequest.ForReadWrite;

    [TestMethod]
    public async Task Read_locks_are_shared_and_a_write_lock_conflicts_with_them()
    {
        var (first, second) = await TwoOpensAsync(separateClients: true);

        Assert.IsNull(await first.LockAsync(NfsLockType4.Read, 0, 100, wait: false, Ct));
        Assert.IsNull(await second.LockAsync(NfsLockType4.Read, 50, 100, wait: false, Ct), "read locks overlap freely");
        var denied = await second.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct);

        Assert.IsNotNull(denied);
        Assert.AreEqual(NfsLockType4.Read, denied.LockType);
        Assert.AreEqual(0UL, denied.Offset);
        Assert.AreEqual(100UL, denied.Length);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Conflicting_write_lock_of_another_client_is_denied_with_the_holders_range(NfsVersion version)
    {
        var server = await StartServerAsync();
        File.WriteAllBytes(server.PathInExport("locked"), new byte[4096]);
        var holderClient = Connect(server, Vers(version));
        var otherClient = Connect(server, Vers(version));
        await using var holder = await holderClient.OpenAsync(Nfs("locked"), ReadWrite, Ct);
        await using var other = await otherClient.OpenAsync(Nfs("locked"), ReadWrite, Ct);

        Assert.IsNull(await holder.LockAsync(NfsLockType4.Write, 100, 200, wait: false, Ct));
        var denied = await other.LockAsync(NfsLockType4.Write, 250, 10, wait: false, Ct);
        var beside = await other.LockAsync(NfsLockType4.Write, 300, 10, wait: false, Ct);

        Assert.IsNotNull(denied, "100..299 is held");
        Assert.AreEqual(100UL, denied.Offset);
        Assert.AreEqual(200UL, denied.Length);
        Assert.AreEqual(NfsLockType4.Write, denied.LockType);
        Assert.AreEqual(holderClient.ClientId, denied.Owner.ClientId, "the holder is named");
        Assert.AreNotEqual(otherClient.ClientId, denied.Owner.ClientId);
        Assert.IsNull(beside, "300.. is free");
    }

    [TestMethod]
    public async Task Whole_file_lock_conflicts_with_any_range_even_past_4_GiB()
    {
        var (first, second) = await TwoOpensAsync(separateClients: true);

        Assert.IsNull(await first.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, Ct));
        var denied = await second.LockAsync(NfsLockType4.Read, 5L << 30, 1, wait: false, Ct);

        Assert.IsNotNull(denied);
        Assert.AreEqual(0UL, denied.Offset);
        Assert.AreEqual(ulong.MaxValue, denied.Length, "to end of file: all ones");
    }

    [TestMethod]
    public async Task Two_handles_of_one_client_have_separate_lock_owners_and_conflict()
    {
        var (first, second) = await TwoOpensAsync(separateClients: false);

        Assert.IsNull(await first.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
        var denied = await second.LockAsync(NfsLockType4.Write, 5, 10, wait: false, Ct);

        Assert.IsNotNull(denied, "locks belong to the handle that took them");
        Assert.AreEqual(0UL, denied.Offset);
        Assert.AreEqual(10UL, denied.Length);
    }

    [TestMethod]
    public async Task Lockt_reports_the_conflict_without_locking_and_after_locku_the_other_client_gets_the_lock()
    {
        var (holder, other) = await TwoOpensAsync(separateClients: true);
        Assert.IsNull(await other.TestLockAsync(NfsLockType4.Write, 0, 50, Ct), "nothing held yet");
        Assert.IsNull(await holder.LockAsync(NfsLockType4.Write, 0, 50, wait: false, Ct));

        var tested = await other.TestLockAsync(NfsLockType4.Read, 10, 1, Ct);
        var testedByHolder = await holder.TestLockAsync(NfsLockType4.Write, 0, 50, Ct);

        Assert.IsNotNull(tested);
        Assert.AreEqual(0UL, tested.Offset);
        Assert.AreEqual(50UL, tested.Length);
        Assert.AreEqual(NfsLockType4.Write, tested.LockType);
        Assert.IsNull(testedByHolder, "the holder's own lock is no conflict for its lock-owner");

        await holder.UnlockAsync(0, 50, Ct);

        Assert.IsNull(await other.TestLockAsync(NfsLockType4.Write, 0, 50, Ct));
        Assert.IsNull(await other.LockAsync(NfsLockType4.Write, 0, 50, wait: false, Ct));
        Assert.IsNotNull(await holder.LockAsync(NfsLockType4.Write, 0, 1, wait: false, Ct), "now the first one is refused");
    }

    [TestMethod]
    public async Task Io_under_a_lock_works_and_a_later_lock_reuses_the_lock_owner()
    {
        var (holder, other) = await TwoOpensAsync(separateClients: true);
        Assert.IsNull(await holder.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));

        // I/O goes out with the lock stateid now; the server must accept it.
        await holder.WriteAsync(0, "locked write"u8.ToArray(), StableHow4.FileSync, Ct);
        var back = new byte[12];
        Assert.AreEqual(12, await holder.ReadAsync(0, back, Ct));
        Assert.AreEqual("locked write", System.Text.Encoding.ASCII.GetString(back));
        await holder.UnlockAsync(0, 100, Ct);
        Assert.IsNull(await holder.LockAsync(NfsLockType4.Write, 200, 10, wait: false, Ct), "a later lock uses the existing lock-owner");

        Assert.IsNull(await other.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));
        Assert.IsNotNull(await other.LockAsync(NfsLockType4.Write, 205, 1, wait: false, Ct));
    }

    [TestMethod]
    public async Task Blocking_lock_is_granted_once_the_holder_unlocks()
    {
        var (holder, waiter) = await TwoOpensAsync(separateClients: true);
        Assert.IsNull(await holder.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));

        var waiting = waiter.LockAsync(NfsLockType4.Write, 0, 10, wait: true, Ct).AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(400), Ct);
        Assert.IsFalse(waiting.IsCompleted, "still waiting while the lock is held");

        await holder.UnlockAsync(0, 10, Ct);
        var granted = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.IsNull(granted);
        Assert.IsNotNull(await holder.LockAsync(NfsLockType4.Write, 0, 1, wait: false, Ct), "the waiter holds it now");
    }

    [TestMethod]
    public async Task Blocking_lock_wait_ends_when_its_token_is_cancelled()
    {
        var (holder, waiter) = await TwoOpensAsync(separateClients: true);
        Assert.IsNull(await holder.LockAsync(NfsLockType4.Write, 0, 10, wait: true, Ct), "uncontended: granted at once");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(500));
        var started = DateTime.UtcNow;

        await Assert.ThrowsAsync<OperationCanceledException>(async () => await waiter.LockAsync(NfsLockType4.Write, 0, 10, wait: true, cancel.Token));

        Assert.IsLessThan(TimeSpan.FromSeconds(5), DateTime.UtcNow - started, "cancelled promptly");

        // The waiter's handle is still usable, and the lock is the holder's until unlocked.
        Assert.IsNotNull(await waiter.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
        await holder.UnlockAsync(0, 10, Ct);
        Assert.IsNull(await waiter.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Close_with_locks_held_unlocks_and_releases_the_lock_owner(NfsVersion version)
    {
        var server = await StartServerAsync();
        File.WriteAllBytes(server.PathInExport("f"), new byte[100]);
        var tap = Tap(server);
        var first = Connect(tap.EndPoint, Vers(version));
        var second = Connect(server, Vers(version));
        var holder = await first.OpenAsync(Nfs("f"), ReadWrite, Ct);
        await using var other = await second.OpenAsync(Nfs("f"), ReadWrite, Ct);
        Assert.IsNull(await holder.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
        Assert.IsNull(await holder.LockAsync(NfsLockType4.Read, 50, 10, wait: false, Ct));
        Assert.IsNotNull(await other.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));

        await holder.CloseAsync(Ct);

        Assert.IsNull(await other.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct), "nothing of the first client's is left");
        var tags = tap.Calls.Select(c => c.Tag).SkipWhile(t => t != "locku").ToArray();

        // NFSv4.1 has no RELEASE_LOCKOWNER (RFC 8881 §17): CLOSE ends the lock state with the open.
        string[] expected = version == NfsVersion.V40 ? ["locku", "locku", "release_lockowner", "close"] : ["locku", "locku", "close"];
        CollectionAssert.AreEqual(expected, tags, string.Join(",", tap.Calls.Select(c => c.Tag)));
    }

    [TestMethod]
    public async Task Unlock_without_a_lock_is_refused_by_the_client()
    {
        var (first, _) = await TwoOpensAsync(separateClients: false);

        var error = await Assert.ThrowsExactlyAsync<NfsException>(async () => await first.UnlockAsync(0, 10, Ct));

        Assert.AreEqual(NfsStat4.LockRange, error.Status);
    }

    /// <summary>A server with one file and two read-write opens of it: from two clients, or two handles of one.</summary>
    private async Task<(NfsOpenFile First, NfsOpenFile Second)> TwoOpensAsync(bool separateClients)
    {
        var server = await StartServerAsync();
        File.WriteAllBytes(server.PathInExport("shared"), new byte[4096]);
        var firstClient = Connect(server);
        var secondClient = separateClients ? Connect(server) : firstClient;
        var first = Track(await firstClient.OpenAsync(Nfs("shared"), ReadWrite, Ct));
        var second = Track(await secondClient.OpenAsync(Nfs("shared"), ReadWrite, Ct));
        return (first, second);
    }
}
