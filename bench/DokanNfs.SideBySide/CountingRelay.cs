using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.SideBySide;

/// <summary>What a <see cref="CountingRelay"/> saw between two <see cref="CountingRelay.Reset"/>s.</summary>
/// <param name="Calls">Every ONC RPC call (NULL included).</param>
/// <param name="Compounds">NFSv4 COMPOUND calls (RFC 7530 §15.2): the round trips that do work.</param>
/// <param name="Operations">Operations inside those COMPOUNDs.</param>
/// <param name="Signatures">COMPOUNDs by their operation list ("PUTFH READ"), most frequent first.</param>
public sealed record RpcCounts(long Calls, long Compounds, long Operations, IReadOnlyList<KeyValuePair<string, long>> Signatures)
{
    public static RpcCounts Empty { get; } = new(0, 0, 0, []);
}

/// <summary>
/// A loopback TCP relay between an NFS client and its server that counts the client's ONC RPC calls. Each call
/// is counted before its bytes are forwarded, so once a client has its reply the call is already in the count.
/// Records are reassembled from their fragments (RFC 5531 §11) and COMPOUND arguments decoded with the test
/// support's request decoder to name their operations. It adds latency, so it is used only for counting runs,
/// never for timed ones.
/// </summary>
public sealed class CountingRelay : IAsyncDisposable
{
    /// <summary>ONC RPC program number of NFS (RFC 7530 §3.1).</summary>
    private const uint NfsProgram = 100003;

    private const uint CompoundProcedure = 1;
    private const int MaxRecordSize = 64 * 1024 * 1024;
    private const int BufferSize = 256 * 1024;

    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _signatures = new(StringComparer.Ordinal);
    private readonly List<Task> _tasks = [];
    private readonly List<Socket> _sockets = [];
    private long _calls;
    private long _compounds;
    private long _operations;
    private Task _acceptLoop = Task.CompletedTask;

