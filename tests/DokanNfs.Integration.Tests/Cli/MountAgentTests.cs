using System.Net;
using System.Net.Sockets;
using DokanNfs.Cli;
using DokanNfs.Cli.Commands;
using DokanNfs.Cli.Mounting;
using DokanNfs.Dokan.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>The mount agent's life without a server: the platform check, retries with backoff, and ending on request.</summary>
[TestClass]
public sealed class MountAgentTests(TestContext testContext) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("dokannfs-agent-test-").FullName;

    private CancellationToken Ct => testContext.CancellationToken;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [TestMethod]
    public async Task A_machine_that_cannot_map_drives_fails_before_anything_is_registered()
    {
        var mounter = new FakeDriveMounter { Unsupported = new PlatformNotSupportedException("no drives here") };
        var agent = new MountAgent(Request("nfs://127.0.0.1:1/export", "Z:"), Environment(mounter));

        var ex = await Assert.ThrowsExactlyAsync<PlatformNotSupportedException>(() => agent.RunAsync(keepMounted: true, null, Ct));

        Assert.AreEqual("no drives here", ex.Message);
        Assert.IsEmpty(Registry.ReadLive());
        Assert.AreEqual(0, mounter.MountCalls);
    }

    [TestMethod]
    public async Task Kept_mounts_retry_an_unreachable_server_with_backoff_and_end_on_unmount()
    {
        var port = ClosedPort();
        var mounter = new FakeDriveMounter();
        var agent = new MountAgent(Request($"nfs://127.0.0.1:{port}/export", "Z:"), Environment(mounter));

        var run = agent.RunAsync(keepMounted: true, null, Ct);
        var entry = await WaitForAsync(() => Registry.ReadLive().SingleOrDefault(e => e.LastError is not null));

        Assert.AreEqual("retrying", entry.State);
        Assert.AreEqual(agent.Id, entry.Id);
        Assert.IsFalse(run.IsCompleted, "a kept mount does not give up on a server that is down");

        // The pipe answers while it waits, and "unmount" ends the waiting.
        var status = await ControlChannel.SendAsync(agent.PipeName, ControlChannel.Status, TimeSpan.FromSeconds(10), Ct);
        Assert.Contains("\"state\":\"retrying\"", status);
        Assert.Contains("\"lastError\":", status);
        Assert.Contains("\"ok\":true", await ControlChannel.SendAsync(agent.PipeName, ControlChannel.Unmount, TimeSpan.FromSeconds(10), Ct));
        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.IsEmpty(Registry.ReadLive(), "the entry goes with the mount");
        Assert.AreEqual(0, mounter.MountCalls, "the drive is made only after the server answered");
    }

    [TestMethod]
    public async Task A_single_mount_of_an_unreachable_server_fails_with_the_connection_error()
    {
        var agent = new MountAgent(Request($"nfs://127.0.0.1:{ClosedPort()}/export", "Z:"), Environment(new FakeDriveMounter()));

        var ex = await Assert.ThrowsAsync<Exception>(() => agent.RunAsync(keepMounted: false, null, Ct));

        Assert.AreEqual(ExitCodes.ConnectionRefused, ErrorReporter.Describe(ex, Ct).ExitCode, ex.ToString());
        Assert.IsEmpty(Registry.ReadLive());
    }

    [TestMethod]
    public async Task Mount_all_reports_every_entry_that_cannot_mount_and_returns_the_first_code()
    {
        var mounter = new FakeDriveMounter { Unsupported = new PlatformNotSupportedException("no drives here") };
        var mounts = new[] { Request("nfs://a/x", "X:", "Mounts:0"), Request("nfs://b/y", "Y:", "Mounts:1") };

        var code = await MountCommand.MountAllAsync(mounts, Environment(mounter), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.AreEqual(ExitCodes.NotSupported, code);
    }

    [TestMethod]
    public async Task Cancelling_a_kept_mount_while_it_waits_ends_it_quietly()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var agent = new MountAgent(Request($"nfs://127.0.0.1:{ClosedPort()}/export", "Z:"), Environment(new FakeDriveMounter()));

        var run = agent.RunAsync(keepMounted: true, null, cancel.Token);
        await WaitForAsync(() => Registry.ReadLive().SingleOrDefault(e => e.State == "retrying"));
        await cancel.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.IsEmpty(Registry.ReadLive());
    }

    private MountRegistry Registry => new(Path.Combine(_state, "mounts"));

    private MountEnvironment Environment(FakeDriveMounter mounter) => new(
        mounter, Registry, NullLoggerFactory.Instance, IdentityMap.Empty, _state, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200));

    private static MountRequest Request(string url, string mountPoint, string source = "command line") =>
        MountRequest.Create(url, mountPoint, "timeo=2", null, source);

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(20, Ct);
        }

        throw new TimeoutException("the condition did not hold within 30 s");
    }
}
