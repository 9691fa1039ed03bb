using System.CommandLine;
using System.Text.Json;
using DokanNfs.Cli.Mounting;
using DokanNfs.Cli.Persist;
using DokanNfs.Core.Client;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs mount URL MOUNTPOINT [-o OPTIONS] [--label L] [--json]</c>: maps an export as a drive, in the
/// foreground, until Ctrl+C or <c>dokannfs unmount</c>. <c>dokannfs mount --all</c> mounts every configured
/// <c>Mounts</c> entry and keeps them mounted. The order of checks is arguments, then this machine (Windows and
/// the Dokan driver), then the server: a user on a machine that cannot map drives learns that first.
/// </summary>
internal static class MountCommand
{
    /// <summary>How long Ctrl+C leaves a mount to unmount cleanly (close its files on the server) before the process ends.</summary>
    public static readonly TimeSpan UnmountGrace = TimeSpan.FromSeconds(30);

    public static Command Create(ConnectionOptions options)
    {
        var url = new Argument<string?>("url")
        {
            Description = "The export: " + CommandArguments.UrlForms + ".",
            HelpName = "URL",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var mountPoint = new Argument<string?>("mountpoint")
        {
            Description = "A drive letter (Z:) or an empty folder.",
            HelpName = "MOUNTPOINT",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var mountOptions = new Option<string[]>("--options", "-o")
        {
            Description = "Mount options, comma separated (repeatable): " + MountOptionParser.KnownKeys + ".",
            HelpName = "KEY=VALUE,...",
        };
        var label = new Option<string?>("--label") { Description = "The volume label Explorer shows (default NFS).", HelpName = "LABEL" };
        var json = new Option<bool>("--json") { Description = "Once mounted, print the mount as one JSON line (as list --json shows it) instead of a sentence." };
        var all = new Option<bool>("--all") { Description = "Mount every entry of the configuration's Mounts list and keep them mounted, mounting again after failures." };
        var asService = new Option<bool>("--as-service") { Description = "Run under the Windows service control manager (persist install --service sets this).", Hidden = true };

        var command = new Command("mount", "Map an NFS export as a drive (Windows with the Dokan 2.x driver); stays in the foreground until Ctrl+C or 'dokannfs unmount'.")
        {
            url, mountPoint, mountOptions, label, json, all, asService,
        };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async (runtime, ct) =>
        {
            var environment = new MountEnvironment(
                DokanDriveMounter.Instance,
                MountRegistry.Default,
                runtime.LoggerFactory,
                runtime.Settings.Identity,
                ClientIdentity.DefaultStateDirectory,
                runtime.Settings.RemountMinDelay,
                runtime.Settings.RemountMaxDelay);
            if (parse.GetValue(all))
            {
                if (parse.GetValue(url) is not null || parse.GetValue(mountPoint) is not null || parse.GetValue(mountOptions) is { Length: > 0 } || parse.GetValue(label) is not null)
                {
                    throw CliException.BadArguments("mount --all takes no URL, mount point, -o or --label: they come from the configuration's Mounts entries.");
                }

                if (parse.GetValue(asService))
                {
                    return await WindowsService.RunAsync(ct => MountAllAsync(runtime.Settings.Mounts, environment, ct), ct);
                }

                return await MountAllAsync(runtime.Settings.Mounts, environment, ct);
            }

            var request = MountRequest.Create(
                parse.GetValue(url),
                parse.GetValue(mountPoint),
                string.Join(',', parse.GetValue(mountOptions) ?? []),
                parse.GetValue(label),
                "command line",
                o => GlobalOverrides(parse, options, o));
            environment.Mounter.EnsureSupported();
            if (environment.Registry.Find(request.MountPoint) is { } existing)
            {
                throw CliException.Failure($"{request.MountPoint} is already mounted ({existing.Url}, pid {existing.Pid}).");
            }

            var agent = new MountAgent(request, environment);
            await agent.RunAsync(keepMounted: false, entry => AnnounceAsync(entry, parse.GetValue(json)), ct);
            return ExitCodes.Ok;
        }, ct, longRunning: true));
        return command;
    }

    /// <summary>
    /// Every configured mount at once, each kept mounted. Ends when all have ended: unmounted on request or by
    /// Ctrl+C (exit 0), or failed for good — each such failure is one line naming its entry, and the exit code
    /// is the first one's.
    /// </summary>
    public static async Task<int> MountAllAsync(IReadOnlyList<MountRequest> mounts, MountEnvironment environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (mounts.Count == 0)
        {
            throw CliException.BadArguments(
                "no mounts are configured: add a Mounts list to dokannfs.json (see docs/dokannfs.sample.json) or set DOKANNFS__Mounts__0__Url and DOKANNFS__Mounts__0__MountPoint.");
        }

        var runs = mounts.Select(request => RunKeptAsync(new MountAgent(request, environment), cancellationToken)).ToList();
        var codes = await Task.WhenAll(runs);
        return codes.FirstOrDefault(c => c != ExitCodes.Ok);
    }

    private static async Task<int> RunKeptAsync(MountAgent agent, CancellationToken cancellationToken)
    {
        try
        {
            await agent.RunAsync(keepMounted: true, entry => AnnounceAsync(entry, json: false), cancellationToken);
            return ExitCodes.Ok;
        }
        catch (Exception ex)
        {
            var (code, message) = ErrorReporter.Describe(ex, cancellationToken);
            await Console.Error.WriteLineAsync($"dokannfs: {agent.Request.Source} ({agent.Request}): {message}");
            return code;
        }
    }

    /// <summary>"Mounted URL at Z:", or the entry as one JSON line for scripts (the PowerShell module reads it).</summary>
    private static async Task AnnounceAsync(MountEntryJson entry, bool json)
    {
        var line = json
            ? JsonSerializer.Serialize(entry, MountJsonContext.Compact.MountEntryJson)
            : $"Mounted {entry.Url} at {entry.MountPoint}";
        await Console.Out.WriteLineAsync(line);
        await Console.Out.FlushAsync();
    }

    /// <summary>The global --port/--uid/--gid/--vers/--timeout flags, which -o overrides in turn.</summary>
    private static MountOptions GlobalOverrides(ParseResult parse, ConnectionOptions options, MountOptions o)
    {
        if (parse.GetValue(options.Vers) is { } vers)
        {
            o = MountOptionParser.Apply(o, "vers=" + vers, "--vers");
        }

        return o with
        {
            Port = parse.GetValue(options.Port) ?? o.Port,
            Uid = parse.GetValue(options.Uid) ?? o.Uid,
            Gid = parse.GetValue(options.Gid) ?? o.Gid,
            Timeout = parse.GetValue(options.Timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : o.Timeout,
        };
    }
}
