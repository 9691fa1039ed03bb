using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Cli;

/// <summary>
/// <c>dokannfs ping URL</c>: the NFS NULL procedure, then PUTROOTFH + GETATTR of the root, with timings.
/// The quickest way to tell whether a server is reachable and speaks NFSv4.
/// </summary>
internal static class PingCommand
{
    public static Command Create()
    {
        var url = new Argument<string>("url") { Description = "The server: nfs://host[:port]/path, host:/path or \\\\host\\path." };
        var port = new Option<int?>("--port") { Description = "TCP port of the NFS server (default 2049)." };
        var uid = new Option<uint>("--uid") { Description = "AUTH_SYS uid to send.", DefaultValueFactory = _ => 0 };
        var gid = new Option<uint>("--gid") { Description = "AUTH_SYS gid to send.", DefaultValueFactory = _ => 0 };
        var command = new Command("ping", "Check that an NFSv4 server answers: NULL, then GETATTR of its root.") { url, port, uid, gid };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(url)!, parse.GetValue(port), parse.GetValue(uid), parse.GetValue(gid), ct));
        return command;
    }

    private static async Task<int> RunAsync(string text, int? port, uint uid, uint gid, CancellationToken cancellationToken)
    {
        if (!NfsUrl.TryParse(text, out var url, out var error))
        {
            await Console.Error.WriteLineAsync("dokannfs: " + error);
            return ExitCodes.BadArguments;
        }

        if (port is { } p)
        {
            url = url with { Port = p };
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(url.Host, cancellationToken);
            if (addresses.Length == 0)
            {
                await Console.Error.WriteLineAsync($"dokannfs: cannot resolve {url.Host}.");
                return ExitCodes.ConnectionRefused;
            }

            var options = new RpcClientOptions { Credential = RpcCredential.Sys(uid, gid), CallTimeout = TimeSpan.FromSeconds(15) };
            await using var client = new RpcClient(new IPEndPoint(addresses[0], url.Port), options);
            var clock = Stopwatch.StartNew();
            await client.NullAsync(NfsProgram.Program, NfsProgram.Version4, cancellationToken);
            var nullTime = clock.Elapsed;
            clock.Restart();
            var root = await RootAttributes.FetchAsync(client, minorVersion: 0, cancellationToken);
            var getattrTime = clock.Elapsed;
            Console.WriteLine($"{url.Host}:{url.Port} answers NFSv4 (program {NfsProgram.Program}).");
            Console.WriteLine($"  NULL                         {nullTime.TotalMilliseconds:F2} ms");
            Console.WriteLine($"  PUTROOTFH+GETATTR            {getattrTime.TotalMilliseconds:F2} ms");
            Console.WriteLine($"  lease_time                   {root.LeaseTimeSeconds} s");
            Console.WriteLine($"  supported_attrs              {root.SupportedAttrs}");
            return ExitCodes.Ok;
        }
        catch (RpcConnectException ex)
        {
            await Console.Error.WriteLineAsync("dokannfs: " + ex.Message);
            return ExitCodes.ConnectionRefused;
        }
        catch (SocketException ex)
        {
            await Console.Error.WriteLineAsync($"dokannfs: cannot resolve {url.Host}: {ex.Message}");
            return ExitCodes.ConnectionRefused;
        }
        catch (RpcTimeoutException ex)
        {
            await Console.Error.WriteLineAsync("dokannfs: " + ex.Message);
            return ExitCodes.Timeout;
        }
        catch (Exception ex) when (ex is RpcException or NfsException)
        {
            await Console.Error.WriteLineAsync("dokannfs: " + ex.Message);
            return ExitCodes.ProtocolError;
        }
    }
}
