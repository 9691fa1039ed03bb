using System.Diagnostics;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.Faults;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// Hard and soft mounts (issue "Leases and recovery", item 7): a hard mount waits through an outage however long;
/// a soft one fails calls with a timeout error after its soft timeout, and later calls work once the server is back.
/// </summary>
[TestClass]
public sealed class MountTypeTests(TestContext testContext) : RecoveryProxyTestBase(testContext)
{
    private static readonly TimeSpan SoftTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Environment.TickCount64, which the soft timeout is measured with, is coarser than a Stopwatch.</summary>
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(100);

    private static readonly NfsClientOptions Soft = new()
    {
        Mount = NfsMountType.Soft,
        SoftTimeout = SoftTimeout,
        CallTimeout = TimeSpan.FromMilliseconds(500),
        ConnectTimeout = TimeSpan.FromMilliseconds(500),

        // noac: each stat below is meant to reach the (absent) server, not the attribute cache.
        AcRegMin = TimeSpan.Zero,
        AcRegMax = TimeSpan.Zero,
        AcDirMin = TimeSpan.Zero,
        AcDirMax = TimeSpan.Zero,
    };

    /// <summary>
    /// The server is killed: every kind of call — a path walk, a WRITE of an open file, a LOCK (an owner's
    /// seqid-bearing call) — fails with <see cref="RpcTimeoutException"/> once the soft timeout has passed.
    /// </summary>
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Soft_mount_fails_calls_with_a_timeout_while_the_server_is_down_and_later_calls_work_once_it_is_back(NfsVersion version)
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("soft.txt"), "soft");
        var client = ConnectLogged(server.EndPoint, "soft", Soft with { Version = version });
        var file = Track(await client.OpenAsync(Nfs("soft.txt"), OpenRequest.ForReadWrite, Ct));
        await file.WriteAsync(0, "SOFT"u8.ToArray(), StableHow4.FileSync, Ct);

        await server.KillAsync(Ct);
        Note("server killed");
        var calls = new (string What, Func<Task> Call)[]
        {
            ("GETATTR", () => client.GetAttrAsync(Nfs("soft.txt"), Ct).AsTask()),
            ("WRITE", () => file.WriteAsync(0, "lost"u8.ToArray(), StableHow4.FileSync, Ct).AsTask()),
            ("LOCK", () => file.LockAsync(NfsLockType4.Write, 0, 1, wait: false, Ct).AsTask()),
        };
        await Task.WhenAll(calls.Select(c => Task.Run(() => ExpectSoftTimeoutAsync(c.What, c.Call), Ct)).ToArray());

        await server.RestartAsync(Ct);
        Note("server restarted");
        Assert.AreEqual(4UL, (await client.GetAttrAsync(Nfs("soft.txt"), Ct)).Attributes.Size);
        await using var again = await client.OpenAsync(Nfs("after.txt"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct);
        await again.WriteAsync(0, "back"u8.ToArray(), StableHow4.FileSync, Ct);
        Assert.AreEqual("back", File.ReadAllText(server.PathInExport("after.txt")));
    }

    /// <summary>The server runs but answers nothing (a blackhole): the calls time out one after another until the soft timeout.</summary>
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Soft_mount_fails_a_call_with_a_timeout_while_the_server_does_not_answer_and_later_calls_work(NfsVersion version)
    {
        var server = await StartServerAsync();
        var proxy = await StartProxyAsync(server.EndPoint);
        var client = ConnectLogged(proxy.EndPoint, "soft", Soft with { Version = version });
        await client.GetAttrAsync(Export, Ct);

        proxy.Blackhole(end: BlackholeEnd.DropAndCut);
        await ExpectSoftTimeoutAsync("GETATTR", () => client.GetAttrAsync(Export, Ct).AsTask());
        proxy.EndBlackhole();

        Assert.IsTrue((await client.GetAttrAsync(Export, Ct)).IsDirectory);
        Assert.IsGreaterThanOrEqualTo(2, proxy.ConnectionsAccepted, "reconnected after the blackhole");
    }

    /// <summary>A hard mount (the default): a call made while the server is down completes once it is back.</summary>
    [TestMethod]
    public async Task Hard_mount_waits_through_a_server_outage_and_the_call_completes_once_the_server_is_back()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("hard.txt"), "hard");
        var client = ConnectLogged(server.EndPoint, "hard", new NfsClientOptions { RetryDelayMax = TimeSpan.FromSeconds(1) }.WithAttributeCacheTimeout(TimeSpan.Zero));
        Assert.AreEqual(NfsMountType.Hard, client.Options.Mount, "hard is the default");
        await client.GetAttrAsync(Nfs("hard.txt"), Ct);

        await server.KillAsync(Ct);
        Note("server killed");
        var waited = Stopwatch.StartNew();
        var call = client.GetAttrAsync(Nfs("hard.txt"), Ct).AsTask();
        var listing = ListAsync(client, Export);
        var restart = Task.Run(
            async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(2), Ct);
                Assert.IsFalse(call.IsCompleted || listing.IsCompleted, "the calls wait while the server is down");
                await server.RestartAsync(Ct);
                Note("server restarted");
            },
            Ct);

        var node = await call;
        var entries = await listing;
        await restart;
        Note($"the call made during the outage completed after {waited.Elapsed.TotalSeconds:F1} s");
        Assert.AreEqual(4UL, node.Attributes.Size);
        Assert.Contains(e => e.Name == "hard.txt", entries);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(2), waited.Elapsed);
    }

    private async Task ExpectSoftTimeoutAsync(string what, Func<Task> call)
    {
        var waited = Stopwatch.StartNew();
        var error = await Assert.ThrowsExactlyAsync<RpcTimeoutException>(call, $"{what} on a soft mount");
        Note($"{what} failed after {waited.Elapsed.TotalSeconds:F1} s: {error.Message}");
        StringAssert.Contains(error.Message, "soft mount", $"{what}: the soft timeout, not one call's timeout, ended it");
        Assert.IsGreaterThanOrEqualTo(SoftTimeout - TimerSlack, waited.Elapsed, $"{what} waited the soft timeout");
        Assert.IsLessThan(TimeSpan.FromSeconds(30), waited.Elapsed, $"{what} did not hang");
    }
}