    private CountingRelay(Socket listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    /// <summary>Where clients connect.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Listens on 127.0.0.1 at a free port and relays every connection to <paramref name="target"/>.</summary>
    public static CountingRelay Start(IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var relay = new CountingRelay(listener, target);
        relay._acceptLoop = relay.AcceptLoopAsync();
        return relay;
    }

    /// <summary>Forgets everything counted so far.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _calls = 0;
            _compounds = 0;
            _operations = 0;
            _signatures.Clear();
        }
    }

    public RpcCounts Snapshot()
    {
        lock (_lock)
        {
            var signatures = _signatures.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
            return new RpcCounts(_calls, _compounds, _operations, signatures);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        lock (_lock)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        try
        {
            await _acceptLoop;
            await Task.WhenAll(_tasks.ToArray());
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Closing the sockets is how the pumps end.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            await server.ConnectAsync(_target, _stop.Token);
            lock (_lock)
            {
                _sockets.Add(client);
                _sockets.Add(server);
                _tasks.Add(PumpCallsAsync(client, server));
                _tasks.Add(PumpRepliesAsync(server, client));
            }
        }
    }

    /// <summary>Client to server: reassemble each record, count it, then forward its bytes.</summary>
    private async Task PumpCallsAsync(Socket from, Socket to)
    {
        var buffer = new byte[BufferSize];
        var record = new RecordAssembler(MaxRecordSize);
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                record.Feed(buffer.AsSpan(0, n), Count);
                await SendAllAsync(to, buffer.AsMemory(0, n));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            // The connection or the relay ended, or the client sent something that is not ONC RPC: the connection
            // is closed and the client's call fails, which the run reports.
        }
        finally
        {
            ShutdownQuietly(to);
        }
    }

    private async Task PumpRepliesAsync(Socket from, Socket to)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                await SendAllAsync(to, buffer.AsMemory(0, n));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The connection or the relay ended.
        }
        finally
        {
            ShutdownQuietly(to);
        }
    }

    private async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, _stop.Token);
            data = data[sent..];
        }
    }

    private static void ShutdownQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    /// <summary>Counts one whole RPC record: call header (RFC 5531 §9), then for a COMPOUND its operations.</summary>
    private void Count(ReadOnlySpan<byte> message)
    {
        string? signature = null;
        var operations = 0;
        var isCompound = false;
        try
        {
            var reader = new XdrReader(message);
            _ = reader.ReadUInt32(); // xid
            if (reader.ReadUInt32() != 0)
            {
                return; // not a CALL
            }

            _ = reader.ReadUInt32(); // rpcvers
            var program = reader.ReadUInt32();
            _ = reader.ReadUInt32(); // version
            var procedure = reader.ReadUInt32();
            _ = reader.ReadUInt32(); // cred flavor
            _ = reader.ReadOpaque(400);
            _ = reader.ReadUInt32(); // verf flavor
            _ = reader.ReadOpaque(400);
            if (program == NfsProgram && procedure == CompoundProcedure)
            {
                isCompound = true;
                var request = CompoundRequest.Decode(reader.Rest);
                operations = request.Ops.Count;
                signature = string.Join(' ', request.Ops.Select(o => OpName(o.Op)));
            }
        }
        catch (Exception e) when (e is XdrException or ArgumentException or InvalidOperationException)
        {
            // Counted all the same; a call the decoder cannot read is worth seeing in the report.
            signature = "(undecodable)";
        }

        lock (_lock)
        {
            _calls++;
            if (isCompound)
            {
                _compounds++;
                _operations += operations;
                _signatures[signature!] = _signatures.GetValueOrDefault(signature!) + 1;
            }
        }
    }

    private static string OpName(NfsOpnum4 op) => op.ToString().ToUpperInvariant();

    /// <summary>Joins record-marking fragments into whole records (RFC 5531 §11) across arbitrary reads.</summary>
    private sealed class RecordAssembler(int maxRecordSize)
    {
        private readonly byte[] _header = new byte[4];
        private byte[] _record = new byte[64 * 1024];
        private int _headerFill;
        private int _recordLength;
        private int _fragmentRemaining;
        private bool _lastFragment;
        private bool _inFragment;

        public void Feed(ReadOnlySpan<byte> data, CountRecord onRecord)
        {
            while (!data.IsEmpty)
            {
                if (!_inFragment)
                {
                    var take = Math.Min(4 - _headerFill, data.Length);
                    data[..take].CopyTo(_header.AsSpan(_headerFill));
                    _headerFill += take;
                    data = data[take..];
                    if (_headerFill < 4)
                    {
                        return;
                    }

                    var header = BinaryPrimitives.ReadUInt32BigEndian(_header);
                    _headerFill = 0;
                    _lastFragment = (header & 0x8000_0000u) != 0;
                    _fragmentRemaining = (int)(header & 0x7FFF_FFFFu);
                    _inFragment = true;
                    if (_recordLength + _fragmentRemaining > maxRecordSize)
                    {
                        throw new InvalidDataException($"An RPC record over {maxRecordSize} bytes: not NFS traffic the relay can count.");
                    }

                    EnsureCapacity(_recordLength + _fragmentRemaining);
                }

                var copy = Math.Min(_fragmentRemaining, data.Length);
                data[..copy].CopyTo(_record.AsSpan(_recordLength));
                _recordLength += copy;
                _fragmentRemaining -= copy;
                data = data[copy..];
                if (_fragmentRemaining == 0)
                {
                    _inFragment = false;
                    if (_lastFragment)
                    {
                        onRecord(_record.AsSpan(0, _recordLength));
                        _recordLength = 0;
                    }
                }
            }
        }

        private void EnsureCapacity(int size)
        {
            if (size > _record.Length)
            {
                Array.Resize(ref _record, Math.Max(size, _record.Length * 2));
            }
        }
    }

    private delegate void CountRecord(ReadOnlySpan<byte> record);
}
