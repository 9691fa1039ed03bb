using System.Net;
using System.Net.Sockets;

namespace DokanNfs.TestSupport.KernelNfs;

/// <summary>
/// A TCP relay from an ephemeral loopback port of the main network namespace to an address inside another one, so a
/// test process in the main namespace reaches a server in a namespace of its own without an interface in the main
/// namespace. A socket belongs to the namespace of the thread that created it (socket(2)), so each upstream socket is
/// made on a short-lived thread that first joins the namespace with setns(2); the test's own threads never move.
/// </summary>
public sealed class NetNsRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _namespacePath;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _acceptLoop;

    private NetNsRelay(string namespacePath, IPEndPoint target)
    {
        _namespacePath = namespacePath;
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where clients in the main namespace connect.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Listens on 127.0.0.1:0 and relays each connection to <paramref name="target"/> in the namespace at <paramref name="namespacePath"/> (/run/netns/NAME).</summary>
    public static NetNsRelay Start(string namespacePath, IPEndPoint target) => new(namespacePath, target);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            _sockets.Clear();
        }

        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            Socket upstream;
            try
            {
                upstream = CreateInNamespace();
                await upstream.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                client.Dispose();
                continue;
            }

            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(upstream);
            }

            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private Socket CreateInNamespace()
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(_namespacePath);
                if (KernelNfsNative.SetNs((int)ns.DangerousGetHandle(), KernelNfsNative.CloneNewNet) != 0)
                {
                    throw new IOException($"setns({_namespacePath}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
                }

                socket = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new IOException($"no socket in {_namespacePath}", failure);
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            // Either side ending ends the connection both ways, as a server or client going away would.
            from.Dispose();
            to.Dispose();
        }
    }
}
