using System.Diagnostics;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// A Ganesha restart under a session (RFC 8881 §2.10.13, §8.4.2): SEQUENCE meets NFS4ERR_BADSESSION, CREATE_SESSION
/// meets NFS4ERR_STALE_CLIENTID, a new client id is made with the same owner, the open is reclaimed with CLAIM_PREVIOUS
/// through the new session, and RECLAIM_COMPLETE ends the grace period early — not before.
/// </summary>
[TestClass]
public sealed class ServerRestartSessionTests(TestContext testContext) : SessionTestBase(testContext)
{
    private const int LeaseSeconds = 4;
    private const int GraceSeconds = 40;

    [TestMethod]
    public async Task A_restart_is_met_with_BADSESSION_then_STALE_CLIENTID_and_RECLAIM_COMPLETE_ends_grace_early()
    {
        var server = await StartServerAsync(new GaneshaOptions { Graceless = false, LeaseLifetimeSeconds = LeaseSeconds, GracePeriodSeconds = GraceSeconds });
        await server.WaitForLogAsync("NFS Server Now NOT IN GRACE", TimeSpan.FromSeconds(30), Ct);
        var reclaimEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reclaimGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        NfsFh? file = null;
        StateId4? reclaimed = null;
        var options = NewOptions() with
        {
            Reclaim = async (session, cancellationToken) =>
            {
                reclaimEntered.TrySetResult();
                await reclaimGo.Task.WaitAsync(cancellationToken);
                reclaimed = (await OpenAsync(session, file!, cancellationToken)).StateId;
            },
        };
        var (session, log) = await EstablishAsync(server.EndPoint, options);
        var clientIdBefore = session.ClientId;

        // State the restarted server will remember us by: one open file.
        File.WriteAllBytes(server.PathInExport("held.txt"), "held"u8.ToArray());
        var (opened, fh) = await OpenByNameAsync(session, "held.txt", Ct);
        file = fh;
        TestContext.WriteLine($"opened {opened.StateId}; client {session.ClientId:x16}");

        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        var restartLog = server.LogTextSinceStart();
        Assert.Contains("NFS Server Now IN GRACE", restartLog);
        Assert.Contains("clid count(1)", restartLog, "the restarted server knows our client from its recovery records");
        var restarted = Stopwatch.StartNew();

        // The next request finds the session gone, then the client id; the reclaim runs in the new session, in grace.
        var getattr = GetRootAttributesAsync(session, Ct).AsTask();
        await reclaimEntered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.AreNotEqual(clientIdBefore, session.ClientId, "a new client id");
        Assert.AreEqual(2L, session.ClientIdGeneration);

        // No RECLAIM_COMPLETE yet: grace holds through several reaper runs (every lease/2 = 2 s).
        await Task.Delay(TimeSpan.FromSeconds(3 * LeaseSeconds / 2), Ct);
        Assert.DoesNotContain("NOT IN GRACE", server.LogTextSinceStart(), "grace holds until the client says it has reclaimed");

        reclaimGo.SetResult();
        await session.ReclaimCompletion.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await server.WaitForLogAsync("NFS Server Now NOT IN GRACE", TimeSpan.FromSeconds(2 * LeaseSeconds), Ct);
        TestContext.WriteLine($"grace ended {restarted.Elapsed.TotalSeconds:F1} s after the restart (grace period {GraceSeconds} s)");
        TestContext.WriteLine(string.Join('\n', server.LogTextSinceStart().Split('\n').Where(l => l.Contains("grace", StringComparison.OrdinalIgnoreCase))));
        Assert.IsLessThan(TimeSpan.FromSeconds(GraceSeconds / 2), restarted.Elapsed, "RECLAIM_COMPLETE ended grace long before its period");

        Assert.AreEqual(NfsFtype4.Dir, (await getattr.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Type);
        Assert.IsNotNull(reclaimed, "the open was reclaimed with CLAIM_PREVIOUS through the new session");
        Assert.AreEqual(1L, session.ResetCount);
        Assert.AreEqual(2L, session.SessionGeneration);

        // How the errors were read: BADSESSION reset the session, STALE_CLIENTID at CREATE_SESSION replaced the client id.
        var reset = log.WithId(SessionResetEvent).Single();
        Assert.AreEqual(NfsStat4.BadSession, reset.Values["Cause"]);
        var lost = log.WithId(ClientIdLostEvent).Single();
        Assert.AreEqual(NfsStat4.StaleClientId, lost.Values["Cause"]);
        Assert.HasCount(2, log.WithId(SessionCreatedEvent));
    }

    [TestMethod]
    public async Task Requests_in_flight_when_the_server_restarts_all_go_again_on_the_new_session()
    {
        var server = await StartServerAsync(new GaneshaOptions { LeaseLifetimeSeconds = LeaseSeconds });
        var proxy = await StartProxyAsync(server.EndPoint);
        var (session, log) = await EstablishAsync(proxy.EndPoint);

        // Held by the proxy while the server restarts: they arrive at a server that never heard of the session.
        proxy.Blackhole();
        var inFlight = Enumerable.Range(0, 16).Select(_ => GetRootAttributesAsync(session, Ct).AsTask()).ToList();
        await WaitUntilAsync(() => proxy.CallsSeen >= 16, TimeSpan.FromSeconds(10), "16 calls held by the proxy");
        await server.KillAsync(Ct);
        await server.RestartAsync(Ct);
        proxy.EndBlackhole();

        var results = await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.IsTrue(results.All(a => a.Type == NfsFtype4.Dir));
        Assert.AreEqual(1L, session.ResetCount, "one reset for all of them");
        Assert.AreEqual(2L, session.ClientIdGeneration);
        Assert.HasCount(1, log.WithId(SessionResetEvent));
    }

    /// <summary>OPEN of an existing file by name in the export (CLAIM_NULL), with its filehandle.</summary>
    private static async Task<(OpenResult Open, NfsFh Fh)> OpenByNameAsync(NfsSession session, string name, CancellationToken cancellationToken) =>
        await session.RunAsync(
            "open",
            (Name: name, Owner: new StateOwner4(session.ClientId, "test-owner"u8.ToArray())),
            static (ref CompoundEncoder e, (string Name, StateOwner4 Owner) a) =>
            {
                e.PutRootFh();
                e.Lookup("export");
                e.Open(0, OpenShareAccess.Both, OpenShareDeny.None, a.Owner, null, null, default, OpenClaim4.ByName(a.Name));
                e.GetFh();
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutRootFh(ref r);
                results.Lookup(ref r);
                var open = results.Open(ref r);
                return (open, results.GetFh(ref r));
            },
            cancellationToken,
            cacheThis: true);

    /// <summary>OPEN with CLAIM_PREVIOUS of <paramref name="fh"/>: the reclaim after a server restart.</summary>
    private static async Task<OpenResult> OpenAsync(NfsSession session, NfsFh fh, CancellationToken cancellationToken) =>
        await session.RunAsync(
            "reclaim",
            (Fh: fh, Owner: new StateOwner4(session.ClientId, "test-owner"u8.ToArray())),
            static (ref CompoundEncoder e, (NfsFh Fh, StateOwner4 Owner) a) =>
            {
                e.PutFh(a.Fh);
                e.Open(0, OpenShareAccess.Both, OpenShareDeny.None, a.Owner, null, null, default, OpenClaim4.Previous(OpenDelegationType4.None));
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutFh(ref r);
                return results.Open(ref r);
            },
            cancellationToken,
            cacheThis: true);
}
