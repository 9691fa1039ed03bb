using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// Which AUTH_SYS identity each COMPOUND carries when a front end runs calls under per-user credentials
/// (<see cref="NfsCallContext"/>): the machine's for the client id and the lease, the caller's for what it
/// asks, the opener's for everything later done with an open file — including its reclaim after a restart.
/// </summary>
[TestClass]
public sealed class CredentialRoutingTests
{
    private const uint Machine = 0;

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    private static RpcCredential User(uint uid) => RpcCredential.Sys(uid, uid, machineName: "test");

    [TestMethod]
    public async Task Client_id_and_shared_limits_go_as_the_machine_and_the_callers_operations_as_the_caller()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateDirectory("/export/d", mode: 0x1FF);
        await using var client = Connect(server);

        using (NfsCallContext.Use(User(1001)))
        {
            await using var file = await client.OpenAsync("/export/d/new", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct);
            await file.WriteAsync(0, "hello"u8.ToArray(), StableHow4.Unstable, Ct);
        }

        await client.GetAttrAsync("/export/d", Ct);

        var byTag = server.Records.GroupBy(r => r.Request.Tag).ToDictionary(g => g.Key, g => g.Select(r => r.AuthSys!.Uid).Distinct().ToArray());
        foreach (var tag in new[] { "setclientid", "setclientid_confirm", "lease_time", "fsinfo" })
        {
            CollectionAssert.AreEqual(new[] { Machine }, byTag[tag], $"{tag}: the client's own business");
        }

        foreach (var tag in new[] { "open", "open_confirm", "write", "commit_close" })
        {
            CollectionAssert.AreEqual(new[] { 1001u }, byTag[tag], $"{tag}: for the user who asked");
        }

        CollectionAssert.AreEquivalent(new[] { 1001u, Machine }, byTag["walk"], "the walk for the open as the user, the GETATTR after it as the client");
        Assert.AreEqual(Machine, server.Records[^1].AuthSys!.Uid, "no scope: the client's credential");
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task An_open_file_acts_as_its_opener_whatever_credential_is_current()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", FakeNfsTestSupport.Pattern(8192, 1));
        await using var client = Connect(server);
        NfsOpenFile file;
        var alice = User(1001);
        using (NfsCallContext.Use(alice))
        {
            file = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        }

        Assert.AreSame(alice, file.Credential);
        var mark = server.RecordCount;
        using (NfsCallContext.Use(User(1002)))
        {
            await file.WriteAsync(0, "data"u8.ToArray(), StableHow4.Unstable, Ct);
            Assert.AreEqual(8192, await file.ReadAsync(0, new byte[8192], Ct));
            await file.CommitAsync(Ct);
            Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
            Assert.IsNull(await file.TestLockAsync(NfsLockType4.Write, 100, 10, Ct));
            await file.UnlockAsync(0, 10, Ct);
            await file.GetAttrAsync(Ct);
            await file.SetAttrAsync(new SetAttributes { Size = 4096 }, Ct);
            await file.DowngradeAsync(OpenShareAccess.Read, OpenShareDeny.None, Ct);
            await file.CloseAsync(Ct);
        }

        var records = server.RecordsSince(mark);
        var tags = records.Select(r => r.Request.Tag).ToHashSet();
        foreach (var tag in new[] { "write", "read", "commit", "lock", "lockt", "locku", "getattr", "setattr", "walk", "open", "open_downgrade", "release_lockowner", "close" })
        {
            Assert.Contains(tag, tags, $"the scenario sends {tag}");
        }

