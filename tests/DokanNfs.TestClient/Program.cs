using System.Globalization;
using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

// Usage: DokanNfs.TestClient hold <address> <port> <state-dir|-> <path> [4.0|4.1]
// Opens <path> for read and write denying both, locks the whole file, prints "READY <clientid>" and waits
// until killed. "-" as the state directory means a fresh, unpersisted identity. NFSv4.0 unless 4.1 is named.
if (args.Length is not (5 or 6) || args[0] != "hold" || (args.Length == 6 && args[5] is not ("4.0" or "4.1")))
{
    Console.Error.WriteLine("usage: DokanNfs.TestClient hold <address> <port> <state-dir|-> <path> [4.0|4.1]");
    return 2;
}

var endPoint = new IPEndPoint(IPAddress.Parse(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture));
var identity = args[3] == "-" ? ClientIdentity.Create() : ClientIdentity.Acquire(args[3]);
var version = args.Length == 6 && args[5] == "4.1" ? NfsVersion.V41 : NfsVersion.V40;
await using var client = new NfsClient(endPoint, new NfsClientOptions { Identity = identity, Version = version });
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
