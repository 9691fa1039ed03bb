using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DokanNfs.TestSupport.Capture;

/// <summary>One reply record the server sent, with the scenario step whose call it answers.</summary>
/// <param name="Sequence">The order in which the proxy saw the reply, from 0.</param>
/// <param name="Step">The proxy's <see cref="RecordingProxy.Step"/> when the call went out.</param>
/// <param name="Record">The RPC message (RFC 5531 §9), fragments joined, record marking removed.</param>
public sealed record CapturedReply(int Sequence, string Step, uint Xid, byte[] Record);

/// <summary>
/// A loopback TCP proxy between an ONC RPC client and its server that records every reply record
/// (RFC 5531 §11 record marking, reassembled from its fragments) and forwards everything unchanged.
/// Each reply is labelled with the <see cref="Step"/> that was current when its call passed through, so a
/// sequential scenario can name what it is doing and later find the replies each step produced.
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    /// <summary>The largest record relayed; a bigger one ends its connection (a test bug, not a capture).</summary>
    public const int MaxRecordSize = 16 * 1024 * 1024;

    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<(int Connection, uint Xid), string> _pendingSteps = [];
    private readonly List<CapturedReply> _replies = [];
    private readonly List<Task> _tasks = [];
    private readonly List<Socket> _sockets = [];
    private int _connections;
    private string _step = "start";
    private Task _acceptLoop = Task.CompletedTask;

    private RecordingProxy(Socket listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Where clients connect.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The label given to the replies of calls sent from now on.</summary>
    public string Step
    {
        get => Volatile.Read(ref _step);
        set => Volatile.Write(ref _step, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>The replies recorded so far, in the order the server sent them.</summary>
    public IReadOnlyList<CapturedReply> Replies
    {
        get
        {
            lock (_lock)
            {
                return [.. _replies];
            }
        }
    }

    /// <summary>Listens on 127.0.0.1 at a free port and forwards every connection to <paramref name="target"/>.</summary>
    public static RecordingProxy Start(IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var proxy = new RecordingProxy(listener, target);
        proxy._acceptLoop = Task.Run(proxy.AcceptLoopAsync);
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        Task[] tasks;
        lock (_lock)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            tasks = [_acceptLoop, .. _tasks];
        }

        // The pumps end on their own once their sockets are gone; none of them throws.
        await Task.WhenAll(tasks).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Reads one record: its raw bytes as sent (headers included) and its reassembled message.</summary>
    private static async Task<(byte[] Raw, byte[] Message)?> ReadRecordAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var raw = new MemoryStream();
        var message = new MemoryStream();
        var header = new byte[4];
        while (true)
        {
            var got = await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got < 4)
            {
                return null;
            }

            // RFC 5531 §11: the top bit marks the last fragment, the other 31 bits give its length.
            var word = BinaryPrimitives.ReadUInt32BigEndian(header);
            var length = (int)(word & 0x7FFF_FFFF);
            if (message.Length + length > MaxRecordSize)
            {
                return null;
            }

            var fragment = new byte[length];
            await stream.ReadExactlyAsync(fragment, cancellationToken).ConfigureAwait(false);
            raw.Write(header);
            raw.Write(fragment);
            message.Write(fragment);
            if ((word & 0x8000_0000) != 0)
            {
                return (raw.ToArray(), message.ToArray());
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var connection = Interlocked.Increment(ref _connections);
            lock (_lock)
            {
                _sockets.Add(client);
                _tasks.Add(Task.Run(() => RelayAsync(connection, client)));
            }
        }
    }

    private async Task RelayAsync(int connection, Socket client)
    {
        var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        lock (_lock)
        {
            _sockets.Add(server);
        }

        try
        {
            await server.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
            using var clientStream = new NetworkStream(client, ownsSocket: false);
            using var serverStream = new NetworkStream(server, ownsSocket: false);
            var calls = PumpAsync(connection, clientStream, serverStream, isReply: false);
            var replies = PumpAsync(connection, serverStream, clientStream, isReply: true);
            await Task.WhenAny(calls, replies).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // The server or the client went away: the other side sees its connection close.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(int connection, NetworkStream from, NetworkStream to, bool isReply)
    {
        try
        {
            while (await ReadRecordAsync(from, _stop.Token).ConfigureAwait(false) is var (raw, message))
            {
                if (message.Length >= 4)
                {
                    Observe(connection, BinaryPrimitives.ReadUInt32BigEndian(message), message, isReply);
                }

                await to.WriteAsync(raw, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException or EndOfStreamException)
        {
            // The connection ended; RelayAsync closes both sides.
        }
    }

    private void Observe(int connection, uint xid, byte[] message, bool isReply)
    {
        lock (_lock)
        {
            if (!isReply)
            {
                // Labelled before it is forwarded, so the reply can never arrive first.
                _pendingSteps[(connection, xid)] = _step;
                return;
            }

            var step = _pendingSteps.Remove((connection, xid), out var label) ? label : "unknown";
            _replies.Add(new CapturedReply(_replies.Count, step, xid, message));
        }
    }
}
