using DokanNfs.TestSupport.Logging;
using System.Diagnostics;
using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.TestSupport.Ganesha;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// What lease and recovery tests against Ganesha share: servers with a grace period and short leases, clients
/// that record their log, a crash (kill -9) and restart with the same recovery records, and the clients' logs
/// written out beside the servers' when a test fails.
/// </summary>
public abstract class RecoveryTestBase(TestContext testContext) : ClientTestBase(testContext)
{
    // The client's log event ids (ClientLog): stable, so tests may name them.
    protected const int ClientIdEstablishedEvent = 2000;
    protected const int RetryAfterDelayEvent = 2001;
    protected const int LeaseTimeEvent = 2007;
    protected const int RecoveryStartedEvent = 2009;
    protected const int RecoveryDoneEvent = 2010;
    protected const int StateLostEvent = 2011;
    protected const int ReclaimedEvent = 2012;

    /// <summary>NfsSession's "client id established" (SessionLog): the NFSv4.1 counterpart of <see cref="ClientIdEstablishedEvent"/>.</summary>
    protected const int SessionClientIdEstablishedEvent = 2200;

    /// <summary>How long anything that should happen within a grace period or two may take on a loaded machine.</summary>
    protected static readonly TimeSpan Generous = TimeSpan.FromSeconds(45);

    private readonly List<(string Name, RecordingLogger Log)> _logs = [];

    /// <summary>Short retry delays: a call held by GRACE or an outage goes again soon after it ends.</summary>
    protected static NfsClientOptions Fast { get; } = new()
    {
        RetryDelayMin = TimeSpan.FromMilliseconds(20),
        RetryDelayMax = TimeSpan.FromMilliseconds(400),
    };

    /// <summary>A server that keeps client records and has a grace period after a restart.</summary>
    protected static GaneshaOptions WithGrace(int leaseSeconds, int graceSeconds) =>
        new() { Graceless = false, LeaseLifetimeSeconds = leaseSeconds, GracePeriodSeconds = graceSeconds };

    [TestCleanup]
    public void WriteClientLogsOnFailure()
    {
        if (TestContext.CurrentTestOutcome is UnitTestOutcome.Passed or UnitTestOutcome.Inconclusive)
        {
            return;
        }

        foreach (var (name, log) in _logs)
        {
            TestContext.WriteLine($"---- client log of {name} ----");
            foreach (var e in log.Events)
            {
                TestContext.WriteLine(e.ToString());
            }
        }
    }

    /// <summary>A client of <paramref name="endPoint"/> with an identity of its own and a log the test can read.</summary>
    protected (NfsClient Client, RecordingLogger Log) ConnectLogged(EndPoint endPoint, NfsClientOptions? options = null)
    {
        var log = new RecordingLogger();
        var client = Track(new NfsClient(endPoint, (options ?? Fast) with { Identity = ClientIdentity.Create() }, log));
        lock (_logs)
        {
            _logs.Add(($"client {_logs.Count + 1} of {endPoint}", log));
        }

        return (client, log);
    }

    /// <summary>
    /// kill -9 and a restart with the same recovery records (and a new epoch): the server comes back in grace,
    /// knowing <paramref name="recordedClients"/> clients from before.
    /// </summary>
    protected async Task CrashAndRestartAsync(GaneshaServer server, int recordedClients = 1, GaneshaOptions? restartWith = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        await server.KillAsync(Ct);
        if (restartWith is null)
        {
            await server.RestartAsync(Ct);
        }
        else
        {
            await server.RestartAsync(restartWith, Ct);
        }

        var log = server.LogTextSinceStart();
        Assert.Contains("NFS Server Now IN GRACE", log, "the restarted server is in grace");
        Assert.Contains($"clid count({recordedClients})", log, "the restarted server knows the clients that held state");
    }

    /// <summary>The one info-level "recovery done" line of <paramref name="log"/>, checked to name the server and the reason.</summary>
    protected static LoggedEvent AssertOneRecoveryLogged(RecordingLogger log, NfsClient client, string reason)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(client);
        var started = log.WithId(RecoveryStartedEvent);
        var done = log.WithId(RecoveryDoneEvent);
        Assert.HasCount(1, started, string.Join("\n", log.Events));
        Assert.HasCount(1, done, string.Join("\n", log.Events));
        foreach (var line in new[] { started[0], done[0] })
        {
            Assert.AreEqual(LogLevel.Information, line.Level, line.Message);
            Assert.AreEqual(client.ServerName, line.Values["Server"]);
            Assert.StartsWith(client.ServerName + ":", line.Message, "the line names the server");
            Assert.Contains(reason, line.Message, "the line gives the reason");
        }

        return done[0];
    }

    protected async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.IsLessThan(timeout ?? Generous, stopwatch.Elapsed, $"waited in vain for {what}");
            await Task.Delay(10, Ct);
        }
    }

    protected static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
