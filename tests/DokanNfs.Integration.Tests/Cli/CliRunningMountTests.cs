using System.Text.Json;
using DokanNfs.Cli.Mounting;
using DokanNfs.Core.Client;
using DokanNfs.Dokan.Security;
using DokanNfs.TestSupport.Ganesha;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>
/// list, stats and unmount against a mount that really runs: this test process serves it with the CLI's own
/// mount agent — a real Ganesha server, namespace, registry file and control pipe, with only the Windows drive
/// replaced (<see cref="FakeDriveMounter"/>) — and dokannfs runs as a child process that finds it through the
/// shared state directory, as it would find a mount in another process.
/// </summary>
[TestClass]
public sealed class CliRunningMountTests(TestContext testContext) : CliTestBase(testContext)
{
    private readonly List<(MountAgent Agent, Task Run)> _running = [];

    [TestMethod]
    public async Task List_stats_and_unmount_show_and_end_a_running_mount()
    {
        var server = await StartServerAsync();
        await File.WriteAllBytesAsync(server.PathInExport("data.bin"), new byte[100_000], Ct);
        Directory.CreateDirectory(server.PathInExport("sub"));
        var mounter = new FakeDriveMounter();
        var (agent, run, _) = await StartMountAsync(mounter, Url(server), "z", "vers=4.0,hard,uid=0,gid=0,label=Work");

        // Requests on "the drive", as the adapter would make them.
        var drive = mounter.Drives.Single().FileSystem;
        await drive.GetAttributesAsync("/", Ct);
        await foreach (var _ in drive.ListAsync("/", Ct))
        {
        }

        var file = await drive.OpenAsync("/data.bin", OpenRequest.ForRead, Ct);
        var read = await file.ReadAsync(0, new byte[65536], Ct);
        await file.CloseAsync(Ct);
        await file.DisposeAsync();
        Assert.AreEqual(65536, read);

        using (var list = JsonDocument.Parse(ExpectOk(await RunAsync("list", "--json")).StdOut))
        {
            var entry = list.RootElement.EnumerateArray().Single();
            Assert.AreEqual("Z:", entry.GetProperty("mountPoint").GetString());
            Assert.AreEqual(server.Address.ToString(), entry.GetProperty("server").GetString());
            Assert.AreEqual(server.PseudoPath, entry.GetProperty("export").GetString());
            Assert.AreEqual("mounted", entry.GetProperty("state").GetString());
            Assert.AreEqual(Environment.ProcessId, entry.GetProperty("pid").GetInt32());
            Assert.AreEqual(agent.Id, entry.GetProperty("id").GetString());
            Assert.AreEqual("Work", entry.GetProperty("options").GetProperty("label").GetString());
            Assert.AreEqual("hard", entry.GetProperty("options").GetProperty("mtype").GetString());
            Assert.AreEqual("false", entry.GetProperty("options").GetProperty("ro").GetString());
            Assert.AreEqual(0, entry.GetProperty("nested").GetArrayLength());
            Assert.AreEqual("4.0", entry.GetProperty("nfsVersion").GetString());
            Assert.AreEqual(JsonValueKind.Null, entry.GetProperty("sessionId").ValueKind, "no session under NFSv4.0");
        }

        var text = ExpectOk(await RunAsync("list")).StdOut;
        Assert.MatchesRegex(@"(?m)^MOUNT POINT\s+SERVER\s+EXPORT\s+VERS\s+STATE\s+PID\s+OPTIONS$", text);
        Assert.MatchesRegex($@"(?m)^Z:\s+{server.Address}:{server.Port}\s+{server.PseudoPath}\s+4\.0\s+mounted\s+{Environment.ProcessId}\s+vers=4\.0,sec=sys,", text);

        using (var stats = JsonDocument.Parse(ExpectOk(await RunAsync("stats", "--json")).StdOut))
        {
            var mount = stats.RootElement.GetProperty("mounts").EnumerateArray().Single();
            Assert.AreEqual("Z:", mount.GetProperty("mountPoint").GetString());
            var s = mount.GetProperty("servers").EnumerateArray().Single();
            Assert.AreEqual(server.Address.ToString(), s.GetProperty("server").GetString());
            Assert.AreEqual("4.0", s.GetProperty("nfsVersion").GetString());
            var calls = s.GetProperty("calls");
            Assert.AreEqual(1, calls.GetProperty("GETATTR").GetInt64());
            Assert.AreEqual(1, calls.GetProperty("READDIR").GetInt64());
            Assert.AreEqual(1, calls.GetProperty("OPEN").GetInt64());
            Assert.AreEqual(1, calls.GetProperty("READ").GetInt64());
            Assert.AreEqual(1, calls.GetProperty("CLOSE").GetInt64());
            Assert.IsFalse(calls.TryGetProperty("WRITE", out _), "operations that did not happen are left out");
            var latency = s.GetProperty("latencyMs");
            Assert.IsGreaterThan(0.0, latency.GetProperty("p50").GetDouble());
            Assert.IsGreaterThanOrEqualTo(latency.GetProperty("p50").GetDouble(), latency.GetProperty("p99").GetDouble());
            Assert.AreEqual("valid", s.GetProperty("lease").GetProperty("state").GetString(), "an OPEN established the client id");
            Assert.AreEqual(JsonValueKind.Array, s.GetProperty("recoveryEvents").ValueKind);
        }

        var statsText = ExpectOk(await RunAsync("stats")).StdOut;
        Assert.Contains($"server {server.Address}: NFSv4.0, lease valid", statsText);
        Assert.MatchesRegex(@"requests: GETATTR 1, READDIR 1, OPEN 1, READ 1, CLOSE 1", statsText);
        Assert.MatchesRegex(@"latency:  p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms", statsText);

        var unmount = ExpectOk(await RunAsync("unmount", "Z:\\"));
        Assert.AreEqual("Unmounted Z:\n", unmount.StdOut.ReplaceLineEndings("\n"));
        await run.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.IsTrue(mounter.Drives.Single().Disposed, "the drive was unmounted");
        Assert.IsFalse(File.Exists(Registry.PathOf(agent.Id)), "the registry entry is gone");
        Assert.AreEqual("No NFS drives mounted.\n", ExpectOk(await RunAsync("list")).StdOut.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public async Task List_and_stats_name_NFSv4_1_and_its_session()
    {
        var server = await StartServerAsync();
        var mounter = new FakeDriveMounter();
        var (agent, _, _) = await StartMountAsync(mounter, Url(server), "V:", "vers=4.1");
        await mounter.Drives.Single().FileSystem.GetAttributesAsync("/", Ct);
        var session = agent.Entry().SessionId;

        Assert.IsNotNull(session);
        Assert.MatchesRegex("^[0-9a-f]{32}$", session);
        using (var list = JsonDocument.Parse(ExpectOk(await RunAsync("list", "--json")).StdOut))
        {
            var entry = list.RootElement.EnumerateArray().Single();
            Assert.AreEqual("4.1", entry.GetProperty("nfsVersion").GetString());
            Assert.AreEqual(session, entry.GetProperty("sessionId").GetString());
        }

        Assert.MatchesRegex($@"(?m)^V:\s+{server.Address}:{server.Port}\s+{server.PseudoPath}\s+4\.1\s+mounted\s+", ExpectOk(await RunAsync("list")).StdOut);
        using (var stats = JsonDocument.Parse(ExpectOk(await RunAsync("stats", "--json")).StdOut))
        {
            var s = stats.RootElement.GetProperty("mounts")[0].GetProperty("servers").EnumerateArray().Single();
            Assert.AreEqual("4.1", s.GetProperty("nfsVersion").GetString());
            Assert.AreEqual(session, s.GetProperty("sessionId").GetString());
        }

        Assert.Contains($"server {server.Address}: NFSv4.1 session {session}, lease valid", ExpectOk(await RunAsync("stats")).StdOut);
    }

    [TestMethod]
    public async Task List_shows_a_referral_grafted_inside_the_drive_as_nested()
    {
        var b = await StartServerAsync(new GaneshaOptions { AddressMode = GaneshaAddressMode.OwnAddressPort2049 });
        var a = await StartServerAsync();
        await File.WriteAllTextAsync(b.PathInExport("hello.txt"), "from B", Ct);
        _ = a.MakeReferral("ref", b.FsLocation);
        var mounter = new FakeDriveMounter();
        await StartMountAsync(mounter, Url(a), "Y:", "vers=4.0");
        var drive = mounter.Drives.Single().FileSystem;

        CollectionAssert.AreEqual(new[] { "ref" }, await NamesAsync(drive, "/"));
        using (var before = JsonDocument.Parse(ExpectOk(await RunAsync("list", "--json")).StdOut))
        {
            Assert.AreEqual(0, before.RootElement[0].GetProperty("nested").GetArrayLength(), "listing A's root does not graft the referral");
        }

        CollectionAssert.AreEqual(new[] { "hello.txt" }, await NamesAsync(drive, "/ref"));
        using var after = JsonDocument.Parse(ExpectOk(await RunAsync("list", "--json")).StdOut);
        var nested = after.RootElement[0].GetProperty("nested").EnumerateArray().Single();
        Assert.AreEqual("/ref", nested.GetProperty("path").GetString());
        Assert.AreEqual(b.Address.ToString(), nested.GetProperty("server").GetString());
        Assert.AreEqual(b.PseudoPath, nested.GetProperty("export").GetString());
        Assert.AreEqual("mounted", nested.GetProperty("state").GetString());
        Assert.AreEqual("4.0", nested.GetProperty("nfsVersion").GetString(), "the nested mount inherits vers=4.0");

        var text = ExpectOk(await RunAsync("list")).StdOut;
        Assert.MatchesRegex($@"(?m)^  /ref\s+{b.Address}\s+{b.PseudoPath}\s+4\.0\s+mounted\s+\(referral\)$", text);

        // The listing of /ref counted against B, the root's against A.
        using var stats = JsonDocument.Parse(ExpectOk(await RunAsync("stats", "--json")).StdOut);
        var servers = stats.RootElement.GetProperty("mounts")[0].GetProperty("servers").EnumerateArray()
            .ToDictionary(s => s.GetProperty("server").GetString()!, s => s.GetProperty("calls"));
        Assert.AreEqual(1, servers[a.Address.ToString()].GetProperty("READDIR").GetInt64());
        Assert.AreEqual(1, servers[b.Address.ToString()].GetProperty("READDIR").GetInt64());
    }

    [TestMethod]
    public async Task Entries_of_dead_processes_are_dropped_and_a_silent_mount_is_shown_from_its_file()
    {
        var registry = Registry;
        registry.Write(Entry("dead00000001", "Q:", pid: await ExitedPidAsync()));
        registry.Write(Entry("silent000001", "R:", pid: Environment.ProcessId, start: MountRegistry.CurrentProcess.Start));

        using var list = JsonDocument.Parse(ExpectOk(await RunAsync("list", "--json")).StdOut);
        var only = list.RootElement.EnumerateArray().Single();
        Assert.AreEqual("R:", only.GetProperty("mountPoint").GetString());
        Assert.AreEqual("mounting", only.GetProperty("state").GetString(), "as the file says: no pipe answered");
        Assert.IsFalse(File.Exists(registry.PathOf("dead00000001")), "list deletes the entry of a process that is gone");

        ExpectError(3, await RunAsync("unmount", "Q:"), "nothing is mounted at Q:");
        ExpectError(1, await RunAsync("unmount", "R:"), "does not answer on its control pipe");
        using var stats = JsonDocument.Parse(ExpectOk(await RunAsync("stats", "--json")).StdOut);
        Assert.AreEqual(0, stats.RootElement.GetProperty("mounts")[0].GetProperty("servers").GetArrayLength());
    }

    [TestMethod]
    public async Task A_reused_pid_does_not_keep_an_entry_alive()
    {
        // Our own pid, but a start time that is not ours: another process that once had this pid.
        Registry.Write(Entry("reused000001", "S:", pid: Environment.ProcessId, start: "2001-01-01T00:00:00.0000000+00:00"));

        Assert.AreEqual("No NFS drives mounted.\n", ExpectOk(await RunAsync("list")).StdOut.ReplaceLineEndings("\n"));
        Assert.IsFalse(File.Exists(Registry.PathOf("reused000001")));
    }

    [TestMethod]
    public async Task A_running_mount_is_found_by_any_spelling_of_its_mount_point()
    {
        var server = await StartServerAsync();
        var mounter = new FakeDriveMounter();
        var (first, _, _) = await StartMountAsync(mounter, Url(server), "W:", null);

        Assert.IsNotNull(Registry.Find(DokanNfs.Cli.Mounting.MountPoint.Parse("w:\\", "test")));
        Assert.AreEqual(first.Id, Registry.Find(DokanNfs.Cli.Mounting.MountPoint.Parse("W", "test"))!.Id);
    }

    protected override async ValueTask DisposeBeforeServersAsync()
    {
        foreach (var (agent, run) in _running)
        {
            agent.RequestUnmount();
            await run.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await base.DisposeBeforeServersAsync();
    }

    private MountRegistry Registry => new(Path.Combine(Cli.StateDirectory, "mounts"));

    /// <summary>Runs a mount agent in this process as `dokannfs mount` would, and waits until its drive is up.</summary>
    private async Task<(MountAgent Agent, Task Run, MountEntryJson Mounted)> StartMountAsync(FakeDriveMounter mounter, string url, string mountPoint, string? options)
    {
        var environment = new MountEnvironment(
            mounter, Registry, NullLoggerFactory.Instance, IdentityMap.Empty, Cli.StateDirectory, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200));
        var agent = new MountAgent(MountRequest.Create(url, mountPoint, options, null, "command line"), environment);
        var mounted = new TaskCompletionSource<MountEntryJson>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = agent.RunAsync(keepMounted: false, entry => { mounted.TrySetResult(entry); return Task.CompletedTask; }, Ct);
        _running.Add((agent, run));
        var first = await Task.WhenAny(mounted.Task, run).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        if (first == run)
        {
            await run;
            Assert.Fail("the mount ended before it was up");
        }

        return (agent, run, await mounted.Task);
    }

    private async Task<List<string>> NamesAsync(DokanNfs.Namespace.INfsFileSystem drive, string path)
    {
        var names = new List<string>();
        await foreach (var entry in drive.ListAsync(path, Ct))
        {
            names.Add(entry.Name);
        }

        return names;
    }

    private static MountEntryJson Entry(string id, string mountPoint, int pid, string? start = null) => new()
    {
        Id = id,
        MountPoint = mountPoint,
        Url = "nfs://127.0.0.1/export",
        Server = "127.0.0.1",
        Port = 2049,
        Export = "/export",
        State = "mounting",
        Pid = pid,
        ProcessStart = start,
    };

    /// <summary>The pid of a process that has just exited.</summary>
    private async Task<int> ExitedPidAsync()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync(Ct);
        return process.Id;
    }
}
