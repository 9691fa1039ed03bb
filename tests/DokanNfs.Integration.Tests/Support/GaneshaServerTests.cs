using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Support;

/// <summary>
/// The Ganesha fixture against the real ganesha.nfsd. Without NFS calls (the client is written
/// elsewhere) a server counts as up when it accepts TCP connections, and its log is the
/// evidence for everything else (epoch, grace, recovery records).
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public sealed class GaneshaServerTests(TestContext testContext) : GaneshaTestBase(testContext)
{
    private const int LoopbackNfsPort = 2049;

    // A recovery record as Ganesha's fs backend stores it: "<client address>-(<length>:<owner>)".
    private const string PlantedClientRecord = "::ffff:127.0.0.1-(22:Linux NFSv4.1 testhost)";

    [TestMethod]
    public async Task Default_server_listens_on_a_free_loopback_port_without_grace()
    {
        GaneshaServer server = await Servers.StartAsync(cancellationToken: Ct);

        Assert.AreEqual(IPAddress.Loopback, server.Address);
        Assert.AreNotEqual(LoopbackNfsPort, server.Port);
        Assert.IsTrue(await CanConnectAsync(server.EndPoint), "server accepts TCP connections");
        Assert.IsTrue(server.IsRunning);
        Assert.AreEqual(
            server.ProcessId!.Value.ToString(CultureInfo.InvariantCulture),
            (await File.ReadAllTextAsync(server.PidFilePath, Ct)).Trim(),
            "ganesha.pid names the process the fixture holds, i.e. ganesha did not fork");
        Assert.IsTrue(Directory.Exists(server.ExportPath));
        Assert.IsTrue(Directory.Exists(server.RecoveryPath));
        Assert.AreEqual("/export", server.PseudoPath);

        string log = server.LogTextSinceStart();
        Assert.Contains(GaneshaServer.ReadyLogLine, log);
        Assert.Contains("NFS Server skipping GRACE (Graceless is true)", log);
        Assert.Contains(EpochInLog(server.Epoch), log);

        string config = await File.ReadAllTextAsync(server.ConfigPath, Ct);
        Assert.Contains("Minor_Versions = 0, 1, 2;", config);
        Assert.Contains("Attr_Expiration_Time = 0;", config);
        Assert.Contains("Lease_Lifetime = 5;", config);
    }

    [TestMethod]
    public async Task Port_2049_server_gets_a_loopback_address_of_its_own()
    {
        GaneshaServer server = await Servers.StartAsync(Port2049, Ct);

        Assert.AreEqual(LoopbackNfsPort, server.Port);
        byte[] address = server.Address.GetAddressBytes();
        CollectionAssert.AreEqual(new byte[] { 127, 0, 0 }, address[..3]);
        Assert.IsTrue(address[3] is >= 10 and <= 250, $"address {server.Address} is in 127.0.0.10..250");
        Assert.IsTrue(await CanConnectAsync(server.EndPoint));
        Assert.AreEqual($"{server.Address}:/export", server.FsLocation);
    }

    [TestMethod]
    public async Task Servers_started_in_parallel_get_distinct_endpoints_directories_and_epochs()
    {
        Task<GaneshaServer[]> own = Servers.StartManyAsync(3, Port2049, Ct);
        Task<GaneshaServer[]> free = Servers.StartManyAsync(3, cancellationToken: Ct);
        GaneshaServer[] all = [.. await own, .. await free];

        Assert.HasCount(6, all.Select(s => s.EndPoint).Distinct());
        Assert.HasCount(3, all.Where(s => s.Port == LoopbackNfsPort).Select(s => s.Address).Distinct());
        Assert.HasCount(6, all.Select(s => s.RootDirectory).Distinct());
        Assert.HasCount(6, all.Select(s => s.Epoch).Distinct());
        foreach (GaneshaServer server in all)
        {
            Assert.IsTrue(await CanConnectAsync(server.EndPoint), $"{server} accepts TCP connections");
            Assert.Contains(EpochInLog(server.Epoch), server.LogTextSinceStart());
        }
    }

    [TestMethod]
    public async Task Restart_keeps_endpoint_and_recovery_records_and_uses_a_new_epoch()
    {
        var options = new GaneshaOptions { Graceless = false, GracePeriodSeconds = 2, LeaseLifetimeSeconds = 2 };
        GaneshaServer server = await Servers.StartAsync(options, Ct);
        IPEndPoint endPoint = server.EndPoint;
        long firstEpoch = server.Epoch;

        // A fresh recovery directory has no client records: grace is entered and lifted at once.
        Assert.Contains("clid count(0)", server.LogTextSinceStart());

        await server.StopAsync(Ct);
        Assert.AreEqual(0, server.LastExitCode, "SIGTERM is a clean shutdown");
        Assert.IsFalse(await CanConnectAsync(endPoint));

        // Leave a record as a client holding state would have; the restart must find it.
        Directory.CreateDirectory(Path.Combine(server.RecoveryPath, "v4recov", "node0", PlantedClientRecord));
        await server.RestartAsync(Ct);

        Assert.AreEqual(endPoint, server.EndPoint);
        Assert.IsTrue(await CanConnectAsync(endPoint));
        Assert.IsGreaterThan(firstEpoch, server.Epoch);
        string log = server.LogTextSinceStart();
        Assert.Contains(EpochInLog(server.Epoch), log);
        Assert.DoesNotContain(EpochInLog(firstEpoch), log);
        Assert.Contains("NFS Server Now IN GRACE, duration 2", log);
        Assert.Contains("clid count(1)", log);
        await server.WaitForLogAsync("NFS Server Now NOT IN GRACE", TimeSpan.FromSeconds(15), Ct);

        // The log is appended to, not replaced: both starts are in it.
        Assert.AreEqual(2, CountOf(server.LogText(), GaneshaServer.ReadyLogLine));
        Assert.AreEqual(2, server.StartCount);
    }

    [TestMethod]
    public async Task Restart_with_other_options_runs_with_them_on_the_same_endpoint()
    {
        GaneshaServer server = await Servers.StartAsync(cancellationToken: Ct);
        IPEndPoint endPoint = server.EndPoint;
        Assert.Contains("Lease_Lifetime = 5;", await File.ReadAllTextAsync(server.ConfigPath, Ct));

        var changed = server.Options with { LeaseLifetimeSeconds = 3, Graceless = false, GracePeriodSeconds = 2 };
        await server.RestartAsync(changed, Ct);

        Assert.AreEqual(endPoint, server.EndPoint);
        Assert.AreSame(changed, server.Options);
        string config = await File.ReadAllTextAsync(server.ConfigPath, Ct);
        Assert.Contains("Lease_Lifetime = 3;", config);
        Assert.Contains("Graceless = false;", config);
        Assert.DoesNotContain("NFS Server skipping GRACE", server.LogTextSinceStart(), "the new options are in force");
        Assert.IsTrue(await CanConnectAsync(endPoint));
        _ = await Assert.ThrowsExactlyAsync<ArgumentException>(() => server.RestartAsync(changed with { AddressMode = GaneshaAddressMode.OwnAddressPort2049 }, Ct));
        _ = await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() => server.RestartAsync(changed with { LeaseLifetimeSeconds = 1 }, Ct));
        Assert.IsTrue(server.IsRunning, "a refused restart leaves the server as it was");
    }

    [TestMethod]
    public async Task Rapid_restarts_get_increasing_epochs_that_ganesha_reports()
    {
        GaneshaServer server = await Servers.StartAsync(cancellationToken: Ct);
        var epochs = new List<long> { server.Epoch };
        for (int i = 0; i < 3; i++)
        {
            await server.RestartAsync(Ct);
            epochs.Add(server.Epoch);
            Assert.Contains(EpochInLog(server.Epoch), server.LogTextSinceStart());
        }

        // Four starts well inside a few seconds: the clock alone would repeat epochs.
        CollectionAssert.AreEqual(epochs.Order().ToList(), epochs);
        Assert.HasCount(4, epochs.Distinct());
        Assert.IsTrue(epochs.All(e => e <= uint.MaxValue), "epochs fit in the 32 bits Ganesha puts in client ids");
    }

    [TestMethod]
    public async Task Kill_leaves_no_process_and_the_server_can_start_again_on_the_same_port()
    {
        GaneshaServer server = await Servers.StartAsync(cancellationToken: Ct);
        int pid = server.ProcessId!.Value;
        Assert.IsTrue(Directory.Exists($"/proc/{pid}"));

        await server.KillAsync(Ct);

        Assert.IsFalse(Directory.Exists($"/proc/{pid}"), "killed ganesha is gone, not a zombie");
        Assert.IsFalse(server.IsRunning);
        Assert.IsNull(server.ProcessId);
        Assert.AreEqual(128 + 9, server.LastExitCode, "died of SIGKILL");
        Assert.IsFalse(await CanConnectAsync(server.EndPoint));

        await server.RestartAsync(Ct);
        Assert.IsTrue(await CanConnectAsync(server.EndPoint));
        Assert.AreNotEqual(pid, server.ProcessId);
    }

    [TestMethod]
    public async Task Dispose_stops_the_server_and_deletes_its_directory_but_keeps_the_log()
    {
        GaneshaServer server = await GaneshaServer.StartAsync(cancellationToken: Ct);
        int pid = server.ProcessId!.Value;
        string root = server.RootDirectory;

        await server.DisposeAsync();

        Assert.IsFalse(Directory.Exists($"/proc/{pid}"));
        Assert.IsFalse(Directory.Exists(root));
        Assert.Contains(GaneshaServer.ReadyLogLine, server.LogText());
        _ = await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => server.RestartAsync(Ct));
        await server.DisposeAsync();
    }

    [TestMethod]
    public async Task Invalid_config_value_fails_the_start_with_the_log_and_exit_code()
    {
        var options = new GaneshaOptions
        {
            ConfigTransform = config => config.Replace("Lease_Lifetime = 5;", "Lease_Lifetime = soon;", StringComparison.Ordinal),
        };

        GaneshaException e = await Assert.ThrowsExactlyAsync<GaneshaException>(() => Servers.StartAsync(options, Ct));

        Assert.Contains("configuration error", e.Message);
        Assert.Contains(":CONFIG :CRIT", e.Message);
        Assert.Contains("Expected a number", e.Message);
        Assert.IsNotNull(e.ProcessId);
        Assert.IsFalse(Directory.Exists($"/proc/{e.ProcessId}"));
        Assert.IsEmpty(Servers.Servers);
    }

    [TestMethod]
    public async Task Missing_export_directory_fails_the_start_although_ganesha_keeps_running()
    {
        var options = new GaneshaOptions
        {
            ConfigTransform = config => config.Replace("/export\";", "/no-such-dir\";", StringComparison.Ordinal),
        };

        GaneshaException e = await Assert.ThrowsExactlyAsync<GaneshaException>(() => Servers.StartAsync(options, Ct));

        Assert.Contains("no-such-dir", e.Message);
        Assert.IsNull(e.ExitCode, "ganesha did not exit on its own; the fixture stopped it");
        Assert.IsFalse(Directory.Exists($"/proc/{e.ProcessId}"));
    }

    [TestMethod]
    public async Task Unknown_config_parameter_fails_the_start()
    {
        var options = new GaneshaOptions
        {
            ConfigTransform = config => config.Replace("Graceless = true;", "Graceles = true;", StringComparison.Ordinal),
        };

        GaneshaException e = await Assert.ThrowsExactlyAsync<GaneshaException>(() => Servers.StartAsync(options, Ct));

        Assert.Contains("Unknown parameter (Graceles)", e.Message);
    }

    [TestMethod]
    public async Task Missing_binary_fails_with_the_install_command()
    {
        var options = new GaneshaOptions { BinaryPath = "/nonexistent/ganesha.nfsd" };

        GaneshaException e = await Assert.ThrowsExactlyAsync<GaneshaException>(() => Servers.StartAsync(options, Ct));

        Assert.Contains("apt-get install -y --no-install-recommends nfs-ganesha nfs-ganesha-vfs", e.Message);
        Assert.Contains("/nonexistent/ganesha.nfsd", e.Message);
    }

    [TestMethod]
    [DoNotParallelize] // The environment is process-wide; no other test may start a server meanwhile.
    public async Task Binary_from_the_environment_variable_is_used_and_checked()
    {
        string? saved = Environment.GetEnvironmentVariable(GaneshaBinary.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(GaneshaBinary.EnvironmentVariable, "/nonexistent/from-env/ganesha.nfsd");

            GaneshaException e = await Assert.ThrowsExactlyAsync<GaneshaException>(() => Servers.StartAsync(cancellationToken: Ct));

            Assert.Contains("$DOKANNFS_GANESHA", e.Message);
            Assert.Contains("/nonexistent/from-env/ganesha.nfsd", e.Message);
            Assert.Contains(GaneshaBinary.InstallCommand, e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(GaneshaBinary.EnvironmentVariable, saved);
        }
    }

    [TestMethod]
    public async Task MakeReferral_creates_an_empty_sticky_directory_with_the_location_xattr()
    {
        GaneshaServer target = await Servers.StartAsync(Port2049, Ct);
        GaneshaServer server = await Servers.StartAsync(cancellationToken: Ct);

        string path = server.MakeReferral("dir/ref", target.FsLocation);

        Assert.AreEqual(Path.Combine(server.ExportPath, "dir", "ref"), path);
        Assert.AreEqual($"{target.Address}:/export", ExtendedAttributes.GetString(path, GaneshaServer.FsLocationAttribute));
        Assert.AreEqual(GaneshaServer.ReferralMode, File.GetUnixFileMode(path));
        Assert.AreEqual("1644", Convert.ToString((int)File.GetUnixFileMode(path), 8));
        Assert.IsFalse(Directory.EnumerateFileSystemEntries(path).Any());
        Assert.IsNull(ExtendedAttributes.Get(server.PathInExport("dir"), GaneshaServer.FsLocationAttribute));
        Assert.IsTrue(await CanConnectAsync(server.EndPoint));
    }

    [TestMethod]
    public async Task MakeReferral_rejects_paths_outside_the_export_and_location_lists()
    {
        GaneshaServer server = await Servers.StartAsync(cancellationToken: Ct);

        _ = Assert.ThrowsExactly<ArgumentException>(() => server.MakeReferral("../escape", "127.0.0.2:/export"));
        _ = Assert.ThrowsExactly<ArgumentException>(() => server.MakeReferral("/abs", "127.0.0.2:/export"));
        _ = Assert.ThrowsExactly<ArgumentException>(() => server.MakeReferral("ref", "127.0.0.2:/a,127.0.0.3:/b"));
        _ = Assert.ThrowsExactly<ArgumentException>(() => server.MakeReferral("ref", "no-path"));
        Assert.IsFalse(Directory.Exists(Path.Combine(server.RootDirectory, "escape")));
    }

    [TestMethod]
    public async Task WriteLogs_writes_each_servers_log_tail_and_failed_starts()
    {
        GaneshaServer server = await Servers.StartAsync(cancellationToken: Ct);
        _ = await Assert.ThrowsExactlyAsync<GaneshaException>(
            () => Servers.StartAsync(new GaneshaOptions { BinaryPath = "/nonexistent/ganesha.nfsd" }, Ct));
        var lines = new List<string>();

        Servers.WriteLogs(lines.Add, maxLinesPerServer: 5);

        Assert.IsTrue(lines[0].Contains(server.EndPoint.ToString(), StringComparison.Ordinal), lines[0]);
        Assert.IsTrue(lines[0].Contains("last 5 of", StringComparison.Ordinal), lines[0]);
        Assert.IsTrue(lines.Any(l => l.Contains(GaneshaServer.ReadyLogLine, StringComparison.Ordinal)), "tail shows the ready line");
        Assert.IsTrue(lines.Any(l => l.Contains("/nonexistent/ganesha.nfsd", StringComparison.Ordinal)), "failed start is listed");
    }

    [TestMethod]
    public async Task Options_reject_a_lease_that_breaks_the_reaper()
    {
        var options = new GaneshaOptions { LeaseLifetimeSeconds = 1 };

        _ = await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() => Servers.StartAsync(options, Ct));
    }

    [TestMethod]
    public async Task Attribute_expiration_reaches_the_export_and_a_negative_one_is_refused()
    {
        GaneshaServer server = await Servers.StartAsync(new GaneshaOptions { AttrExpirationSeconds = 60 }, Ct);

        string config = await File.ReadAllTextAsync(server.ConfigPath, Ct);
        Assert.Contains("Attr_Expiration_Time = 60;", config);
        Assert.DoesNotContain("Attr_Expiration_Time = 0;", config);
        _ = await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(
            () => Servers.StartAsync(new GaneshaOptions { AttrExpirationSeconds = -1 }, Ct));
    }

    private static GaneshaOptions Port2049 { get; } = new() { AddressMode = GaneshaAddressMode.OwnAddressPort2049 };

    /// <summary>How Ganesha prints its epoch at the start of every log line.</summary>
    private static string EpochInLog(long epoch) => $" : epoch {epoch.ToString("x8", CultureInfo.InvariantCulture)} : ";

    private static int CountOf(string text, string part) =>
        (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    private async Task<bool> CanConnectAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token);
            socket.Shutdown(SocketShutdown.Both);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
