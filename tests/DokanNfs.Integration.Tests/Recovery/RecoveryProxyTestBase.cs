using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Ganesha;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// What the partition, crash, connection-loss and mount-type tests share on top of <see cref="ClientTestBase"/>:
/// a <see cref="FaultProxy"/> (optionally with a <see cref="ServerCallRecorder"/> behind it, so the test sees
/// what reached the server), clients whose log goes to one timeline with the test's own notes, child client
/// processes killed at cleanup, and that timeline written out when a test fails (the base writes the server logs).
/// </summary>
public abstract class RecoveryProxyTestBase(TestContext testContext) : ClientTestBase(testContext)
{
    private readonly ConcurrentQueue<string> _timeline = new();
    private readonly List<TestClientProcess> _children = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    [TestCleanup]
    public async Task RecoveryCleanupAsync()
    {
        foreach (var child in _children)
        {
            await child.DisposeAsync();
        }

        if (TestContext.CurrentTestOutcome is not (UnitTestOutcome.Passed or UnitTestOutcome.Inconclusive))
        {
            TestContext.WriteLine("---- client timeline ----");
            foreach (var line in _timeline)
            {
                TestContext.WriteLine(line);
            }

            foreach (var child in _children)
            {
                TestContext.WriteLine($"---- test client process {child.ProcessId} stderr ----");
                TestContext.WriteLine(child.StandardError);
            }
        }
    }

    /// <summary>A proxy in front of <paramref name="target"/>, disposed at cleanup (after the clients made later).</summary>
    protected async Task<FaultProxy> StartProxyAsync(IPEndPoint target) => Track(await FaultProxy.StartAsync(target, cancellationToken: Ct));

    /// <summary>A recorder in front of <paramref name="server"/>: put the proxy in front of it.</summary>
    protected ServerCallRecorder Record(GaneshaServer server) => Track(ServerCallRecorder.Start(server.EndPoint));

    /// <summary>
    /// A client of <paramref name="endPoint"/> (a fresh identity unless the options name one) whose log lines go
    /// to the timeline under <paramref name="name"/>; disposed at cleanup.
    /// </summary>
    protected NfsClient ConnectLogged(EndPoint endPoint, string name, NfsClientOptions? options = null)
    {
        options ??= new NfsClientOptions();
        if (options.Identity is null)
        {
            options = options with { Identity = ClientIdentity.Create() };
        }

        return Track(new NfsClient(endPoint, options, new TimelineLogger(name, this)));
    }

    /// <summary>Starts the test client process holding <paramref name="path"/> open (deny both) and locked; killed at cleanup.</summary>
    protected async Task<TestClientProcess> StartHolderAsync(GaneshaServer server, string stateDirectory, string path, NfsVersion version = NfsVersion.V40)
    {
        var child = await TestClientProcess.StartHoldingAsync(server.EndPoint, stateDirectory, path, _children, Ct, version == NfsVersion.V41 ? "4.1" : "4.0");
        Note($"test client process {child.ProcessId} holds {path} as client {child.ClientIdHex} (state directory {stateDirectory})");
        return child;
    }

    /// <summary>A line on the timeline, also written to the test's output at once.</summary>
    protected void Note(string line)
    {
        var stamped = Stamp("test", line);
        _timeline.Enqueue(stamped);
        TestContext.WriteLine(stamped);
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms; fails the test if it is not true within <paramref name="timeout"/>.</summary>
    protected async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s waiting for: {what}");
            }

            await Task.Delay(50, Ct);
        }
    }

    /// <summary>A fresh directory for a persistent client identity, deleted at the end of the test run.</summary>
    protected string NewStateDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("dokannfs-test-state-").FullName;
        Track(new DirectoryRemover(directory));
        return directory;
    }

    private string Stamp(string source, string message) =>
        $"{_clock.Elapsed.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture),8} {source,-8} {message}";

    private sealed class DirectoryRemover(string path) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
                // Still in use by a process that is going away: /tmp is cleaned eventually.
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The client's log (debug and up) on the test's timeline.</summary>
    private sealed class TimelineLogger(string name, RecoveryProxyTestBase test) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var text = formatter(state, exception);
            test._timeline.Enqueue(test.Stamp(name, exception is null ? $"{logLevel}: {text}" : $"{logLevel}: {text} ({exception.GetType().Name}: {exception.Message})"));
        }
    }
}
