using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>One COMPOUND seen by an <see cref="RpcTap"/>: its tag, how many operations, and the first one.</summary>
public sealed record TappedCall(string Tag, int OpCount, NfsOpnum4? FirstOp)
{
    /// <summary>The COMPOUND's minorversion.</summary>
    public uint MinorVersion { get; init; }

    /// <summary>The operation after SEQUENCE when SEQUENCE is first (NFSv4.1), else null.</summary>
    public NfsOpnum4? FirstOpAfterSequence { get; init; }

    /// <summary>The operations the caller asked for: without the SEQUENCE an NFSv4.1 session puts in front.</summary>
    public int OwnOpCount => FirstOp == NfsOpnum4.Sequence ? OpCount - 1 : OpCount;

    /// <summary>The first of the caller's operations (after SEQUENCE under NFSv4.1).</summary>
    public NfsOpnum4? OwnFirstOp => FirstOp == NfsOpnum4.Sequence ? FirstOpAfterSequence : FirstOp;

    /// <summary>The whole request decoded, when the tap was started with decodeRequests (null if it could not be).</summary>
    public CompoundRequest? Request { get; init; }
}

/// <summary>
/// A TCP relay between a client and a server that reads the ONC RPC records going through it (RFC 5531
/// §11 record marking) and notes every NFSv4 COMPOUND: its tag, operation count and first operation, and
/// how many calls of each tag were waiting for their reply at once. It lets a test see what the client
/// put on the wire (one COMPOUND for a path walk, READDIR pages, READs in flight) without decoding
/// whole requests. Records are forwarded unchanged in content (re-framed as one fragment each).
/// </summary>
public sealed class RpcTap : IAsyncDisposable
{
    private const uint ProcCompound = 1;

    /// <summary>SEQUENCE4args: sessionid (16 bytes), sequenceid, slotid, highest_slotid, cachethis (RFC 8881 §18.46.1).</summary>
    private const int SequenceArgsLength = 16 + 4 + 4 + 4 + 4;
    private const int MaxRecord = 64 * 1024 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<TappedCall> _calls = [];
    private readonly List<uint?> _uids = [];
    private readonly Dictionary<uint, string> _pending = [];
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _maxInFlight = new(StringComparer.Ordinal);
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _tasks = [];

    private readonly bool _decodeRequests;

    private RpcTap(IPEndPoint target, bool decodeRequests)
    {
        _target = target;
        _decodeRequests = decodeRequests;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
    }

    /// <summary>Where clients connect to reach the server through the tap.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>
    /// Starts a tap in front of <paramref name="target"/>. With <paramref name="decodeRequests"/> every COMPOUND is also
    /// decoded whole (<see cref="TappedCall.Request"/>), for tests that look at the operations' arguments.
    /// </summary>
    public static RpcTap Start(IPEndPoint target, bool decodeRequests = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        var tap = new RpcTap(target, decodeRequests);
        lock (tap._lock)
        {
            tap._tasks.Add(Task.Run(tap.AcceptLoopAsync));
        }

        return tap;
    }

    /// <summary>The COMPOUNDs seen since the start or the last <see cref="Reset"/>, in the order they arrived.</summary>
    public IReadOnlyList<TappedCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<TappedCall> CallsTagged(string tag) => [.. Calls.Where(c => c.Tag == tag)];

