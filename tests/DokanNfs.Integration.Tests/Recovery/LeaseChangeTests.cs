using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>A server that restarts with another lease time: the client reads it again with its new client id and renews at the new pace.</summary>
[TestClass]
public sealed class LeaseChangeTests(TestContext testContext) : RecoveryTestBase(testContext)
{
    [TestMethod]
    public async Task Server_restarted_with_a_shorter_lease_is_followed()
    {
        var server = await StartServerAsync(WithGrace(leaseSeconds: 8, graceSeconds: 3));
        File.WriteAllBytes(server.PathInExport("f.bin"), Pattern(4096, 7));
        var (client, log) = ConnectLogged(server.EndPoint);
        var file = Track(await client.OpenAsync(Nfs("f.bin"), OpenRequest.ForReadWrite, Ct));
        Assert.AreEqual(TimeSpan.FromSeconds(8), client.LeaseTime);
        var slowInterval = client.RenewInterval;
        Assert.AreEqual((TimeSpan.FromSeconds(8) - NfsClient.LeaseRoundingAllowance) * 2 / 3, slowInterval, "two thirds of the lease the server honours");

        await CrashAndRestartAsync(server, restartWith: server.Options with { LeaseLifetimeSeconds = 3 });
        Assert.AreEqual(100, await file.ReadAsync(0, new byte[100], Ct), "the open goes on through the restart");

        Assert.AreEqual(TimeSpan.FromSeconds(3), client.LeaseTime, "lease_time read again with the new client id");
        Assert.AreEqual((TimeSpan.FromSeconds(3) - NfsClient.LeaseRoundingAllowance) * 2 / 3, client.RenewInterval, "the renewal interval follows the new lease");
        var leaseLines = log.WithId(LeaseTimeEvent);
        Assert.HasCount(2, leaseLines, string.Join("\n", leaseLines));
        Assert.AreEqual(8u, leaseLines[0].Values["LeaseSeconds"]);
        Assert.AreEqual(3u, leaseLines[1].Values["LeaseSeconds"]);

        // At the new pace (1.3 s): over 6 s the old interval (4.7 s) would have allowed two RENEWs at most.
        var before = client.RenewCount;
        await Task.Delay(TimeSpan.FromSeconds(6), Ct);
        Assert.IsGreaterThanOrEqualTo(3, client.RenewCount - before, $"renewing every {client.RenewInterval.TotalMilliseconds:F0} ms, not every {slowInterval.TotalMilliseconds:F0} ms");
        Assert.IsEmpty(client.RecoveryEvents.Skip(1), "and the short lease was kept: no second recovery");
        Assert.IsNull(file.Lost);
        await file.WriteAsync(0, "kept"u8.ToArray(), StableHow4.FileSync, Ct);
    }
}
