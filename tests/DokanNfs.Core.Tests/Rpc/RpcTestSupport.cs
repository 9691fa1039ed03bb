using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeServer;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>Arguments of one unsigned int, so each call can be told apart by what it carries.</summary>
internal readonly struct UInt32Args(uint value) : IRpcArgs
{
    public void Encode(XdrWriter writer) => writer.WriteUInt32(value);
}

/// <summary>Arguments of raw, already XDR-aligned bytes.</summary>
internal readonly struct BytesArgs(byte[] bytes) : IRpcArgs
{
    public void Encode(XdrWriter writer) => writer.WriteFixedOpaque(bytes);
}

internal static class RpcTestSupport
{
    /// <summary>A program number from the RFC 5531 §8 "transient" range: nothing real answers to it.</summary>
    public const uint TestProgram = 0x4000_1234;

    public const uint TestVersion = 3;

    public const uint EchoProcedure = 7;

    /// <summary>For things that should happen: long enough for a loaded CI machine.</summary>
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>For things that should not happen: long enough that they would have, had the code been wrong.</summary>
    public static readonly TimeSpan Modest = TimeSpan.FromMilliseconds(300);

    public static RpcClient NewClient(FakeRpcServer server, RpcClientOptions? options = null, ILogger? logger = null) =>
        new(server.EndPoint, options ?? new RpcClientOptions { CallTimeout = Generous }, logger);

    /// <summary>Calls the echo procedure with one unsigned int and decodes one unsigned int.</summary>
    public static ValueTask<uint> CallUInt32Async(this RpcClient client, uint value, CancellationToken cancellationToken = default, RpcCredential? credential = null) =>
        client.CallAsync(TestProgram, TestVersion, EchoProcedure, new UInt32Args(value), ReadUInt32, cancellationToken, credential);

    /// <summary>Calls the echo procedure with raw bytes and decodes the rest of the reply as raw bytes.</summary>
    public static ValueTask<byte[]> CallBytesAsync(this RpcClient client, byte[] args, CancellationToken cancellationToken = default) =>
        client.CallAsync(TestProgram, TestVersion, EchoProcedure, new BytesArgs(args), ReadRest, cancellationToken);

    public static uint ReadUInt32(ref XdrReader reader) => reader.ReadUInt32();

    public static byte[] ReadRest(ref XdrReader reader) => reader.Rest.ToArray();

    /// <summary>Replies SUCCESS with the call's arguments as results.</summary>
    public static FakeReply Echo(ReceivedCall call) => FakeReply.Success(call.Args.Span);

    public static FakeReply ReplyUInt32(uint value) => FakeReply.Success(w => w.WriteUInt32(value));

    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + (i >> 8));
        }

        return bytes;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    /// <summary>A loopback endpoint nobody listens on: bound to learn a free port, then released.</summary>
    public static IPEndPoint UnusedLoopbackEndPoint()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>
    /// A loopback port that refuses every connection for as long as the returned socket is held: bound, never listening.
    /// A port merely found free (<see cref="UnusedLoopbackEndPoint"/>) may be taken by a test running beside, or be the
    /// very ephemeral port a connect picks, which on loopback connects to itself — both seen as a connect that did not fail.
    /// </summary>
    public static Socket RefusingLoopbackPort()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    /// <summary>Awaits a task that should complete, failing the test (not hanging it) if it does not.</summary>
    public static async Task<T> Within<T>(this ValueTask<T> task, TimeSpan timeout) => await task.AsTask().WaitAsync(timeout);

    public static async Task<T> Within<T>(this Task<T> task, TimeSpan timeout) => await task.WaitAsync(timeout);

    /// <summary>Awaits an operation that should fail with <typeparamref name="TException"/> (or a subclass) within a generous time.</summary>
    public static async Task<TException> FailsWith<TException>(Func<Task> operation)
        where TException : Exception =>
        await Assert.ThrowsAsync<TException>(async () => await operation().WaitAsync(Generous));

    public static Task<TException> FailsWith<TException, T>(ValueTask<T> call)
        where TException : Exception =>
        FailsWith<TException>(() => call.AsTask());
}
