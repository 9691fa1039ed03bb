using System.Diagnostics;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// The lease (RFC 7530 §9.5) against Ganesha with short leases: read from the server, kept by RENEW when the
/// client is idle, and kept by the client's own stateful calls — with no RENEW — while it is busy.
/// </summary>
[TestClass]
public sealed class LeaseRenewalTests(TestContext testContext) : RecoveryTestBase(testContext)
{
    [TestMethod]
    public async Task Idle_client_renews_and_keeps_its_open_and_lock_for_three_leases()
    {
        // Ganesha's smallest lease, which it counts in whole seconds: a client that renewed at two thirds of it
        // (1.33 s) could find it gone (see NfsClient.RenewInterval).
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = 2 });
        File.WriteAllBytes(server.PathInExport("idle.bin"), Pattern(4096, 4));
        var (holder, _) = ConnectLogged(server.EndPoint);
        var file = Track(await holder.OpenAsync(Nfs("idle.bin"), OpenRequest.ForReadWrite, Ct));
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));
        Assert.AreEqual(TimeSpan.FromSeconds(2), holder.LeaseTime, "lease_time read from the server");

        // Idle for three leases and more: only RENEW keeps the lease.
        var idle = TimeSpan.FromSeconds(7);
        await Task.Delay(idle, Ct);

        Assert.IsGreaterThanOrEqualTo(3, holder.RenewCount, $"a 2 s lease over {idle.TotalSeconds} s of idleness needs at least three RENEWs");
        var (otherClient, _) = ConnectLogged(server.EndPoint);
        var other = Track(await otherClient.OpenAsync(Nfs("idle.bin"), OpenRequest.ForReadWrite, Ct));
        var denied = await other.LockAsync(NfsLockType4.Write, 50, 10, wait: false, Ct);
        Assert.IsNotNull(denied, "the idle client's lock still holds");
        Assert.AreEqual(holder.ClientId, denied.Owner.ClientId);
        Assert.AreEqual(1, holder.ClientIdGeneration, "the first client id is still good: no recovery was needed");
        Assert.IsEmpty(holder.RecoveryEvents);
        Assert.AreEqual(100, await file.ReadAsync(0, new byte[100], Ct), "and its open still works");
    }

    [TestMethod]
    public async Task Busy_client_sends_no_renew_while_its_reads_renew_the_lease()
    {
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = 3 });
        File.WriteAllBytes(server.PathInExport("busy.bin"), Pattern(4096, 5));
        var tap = Tap(server);
        var (busy, _) = ConnectLogged(tap.EndPoint);
        var (idle, _) = ConnectLogged(server.EndPoint);
        var busyFile = Track(await busy.OpenAsync(Nfs("busy.bin"), OpenRequest.ForRead, Ct));
        Track(await idle.OpenAsync(Nfs("busy.bin"), OpenRequest.ForRead, Ct));
        Assert.AreEqual(TimeSpan.FromSeconds(3), busy.LeaseTime);

        // READs with the open stateid renew the lease (RFC 7530 §9.5) for two leases running.
        var buffer = new byte[4096];
        var reads = 0;
        var longestGap = TimeSpan.Zero;
        var window = Stopwatch.StartNew();
        var last = window.Elapsed;
        while (window.Elapsed < TimeSpan.FromSeconds(6))
        {
            Assert.AreEqual(4096, await busyFile.ReadAsync(0, buffer, Ct));
            reads++;
            var now = window.Elapsed;
            longestGap = now - last > longestGap ? now - last : longestGap;
            last = now;
            await Task.Delay(20, Ct);
        }

        // Every READ renewed the lease well within the renewal interval, so no RENEW was due.
        Assert.IsLessThan(busy.RenewInterval, longestGap, "precondition: the reads kept coming");
        Assert.AreEqual(0L, busy.RenewCount, $"{reads} READs, at most {longestGap.TotalMilliseconds:F0} ms apart, kept the lease: RENEW is for idle clients");
        Assert.IsEmpty(tap.CallsTagged("renew"), "none on the wire either");
        Assert.IsGreaterThanOrEqualTo(2, idle.RenewCount, "the idle client beside it renewed over the same two leases");
    }
}
