using BenchmarkDotNet.Attributes;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Benchmarks;

/// <summary>
/// Encoding one NFSv4.0 call, as <see cref="RpcConnection"/> does it for every call: the record mark placeholder,
/// the RPC call header with an AUTH_SYS credential (encoded once, in setup), then COMPOUND4args — into one
/// <see cref="XdrWriter"/> that is <see cref="XdrWriter.Reset"/> per call. The writer is sized in setup, so every
/// benchmark must show no allocation at all: a non-zero Allocated column is a regression on the send path.
/// </summary>
[MemoryDiagnoser]
public class XdrEncodeBenchmarks
{
    private readonly byte[] _fileHandle = NfsWire.Filled(NfsWire.FileHandleLength, 0xFA);
    private readonly byte[] _stateId = NfsWire.Filled(NfsWire.StateIdLength, 0x5D);
    private readonly byte[] _data4K = NfsWire.Filled(4 * 1024, 0x42);
    private readonly byte[] _data64K = NfsWire.Filled(64 * 1024, 0x43);
    private XdrWriter? _writer;
    private RpcCredential _credential = RpcCredential.None;
    private uint _xid;

    [GlobalSetup]
    public void Setup()
    {
        _credential = RpcCredential.Sys(1000, 1000, [4, 24, 27, 30, 46, 100], "bench-client.example.org");
        _writer = new XdrWriter(80 * 1024);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>COMPOUND { PUTFH, READ } with every field written straight through the writer: the floor.</summary>
    [Benchmark(Baseline = true)]
    public int ReadCall_Writer()
    {
        var w = BeginCall();
        w.WriteString(string.Empty); // tag
        w.WriteUInt32(0); // minorversion
        w.WriteArrayCount(2);
        w.WriteEnum(NfsOpnum4.PutFh);
        w.WriteOpaque(_fileHandle, NfsProgram.MaxFileHandleSize);
        w.WriteEnum(NfsOpnum4.Read);
        w.WriteFixedOpaque(_stateId);
        w.WriteUInt64(1L << 20);
        w.WriteUInt32(64 * 1024);
        return w.Length;
    }

    /// <summary>The same call the way the client builds it: <see cref="CompoundArgs{TState}"/> + <see cref="CompoundEncoder"/>.</summary>
    [Benchmark]
    public int ReadCall_CompoundArgs()
    {
        var w = BeginCall();
        new CompoundArgs<ReadOps>(string.Empty, 0, new ReadOps(_fileHandle, _stateId, 1L << 20, 64 * 1024), NfsWire.EncodeReadOps).Encode(w);
        return w.Length;
    }

    /// <summary>COMPOUND { PUTFH, WRITE } carrying 4 KiB: one page, a typical small write.</summary>
    [Benchmark]
    public int WriteCall_4KiB()
    {
        var w = BeginCall();
        new CompoundArgs<WriteOps>(string.Empty, 0, new WriteOps(_fileHandle, _stateId, 1L << 20, _data4K), NfsWire.EncodeWriteOps).Encode(w);
        return w.Length;
    }

    /// <summary>COMPOUND { PUTFH, WRITE } carrying 64 KiB: dominated by the copy of the data into the record.</summary>
    [Benchmark]
    public int WriteCall_64KiB()
    {
        var w = BeginCall();
        new CompoundArgs<WriteOps>(string.Empty, 0, new WriteOps(_fileHandle, _stateId, 1L << 20, _data64K), NfsWire.EncodeWriteOps).Encode(w);
        return w.Length;
    }

    /// <summary>What <see cref="RpcConnection"/> does before the arguments: reset, reserve the record mark, call header.</summary>
    private XdrWriter BeginCall()
    {
        var w = _writer!;
        w.Reset();
        w.ReserveUInt32();
        RpcMessage.WriteCallHeader(w, ++_xid, NfsProgram.Program, NfsProgram.Version4, NfsProgram.ProcCompound, _credential);
        return w;
    }
}
