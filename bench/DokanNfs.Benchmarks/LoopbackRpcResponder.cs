using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Benchmarks;

/// <summary>
/// A tiny in-process ONC RPC server on 127.0.0.1 that answers every call on its one connection with
/// MSG_ACCEPTED / SUCCESS and no results — a correct reply to the NULL procedure — echoing the call's XID. The
/// reply is built with the production <see cref="XdrWriter"/> and <see cref="RecordMarking"/>.
/// <para>
/// It runs on a dedicated thread with blocking socket calls and reused buffers, so that it allocates nothing per
/// call: BenchmarkDotNet counts the allocations of the whole process, and the round-trip numbers should be the
/// client's alone.
/// </para>
/// </summary>
internal sealed class LoopbackRpcResponder : IDisposable
{
    private readonly Socket _listener;
    private readonly Thread _thread;
    private Socket? _connection;
    private long _calls;

    public LoopbackRpcResponder()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _thread = new Thread(Serve) { IsBackground = true, Name = "Loopback RPC responder" };
        _thread.Start();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The calls answered so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public void Dispose()
    {
        _listener.Dispose();
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            try
            {
                connection.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Already reset by the client.
            }

            connection.Dispose();
        }

        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private static bool ReceiveExactly(Socket socket, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var n = socket.Receive(destination);
            if (n == 0)
            {
                return false;
            }

            destination = destination[n..];
        }

        return true;
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data)..];
        }
    }

    private void Serve()
    {
        try
        {
            var socket = _listener.Accept();
            socket.NoDelay = true;
            Volatile.Write(ref _connection, socket);
            var header = new byte[RecordMarking.HeaderSize];
            var body = new byte[64 * 1024];
            using var writer = new XdrWriter(256);
            while (true)
            {
                // One record: fragments until the one with the last-fragment bit (RFC 5531 §11).
                var total = 0;
                bool isLast;
                do
                {
                    if (!ReceiveExactly(socket, header))
                    {
                        return; // The client closed the connection.
                    }

                    (var length, isLast) = RecordMarking.ReadHeader(header);
                    if (length > body.Length - total)
                    {
                        throw new InvalidOperationException($"A call of more than {body.Length} bytes: not what this responder is for.");
                    }

                    if (!ReceiveExactly(socket, body.AsSpan(total, length)))
                    {
                        return;
                    }

                    total += length;
                }
                while (!isLast);

                if (!RpcMessage.TryPeekXid(body.AsSpan(0, total), out var xid, out var type) || type != RpcMsgType.Call)
                {
                    continue;
                }

                writer.Reset();
                var markAt = writer.ReserveUInt32();
                NfsWire.WriteSuccessReplyHeader(writer, xid);
                writer.PatchUInt32(markAt, RecordMarking.EncodeHeader(writer.Length - RecordMarking.HeaderSize, isLast: true));
                SendAll(socket, writer.WrittenSpan);
                Interlocked.Increment(ref _calls);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Disposed: the listener or the connection was closed under a blocking call.
        }
    }
}
