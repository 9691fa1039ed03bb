using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// The lease and server-restart recovery while calls run under per-user credentials (<see cref="NfsCallContext"/>):
/// RENEW and SETCLIENTID go as the client itself whichever user started them, and a reclaim goes as the user
/// who opened the file, so that user's I/O goes on — here on a 0600 file only that user may open.
/// </summary>
[TestClass]
public sealed class CredentialRecoveryTests(TestContext testContext) : RecoveryTestBase(testContext)
{
    private static readonly RpcCredential Alice = RpcCredential.Sys(1001, 1001);
    private static readonly RpcCredential Bob = RpcCredential.Sys(1002, 1002);

    private static OpenRequest CreateOwnerOnly { get; } = new()
    {
        Access = OpenShareAccess.Both,
        Create = CreateMode4.Guarded,
        CreateAttributes = new SetAttributes { Mode = 0x180 }, // 0600
    };

    [TestMethod]
    public async Task The_lease_is_renewed_as_the_client_for_two_leases_and_more_while_users_make_calls()
    {
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = 2 });
        var tap = Tap(server);
        var (client, _) = ConnectLogged(tap.EndPoint);
        await CredentialTests.MakeSharedDirectoryAsync(server, client, Ct);
        NfsOpenFile file;
        using (NfsCallContext.Use(Alice))
        {
            // Alice's OPEN is the first call that needs the client id: the renewal starts in her flow.
            file = Track(await client.OpenAsync(Nfs("shared/alice.bin"), CreateOwnerOnly, Ct));
            await file.WriteAsync(0, Pattern(4096, 1), StableHow4.FileSync, Ct);
        }

        // Three leases of calls that do not renew it (GETATTR by path carries no client id or stateid), as users.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(7);
        var turn = 0;
        while (DateTime.UtcNow < until)
        {
            using (NfsCallContext.Use(turn++ % 2 == 0 ? Alice : Bob))
            {
                await client.GetAttrAsync(Nfs("shared"), Ct);
            }

            await Task.Delay(200, Ct);
        }

        var renews = tap.CallsWithUid.Where(c => c.Call.Tag == "renew").ToList();
        Assert.IsGreaterThanOrEqualTo(3, renews.Count, "a 2 s lease over 7 s needs at least three RENEWs");
        Assert.IsTrue(renews.All(r => r.Uid == 0), "RENEW goes as the client: " + string.Join(", ", renews.Select(r => r.Uid)));
        Assert.AreEqual(1, client.ClientIdGeneration, "the first client id is still good");
        Assert.IsEmpty(client.RecoveryEvents);
        using (NfsCallContext.Use(Bob))
        {
            Assert.AreEqual(4096, await file.ReadAsync(0, new byte[4096], Ct), "Alice's open still works, as Alice");
        }

        Assert.IsNull(file.Lost);
    }

    [TestMethod]
    public async Task A_restart_reclaims_a_users_open_and_lock_as_that_user_and_their_io_goes_on()
    {
        var server = await StartServerAsync(WithGrace(leaseSeconds: 3, graceSeconds: 5));
        var tap = Tap(server);
        var (client, log) = ConnectLogged(tap.EndPoint);
        await CredentialTests.MakeSharedDirectoryAsync(server, client, Ct);
        var original = Pattern(64 * 1024, 2);
        NfsOpenFile file;
        using (NfsCallContext.Use(Alice))
        {
            file = Track(await client.OpenAsync(Nfs("shared/alice.bin"), CreateOwnerOnly, Ct));
            await file.WriteAsync(0, original, StableHow4.FileSync, Ct);
            Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 4096, wait: false, Ct));
        }

        await CrashAndRestartAsync(server);
        var mark = tap.Calls.Count;

        // Bob's call meets the restart through Alice's handle: the reclaim is hers, and so is the WRITE.
        var update = Pattern(4096, 3);
        using (NfsCallContext.Use(Bob))
        {
            await file.WriteAsync(0, update, StableHow4.FileSync, Ct);
            var back = new byte[4096];
            Assert.AreEqual(4096, await file.ReadAsync(0, back, Ct));
            CollectionAssert.AreEqual(update, back);
        }

        var recovery = client.RecoveryEvents.Single();
        Assert.AreEqual((1, 1, 0, 0), (recovery.OpensReclaimed, recovery.LocksReclaimed, recovery.OpensLost, recovery.LocksLost), string.Join("\n", log.Events));
        Assert.IsNull(file.Lost);
        var calls = tap.CallsWithUid.Skip(mark).ToList();
        Assert.IsTrue(calls.Where(c => c.Call.Tag is "setclientid" or "setclientid_confirm").All(c => c.Uid == 0), "the client id is the client's");
        Assert.IsNotEmpty(calls.Where(c => c.Call.Tag == "open_reclaim"));
        var strays = calls.Where(c => c.Call.Tag is not ("setclientid" or "setclientid_confirm" or "lease_time" or "renew") && c.Uid != 1001).ToList();
        Assert.IsEmpty(strays, "the reclaims and the I/O went as Alice: " + string.Join(", ", strays));

        // Her lock holds against another client after the grace period, and the data is on disk.
        await server.WaitForLogAsync("NFS Server Now NOT IN GRACE", TimeSpan.FromSeconds(10), Ct);
        var (other, _) = ConnectLogged(server.EndPoint);
        NfsOpenFile otherFile;
        using (NfsCallContext.Use(Alice))
        {
            otherFile = Track(await other.OpenAsync(Nfs("shared/alice.bin"), OpenRequest.ForReadWrite, Ct));
        }

        Assert.IsNotNull(await otherFile.LockAsync(NfsLockType4.Write, 100, 10, wait: false, Ct), "the reclaimed lock holds");
        var expected = (byte[])original.Clone();
        update.CopyTo(expected, 0);
        CollectionAssert.AreEqual(expected, await File.ReadAllBytesAsync(server.PathInExport("shared/alice.bin"), Ct));
        Assert.AreEqual((1001, 1001), HostOwner(server.PathInExport("shared/alice.bin")));
    }
}
