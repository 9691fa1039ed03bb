using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// One real NFS-Ganesha server (ganesha.nfsd, FSAL VFS) running as a child of the test process,
/// exporting a fresh host directory as <c>/export</c> over NFSv4/TCP.
/// </summary>
/// <remarks>
/// <para>Each server owns a temp directory (export/, recov/, ganesha.conf, ganesha.log,
/// ganesha.pid), a loopback endpoint reserved against parallel tests and other test processes,
/// and a distinct -E epoch per start. Disposing stops the server and deletes the directory; a
/// server still running when the test process exits is killed.</para>
/// <para>Typical use, with the log attached to failed tests:</para>
/// <code>
/// [TestClass]
/// public sealed class MyTests(TestContext testContext)
/// {
///     private readonly GaneshaServerGroup _servers = new();
///
///     [TestCleanup]
///     public async Task CleanupAsync()
///     {
///         if (testContext.CurrentTestOutcome != UnitTestOutcome.Passed)
///         {
///             _servers.WriteLogs(testContext.WriteLine);
///         }
///
///         await _servers.DisposeAsync();
///     }
///
///     [TestMethod]
///     public async Task Reads_a_file()
///     {
///         GaneshaServer server = await _servers.StartAsync(cancellationToken: testContext.CancellationToken);
///         File.WriteAllText(server.PathInExport("a.txt"), "hello");
///         // connect the client to server.EndPoint, mount server.PseudoPath ...
///     }
/// }
/// </code>
/// </remarks>
public sealed class GaneshaServer : IAsyncDisposable
{
    /// <summary>The log line Ganesha writes once it serves requests.</summary>
    public const string ReadyLogLine = "NFS SERVER INITIALIZED";

    /// <summary>The xattr a VFS referral directory carries its target in.</summary>
    public const string FsLocationAttribute = "user.fs_location";