        // The server's limits (maxread, maxwrite), read once at the first I/O and kept for every user, are the client's.
        Assert.AreEqual(Machine, records.Single(r => r.Request.Tag == "fsinfo").AuthSys!.Uid);
        var strays = records.Where(r => r.Request.Tag != "fsinfo" && r.AuthSys!.Uid != 1001).Select(r => $"{r.Request} as {r.AuthSys!.Uid}").ToList();
        Assert.IsEmpty(strays, "everything done with the file went as its opener: " + string.Join("; ", strays));
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Two_principals_never_share_an_open_owner_and_one_principal_reuses_its_own()
    {
        await using var server = await FakeNfsServer.StartAsync();
        foreach (var name in new[] { "a", "b", "c" })
        {
            server.CreateFile("/export/" + name, "x"u8);
        }

        await using var client = Connect(server);
        OwnerState first;
        using (NfsCallContext.Use(User(1001)))
        {
            await using var a = await client.OpenAsync("/export/a", OpenRequest.ForRead, Ct);
            first = a.Owner;
        }

        OwnerState second;
        using (NfsCallContext.Use(User(1002)))
        {
            await using var b = await client.OpenAsync("/export/b", OpenRequest.ForRead, Ct);
            second = b.Owner;
        }

        // Another instance for the same uid: the same principal, so the confirmed owner is reused.
        OwnerState third;
        using (NfsCallContext.Use(User(1001)))
        {
            await using var c = await client.OpenAsync("/export/c", OpenRequest.ForRead, Ct);
            third = c.Owner;
        }

        Assert.AreNotSame(first, second, "1002 did not get 1001's confirmed owner");
        Assert.AreSame(first, third, "1001's owner served 1001 again");
        var openers = server.Records
            .Where(r => r.Request.Find<OpenArgs>() is not null)
            .Select(r => (Owner: Convert.ToHexString(r.Request.Find<OpenArgs>()!.Owner.Owner.Span), r.AuthSys!.Uid))
            .ToList();
        Assert.HasCount(3, openers);
        Assert.IsTrue(
            openers.GroupBy(o => o.Owner).All(g => g.Select(o => o.Uid).Distinct().Count() == 1),
            "each open-owner's requests came from one principal: " + string.Join(", ", openers));
        Assert.HasCount(2, server.Sent<OpenConfirmArgs>(), "one new owner per principal");
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Reclaims_after_a_restart_go_as_each_files_opener_not_as_the_caller_that_met_it()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", "ffff"u8);
        server.CreateFile("/export/g", "gggg"u8);
        await using var client = Connect(server);
        NfsOpenFile f;
        NfsOpenFile g;
        using (NfsCallContext.Use(User(1001)))
        {
            f = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
            Assert.IsNull(await f.LockAsync(NfsLockType4.Write, 0, 4, wait: false, Ct));
        }

        using (NfsCallContext.Use(User(1002)))
        {
            g = await client.OpenAsync("/export/g", OpenRequest.ForRead, Ct);
        }

        server.RebootWithGrace();
        var mark = server.RecordCount;
        using (NfsCallContext.Use(User(1003)))
        {
            // 1003 meets the restart through 1001's handle; recovery runs on its own.
            Assert.AreEqual(4, await f.ReadAsync(0, new byte[4], Ct));
        }

        Assert.AreEqual(4, await g.ReadAsync(0, new byte[4], Ct));
        var records = server.RecordsSince(mark);
        var fh = server.FileHandleOf("/export/f");
        var gh = server.FileHandleOf("/export/g");
        var reclaims = records.Where(r => r.Request.Find<OpenArgs>() is { Claim.Type: OpenClaimType4.Previous }).ToList();
        Assert.HasCount(2, reclaims);
        Assert.AreEqual(1001u, reclaims.Single(r => r.Request.Find<PutFhArgs>()!.FileHandle == fh).AuthSys!.Uid);
        Assert.AreEqual(1002u, reclaims.Single(r => r.Request.Find<PutFhArgs>()!.FileHandle == gh).AuthSys!.Uid);
        var lockReclaim = records.Single(r => r.Request.Find<LockArgs>() is { Reclaim: true });
        Assert.AreEqual(1001u, lockReclaim.AuthSys!.Uid);
        Assert.IsTrue(records.Where(r => r.Request.Tag is "setclientid" or "setclientid_confirm").All(r => r.AuthSys!.Uid == Machine));
        Assert.IsTrue(records.Where(r => r.Request.Tag == "read").All(r => r.AuthSys!.Uid == (r.Request.Find<PutFhArgs>()!.FileHandle == fh ? 1001u : 1002u)));
        Assert.IsFalse(records.Any(r => r.AuthSys!.Uid == 1003), "nothing went as the user whose call met the restart");
        Assert.AreEqual(1, client.RecoveryEvents.Single().LocksReclaimed);
        await f.CloseAsync(Ct);
        await g.CloseAsync(Ct);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Renew_goes_as_the_machine_though_a_user_call_started_the_lease()
    {
        await using var server = await FakeNfsServer.StartAsync(new FakeNfsServerOptions { LeaseTimeSeconds = 2 });
        server.CreateFile("/export/f", "x"u8);
        await using var client = Connect(server);
        using (NfsCallContext.Use(User(1001)))
        {
            await using var file = await client.OpenAsync("/export/f", OpenRequest.ForRead, Ct);
            var deadline = DateTime.UtcNow + Generous;
            while (server.Sent<RenewArgs>().Count < 2)
            {
                Assert.IsLessThan(deadline, DateTime.UtcNow, "waited in vain for two RENEWs");
                await Task.Delay(20, Ct);
            }
        }

        var renews = server.Records.Where(r => r.Request.Find<RenewArgs>() is not null).ToList();
        Assert.IsTrue(renews.All(r => r.AuthSys!.Uid == Machine && r.Status == NfsStat4.Ok), string.Join(", ", renews.Select(r => r.AuthSys!.Uid)));
    }

    [TestMethod]
    public async Task A_walk_starts_from_a_directory_handle_only_the_same_principal_cached()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateDirectory("/export/d");
        server.CreateDirectory("/export/d/e");
        foreach (var name in new[] { "a", "b", "c" })
        {
            server.CreateFile("/export/d/e/" + name, "x"u8);
        }

        await using var client = Connect(server);
        using (NfsCallContext.Use(User(1001)))
        {
            await client.GetAttrAsync("/export/d/e/a", Ct);
            var mark = server.RecordCount;
            await client.GetAttrAsync("/export/d/e/b", Ct);
            Assert.AreEqual(NfsOpnum4.PutFh, server.RecordsSince(mark).Single().Request.Ops[0].Op, "1001's second walk starts at its cached directory");
        }

        using (NfsCallContext.Use(User(1002)))
        {
            var mark = server.RecordCount;
            await client.GetAttrAsync("/export/d/e/c", Ct);
            var walk = server.RecordsSince(mark).Single().Request;
            Assert.AreEqual(NfsOpnum4.PutRootFh, walk.Ops[0].Op, "1002 looks up every directory itself: " + walk);
            Assert.HasCount(4, walk.OpsOf<LookupArgs>());
        }

        AssertNoServerErrors(server);
    }
}
