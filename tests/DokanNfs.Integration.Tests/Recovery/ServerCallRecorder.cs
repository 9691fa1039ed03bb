using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>
/// One COMPOUND as the server received it and, once it answered, the status it answered with. The
/// connection number tells which TCP connection (in the order the recorder accepted them) carried it.
/// </summary>
public sealed record RecordedCall(int Connection, uint Xid, CompoundRequest Request)
{
    private int _status = -1;

    /// <summary>The COMPOUND4res status, or null while (or if) no reply went back through the recorder.</summary>
    public NfsStat4? Status
    {
        get => Volatile.Read(ref _status) is var s and >= 0 ? (NfsStat4)s : null;
        internal set => Volatile.Write(ref _status, value is { } status ? (int)status : -1);
    }

    /// <summary>The seqid of the call's seqid-bearing operation (OPEN, CLOSE, LOCK, …), or null.</summary>
    public uint? SeqId => Request.Ops.Select(o => o.OwnerSeqId).FirstOrDefault(s => s is not null);

    /// <summary>
    /// What the call is about: the first operation after PUTFH / PUTROOTFH that is not a GETATTR or VERIFY around
    /// it (a WRITE goes as PUTFH, GETATTR, WRITE, GETATTR; a rewrite as PUTFH, VERIFY, WRITE, GETATTR), else the
    /// first after PUTFH / PUTROOTFH.
    /// </summary>
    public NfsOpnum4 MainOp =>
        (Request.Ops.FirstOrDefault(o => o.Op is not (NfsOpnum4.PutFh or NfsOpnum4.PutRootFh or NfsOpnum4.GetAttr or NfsOpnum4.Verify or NfsOpnum4.NVerify))
            ?? Request.Ops.FirstOrDefault(o => o.Op is not (NfsOpnum4.PutFh or NfsOpnum4.PutRootFh)))?.Op ?? NfsOpnum4.Illegal;

    public override string ToString() => $"#{Connection} xid {Xid:x8} {Request} seqid {SeqId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} -> {Status?.ToString() ?? "no reply"}";
}

/// <summary>
/// A relay placed between a <see cref="TestSupport.Faults.FaultProxy"/> and the server, so it sees exactly what
/// reached the server and what the server answered, before the proxy drops or cuts anything: every NFSv4
/// COMPOUND decoded (with the test support's <see cref="CompoundRequest"/>), and the status of each reply.
/// When either side of a connection ends, the other is closed too, as through a router.
/// </summary>
public sealed class ServerCallRecorder : IAsyncDisposable
{
    private const uint ProcCompound = 1;
    private const int MaxRecord = 64 * 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<RecordedCall> _calls = [];
    private readonly Dictionary<(int Connection, uint Xid), RecordedCall> _pending = [];
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _tasks = [];
    private int _connections;

    private ServerCallRecorder(IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
    }

    /// <summary>Where the proxy (or a client) connects to reach the server through the recorder.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The COMPOUNDs the server received, in arrival order.</summary>
    public IReadOnlyList<RecordedCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public static ServerCallRecorder Start(IPEndPoint target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var recorder = new ServerCallRecorder(target);
        lock (recorder._lock)
        {
            recorder._tasks.Add(Task.Run(recorder.AcceptLoopAsync));
        }

        return recorder;
    }

    /// <summary>The calls whose main operation is <paramref name="op"/>.</summary>
    public IReadOnlyList<RecordedCall> CallsOf(NfsOpnum4 op) => [.. Calls.Where(c => c.MainOp == op)];

    /// <summary>The call the server received with <paramref name="xid"/> (XIDs are unique per client).</summary>
    public RecordedCall? Find(uint xid) => Calls.FirstOrDefault(c => c.Xid == xid);

