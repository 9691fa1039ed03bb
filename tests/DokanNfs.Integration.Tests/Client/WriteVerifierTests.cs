using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// The COMMIT write verifier: while the server runs every COMMIT matches its WRITEs and nothing is sent twice;
/// UNSTABLE data a crashed server may have lost is written again when the file is as our writes left it.
/// </summary>
[TestClass]
public sealed class WriteVerifierTests(TestContext testContext) : ClientTestBase(testContext)
{
    [TestMethod]
    public async Task Unstable_data_of_a_crashed_server_is_written_again_at_commit_over_the_version_it_left()
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

        // kill -9. The kernel still has the UNSTABLE data, but the client cannot know that: the new write
        // verifier says it may be lost. (A crash that really lost it, and a file changed by someone else
        // meanwhile, are in Recovery/UnstableWriteRecoveryTests.)
        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        Assert.Contains("NFS Server Now IN GRACE", server.LogTextSinceStart());
        tap.Reset();

        await file.CommitAsync(Ct);

        // Fix (issue 8 §3): the ranges used to be re-sent whatever had become of the file. Now COMMIT's new
        // write verifier is followed by a GETATTR of the file's version (change, size): it is still the one our
        // last WRITE left, so the three uncommitted 1 MiB WRITEs go again, FILE_SYNC, each behind a VERIFY of
        // that version. The first went out with the open stateid of the server instance that died, was refused
        // as stale, and recovery reclaimed the open (CLAIM_PREVIOUS); then all three went with the reclaimed one.
        var tags = tap.Calls.Select(c => c.Tag).ToList();
        var trace = string.Join(",", tags);
        Assert.AreEqual("commit", tags[0], trace);
        Assert.AreEqual("getattr", tags[1], trace);
        Assert.AreEqual("rewrite", tags[2], trace);
        var reclaim = tags.IndexOf("open_reclaim");
        Assert.IsGreaterThan(2, reclaim, trace);
        Assert.IsLessThan(reclaim, tags.IndexOf("setclientid"), trace);
        Assert.HasCount(3, tags.Skip(reclaim).Where(t => t == "rewrite"), "the three uncommitted 1 MiB WRITEs, sent again after the reclaim: " + trace);
        Assert.HasCount(4, tap.CallsTagged("rewrite"), "and no other: " + trace);
        Assert.IsEmpty(tap.CallsTagged("write"), trace);
        Assert.AreEqual(0L, file.UncommittedBytes);
        Assert.AreEqual(NfsFileVersionCheck.Unchanged, file.VersionCheck);
        Assert.IsTrue((await File.ReadAllBytesAsync(server.PathInExport("lost.bin"), Ct)).AsSpan().SequenceEqual(data), "the server has the data");
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
