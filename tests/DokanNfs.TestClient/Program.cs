using System.Globalization;
using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

// Usage: DokanNfs.TestClient hold <address> <port> <state-dir|-> <path>
// Opens <path> for read and write denying both, locks the whole file, prints "READY <clientid>" and waits
// until killed. "-" as the state directory means a fresh, unpersisted identity.
if (args.Length != 5 || args[0] != "hold")
{
    Console.Error.WriteLine("usage: DokanNfs.TestClient hold <address> <port> <state-dir|-> <path>");
    return 2;
}

var endPoint = new IPEndPoint(IPAddress.Parse(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture));
var identity = args[3] == "-" ? ClientIdentity.Create() : ClientIdentity.Acquire(args[3]);
await using var client = new NfsClient(endPoint, new NfsClientOptions { Identity = identity });
var file = await client.OpenAsync(args[4], new OpenRequest { Access = OpenShareAccess.Both, Deny = OpenShareDeny.Both, Create = CreateMode4.Unchecked }, CancellationToken.None);
var denied = await file.LockAsync(NfsLockType4.Write, 0, ulong.MaxValue, wait: false, CancellationToken.None);
if (denied is not null)
{
    Console.Error.WriteLine($"lock denied: {denied}");
    return 1;
}

Console.WriteLine($"READY {client.ClientId:x16}");
await Console.Out.FlushAsync();
await Task.Delay(Timeout.Infinite);
return 0;
