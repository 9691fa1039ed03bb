using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// The COMMIT write verifier: while the server runs every COMMIT matches its WRITEs and nothing is sent twice;
/// UNSTABLE data a crashed server lost is written again.
/// </summary>
[TestClass]
public sealed class WriteVerifierTests(TestContext testContext) : ClientTestBase(testContext)
{
    [TestMethod]
    public async Task Unstable_data_lost_in_a_server_crash_is_written_again_at_commit()
    {
        // A grace period and the client's record kept across the crash, so the open is reclaimed; a lease long
        // enough that no RENEW finds the restart before the COMMIT does.
        var server = await StartServerAsync(new() { Graceless = false, GracePeriodSeconds = 3, LeaseLifetimeSeconds = 10 });
        var tap = Tap(server);
        var client = Connect(tap.EndPoint);
        var data = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(data);
        var file = await client.OpenAsync(Nfs("lost.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
        Assert.AreEqual(data.Length, file.UncommittedBytes);

        // kill -9, and then what a crash of the machine would add: the UNSTABLE data never reached the disk
        // (with only the process killed, the kernel still has it, so the test takes it away).
        await server.KillAsync(Ct);
        var host = server.PathInExport("lost.bin");
        await File.WriteAllBytesAsync(host, new byte[data.Length], Ct);
        await server.RestartAsync(Ct);
        Assert.Contains("NFS Server Now IN GRACE", server.LogTextSinceStart());
        tap.Reset();

        await file.CommitAsync(Ct);

        // COMMIT reached the restarted server and its new write verifier was noticed; the first rewrite went out
        // with the open stateid of the server instance that died, was refused as stale, and recovery reclaimed
        // the open (CLAIM_PREVIOUS); then all three were written again, FILE_SYNC, with the reclaimed stateid.
        var tags = tap.Calls.Select(c => c.Tag).ToList();
        var trace = string.Join(",", tags);
        Assert.AreEqual("commit", tags[0], trace);
        Assert.AreEqual("write", tags[1], trace);
        var reclaim = tags.IndexOf("open_reclaim");
        Assert.IsGreaterThan(1, reclaim, trace);
        Assert.IsLessThan(reclaim, tags.IndexOf("setclientid"), trace);
        Assert.HasCount(3, tags.Skip(reclaim).Where(t => t == "write"), "the three uncommitted 1 MiB WRITEs, sent again after the reclaim: " + trace);
        Assert.HasCount(4, tap.CallsTagged("write"), "and no other WRITE: " + trace);
        Assert.AreEqual(0L, file.UncommittedBytes);
        Assert.IsTrue((await File.ReadAllBytesAsync(host, Ct)).AsSpan().SequenceEqual(data), "the server has the data again");
        var recovery = client.RecoveryEvents.Single();
        Assert.AreEqual((1, 0), (recovery.OpensReclaimed, recovery.OpensLost));
        await file.CloseAsync(Ct);
    }

    [TestMethod]
    public async Task Write_verifier_is_stable_while_the_server_runs()
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint);
        await using var file = await client.OpenAsync(Nfs("v.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);

        for (var i = 0; i < 3; i++)
        {
            await file.WriteAsync(i * 4096L, new byte[4096], StableHow4.Unstable, Ct);
            await file.CommitAsync(Ct);
            Assert.AreEqual(0L, file.UncommittedBytes);
        }

        Assert.HasCount(3, tap.CallsTagged("write"), "no WRITE sent twice: every COMMIT matched its WRITE's verifier");
        Assert.HasCount(3, tap.CallsTagged("commit"));
    }
}
