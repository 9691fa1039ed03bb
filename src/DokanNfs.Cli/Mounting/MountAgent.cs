using System.Globalization;
using System.Net;
using System.Text.Json;
using DokanNfs.Core.Client;
using DokanNfs.Dokan.Security;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli.Mounting;

/// <summary>What every mount of a run shares: where drives come from, the registry, logging and identity mapping.</summary>
internal sealed record MountEnvironment(
    IDriveMounter Mounter,
    MountRegistry Registry,
    ILoggerFactory LoggerFactory,
    IdentityMap Identity,
    string StateDirectory,
    TimeSpan RemountMinDelay,
    TimeSpan RemountMaxDelay);

/// <summary>
/// One mount point for as long as it is wanted: its registry entry and control pipe, and the attempts to
/// mount it — the server resolved and contacted, the namespace mounted (<see cref="NamespaceFileSystem"/>),
/// requests counted (<see cref="CountingFileSystem"/>), the drive made (<see cref="IDriveMounter"/>). It ends
/// on "unmount" from the pipe or on cancellation (Ctrl+C), unmounting cleanly. With keepMounted
/// (<c>mount --all</c>), a failed attempt or a drive that went away is retried after a backoff that doubles up
/// to a cap; only failures no retry can fix (this machine cannot map drives) end it.
/// </summary>
internal sealed class MountAgent
{
    private readonly MountEnvironment _env;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _unmountRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<RecoveryEventJson> _migrations = [];
    private readonly string _startedAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
    private volatile string _state = "mounting";
    private volatile string? _lastError;
    private volatile Attempt? _current;
    private CancellationTokenSource? _stop;

    public MountAgent(MountRequest request, MountEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(environment);
        Request = request;
        _env = environment;
        _logger = environment.LoggerFactory.CreateLogger(MountLog.Category);
    }

    public MountRequest Request { get; }

    public string Id { get; } = MountRegistry.NewId();

    public string PipeName => ControlChannel.PipeName(Id);

    /// <summary>The mounted drive's file system (counting), while mounted; for tests that act on "the drive".</summary>
    public INfsFileSystem? FileSystem => _current?.Counting;

    /// <summary>Ends the mount as "unmount" on the pipe does.</summary>
    public void RequestUnmount()
    {
        _unmountRequested.TrySetResult();
        try
        {
            Volatile.Read(ref _stop)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run has ended already.
        }
    }

