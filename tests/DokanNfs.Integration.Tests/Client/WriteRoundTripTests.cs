using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// What a written file costs on the wire (issue 9): every WRITE is PUTFH WRITE GETATTR (the version after it, issue 8;
/// none before), and its close is one COMPOUND of COMMIT and CLOSE — against Ganesha, which also shows that a
/// restart between the writes and the close still gets the data written again before the CLOSE.
/// </summary>
[TestClass]
public sealed class WriteRoundTripTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const int Piece = 64 * 1024;

    [TestMethod]
    [DataRow(NfsVersion.V40, false)]
    [DataRow(NfsVersion.V41, false)]
    [DataRow(NfsVersion.V40, true)]
    [DataRow(NfsVersion.V41, true)]
    public async Task Three_WRITEs_and_a_close_are_three_COMPOUNDs_of_PUTFH_WRITE_GETATTR_and_one_of_PUTFH_COMMIT_CLOSE_GETATTR(NfsVersion version, bool writeBehind)
    {
        var server = await StartServerAsync();
        var tap = Tap(server, decodeRequests: true);
        var client = Connect(tap.EndPoint, Vers(version, new NfsClientOptions { MaxWriteSize = Piece, WriteBehindBytes = writeBehind ? 4 * Piece : 0 }));
        var data = new byte[3 * Piece];
        new Random(41).NextBytes(data);
        var file = await client.OpenAsync(Nfs("three.bin"), new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Unchecked }, Ct);
        await file.WriteAsync(0, data.AsMemory(0, 10), StableHow4.Unstable, Ct); // the first I/O reads maxwrite: not counted
        await file.DrainWritesAsync(Ct);
        tap.Reset();

        for (var i = 0; i < 3; i++)
        {
            await file.WriteAsync(i * (long)Piece, data.AsMemory(i * Piece, Piece), StableHow4.Unstable, Ct);
        }

        await file.CloseAsync(Ct);

        var sent = tap.Calls.Select(c => $"{c.Tag}: {string.Join(" ", c.Request!.Ops.Select(o => o.Op).Where(op => op != NfsOpnum4.Sequence))}").ToList();
        CollectionAssert.AreEqual(
            new[] { "write: PutFh Write GetAttr", "write: PutFh Write GetAttr", "write: PutFh Write GetAttr", "commit_close: PutFh Commit Close GetAttr" }, // GETATTR: the attributes after the close, for the cache
            sent,
            string.Join("\n", sent));
        Assert.IsTrue(File.ReadAllBytes(server.PathInExport("three.bin")).AsSpan().SequenceEqual(data));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_restart_between_the_writes_and_the_close_gets_the_data_written_again_before_the_CLOSE(NfsVersion version)
    {
        // As WriteVerifierTests: a grace period to reclaim in, and a lease long enough that no RENEW finds the
        // restart before the close does.
        var server = await StartServerAsync(new() { Graceless = false, GracePeriodSeconds = 3, LeaseLifetimeSeconds = 10 });
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version, new NfsClientOptions { MaxWriteSize = Piece, WriteBehindBytes = 4 * Piece }));
        var data = new byte[(3 * Piece) + 5];
        new Random(42).NextBytes(data);
        var file = await client.OpenAsync(Nfs("restart.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
        await file.DrainWritesAsync(Ct);
        Assert.AreEqual(data.Length, file.UncommittedBytes);

        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        tap.Reset();
        await file.CloseAsync(Ct);

        // Under 4.1 the session is re-established first (BIND_CONN_TO_SESSION fails, EXCHANGE_ID, CREATE_SESSION), and
        // the session may send the COMMIT + CLOSE once more after the reclaim: with the stateid it was made with, the
        // old instance's, so that CLOSE fails too and the reclaimed open stays until the data is written again.
        var tags = tap.Calls.Select(c => c.Tag).ToList();
        var trace = string.Join(",", tags);
        Assert.Contains("commit_close", tags, trace);
        // The four WRITEs the server may have lost, sent again (under 4.0 the first goes out once more after the
        // reclaim: the old instance's stateid is refused as stale, as in WriteVerifierTests).
        Assert.IsInRange(4, 5, tags.Count(t => t == "rewrite"), trace);
        Assert.AreEqual("close", tags[^1], "closed after they were: " + trace);
        Assert.AreEqual(1, tags.Count(t => t == "close"), trace);
        Assert.AreEqual(NfsFileVersionCheck.Unchanged, file.VersionCheck, "the file was as our last WRITE left it");
        Assert.IsNull(file.Conflict);
        Assert.IsTrue((await File.ReadAllBytesAsync(server.PathInExport("restart.bin"), Ct)).AsSpan().SequenceEqual(data));
    }
}
