using System.CommandLine;
using System.Diagnostics;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs ping URL</c>: the NFS NULL procedure, then PUTROOTFH + GETATTR of the root, with timings.
/// The quickest way to tell whether a server is reachable and speaks NFSv4.
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
            clock.Restart();
            var root = await RootAttributes.FetchAsync(client.Rpc, client.MinorVersion, ct);
            var getattrTime = clock.Elapsed;
            Console.WriteLine($"{target.Settings.Host}:{target.Settings.Port} answers NFSv4 (program {NfsProgram.Program}).");
            Console.WriteLine($"  NULL                         {nullTime.TotalMilliseconds:F2} ms");
            Console.WriteLine($"  PUTROOTFH+GETATTR            {getattrTime.TotalMilliseconds:F2} ms");
            Console.WriteLine($"  lease_time                   {root.LeaseTimeSeconds} s");
            Console.WriteLine($"  supported_attrs              {root.SupportedAttrs}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
