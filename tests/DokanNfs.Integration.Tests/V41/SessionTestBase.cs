using System.Diagnostics;
using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.Integration.Tests.Recovery;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Logging;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// What the NFSv4.1 session tests against Ganesha share: an <see cref="RpcClient"/> and an <see cref="NfsSession"/> on
/// it with an identity of their own (disposed before the servers: the session first, then its RPC client), fault
/// proxies and call recorders in front of a server, small COMPOUNDs, and the sessions' logs written out when a test fails.
/// </summary>
public abstract class SessionTestBase(TestContext testContext) : ClientTestBase(testContext)
{
    // The session's log event ids (SessionLog): stable, so tests may name them.
    protected const int SessionCreatedEvent = 2201;
    protected const int SessionResetEvent = 2202;
    protected const int ClientIdLostEvent = 2203;
    protected const int StatusFlagsChangedEvent = 2204;
    protected const int ConnectionBoundEvent = 2206;
    protected const int ResendingEvent = 2209;

    private readonly List<(string Name, RecordingLogger Log)> _logs = [];

    [TestCleanup]
    public void WriteSessionLogsOnFailure()
    {
        if (TestContext.CurrentTestOutcome is UnitTestOutcome.Passed or UnitTestOutcome.Inconclusive)
        {
            return;
        }

        foreach (var (name, log) in _logs)
        {
            TestContext.WriteLine($"---- log of {name} ----");
            foreach (var e in log.Events)
            {
                TestContext.WriteLine(e.ToString());
            }
        }
    }

    /// <summary>Session options for a fresh identity, with short retry delays.</summary>
    protected static NfsSessionOptions NewOptions(ClientIdentity? identity = null)
    {
        identity ??= ClientIdentity.Create();
        return new NfsSessionOptions
        {
            OwnerId = identity.IdFor("ganesha"),
            Verifier = identity.BootVerifier,
            RetryDelayMin = TimeSpan.FromMilliseconds(20),
            RetryDelayMax = TimeSpan.FromMilliseconds(400),
            RetryBudget = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>An RPC client of <paramref name="endPoint"/> and a session on it; both disposed at cleanup, the session first.</summary>
    protected async Task<(NfsSession Session, RecordingLogger Log)> EstablishAsync(EndPoint endPoint, NfsSessionOptions? options = null)
    {
        var rpc = Track(new RpcClient(endPoint, new RpcClientOptions { CallTimeout = TimeSpan.FromSeconds(20), ReconnectDelayMax = TimeSpan.FromSeconds(1) }));
        var log = new RecordingLogger();
        lock (_logs)
        {
            _logs.Add(($"session {_logs.Count + 1} via {endPoint}", log));
        }

        var session = Track(await NfsSession.EstablishAsync(rpc, options ?? NewOptions(), log, Ct));
        return (session, log);
    }

    /// <summary>A fault proxy in front of <paramref name="target"/>, disposed at cleanup after the sessions made later.</summary>
    protected async Task<FaultProxy> StartProxyAsync(IPEndPoint target) => Track(await FaultProxy.StartAsync(target, cancellationToken: Ct));

    /// <summary>A recorder of what reaches <paramref name="target"/> (put a proxy in front of it).</summary>
    protected ServerCallRecorder Record(IPEndPoint target) => Track(ServerCallRecorder.Start(target));

    /// <summary>PUTROOTFH + GETATTR(type, lease_time) through the session.</summary>
    protected ValueTask<NfsAttributes> GetRootAttributesAsync(NfsSession session, CancellationToken cancellationToken) =>
        session.RunAsync(
            "getattr",
            0,
            static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.GetAttr(Bitmap4.Of(FAttr4.Type, FAttr4.LeaseTime));
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutRootFh(ref r);
                return results.GetAttr(ref r);
            },
            cancellationToken);

    /// <summary>PUTROOTFH, LOOKUP export, CREATE a directory <paramref name="name"/> in it, through the session.</summary>
    protected static ValueTask<ChangeInfo4> CreateDirectoryAsync(NfsSession session, string name, bool cacheThis, CancellationToken cancellationToken) =>
        session.RunAsync(
            "create",
            name,
            static (ref CompoundEncoder e, string n) =>
            {
                e.PutRootFh();
                e.Lookup("export");
                e.Create(NfsFtype4.Dir, null, n, new SetAttributes { Mode = 0x1ED });
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutRootFh(ref r);
                results.Lookup(ref r);
                return results.Create(ref r).ChangeInfo;
            },
            cancellationToken,
            cacheThis);

    /// <summary>Polls <paramref name="condition"/> every 20 ms; fails the test if it is not true within <paramref name="timeout"/>.</summary>
    protected async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.IsLessThan(timeout, stopwatch.Elapsed, $"waited in vain for {what}");
            await Task.Delay(20, Ct);
        }
    }
}
