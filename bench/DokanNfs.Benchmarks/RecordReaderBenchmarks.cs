using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Benchmarks;

/// <summary>
/// The production <c>RecordReader</c> reassembling multi-fragment records from a real socket: a connected pair of
/// TCP sockets on 127.0.0.1 is made in setup; each invocation sends one record of four fragments from one end with
/// a blocking send and reads it back through <c>RecordReader.ReadRecord</c> (blocking receives, as the connection's
/// receive thread reads) on the other.
/// <para>
/// The path allocates nothing: the record buffer comes from <c>ArrayPool&lt;byte&gt;.Shared</c> and is returned.
/// Both socket buffers are 1 MiB, so the largest record (4 × 32 KiB) never makes the single-threaded send block.
/// </para>
/// <para>
/// <see cref="SendAndReceiveRaw"/> moves the same bytes with a plain receive and no framing: the difference to
/// <see cref="SendAndReadRecord"/> is what record reassembly costs on top of the two syscalls.
/// </para>
/// </summary>
[MemoryDiagnoser]
public class RecordReaderBenchmarks
{
    private const int FragmentsPerRecord = 4;
    private const int SocketBufferSize = 1024 * 1024;

    private Socket? _sender;
    private Socket? _receiver;
    private RecordReader? _reader;
    private byte[] _stream = [];
    private byte[] _rawBuffer = [];

    /// <summary>
    /// 1 KiB fragments go through the reader's 64 KiB receive buffer; 32 KiB fragments are large enough to be received
    /// straight into the record buffer once the receive buffer is drained.
    /// </summary>
    [Params(1024, 32 * 1024)]
    public int FragmentSize { get; set; }

    [GlobalSetup(Target = nameof(SendAndReadRecord))]
    public void SetupRecordReader()
    {
        Setup();
        if (SendAndReadRecord() != FragmentSize * FragmentsPerRecord)
        {
            throw new InvalidOperationException("The record did not come back whole.");
        }
    }

    [GlobalSetup(Target = nameof(SendAndReceiveRaw))]
    public void Setup()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = SocketBufferSize };
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            SendBufferSize = SocketBufferSize,
            ReceiveBufferSize = SocketBufferSize,

            // A send that blocks forever would hang the run; fail it instead.
            SendTimeout = 10_000,
        };
        _sender.Connect(listener.LocalEndPoint!);
        _receiver = listener.Accept();
        _receiver.ReceiveBufferSize = SocketBufferSize;
        _reader = new RecordReader(_receiver, maxRecordSize: 4 * 1024 * 1024);

        var record = NfsWire.Filled(FragmentSize * FragmentsPerRecord, 0x42);
        _stream = RecordMarkingBenchmarks.Fragment(record, FragmentSize);
        _rawBuffer = new byte[_stream.Length];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reader?.Dispose();
        _sender?.Dispose();
        _receiver?.Dispose();
        _reader = null;
        _sender = null;
        _receiver = null;
    }

    /// <summary>Send one four-fragment record and read it back whole through <c>RecordReader</c>.</summary>
    [Benchmark]
    public int SendAndReadRecord()
    {
        SendStream();
        if (_reader!.ReadRecord() is not { } record)
        {
            throw new InvalidOperationException("The sending end closed.");
        }

        var length = record.Length;
        record.Return();
        return length;
    }

    /// <summary>The same bytes through the same sockets with a plain blocking receive: the syscall floor.</summary>
    [Benchmark(Baseline = true)]
    public int SendAndReceiveRaw()
    {
        SendStream();
        var buffer = _rawBuffer.AsSpan();
        while (!buffer.IsEmpty)
        {
            var n = _receiver!.Receive(buffer);
            if (n == 0)
            {
                throw new InvalidOperationException("The sending end closed.");
            }

            buffer = buffer[n..];
        }

        return _rawBuffer.Length;
    }

    private void SendStream()
    {
        ReadOnlySpan<byte> data = _stream;
        while (!data.IsEmpty)
        {
            data = data[_sender!.Send(data)..];
        }
    }
}
