using BenchmarkDotNet.Attributes;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Benchmarks;

/// <summary>
/// A full call through <see cref="RpcClient.NullAsync"/>: rent a writer, encode the call (AUTH_SYS), register the
/// pending call, send the record, have the receive loop read the reply record, match it by XID, complete the
/// waiting call and decode the reply header — against <see cref="LoopbackRpcResponder"/> on 127.0.0.1.
/// <para>
/// Unlike the encode/decode benchmarks this one is allowed to allocate a little, and does (about 0.8 KB per call on
/// .NET 10). Sampling the GC's allocation events over 200,000 calls attributes all of it to the path's async methods
/// boxing their state machines when they really wait for the network — <c>RpcConnection.CallAsync</c> (~250 B),
/// <c>RpcClient.CallAsync</c> (~210 B), and in the receive loop of the time (async then) <c>RecordReader.ReadRecordAsync</c>
/// (~165 B) and <c>FillAsync</c> (~155 B) — plus the pending table's <c>ConcurrentDictionary</c> node (a few dozen bytes).
/// The call path's methods now use <c>PoolingAsyncValueTaskMethodBuilder</c>, and the receive loop is a thread with
/// blocking receives (<c>RecordReader.ReadRecord</c>), which allocates nothing.
/// The responder allocates nothing, so the Allocated column is the client's cost per call.
/// </para>
/// </summary>
[MemoryDiagnoser]
public class RpcRoundTripBenchmarks
{
    private LoopbackRpcResponder? _responder;
    private RpcClient? _client;

    [GlobalSetup]
    public void Setup()
    {
        _responder = new LoopbackRpcResponder();
        var options = new RpcClientOptions { Credential = RpcCredential.Sys(1000, 1000, [4, 24, 27], "bench-client.example.org") };
        _client = new RpcClient(_responder.EndPoint, options);

        // Connect now, so that the benchmark measures calls on an open connection.
        if (!NullCall().AsTask().GetAwaiter().GetResult() || _responder.Calls != 1)
        {
            throw new InvalidOperationException("The loopback responder did not answer.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _responder?.Dispose();
        _client = null;
        _responder = null;
    }

    /// <summary>One NULL call (RFC 5531 §12) to the NFS program, awaited to completion.</summary>
    [Benchmark]
    public ValueTask<bool> NullCall() => _client!.NullAsync(NfsProgram.Program, NfsProgram.Version4, CancellationToken.None);
}
