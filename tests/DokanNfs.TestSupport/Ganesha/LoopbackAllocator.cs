using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// An address and port reserved for one test server until disposed.
/// </summary>
internal sealed class EndpointLease(IPEndPoint endPoint, CrossProcessLock reservation) : IDisposable
{
    public IPEndPoint EndPoint { get; } = endPoint;

    public void Dispose() => reservation.Dispose();
}

/// <summary>
/// Picks loopback endpoints so that servers started in parallel, by this test process or by
/// another one, never collide.
/// </summary>
/// <remarks>
/// Two guards: a lock file per endpoint (cooperating test processes never pick the same one, and
/// the kernel releases it if a test process dies), and a trial bind (anything else already
/// listening there is skipped). A small window remains between the trial bind and Ganesha's own
/// bind, so the caller retries with another endpoint when Ganesha reports the address in use.
/// </remarks>
internal static class LoopbackAllocator
{
    public const int NfsPort = 2049;

    private const int FirstOwnAddress = 10;
    private const int LastOwnAddress = 250;
    private const int FreePortAttempts = 200;

    // Free ports are drawn from below the kernel's ephemeral range: a port from bind(0) can be
    // handed to an outgoing connection's local end while the server is down between a stop and
    // a restart, and the restart must get the same port back.
    private const int FreePortFloor = 20000;
    private const int FreePortMinimumRange = 1000;

    public static EndpointLease Allocate(GaneshaAddressMode mode, ISet<IPEndPoint> avoid) => mode switch
    {
        GaneshaAddressMode.FreePort => AllocateFreePort(avoid),
        GaneshaAddressMode.OwnAddressPort2049 => AllocateOwnAddress(avoid),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    private static EndpointLease AllocateFreePort(ISet<IPEndPoint> avoid)
    {
        (int low, int high) = FreePortRange();
        for (int attempt = 0; attempt < FreePortAttempts; attempt++)
        {
            int port = high > low ? Random.Shared.Next(low, high) : KernelChosenPort();
            EndpointLease? lease = TryReserve(new IPEndPoint(IPAddress.Loopback, port), avoid);
            if (lease is not null)
            {
                return lease;
            }
        }

        throw new GaneshaException($"Found no free port on 127.0.0.1 in {FreePortAttempts} attempts (range {low}..{high - 1}).");
    }

    private static EndpointLease AllocateOwnAddress(ISet<IPEndPoint> avoid)
    {
        // Start at a random address so parallel starters rarely contend for the same lock.
        int count = LastOwnAddress - FirstOwnAddress + 1;
        int offset = Random.Shared.Next(count);
        for (int i = 0; i < count; i++)
        {
            int n = FirstOwnAddress + ((offset + i) % count);
            var endPoint = new IPEndPoint(new IPAddress([127, 0, 0, (byte)n]), NfsPort);
            EndpointLease? lease = TryReserve(endPoint, avoid);
            if (lease is not null)
            {
                return lease;
            }
        }

        throw new GaneshaException(
            $"No address 127.0.0.{FirstOwnAddress}..127.0.0.{LastOwnAddress} has port {NfsPort} free. Is something "
            + $"(a kernel NFS server, a stray ganesha.nfsd) listening on 0.0.0.0:{NfsPort}? Check with: ss -ltnp 'sport = :{NfsPort}'");
    }

    private static EndpointLease? TryReserve(IPEndPoint endPoint, ISet<IPEndPoint> avoid)
    {
        if (avoid.Contains(endPoint))
        {
            return null;
        }

        CrossProcessLock? reservation = CrossProcessLock.TryAcquire($"{endPoint.Address}_{endPoint.Port}.lock");
        if (reservation is null)
        {
            return null;
        }

        if (!CanBind(endPoint))
        {
            reservation.Dispose();
            return null;
        }

        return new EndpointLease(endPoint, reservation);
    }

    private static bool CanBind(IPEndPoint endPoint)
    {
        // Deliberately without SO_REUSEADDR: a port with connections still in TIME_WAIT is
        // skipped too, which is the conservative choice.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int KernelChosenPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>[low, high) below the ephemeral range, or an empty range if there is no room.</summary>
    private static (int Low, int High) FreePortRange()
    {
        int ephemeralLow = 32768;
        try
        {
            string[] parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
            {
                ephemeralLow = parsed;
            }
        }
        catch (IOException)
        {
            // Not Linux-like /proc: keep the usual default.
        }

        return ephemeralLow - FreePortFloor >= FreePortMinimumRange ? (FreePortFloor, ephemeralLow) : (0, 0);
    }
}
