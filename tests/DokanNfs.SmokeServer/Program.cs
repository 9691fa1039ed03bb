using System.Globalization;
using System.Net;
using DokanNfs.TestSupport.FakeNfs;

// Usage: DokanNfs.SmokeServer [PORT]
// Serves FakeNfsServer, the tests' in-memory NFSv4.0 server, on 127.0.0.1:PORT (0 or none: a free port) with
// /export/hello.txt and /export/docs/readme.txt. Prints "Serving nfs://127.0.0.1:PORT/export" once it
// listens, then runs until Ctrl+C or until it is stopped.
var port = 0;
if (args.Length > 1 || (args.Length == 1 && !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out port)) || port > 65535)
{
    Console.Error.WriteLine("usage: DokanNfs.SmokeServer [PORT]");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

await using var server = await FakeNfsServer.StartAsync(bindTo: new IPEndPoint(IPAddress.Loopback, port));
server.CreateFile("/export/hello.txt", "Hello from DokanNfs\n"u8);
server.CreateDirectory("/export/docs");
server.CreateFile("/export/docs/readme.txt", "A file in a directory.\n"u8);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Serving nfs://127.0.0.1:{server.EndPoint.Port}/export"));
await Console.Out.FlushAsync();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C: dispose the server and exit 0.
}

return 0;
