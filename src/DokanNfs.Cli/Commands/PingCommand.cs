using System.CommandLine;
using System.Diagnostics;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs ping URL</c>: the NFS NULL procedure, then PUTROOTFH + GETATTR of the root, with timings and the NFSv4
/// minor version in use (with --vers 4.1 or auto, after EXCHANGE_ID and CREATE_SESSION). The quickest way to tell
/// whether a server is reachable and speaks NFSv4.
/// </summary>
internal static class PingCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var url = CommandArguments.Url("url", "The server: nfs://host[:port]/path, host:/path or \\\\host\\path.");
        var command = new Command("ping", "Check that an NFSv4 server answers: NULL, then GETATTR of its root.") { url };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var target = options.Resolve(parse, parse.GetValue(url)!);
            await using var client = await ClientFactory.ConnectAsync(target.Settings, ct);
            var clock = Stopwatch.StartNew();
            await client.NullAsync(ct);
            var nullTime = clock.Elapsed;
            var sessionTime = TimeSpan.Zero;
            if (target.Settings.Version != NfsVersion.V40)
            {
                // NFSv4.1 sends nothing without a session (RFC 8881 §2.10): EXCHANGE_ID, CREATE_SESSION, and under "auto"
                // the fall-back to 4.0, settle the version first. The client destroys the session when it is disposed.
                clock.Restart();
                await client.EnsureClientIdAsync(ct);
                sessionTime = clock.Elapsed;
            }

            clock.Restart();
            var root = client.Session is null
                ? await RootAttributes.FetchAsync(client.Rpc, client.MinorVersion, ct)
                : await FetchThroughSessionAsync(client, ct);
            var getattrTime = clock.Elapsed;
            Console.WriteLine($"{target.Settings.Host}:{target.Settings.Port} answers NFSv4.{client.MinorVersion} (program {NfsProgram.Program}).");
            Console.WriteLine($"  NULL                         {nullTime.TotalMilliseconds:F2} ms");
            if (client.Session is { } session)
            {
                Console.WriteLine($"  EXCHANGE_ID+CREATE_SESSION   {sessionTime.TotalMilliseconds:F2} ms");
                Console.WriteLine($"  session                      {session.SessionId}, {session.ForeChannel.MaxRequests} slots");
            }

            Console.WriteLine($"  PUTROOTFH+GETATTR            {getattrTime.TotalMilliseconds:F2} ms");
            Console.WriteLine($"  minor version                {client.MinorVersion}");
            Console.WriteLine($"  lease_time                   {root.LeaseTimeSeconds} s");
            Console.WriteLine($"  supported_attrs              {root.SupportedAttrs}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task<RootAttributes> FetchThroughSessionAsync(NfsClient client, CancellationToken cancellationToken)
    {
        var info = await client.GetFsInfoAsync(cancellationToken);
        return new RootAttributes(info.SupportedAttrs ?? default, info.LeaseTime ?? 0);
    }
}