    /// <summary>
    /// Mode 1644: Ganesha's VFS FSAL treats a directory with the sticky bit and no execute bits as
    /// a referral.
    /// </summary>
    public const UnixFileMode ReferralMode =
        UnixFileMode.StickyBit | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Marks a fatal config problem. Ganesha does not exit on all of them (with a missing export
    /// directory it serves no export; after a syntax error it carries on with built-in defaults,
    /// i.e. 0.0.0.0:2049 and /var/lib/nfs/ganesha), so a start with such a line counts as failed.
    /// </summary>
    private const string ConfigCriticalMarker = ":CONFIG :CRIT";

    /// <summary>
    /// Ganesha only warns about an unknown parameter and runs without it; for a test that is a
    /// typo in a <see cref="GaneshaOptions.ConfigTransform"/> that would otherwise go unnoticed.
    /// </summary>
    private const string UnknownParameterMarker = "Unknown parameter";

    private const int MaxStartAttempts = 5;
    private const int DefaultTailLines = 200;
    private const int MaxCapturedOutput = 64 * 1024;

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromMilliseconds(500);

    // Serialises start, stop, kill, restart and dispose: a test may kill from one task while
    // another disposes, and the process handle must change hands only once.
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly string _binary;
    private readonly StringBuilder _processOutput = new();
    private EndpointLease? _lease;
    private Process? _process;
    private long _logOffset;
    private string? _finalLog;
    private string? _finalLogSinceStart;
    private bool _disposed;

    private GaneshaServer(GaneshaOptions options, string binary, string rootDirectory)
    {
        Options = options;
        _binary = binary;
        RootDirectory = rootDirectory;

        // The owner file lets a later test process clean up after this one if it dies by SIGKILL.
        File.WriteAllText(Path.Combine(rootDirectory, GaneshaProcessTracker.OwnerFileName), GaneshaProcessTracker.OwnerStamp());
        _ = Directory.CreateDirectory(ExportPath);
        _ = Directory.CreateDirectory(RecoveryPath);
    }

    /// <summary>The options of the current (or last) start.</summary>
    public GaneshaOptions Options { get; private set; }

    /// <summary>The server's own temp directory.</summary>
    public string RootDirectory { get; }

    /// <summary>The host directory exported as <see cref="PseudoPath"/>.</summary>
    public string ExportPath => Path.Combine(RootDirectory, "export");

    /// <summary>Ganesha's RecoveryRoot: client records kept across kill and restart.</summary>
    public string RecoveryPath => Path.Combine(RootDirectory, "recov");

    public string ConfigPath => Path.Combine(RootDirectory, "ganesha.conf");

    /// <summary>The server log; every start appends to it.</summary>
    public string LogPath => Path.Combine(RootDirectory, "ganesha.log");

    public string PidFilePath => Path.Combine(RootDirectory, "ganesha.pid");

    /// <summary>The NFSv4 path of the export in the server's pseudo file system.</summary>
    public string PseudoPath => GaneshaConfig.PseudoPath;

    /// <summary>Where the server listens; kept across restarts.</summary>
    public IPEndPoint EndPoint => _lease?.EndPoint ?? throw new InvalidOperationException("The server has no address yet.");

    public IPAddress Address => EndPoint.Address;

    public int Port => EndPoint.Port;

    /// <summary>
    /// "address:/export", the value a referral to this server's export carries. Clients reach a
    /// referral target on port 2049, so this is only reachable as is with
    /// <see cref="GaneshaAddressMode.OwnAddressPort2049"/>.
    /// </summary>
    public string FsLocation => $"{Address}:{PseudoPath}";

    /// <summary>The -E epoch of the current (or last) start; different for every start.</summary>
    public long Epoch { get; private set; }

    /// <summary>How many times ganesha.nfsd was launched, including failed launches.</summary>
    public int StartCount { get; private set; }

    /// <summary>The pid of the running ganesha.nfsd, or null when it is not running.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Exit code of the last ganesha.nfsd that ended (0 after SIGTERM, 137 after SIGKILL).</summary>
    public int? LastExitCode { get; private set; }

    /// <summary>
    /// Creates a server directory, reserves an endpoint and starts ganesha.nfsd, returning once
    /// it accepts TCP connections and has logged <see cref="ReadyLogLine"/> without config errors.
    /// </summary>
    /// <exception cref="GaneshaException">
    /// ganesha.nfsd is not installed (the message says how to install it), exited early, logged a
    /// config error or was not ready in time; the message carries the log.
    /// </exception>
    public static async Task<GaneshaServer> StartAsync(GaneshaOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GaneshaOptions();
        options.Validate();
        string binary = GaneshaBinary.Locate(options.BinaryPath);
        GaneshaProcessTracker.EnsureInitialized();

        string root = Directory.CreateTempSubdirectory(GaneshaProcessTracker.DirectoryPrefix).FullName;
        var server = new GaneshaServer(options, binary, root);
        try
        {
            await server.StartFirstAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server with SIGTERM and waits for it to exit (SIGKILL after 10 s). No-op if stopped.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        UnderLifecycleLockAsync(() => TerminateAsync(NativeMethods.SigTerm, cancellationToken), cancellationToken);

    /// <summary>Kills the server with SIGKILL (a crash: no state is flushed) and waits until it is gone.</summary>
    public Task KillAsync(CancellationToken cancellationToken = default) =>
        UnderLifecycleLockAsync(() => TerminateAsync(NativeMethods.SigKill, cancellationToken), cancellationToken);

    /// <summary>
    /// Starts the server again on the same endpoint, directory and recovery records, with a new
    /// epoch; stops it with SIGTERM first if it is running. Use after <see cref="KillAsync"/>
    /// or <see cref="StopAsync"/> too.
    /// </summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        UnderLifecycleLockAsync(
            async () =>
            {
                await TerminateAsync(NativeMethods.SigTerm, cancellationToken);
                await LaunchAsync(cancellationToken);
            },
            cancellationToken);

    /// <summary>
    /// <see cref="RestartAsync(CancellationToken)"/> with other options from this start on: a server that
    /// comes back with another lease time, without a grace period, and so on. Same endpoint, directory and
    /// recovery records; the address mode cannot change.
    /// </summary>
    public Task RestartAsync(GaneshaOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.AddressMode != Options.AddressMode)
        {
            throw new ArgumentException("A restarted server keeps its address: the address mode cannot change.", nameof(options));
        }

        return UnderLifecycleLockAsync(
            async () =>
            {
                await TerminateAsync(NativeMethods.SigTerm, cancellationToken);
                Options = options;
                await LaunchAsync(cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>The whole server log (all starts). Still available after disposal.</summary>
    public string LogText() => _finalLog ?? ReadLog(0);

    /// <summary>The log written since the current (or last) start.</summary>
    public string LogTextSinceStart() => _finalLogSinceStart ?? ReadLog(_logOffset);

    /// <summary>Waits until the log of the current start contains <paramref name="text"/>.</summary>
    /// <exception cref="TimeoutException">It did not appear in time; the message carries the log.</exception>
    public async Task WaitForLogAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var stopwatch = Stopwatch.StartNew();
        while (!LogTextSinceStart().Contains(text, StringComparison.Ordinal))
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"'{text}' did not appear in the log of {DisplayName} within {timeout.TotalSeconds} s.\n{LogSection()}");
            }

            await Task.Delay(PollInterval * 5, cancellationToken);
        }
    }

    /// <summary>Writes the last lines of the log, under a header naming this server.</summary>
    /// <param name="writeLine">For example TestContext.WriteLine or Console.WriteLine.</param>
    public void WriteLogTail(Action<string> writeLine, int maxLines = DefaultTailLines)
    {
        ArgumentNullException.ThrowIfNull(writeLine);
        foreach (string line in LogSection(LogText(), maxLines).Split('\n'))
        {
            writeLine(line);
        }
    }

    /// <summary>The host path of <paramref name="relativePath"/> inside the export, which it may not leave.</summary>
    public string PathInExport(string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        if (Path.IsPathRooted(relativePath))
        {
            throw new ArgumentException($"'{relativePath}' must be relative to the export.", nameof(relativePath));
        }

        string full = Path.GetFullPath(Path.Combine(ExportPath, relativePath));
        return full.StartsWith(ExportPath + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw new ArgumentException($"'{relativePath}' leaves the export.", nameof(relativePath));
    }

    /// <summary>
    /// Makes <paramref name="relativePath"/> (inside the export) a referral to
    /// <paramref name="location"/>, "server:/path" such as another server's
    /// <see cref="FsLocation"/>: creates the directory, sets user.fs_location and mode 1644.
    /// </summary>
    /// <remarks>
    /// Ganesha sends one location with one server and no port: clients reach it on 2049. The
    /// directory must stay empty; the change is visible at once (Attr_Expiration_Time = 0).
    /// </remarks>
    /// <returns>The host path of the referral directory.</returns>
    public string MakeReferral(string relativePath, string location)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Referral directories need Linux modes and xattrs.");
        }

        ArgumentException.ThrowIfNullOrEmpty(location);
        int colon = location.IndexOf(":/", StringComparison.Ordinal);
        if (colon <= 0 || location.Contains('\n', StringComparison.Ordinal) || location.Contains(',', StringComparison.Ordinal))
        {
            // Ganesha parses exactly one "server:/path"; lists and IPv6 are not understood.
            throw new ArgumentException($"'{location}' must look like 'server:/path' (one location).", nameof(location));
        }

        string path = PathInExport(relativePath);
        _ = Directory.CreateDirectory(path);
        if (Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new InvalidOperationException($"'{relativePath}' is not empty; a referral directory must be.");
        }

        ExtendedAttributes.Set(path, FsLocationAttribute, location);
        File.SetUnixFileMode(path, ReferralMode);
        return path;
    }

