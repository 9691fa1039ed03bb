using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace DokanNfs.TestSupport.KernelNfs;

/// <summary>
/// A Linux kernel NFS server (knfsd, NFSv4.1/4.2) for tests that need a server which grants delegations (Ganesha's VFS
/// FSAL grants none). The test machine's own kernel has no nfsd, so knfsd runs in a user-mode Linux guest (Debian's
/// user-mode-linux, whose modules include nfsd), with the host's userland (exportfs, rpc.mountd, rpc.nfsd) through
/// hostfs. The guest's network is a tap device inside a network namespace made for this server alone, so nothing of it
/// is visible in the main namespace; tests connect through <see cref="EndPoint"/>, a relay on an ephemeral loopback
/// port. The export is a tmpfs inside the guest (the root of the NFSv4 pseudo file system, fsid=0): tests make their
/// files through NFS. Stopping sets nfsd's threads to 0, powers the guest off, kills its process group by id if it is
/// still there, and deletes the namespace.
/// </summary>
public sealed class KernelNfsServer : IAsyncDisposable
{
    /// <summary>The packages the server needs, for the failure message.</summary>
    public const string InstallCommand = "apt-get install -y --no-install-recommends user-mode-linux nfs-kernel-server kmod";

    private const string UmlBinary = "/usr/bin/linux.uml";
    private const string UmlModules = "/usr/lib/uml/modules";
    private const string TapName = "knfsd0";
    private const int NfsPort = 2049;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static int s_instances;

    private readonly Process _guest;
    private readonly string _runDirectory;
    private readonly string _namespace;
    private readonly StringBuilder _console;
    private NetNsRelay? _relay;
    private bool _disposed;

    private KernelNfsServer(Process guest, string runDirectory, string netns, StringBuilder console)
    {
        _guest = guest;
        _runDirectory = runDirectory;
        _namespace = netns;
        _console = console;
    }

    /// <summary>Where clients connect (a loopback relay into the server's namespace).</summary>
    public IPEndPoint EndPoint => _relay?.EndPoint ?? throw new ObjectDisposedException(nameof(KernelNfsServer));

    /// <summary>The guest's process id (the user-mode Linux kernel, leader of its own process group).</summary>
    public int ProcessId => _guest.Id;

    /// <summary>The network namespace the server lives in (ip netns NAME).</summary>
    public string NamespaceName => _namespace;

    /// <summary>What the guest printed on its console so far (for failure messages).</summary>
    public string Console
    {
        get
        {
            lock (_console)
            {
                return _console.ToString();
            }
        }
    }

