using System.Net.Sockets;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>
/// The fake server checked against hand-made bytes over a raw socket, so that it cannot share a
/// misreading of RFC 5531 with the client the other tests run against it.
/// </summary>
[TestClass]
public sealed class FakeRpcServerTests
{
    // A CALL with xid 0x11223344 to program 0x40001234 version 3 procedure 7, AUTH_NONE, one word of arguments.
    private const string CallBody =
        "11223344 00000000 00000002" + "40001234 00000003 00000007" + "00000000 00000000 00000000 00000000" + "cafef00d";

    [TestMethod]
    public async Task SuccessReply_IsEncodedAsTheRfcSays()
    {
        await using var server = await FakeRpcServer.StartAsync(_ => ReplyUInt32(0x0A0B0C0D));
        using var socket = await ConnectAsync(server);

        await socket.SendAsync(Hex("8000002c" + CallBody));
        var reply = await ReceiveAsync(socket, 4 + 28);

        Assert.AreEqual(
            ToHex(Hex("8000001c" + "11223344 00000001" + "00000000 00000000 00000000" + "00000000" + "0a0b0c0d")),
            ToHex(reply));
        var call = server.Calls.Single();
        Assert.AreEqual(0x1122_3344u, call.Xid);
        Assert.AreEqual(0xCAFE_F00Du, call.ArgsUInt32());
    }

    [TestMethod]
    public async Task ProgMismatch_InTwoFragments_IsEncodedAsTheRfcSays()
    {
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.ProgMismatch(2, 4).InFragments(2));
        using var socket = await ConnectAsync(server);

        // The call itself arrives in three fragments, one of them empty.
        await socket.SendAsync(Hex("00000004 11223344" + "00000000" + "80000028" + CallBody[9..]));
        var reply = await ReceiveAsync(socket, 8 + 32);

        Assert.AreEqual(
            ToHex(Hex("00000010 11223344 00000001 00000000 00000000" + "80000010 00000000 00000002 00000002 00000004")),
            ToHex(reply));
        CollectionAssert.AreEqual(new[] { 4, 0, 40 }, server.Calls.Single().FragmentLengths.ToArray());
    }

    [TestMethod]
    public async Task AReplyInsteadOfACall_IsReportedAndClosesTheConnection()
    {
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.Success());
        using var socket = await ConnectAsync(server);

        await socket.SendAsync(Hex("80000008 11223344 00000001"));
        Assert.AreEqual(0, await socket.ReceiveAsync(new byte[16]).WaitAsync(Generous), "the server closes the connection");
        Assert.HasCount(1, server.Errors);
        Assert.IsEmpty(server.Calls);
    }

    private static async Task<Socket> ConnectAsync(FakeRpcServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        return socket;
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(got)).AsTask().WaitAsync(Generous);
            Assert.AreNotEqual(0, n, "the server closed the connection early");
            got += n;
        }

        return buffer;
    }
}