    /// <summary>Every call on its own line, for assertion messages.</summary>
    public string Describe() => string.Join('\n', Calls.Select(c => c.ToString()));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] tasks;
        lock (_lock)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            tasks = [.. _tasks];
        }

        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Torn down mid-relay: broken pumps are expected.
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
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            int connection;
            lock (_lock)
            {
                _sockets.Add(client);
                _sockets.Add(server);
                connection = ++_connections;
            }

            try
            {
                await server.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_lock)
            {
                _tasks.Add(RelayAsync(connection, client, server));
            }
        }
    }

    private async Task RelayAsync(int connection, Socket client, Socket server)
    {
        await using var fromClient = new NetworkStream(client, ownsSocket: true);
        await using var toServer = new NetworkStream(server, ownsSocket: true);
        var up = PumpAsync(connection, fromClient, toServer, calls: true);
        var down = PumpAsync(connection, toServer, fromClient, calls: false);
        await Task.WhenAny(up, down);
        client.Dispose();
        server.Dispose();
        await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task PumpAsync(int connection, NetworkStream from, NetworkStream to, bool calls)
    {
        var header = new byte[4];
        var record = new MemoryStream();
        try
        {
            while (true)
            {
                record.SetLength(0);
                bool last;
                do
                {
                    await from.ReadExactlyAsync(header, _stop.Token);
                    var mark = BinaryPrimitives.ReadUInt32BigEndian(header);
                    last = (mark & 0x8000_0000u) != 0;
                    var length = (int)(mark & 0x7FFF_FFFFu);
                    if (record.Length + length > MaxRecord)
                    {
                        throw new IOException($"An RPC record over {MaxRecord} bytes went through the recorder.");
                    }

                    var fragment = new byte[length];
                    await from.ReadExactlyAsync(fragment, _stop.Token);
                    record.Write(fragment);
                }
                while (!last);

                var bytes = record.GetBuffer().AsMemory(0, (int)record.Length);
                if (calls)
                {
                    NoteCall(connection, bytes.Span);
                }
                else
                {
                    NoteReply(connection, bytes.Span);
                }

                BinaryPrimitives.WriteUInt32BigEndian(header, 0x8000_0000u | (uint)bytes.Length);
                await to.WriteAsync(header, _stop.Token);
                await to.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection ended or the recorder is stopping.
        }
    }

    private void NoteCall(int connection, ReadOnlySpan<byte> call)
    {
        // xid, msg_type, rpcvers, prog, vers, proc, cred (flavor, body), verf (flavor, body), then the arguments.
        var xid = BinaryPrimitives.ReadUInt32BigEndian(call);
        var proc = BinaryPrimitives.ReadUInt32BigEndian(call[20..]);
        if (proc != ProcCompound)
        {
            return;
        }

        var at = SkipOpaque(call, 28);
        at = SkipOpaque(call, at + 4);
        CompoundRequest request;
        try
        {
            request = CompoundRequest.Decode(call[at..]);
        }
        catch (XdrException ex)
        {
            request = new CompoundRequest($"undecodable: {ex.Message}", 0, []);
        }

        var recorded = new RecordedCall(connection, xid, request);
        lock (_lock)
        {
            _calls.Add(recorded);
            _pending[(connection, xid)] = recorded;
        }
    }

    private void NoteReply(int connection, ReadOnlySpan<byte> reply)
    {
        // xid, msg_type, reply_stat; MSG_ACCEPTED: verf (flavor, body), accept_stat; SUCCESS: COMPOUND4res.status.
        var xid = BinaryPrimitives.ReadUInt32BigEndian(reply);
        RecordedCall? call;
        lock (_lock)
        {
            _pending.Remove((connection, xid), out call);
        }

        if (call is null || BinaryPrimitives.ReadUInt32BigEndian(reply[8..]) != 0)
        {
            return;
        }

        var at = SkipOpaque(reply, 16);
        if (BinaryPrimitives.ReadUInt32BigEndian(reply[at..]) == 0)
        {
            call.Status = (NfsStat4)BinaryPrimitives.ReadInt32BigEndian(reply[(at + 4)..]);
        }
    }

    /// <summary>The position after an XDR opaque whose length word is at <paramref name="at"/>.</summary>
    private static int SkipOpaque(ReadOnlySpan<byte> data, int at)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data[at..]);
        return at + 4 + ((length + 3) & ~3);
    }
}
