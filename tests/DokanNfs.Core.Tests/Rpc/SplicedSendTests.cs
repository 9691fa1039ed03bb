using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>Arguments of a prefix word, an opaque whose data is spliced in (not copied), and a trailing word.</summary>
internal readonly struct SplicedArgs(ReadOnlyMemory<byte> data) : IRpcArgs
{
    public void Encode(XdrWriter writer)
    {
        writer.WriteUInt32(0xAAAA_0001);
        if (!writer.WriteOpaqueSpliced(data))
        {
            writer.WriteOpaque(data.Span);
        }

        writer.WriteUInt32(0xBBBB_0002);
    }
}

/// <summary>
/// A WRITE's payload sent from the caller's array rather than copied into the request (XdrWriter.WriteOpaqueSpliced,
/// RpcConnection.SendSpliced): the server must see the very bytes a copying encoder would have sent.
/// </summary>
[TestClass]
public sealed class SplicedSendTests
{
    [TestMethod]
    [DataRow(16 * 1024)]
    [DataRow(100_001)]
    [DataRow(1024 * 1024 + 3)]
    public async Task A_spliced_opaque_reaches_the_server_as_the_copied_one_would(int length)
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server);
        var data = Pattern(length);

        // The data sits in a larger array at an offset, as a rented buffer does.
        var rented = new byte[length + 100];
        data.CopyTo(rented, 7);
        var echoed = await client.CallAsync(TestProgram, TestVersion, EchoProcedure, new SplicedArgs(rented.AsMemory(7, length)), ReadRest, CancellationToken.None).AsTask().WaitAsync(Generous);

        using var expected = new XdrWriter();
        expected.WriteUInt32(0xAAAA_0001);
        expected.WriteOpaque(data);
        expected.WriteUInt32(0xBBBB_0002);
        CollectionAssert.AreEqual(expected.WrittenSpan.ToArray(), echoed, "prefix, length, data, padding, trailer, in order");
        Assert.AreEqual(5u, await client.CallUInt32Async(5).AsTask().WaitAsync(Generous), "the stream stays framed after it");
    }

    [TestMethod]
    public void The_writer_keeps_the_splice_out_of_its_buffer_and_refuses_to_hand_out_a_contiguous_view()
    {
        using var writer = new XdrWriter();
        var data = Pattern(30);
        writer.WriteUInt32(1);

        Assert.IsTrue(writer.WriteOpaqueSpliced(data));
        Assert.IsFalse(writer.WriteOpaqueSpliced(data), "one splice per message");
        writer.WriteUInt32(2);

        Assert.AreEqual(8, writer.SpliceAt, "after the word and the length");
        Assert.AreEqual(4 + 4 + 2 + 4, writer.Length, "word, length, two bytes of padding, word: no data");
        Assert.AreEqual(writer.Length + 30, writer.TotalLength);
        Assert.AreSame(data, writer.Splice.Array);
        Assert.ThrowsExactly<InvalidOperationException>(() => writer.WrittenSpan.Length);

        writer.Reset();
        Assert.IsFalse(writer.HasSplice);
        Assert.AreEqual(0, writer.TotalLength);
        Assert.IsTrue(writer.WriteOpaqueSpliced(data), "a new message may splice again");
    }
}