    /// <summary>
    /// Runs until unmounted (by request or <paramref name="cancellationToken"/> after mounting: returns) or
    /// failed (throws). <paramref name="onMounted"/> runs each time the drive is up.
    /// </summary>
    public async Task RunAsync(bool keepMounted, Func<MountEntryJson, Task>? onMounted, CancellationToken cancellationToken)
    {
        // The platform first: on a machine that cannot map drives, that is the reason, whatever the server does.
        _env.Mounter.EnsureSupported();

        using var identity = ClientIdentity.AcquireOrCreateEphemeral(Path.Combine(_env.StateDirectory, "identities", Request.MountPoint.FileSafeName));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Volatile.Write(ref _stop, stop);
        if (_unmountRequested.Task.IsCompleted)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["MountPoint"] = Request.MountPoint.Text });
        _env.Registry.Write(Entry());
        await using var control = new ControlServer(PipeName, HandleAsync, _logger);
        try
        {
            var delay = _env.RemountMinDelay;
            while (true)
            {
                Attempt? attempt = null;
                try
                {
                    attempt = await MountOnceAsync(identity, stop.Token).ConfigureAwait(false);
                    _current = attempt;
                    _lastError = null;
                    SetState("mounted");
                    MountLog.Mounted(_logger, Request.DisplayUrl, attempt.Drive.MountPoint);
                    delay = _env.RemountMinDelay;
                    if (onMounted is not null)
                    {
                        await onMounted(Entry()).ConfigureAwait(false);
                    }

                    await Task.WhenAny(attempt.Drive.Stopped, Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(false);
                    var lost = !stop.IsCancellationRequested;
                    SetState(lost ? "retrying" : "unmounting");
                    _current = null;
                    if (lost)
                    {
                        MountLog.DriveLost(_logger, Request.MountPoint.Text);
                    }
                    else
                    {
                        MountLog.Unmounting(_logger, Request.MountPoint.Text, _unmountRequested.Task.IsCompleted ? "unmount requested" : "interrupted");
                    }

                    await attempt.DisposeAsync().ConfigureAwait(false);
                    attempt = null;
                    if (!lost)
                    {
                        MountLog.Unmounted(_logger, Request.MountPoint.Text);
                        return;
                    }

                    if (!keepMounted)
                    {
                        throw CliException.Failure($"the drive {Request.MountPoint} went away without being unmounted (the Dokan driver ended it).");
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    _current = null;
                    if (attempt is not null)
                    {
                        await attempt.DisposeAsync().ConfigureAwait(false);
                    }

                    // Interrupted before the drive was up: a single mount reports it (exit 130); an unmount
                    // request, or --all being stopped, is simply the end.
                    if (!keepMounted && !_unmountRequested.Task.IsCompleted)
                    {
                        throw;
                    }

                    return;
                }
                catch (Exception ex) when (keepMounted && IsWorthRetrying(ex))
                {
                    _current = null;
                    if (attempt is not null)
                    {
                        await attempt.DisposeAsync().ConfigureAwait(false);
                    }

                    var reason = ErrorReporter.Describe(ex, stop.Token).Message;
                    _lastError = reason;
                    SetState("retrying");
                    MountLog.Retrying(_logger, Request.DisplayUrl, Request.MountPoint.Text, reason, delay);
                    try
                    {
                        await Task.Delay(delay, stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    delay = delay * 2 < _env.RemountMaxDelay ? delay * 2 : _env.RemountMaxDelay;
                }
            }
        }
        finally
        {
            _env.Registry.Remove(Id);
            Volatile.Write(ref _stop, null);
        }
    }

    /// <summary>Everything but what no retry can fix: a machine that cannot map drives, or a bad setting.</summary>
    private static bool IsWorthRetrying(Exception ex) => ex switch
    {
        PlatformNotSupportedException => false,
        CliException cli => cli.ExitCode is not (ExitCodes.BadArguments or ExitCodes.NotSupported),
        _ => true,
    };

    /// <summary>The registry entry and "status" reply: the request, the state, and the nested mounts now grafted.</summary>
    public MountEntryJson Entry()
    {
        var nested = new List<NestedMountJson>();
        var state = _state;
        NfsClient? root = null;
        if (_current is { } attempt)
        {
            root = attempt.Client;
            var rootState = ClientState(attempt.Client);
            state = state == "mounted" ? rootState : state;
            foreach (var mount in attempt.FileSystem.Tree.Mounts)
            {
                if (mount.DrivePath != "/")
                {
                    nested.Add(new NestedMountJson
                    {
                        Path = mount.DrivePath,
                        Server = NamespaceAttribution.ServerName(mount),
                        Export = mount.ExportPath,
                        State = ClientState(mount.Client),
                        NfsVersion = VersionText(mount.Client),
                        SessionId = SessionText(mount.Client),
                    });
                }
            }
        }

        var process = MountRegistry.CurrentProcess;
        return new MountEntryJson
        {
            Id = Id,
            MountPoint = Request.MountPoint.Text,
            Url = Request.DisplayUrl,
            Server = Request.Server,
            Port = Request.Port,
            Export = Request.Export,
            Label = Request.Options.Label ?? MountRequest.DefaultLabel,
            Options = Request.Options.ToDictionary(Request.Url.Port).ToDictionary(),
            OptionString = Request.Options.ToOptionString(Request.Url.Port),
            State = state,
            Pid = process.Pid,
            ProcessStart = process.Start,
            StartedAt = _startedAt,
            Source = Request.Source,
            LastError = _lastError,
            NfsVersion = VersionText(root),
            SessionId = SessionText(root),
            Nested = nested,
        };
    }

    /// <summary>The "stats" reply: per server, requests, latency, lease and recovery history.</summary>
    public MountStatsJson Stats()
    {
        var servers = new List<ServerStatsJson>();
        if (_current is { } attempt)
        {
            foreach (var counters in attempt.Counting.Attribution.Servers)
            {
                servers.Add(ServerStats(counters));
            }
        }

        return new MountStatsJson { MountPoint = Request.MountPoint.Text, Servers = servers };
    }

    private ServerStatsJson ServerStats(ServerCounters counters)
    {
        var client = counters.Client;
        var events = new List<RecoveryEventJson>();
        foreach (var e in client?.RecoveryEvents ?? [])
        {
            events.Add(new RecoveryEventJson
            {
                Time = e.At.ToString("O", CultureInfo.InvariantCulture),
                Kind = "recovery",
                Detail = string.Create(CultureInfo.InvariantCulture, $"{e.Reason}: {e.OpensReclaimed} opens and {e.LocksReclaimed} locks reclaimed, {e.OpensLost} opens and {e.LocksLost} locks lost"),
            });
        }

        lock (_migrations)
        {
            events.AddRange(_migrations.Where(m => m.Detail.StartsWith(counters.Server + ":", StringComparison.OrdinalIgnoreCase)));
        }

        return new ServerStatsJson
        {
            Server = counters.Server,
            NfsVersion = VersionText(client),
            SessionId = SessionText(client),
            Calls = counters.Calls().ToDictionary(),
            LatencyMs = new LatencyJson { P50 = counters.Percentile(0.50), P90 = counters.Percentile(0.90), P99 = counters.Percentile(0.99) },
            Lease = new LeaseJson
            {
                State = client?.LeaseState.ToString().ToLowerInvariant() ?? "none",
                Renewals = client?.RenewCount ?? 0,
            },
            RecoveryEvents = events,
        };
    }

    /// <summary>"4.0" or "4.1": the minor version the client negotiated; null before a 4.1 or "auto" client's first call.</summary>
    internal static string? VersionText(NfsClient? client) =>
        client?.MinorVersionInUse is { } minor ? string.Create(CultureInfo.InvariantCulture, $"4.{minor}") : null;

    /// <summary>The NFSv4.1 session id as 32 hex digits; null under 4.0.</summary>
    internal static string? SessionText(NfsClient? client) => client?.Session?.SessionId.ToString();

    private static string ClientState(NfsClient client) =>
        client.IsRecovering ? "recovering"
        : client.Rpc.ConnectionCount > 0 && client.Rpc.Connection is null or { IsBroken: true } ? "reconnecting"
        : "mounted";

    private ValueTask<string> HandleAsync(string request, CancellationToken cancellationToken)
    {
        MountLog.ControlRequest(_logger, PipeName, request);
        string reply = request switch
        {
            ControlChannel.Status => JsonSerializer.Serialize(Entry(), MountJsonContext.Compact.MountEntryJson),
            ControlChannel.Stats => JsonSerializer.Serialize(Stats(), MountJsonContext.Compact.MountStatsJson),
            ControlChannel.Unmount => Accept(RequestUnmount),
            _ => JsonSerializer.Serialize(new ControlReplyJson { Error = $"unknown request '{request}'" }, MountJsonContext.Compact.ControlReplyJson),
        };
        return ValueTask.FromResult(reply);

        static string Accept(Action action)
        {
            action();
            return JsonSerializer.Serialize(new ControlReplyJson { Ok = true }, MountJsonContext.Compact.ControlReplyJson);
        }
    }

    private void SetState(string state)
    {
        _state = state;
        try
        {
            _env.Registry.Write(Entry());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The pipe's "status" still tells the truth; the file catches up at the next change.
            MountLog.ControlFailed(_logger, PipeName, "registry: " + ex.Message);
        }
    }

    private async Task<Attempt> MountOnceAsync(ClientIdentity identity, CancellationToken cancellationToken)
    {
        MountLog.Mounting(_logger, Request.DisplayUrl, Request.MountPoint.Text, Request.Options.ToOptionString(Request.Url.Port));
        SetState(_lastError is null ? "mounting" : "retrying");
        var server = new IPEndPoint(await ClientFactory.ResolveAsync(Request.Server, cancellationToken).ConfigureAwait(false), Request.Port);
        var client = new NfsClient(server, Request.ClientOptions(_env.Identity, identity), _env.LoggerFactory.CreateLogger(ClientFactory.ClientLogCategory));
        NamespaceFileSystem? fs = null;
        try
        {
            fs = await NamespaceFileSystem.MountAsync(client, server, Request.Export, Request.NamespaceOptions(ClientFactory.ReferralPort()), cancellationToken).ConfigureAwait(false);
            fs.Migrated += OnMigrated;
            var counting = new CountingFileSystem(fs, new NamespaceAttribution(fs));
            var drive = await _env.Mounter.MountAsync(counting, Request.MountPoint, Request.AdapterOptions(_env.Identity), _env.LoggerFactory.CreateLogger(AdapterLogCategory), cancellationToken).ConfigureAwait(false);
            return new Attempt(client, fs, counting, drive, _logger, Request.MountPoint.Text);
        }
        catch
        {
            if (fs is not null)
            {
                await fs.DisposeAsync().ConfigureAwait(false);
            }

            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The category the Dokan adapter logs under (its per-callback Debug lines among them).</summary>
    public const string AdapterLogCategory = "DokanNfs.Dokan";

    private void OnMigrated(object? sender, MountMigratedEventArgs e)
    {
        lock (_migrations)
        {
            _migrations.Add(new RecoveryEventJson
            {
                Time = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                Kind = "migration",
                Detail = $"{NamespaceAttribution.ServerName(e.From)}:{e.From.ExportPath} moved to {NamespaceAttribution.ServerName(e.To)}:{e.To.ExportPath} ({e.From.DrivePath})",
            });
        }
    }

    /// <summary>One mounted drive and what it stands on; disposing unmounts it, then the namespace, then the client.</summary>
    private sealed class Attempt(NfsClient client, NamespaceFileSystem fileSystem, CountingFileSystem counting, IMountedDrive drive, ILogger logger, string mountPoint) : IAsyncDisposable
    {
        public NfsClient Client { get; } = client;

        public NamespaceFileSystem FileSystem { get; } = fileSystem;

        public CountingFileSystem Counting { get; } = counting;

        public IMountedDrive Drive { get; } = drive;

        public async ValueTask DisposeAsync()
        {
            // Each step runs whatever the one before did: an unmount that fails must still release the server's state.
            foreach (var step in new Func<ValueTask>[] { Drive.DisposeAsync, FileSystem.DisposeAsync, Client.DisposeAsync })
            {
                try
                {
                    await step().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    MountLog.UnmountFailed(logger, mountPoint, ex.Message);
                }
            }
        }
    }
}