    /// <summary>Starts a server with an empty export; <paramref name="leaseSeconds"/> is both the lease and the grace period (10 at least).</summary>
    public static async Task<KernelNfsServer> StartAsync(int leaseSeconds = 10, CancellationToken cancellationToken = default)
    {
        CheckPrerequisites();
        await RemoveOrphansAsync().ConfigureAwait(false);
        var moduleDirectory = Directory.GetDirectories(UmlModules).Single();
        var id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Interlocked.Increment(ref s_instances)}");
        var netns = $"dokannfs-knfsd-{id}";
        var runDirectory = Path.Combine(Path.GetTempPath(), $"dokannfs-knfsd-{id}");
        Directory.CreateDirectory(Path.Combine(runDirectory, "export"));
        var init = Path.Combine(runDirectory, "init.sh");
        await File.WriteAllTextAsync(init, KernelNfsGuest.Script(runDirectory, moduleDirectory, leaseSeconds), cancellationToken).ConfigureAwait(false);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(init, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await RunAsync("ip", ["netns", "add", netns], cancellationToken).ConfigureAwait(false);
        KernelNfsServer? server = null;
        try
        {
            await RunAsync("ip", ["netns", "exec", netns, "ip", "tuntap", "add", "dev", TapName, "mode", "tap"], cancellationToken).ConfigureAwait(false);
            await RunAsync("ip", ["netns", "exec", netns, "ip", "addr", "add", $"{KernelNfsGuest.HostAddress}/30", "dev", TapName], cancellationToken).ConfigureAwait(false);

            // One segment per frame: the guest's vector driver lost the host's GSO frames (larger than the MTU), so TCP
            // to knfsd lived on retransmissions — 142 of 136 segments resent, 14 timeouts, each 32 KiB WRITE 1 to 6 s —
            // and under CI load a call could go unanswered for minutes (a knfsd delegation test hung two CI runs).
            await RunAsync("ip", ["netns", "exec", netns, "ip", "link", "set", TapName, "gso_max_segs", "1", "up"], cancellationToken).ConfigureAwait(false);

            // setsid: the guest (ip netns exec execs it, keeping the pid) leads a process group of its own, so its
            // helper processes can be killed with it by that id.
            var start = new ProcessStartInfo("ip")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = runDirectory,
            };
            foreach (var arg in (string[])["netns", "exec", netns, "setsid", UmlBinary, "mem=256M", "root=/dev/root", "rootfstype=hostfs", "rootflags=/", "rw", $"init={init}", "con=null", "con0=fd:0,fd:1", $"vec0:transport=tap,ifname={TapName}"])
            {
                start.ArgumentList.Add(arg);
            }

            var console = new StringBuilder();
            var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var guest = new Process { StartInfo = start };
            guest.OutputDataReceived += (_, e) => OnConsoleLine(console, ready, e.Data);
            guest.ErrorDataReceived += (_, e) => OnConsoleLine(console, ready, e.Data);
            guest.Start();
            guest.BeginOutputReadLine();
            guest.BeginErrorReadLine();
            server = new KernelNfsServer(guest, runDirectory, netns, console);

            var exited = guest.WaitForExitAsync(cancellationToken);
            var first = await Task.WhenAny(ready.Task, exited, Task.Delay(StartTimeout, cancellationToken)).ConfigureAwait(false);
            if (first != ready.Task || !await ready.Task.ConfigureAwait(false))
            {
                throw new KernelNfsException($"knfsd did not start in its user-mode Linux guest (exited: {guest.HasExited}). Console:\n{server.Console}");
            }

            server._relay = NetNsRelay.Start($"/run/netns/{netns}", new IPEndPoint(IPAddress.Parse(KernelNfsGuest.GuestAddress), NfsPort));
            return server;
        }
        catch
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await DeleteNamespaceAsync(netns).ConfigureAwait(false);
                Directory.Delete(runDirectory, recursive: true);
            }

            throw;
        }
    }

    /// <summary>
    /// Restarts nfsd in the guest (threads 0, then started again): to the client a server restart — its state gone, a
    /// new boot time, a grace period of the lease time — while the guest's client-tracking records stay.
    /// </summary>
    public async Task RestartNfsdAsync(CancellationToken cancellationToken = default)
    {
        var before = Count(Console, KernelNfsGuest.Restarted);
        await File.WriteAllTextAsync(Path.Combine(_runDirectory, "restart"), string.Empty, cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (Count(Console, KernelNfsGuest.Restarted) == before)
        {
            if (DateTime.UtcNow > deadline || _guest.HasExited)
            {
                throw new KernelNfsException($"nfsd did not restart in its guest. Console:\n{Console}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        static int Count(string text, string line) => text.Split('\n').Count(l => l.StartsWith(line, StringComparison.Ordinal));
    }

    /// <summary>Stops nfsd (threads 0), powers the guest off (kills its process group if it lingers) and deletes the namespace and run directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_relay is not null)
        {
            await _relay.DisposeAsync().ConfigureAwait(false);
        }

        if (!_guest.HasExited)
        {
            await File.WriteAllTextAsync(Path.Combine(_runDirectory, "stop"), string.Empty).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await _guest.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _ = KernelNfsNative.Kill(-_guest.Id, KernelNfsNative.SigKill);
                await _guest.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        _guest.Dispose();
        await DeleteNamespaceAsync(_namespace).ConfigureAwait(false);
        Directory.Delete(_runDirectory, recursive: true);
    }

    private static void OnConsoleLine(StringBuilder console, TaskCompletionSource<bool> ready, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (console)
        {
            console.AppendLine(line);
        }

        if (line.StartsWith(KernelNfsGuest.Ready, StringComparison.Ordinal))
        {
            ready.TrySetResult(true);
        }
        else if (line.StartsWith(KernelNfsGuest.Failed, StringComparison.Ordinal))
        {
            ready.TrySetResult(false);
        }
    }

    private static void CheckPrerequisites()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            throw new KernelNfsException("The kernel NFS server tests need Linux and root (network namespaces, tap devices).");
        }

        string[] needed = [UmlBinary, "/usr/sbin/rpc.nfsd", "/usr/sbin/exportfs", "/usr/sbin/rpc.mountd", "/usr/sbin/insmod"];
        var missing = needed.Where(p => !File.Exists(p)).ToList();
        if (!Directory.Exists(UmlModules) || Directory.GetDirectories(UmlModules).Length != 1)
        {
            missing.Add(UmlModules + "/<version>");
        }

        if (missing.Count > 0)
        {
            throw new KernelNfsException($"The kernel NFS server tests need {string.Join(", ", missing)}. Install them with: {InstallCommand}");
        }
    }

    /// <summary>
    /// What an earlier test process left when it was killed (e.g. by a hang timeout) before it could stop its servers:
    /// the guests, namespaces and run directories named after a test process id that is no longer alive. Those of live
    /// processes (another test run) are left alone.
    /// </summary>
    private static async Task RemoveOrphansAsync()
    {
        // One at a time in this process (tests start servers in parallel), and best effort: what cannot be removed
        // now does not fail a test.
        await s_orphans.WaitAsync().ConfigureAwait(false);
        try
        {
            await RemoveOrphansCoreAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KernelNfsException or IOException or UnauthorizedAccessException)
        {
            System.Diagnostics.Trace.WriteLine($"knfsd orphans not removed: {ex.Message}");
        }
        finally
        {
            s_orphans.Release();
        }
    }

    private static async Task RemoveOrphansCoreAsync()
    {
        const string Prefix = "dokannfs-knfsd-";
        var names = Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns", Prefix + "*").Select(Path.GetFileName) : [];
        var directories = Directory.GetDirectories(Path.GetTempPath(), Prefix + "*").Select(Path.GetFileName);
        foreach (var name in names.Concat(directories).Distinct().OfType<string>())
        {
            var owner = name.AsSpan(Prefix.Length);
            var dash = owner.IndexOf('-');
            if (dash <= 0 || !int.TryParse(owner[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            var runDirectory = Path.Combine(Path.GetTempPath(), name);
            KillGuestsOf(runDirectory);
            await DeleteNamespaceAsync(name).ConfigureAwait(false);
            if (Directory.Exists(runDirectory))
            {
                Directory.Delete(runDirectory, recursive: true);
            }
        }
    }

    private static readonly SemaphoreSlim s_orphans = new(1, 1);

    /// <summary>Kills (by pid, with their process groups) the guests whose init script lives in <paramref name="runDirectory"/>.</summary>
    private static void KillGuestsOf(string runDirectory)
    {
        var marker = $"init={runDirectory}/init.sh";
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0').Contains(marker, StringComparer.Ordinal))
                {
                    _ = KernelNfsNative.Kill(-pid, KernelNfsNative.SigKill);
                    _ = KernelNfsNative.Kill(pid, KernelNfsNative.SigKill);
                }
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }
    }

    private static async Task DeleteNamespaceAsync(string netns)
    {
        if (File.Exists($"/run/netns/{netns}"))
        {
            await RunAsync("ip", ["netns", "del", netns], CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task RunAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new KernelNfsException($"could not run {file}");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new KernelNfsException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {(await stderr.ConfigureAwait(false)).Trim()}");
        }
    }
}