    /// <summary>
    /// <see cref="Calls"/> each with the uid of its AUTH_SYS credential (null for another flavor): which user
    /// each call went out as.
    /// </summary>
    public IReadOnlyList<(TappedCall Call, uint? Uid)> CallsWithUid
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls.Zip(_uids)];
            }
        }
    }

    /// <summary>The most calls of <paramref name="tag"/> that were waiting for their replies at one time.</summary>
    public int MaxInFlight(string tag)
    {
        lock (_lock)
        {
            return _maxInFlight.GetValueOrDefault(tag);
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _calls.Clear();
            _uids.Clear();
            _maxInFlight.Clear();
        }
    }

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
            // The relay is being torn down; broken pumps are expected.
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
            lock (_lock)
            {
                _sockets.Add(client);
                _sockets.Add(server);
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
                _tasks.Add(RelayAsync(client, server));
            }
        }
    }

    private async Task RelayAsync(Socket client, Socket server)
    {
        await using var fromClient = new NetworkStream(client, ownsSocket: true);
        await using var toServer = new NetworkStream(server, ownsSocket: true);
        var up = PumpAsync(fromClient, toServer, calls: true);
        var down = PumpAsync(toServer, fromClient, calls: false);
        await Task.WhenAny(up, down);

        // One side ended: end the other, as a real connection would.
        client.Dispose();
        server.Dispose();
        await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool calls)
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
                        throw new IOException($"An RPC record over {MaxRecord} bytes went through the tap.");
                    }

                    var fragment = new byte[length];
                    await from.ReadExactlyAsync(fragment, _stop.Token);
                    record.Write(fragment);
                }
                while (!last);

                var bytes = record.GetBuffer().AsMemory(0, (int)record.Length);
                if (calls)
                {
                    NoteCall(bytes.Span);
                }
                else
                {
                    NoteReply(bytes.Span);
                }

                BinaryPrimitives.WriteUInt32BigEndian(header, 0x8000_0000u | (uint)bytes.Length);
                await to.WriteAsync(header, _stop.Token);
                await to.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection ended or the tap is stopping.
        }
    }

    private void NoteCall(ReadOnlySpan<byte> call)
    {
        // xid, msg_type, rpcvers, prog, vers, proc, cred (flavor, body), verf (flavor, body), then the arguments.
        var xid = BinaryPrimitives.ReadUInt32BigEndian(call);
        var proc = BinaryPrimitives.ReadUInt32BigEndian(call[20..]);
        var at = 24;
        uint? uid = null;
        if (BinaryPrimitives.ReadUInt32BigEndian(call[at..]) == 1)
        {
            // AUTH_SYS (RFC 5531 Appendix A): stamp, machinename, then the uid.
            uid = BinaryPrimitives.ReadUInt32BigEndian(call[SkipOpaque(call, at + 12)..]);
        }

        at = SkipOpaque(call, at + 4);
        at = SkipOpaque(call, at + 4);
        var tag = "null";
        var opCount = 0;
        var minorVersion = 0u;
        NfsOpnum4? first = null;
        NfsOpnum4? afterSequence = null;
        CompoundRequest? request = null;
        if (proc == ProcCompound)
        {
            if (_decodeRequests)
            {
                try
                {
                    request = CompoundRequest.Decode(call[at..]);
                }
                catch (XdrException)
                {
                }
            }

            var tagLength = (int)BinaryPrimitives.ReadUInt32BigEndian(call[at..]);
            tag = Encoding.UTF8.GetString(call.Slice(at + 4, tagLength));
            at = SkipOpaque(call, at);
            minorVersion = BinaryPrimitives.ReadUInt32BigEndian(call[at..]);
            at += 4;
            opCount = (int)BinaryPrimitives.ReadUInt32BigEndian(call[at..]);
            if (opCount > 0)
            {
                first = (NfsOpnum4)BinaryPrimitives.ReadUInt32BigEndian(call[(at + 4)..]);
            }

            if (first == NfsOpnum4.Sequence && opCount > 1)
            {
                afterSequence = (NfsOpnum4)BinaryPrimitives.ReadUInt32BigEndian(call[(at + 8 + SequenceArgsLength)..]);
            }
        }

        lock (_lock)
        {
            _calls.Add(new TappedCall(tag, opCount, first) { MinorVersion = minorVersion, FirstOpAfterSequence = afterSequence, Request = request });
            _uids.Add(uid);
            _pending[xid] = tag;
            var now = _inFlight.GetValueOrDefault(tag) + 1;
            _inFlight[tag] = now;
            if (now > _maxInFlight.GetValueOrDefault(tag))
            {
                _maxInFlight[tag] = now;
            }
        }
    }

    private void NoteReply(ReadOnlySpan<byte> reply)
    {
        var xid = BinaryPrimitives.ReadUInt32BigEndian(reply);
        lock (_lock)
        {
            if (_pending.Remove(xid, out var tag))
            {
                _inFlight[tag] = _inFlight.GetValueOrDefault(tag) - 1;
            }
        }
    }

    private static int SkipOpaque(ReadOnlySpan<byte> data, int at)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data[at..]);
        return at + 4 + ((length + 3) & ~3);
    }
}
