using System.Buffers;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>A decoder that keeps its reply's buffer (RpcReplyBuffer): it owns it afterwards, and nobody else reuses it.</summary>
[TestClass]
public sealed class RpcReplyBufferTests
{
    [TestMethod]
    public async Task A_taken_reply_buffer_keeps_its_bytes_while_later_replies_come_in()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server);
        var first = Pattern(100_000);

        var (buffer, start, length) = await client.CallAsync(TestProgram, TestVersion, EchoProcedure, new BytesArgs(first), Take, CancellationToken.None).Within(Generous);
        for (var i = 0; i < 20; i++)
        {
            // Later replies of every size: had the taken buffer gone back to the pool, one of them would land in it.
            var other = Enumerable.Repeat((byte)i, 100_000 - (i * 1000)).ToArray();
            await client.CallBytesAsync(other).Within(Generous);
        }

        Assert.AreEqual(first.Length, length);
        Assert.IsTrue(buffer.AsSpan(start, length).SequenceEqual(first), "the bytes are still where the reply put them");
        ArrayPool<byte>.Shared.Return(buffer);
    }

    [TestMethod]
    public void Outside_a_decoder_nothing_can_be_taken()
    {
        Assert.IsFalse(RpcReplyBuffer.TryTake(new byte[10], out _, out _));
    }

    [TestMethod]
    public async Task Bytes_not_from_the_reply_cannot_take_it_and_the_buffer_can_be_taken_once()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server);

        var (foreign, again) = await client.CallAsync(
            TestProgram,
            TestVersion,
            EchoProcedure,
            new BytesArgs(Pattern(64)),
            static (ref XdrReader r) =>
            {
                var rest = r.Rest;
                var foreign = RpcReplyBuffer.TryTake(new byte[8], out _, out _);
                var taken = RpcReplyBuffer.TryTake(rest, out var buffer, out _);
                var again = RpcReplyBuffer.TryTake(rest, out _, out _);
                Assert.IsTrue(taken);
                ArrayPool<byte>.Shared.Return(buffer);
                return (foreign, again);
            },
            CancellationToken.None).Within(Generous);

        Assert.IsFalse(foreign, "bytes outside the reply's buffer");
        Assert.IsFalse(again, "a buffer has one owner");
    }

    private static (byte[] Buffer, int Start, int Length) Take(ref XdrReader reader)
    {
        var rest = reader.Rest;
        Assert.IsTrue(RpcReplyBuffer.TryTake(rest, out var buffer, out var start));
        return (buffer, start, rest.Length);
    }
}