    /// <summary>Stops the server (SIGTERM, then SIGKILL), keeps its log in memory and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                await TerminateAsync(NativeMethods.SigTerm, CancellationToken.None);
            }
            finally
            {
                // Read the log only after the process is gone, so it is complete.
                _finalLog = ReadLog(0);
                _finalLogSinceStart = ReadLog(_logOffset);
                _lease?.Dispose();
                DeleteDirectory(RootDirectory);
            }
        }
        finally
        {
            _ = _lifecycle.Release();
        }
    }

    public override string ToString() => DisplayName;

    private string DisplayName => $"ganesha {(_lease is null ? "(no address)" : _lease.EndPoint.ToString())} in {RootDirectory}";

    private async Task UnderLifecycleLockAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await action();
        }
        finally
        {
            _ = _lifecycle.Release();
        }
    }

    private async Task StartFirstAsync(CancellationToken cancellationToken)
    {
        var tried = new HashSet<IPEndPoint>();
        for (int attempt = 1; ; attempt++)
        {
            _lease = LoopbackAllocator.Allocate(Options.AddressMode, tried);
            _ = tried.Add(_lease.EndPoint);
            try
            {
                await LaunchAsync(cancellationToken);
                return;
            }
            catch (GaneshaException e) when (e.AddressInUse && attempt < MaxStartAttempts)
            {
                // Someone outside our reservations took the address between the trial bind and
                // Ganesha's bind; another one will do for a first start.
                _lease.Dispose();
                _lease = null;
            }
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        IPEndPoint endPoint = EndPoint;
        Epoch = GaneshaEpoch.Next();
        await File.WriteAllTextAsync(ConfigPath, GaneshaConfig.Render(Options, RootDirectory, endPoint), cancellationToken);
        _logOffset = File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;
        lock (_processOutput)
        {
            _ = _processOutput.Clear();
        }

        ProcessStartInfo startInfo = CreateStartInfo();
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => CaptureOutput(e.Data);
        process.ErrorDataReceived += (_, e) => CaptureOutput(e.Data);
        try
        {
            _ = process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new GaneshaException(
                $"Could not run {_binary}: {e.Message}. If NFS-Ganesha is not installed, install it with: {GaneshaBinary.InstallCommand}", e);
        }

        GaneshaProcessTracker.Register(process, RootDirectory);
        _process = process;
        StartCount++;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        string? failure;
        try
        {
            failure = await WaitUntilReadyAsync(process, endPoint, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await TerminateAsync(NativeMethods.SigKill, CancellationToken.None);
            throw;
        }

        if (failure is null)
        {
            return;
        }

        int pid = process.Id;
        bool exitedOnItsOwn = process.HasExited;
        await TerminateAsync(NativeMethods.SigKill, CancellationToken.None);
        string log = ReadLog(_logOffset);
        bool addressInUse = exitedOnItsOwn
            && (log.Contains("Address already in use", StringComparison.Ordinal) || log.Contains("Error binding", StringComparison.Ordinal));
        string message =
            $"NFS-Ganesha failed to start on {endPoint}: {failure}.{FsalHint(log)}\n"
            + $"Command: {_binary} {string.Join(' ', startInfo.ArgumentList)}\n"
            + $"Output: {CapturedOutput()}\n"
            + LogSection(log, DefaultTailLines);
        throw new GaneshaException(message, pid, exitedOnItsOwn ? LastExitCode : null, log, addressInUse);
    }

    private ProcessStartInfo CreateStartInfo()
    {
        var startInfo = new ProcessStartInfo(_binary)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RootDirectory,
        };

        // -F: stay in the foreground, so the pid we hold is the server's (no daemon fork).
        string[] arguments =
        [
            "-F",
            "-L", LogPath,
            "-f", ConfigPath,
            "-p", PidFilePath,
            "-N", "NIV_" + Options.LogLevel,
            "-E", Epoch.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    /// <summary>Null when ready, else why not.</summary>
    private async Task<string?> WaitUntilReadyAsync(Process process, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        bool accepting = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Config errors are logged before the listener starts, so a log snapshot that
            // contains the ready line also contains every config error of this start.
            string log = ReadLog(_logOffset);
            string? configProblem = FindConfigProblem(log);
            if (configProblem is not null)
            {
                return $"its log reports a configuration error: {configProblem}";
            }

            if (process.HasExited)
            {
                return $"ganesha.nfsd exited with code {process.ExitCode} before it was ready";
            }

            accepting = accepting || await CanConnectAsync(endPoint, cancellationToken);
            bool initialized = log.Contains(ReadyLogLine, StringComparison.Ordinal);
            if (accepting && initialized)
            {
                return null;
            }

            if (stopwatch.Elapsed > Options.ReadyTimeout)
            {
                return $"not ready within {Options.ReadyTimeout.TotalSeconds} s "
                    + $"(accepting TCP connections: {accepting}; '{ReadyLogLine}' logged: {initialized})";
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static async Task<bool> CanConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token);

            // An orderly close: Ganesha logs a reset connection as an error.
            socket.Shutdown(SocketShutdown.Both);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Signals the running process (if any), waits for it and forgets it.</summary>
    private async Task TerminateAsync(int signal, CancellationToken cancellationToken)
    {
        Process? process = _process;
        if (process is null)
        {
            return;
        }

        GaneshaProcessTracker.Signal(process, signal);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // SIGTERM was not enough: a hung server must not hang the test run.
                GaneshaProcessTracker.Signal(process, NativeMethods.SigKill);
                await process.WaitForExitAsync(cancellationToken);
            }
        }

        LastExitCode = process.ExitCode;
        GaneshaProcessTracker.Unregister(process);
        _process = null;
        process.Dispose();
    }

    private void CaptureOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_processOutput)
        {
            if (_processOutput.Length < MaxCapturedOutput)
            {
                _ = _processOutput.AppendLine(line);
            }
        }
    }

    private string CapturedOutput()
    {
        lock (_processOutput)
        {
            string output = _processOutput.ToString().Trim();
            return output.Length == 0 ? "(none)" : output;
        }
    }

    private string ReadLog(long offset)
    {
        try
        {
            // Ganesha keeps writing while we read; share everything so neither side fails.
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Position = offset <= stream.Length ? offset : 0;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return string.Empty;
        }
    }

    private string LogSection() => LogSection(LogTextSinceStart(), DefaultTailLines);

    private string LogSection(string log, int maxLines)
    {
        string[] lines = log.TrimEnd('\n').Split('\n');
        if (log.Length == 0)
        {
            lines = [];
        }

        int shown = Math.Min(Math.Max(maxLines, 0), lines.Length);
        var text = new StringBuilder();
        _ = text.Append(CultureInfo.InvariantCulture, $"---- {DisplayName}, epoch {Epoch} (0x{Epoch:x}): last {shown} of {lines.Length} log lines ----");
        foreach (string line in lines.Skip(lines.Length - shown))
        {
            _ = text.Append('\n').Append(line);
        }

        return text.Append("\n---- end of ganesha log ----").ToString();
    }

    /// <summary>The first log line that makes the config unusable for a test, or null.</summary>
    private static string? FindConfigProblem(string log) => log.Split('\n').FirstOrDefault(line =>
        line.Contains(ConfigCriticalMarker, StringComparison.Ordinal)
        || (line.Contains(":CONFIG :", StringComparison.Ordinal) && line.Contains(UnknownParameterMarker, StringComparison.Ordinal)));

    private static string FsalHint(string log)
    {
        bool fsalNotLoaded = log.Split('\n').Any(line =>
            line.Contains(":CRIT", StringComparison.Ordinal)
            && line.Contains("FSAL", StringComparison.OrdinalIgnoreCase)
            && (line.Contains("load", StringComparison.OrdinalIgnoreCase) || line.Contains("dlopen", StringComparison.OrdinalIgnoreCase)));
        return fsalNotLoaded
            ? $" The VFS FSAL seems to be missing; install it with: {GaneshaBinary.InstallCommand}"
            : string.Empty;
    }

    private static void DeleteDirectory(string path)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && attempt == 0 && !OperatingSystem.IsWindows())
            {
                // Referral directories (mode 1644) cannot be searched without root; make every
                // directory searchable and try once more.
                foreach (string directory in Directory.EnumerateDirectories(path, "*", SearchOption.AllDirectories).Prepend(path))
                {
                    File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Leave it: the owner file lets a later test process remove it. Failing a
                // test's cleanup over a temp directory would hide the test's own result.
                return;
            }
        }
    }
}
