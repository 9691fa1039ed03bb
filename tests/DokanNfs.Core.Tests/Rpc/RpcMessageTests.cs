using System.Globalization;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>
/// RFC 5531 §9 reply headers decoded from hand-made bytes. Every vector sits after a 12-byte prefix that the
/// reader consumes first, so nothing may assume the message starts at offset 0.
/// </summary>
[TestClass]
public sealed class RpcMessageTests
{
    private const string Prefix = "a1a2a3a4 b1b2b3b4 c1c2c3c4";

    // xid = 0x0badf00d, msg_type = REPLY.
    private const string ReplyStart = "0badf00d 00000001";

    // reply_stat = MSG_ACCEPTED, verifier = AUTH_NONE with an empty body.
    private const string Accepted = "00000000 00000000 00000000";

    [TestMethod]
    public void Success_ReturnsTheXid_AndLeavesTheReaderAtTheResults()
    {
        var bytes = Hex(Prefix + ReplyStart + Accepted + "00000000" + "00000042 deadbeef");
        var reader = new XdrReader(bytes);
        SkipPrefix(ref reader);
        Assert.AreEqual(0x0badf00du, RpcMessage.ReadReplyHeader(ref reader));
        Assert.AreEqual(12 + 24, reader.Position);
        Assert.AreEqual(0x42u, reader.ReadUInt32());
        Assert.AreEqual(0xdeadbeefu, reader.ReadUInt32());
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void Success_InsideASliceOfALargerBuffer()
    {
        var bytes = Hex(Prefix + ReplyStart + Accepted + "00000000" + "00000042" + "ffffffff");
        var reader = new XdrReader(bytes.AsSpan(12, 28));
        Assert.AreEqual(0x0badf00du, RpcMessage.ReadReplyHeader(ref reader));
        Assert.AreEqual(0x42u, reader.ReadUInt32());
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void Success_SkipsAVerifierWithABody()
    {
        // An AUTH_SYS-flavoured verifier of 6 bytes (padded to 8) carries nothing we check, but must be skipped whole.
        var bytes = Hex(Prefix + ReplyStart + "00000000" + "00000001 00000006 010203040506 0000" + "00000000" + "00000007");
        var reader = new XdrReader(bytes);
        SkipPrefix(ref reader);
        Assert.AreEqual(0x0badf00du, RpcMessage.ReadReplyHeader(ref reader));
        Assert.AreEqual(7u, reader.ReadUInt32());
    }

    [TestMethod]
    [DataRow(RpcAcceptStat.ProgUnavail, "00000001")]
    [DataRow(RpcAcceptStat.ProcUnavail, "00000003")]
    [DataRow(RpcAcceptStat.GarbageArgs, "00000004")]
    [DataRow(RpcAcceptStat.SystemErr, "00000005")]
    [DataRow((RpcAcceptStat)42, "0000002a")]
    public void AcceptedError_IsTyped(RpcAcceptStat expected, string acceptStat)
    {
        var ex = ReadFails<RpcAcceptedErrorException>(Prefix + ReplyStart + Accepted + acceptStat);
        Assert.AreEqual(expected, ex.AcceptStat);
        Assert.AreEqual(0u, ex.MismatchLow);
        Assert.AreEqual(0u, ex.MismatchHigh);
    }

    [TestMethod]
    public void ProgMismatch_CarriesTheSupportedVersions()
    {
        var ex = ReadFails<RpcAcceptedErrorException>(Prefix + ReplyStart + "00000000 00000000 00000000" + "00000002" + "00000002 00000004");
        Assert.AreEqual(RpcAcceptStat.ProgMismatch, ex.AcceptStat);
        Assert.AreEqual(2u, ex.MismatchLow);
        Assert.AreEqual(4u, ex.MismatchHigh);
        StringAssert.Contains(ex.Message, "2 to 4");
    }

    [TestMethod]
    public void RpcMismatch_CarriesTheSupportedRpcVersions()
    {
        var ex = ReadFails<RpcDeniedException>(Prefix + ReplyStart + "00000001" + "00000000" + "00000002 00000003");
        Assert.AreEqual(RpcRejectStat.RpcMismatch, ex.RejectStat);
        Assert.AreEqual(2u, ex.MismatchLow);
        Assert.AreEqual(3u, ex.MismatchHigh);
    }

    [TestMethod]
    [DataRow(RpcAuthStat.AuthBadCred)]
    [DataRow(RpcAuthStat.AuthRejectedCred)]
    [DataRow(RpcAuthStat.AuthBadVerf)]
    [DataRow(RpcAuthStat.AuthRejectedVerf)]
    [DataRow(RpcAuthStat.AuthTooWeak)]
    [DataRow(RpcAuthStat.AuthInvalidResp)]
    [DataRow(RpcAuthStat.AuthFailed)]
    [DataRow(RpcAuthStat.RpcsecGssCredProblem)]
    [DataRow(RpcAuthStat.RpcsecGssCtxProblem)]
    public void AuthError_CarriesTheAuthStat(RpcAuthStat authStat)
    {
        var ex = ReadFails<RpcDeniedException>(Prefix + ReplyStart + "00000001" + "00000001" + ((uint)authStat).ToString("x8", CultureInfo.InvariantCulture));
        Assert.AreEqual(RpcRejectStat.AuthError, ex.RejectStat);
        Assert.AreEqual(authStat, ex.AuthStat);
    }

    [TestMethod]
    [DataRow("0badf00d 00000000" + "00000000", "msg_type")]
    [DataRow(ReplyStart + "00000002", "reply_stat")]
    [DataRow(ReplyStart + "00000001 00000002", "reject_stat")]
    public void NotARecognisedReply_IsMalformed(string body, string mentioned)
    {
        var ex = ReadFails<RpcMalformedReplyException>(Prefix + body);
        StringAssert.Contains(ex.Message, mentioned);
    }

    [TestMethod]
    [DataRow("0badf0")]
    [DataRow(ReplyStart)]
    [DataRow(ReplyStart + "00000000 00000000")]
    [DataRow(ReplyStart + "00000000 00000000 00000000")]
    [DataRow(ReplyStart + "00000000 00000000 00000000 00000002 00000002")]
    [DataRow(ReplyStart + "00000001 00000000 00000002")]
    [DataRow(ReplyStart + "00000001 00000001")]
    public void TruncatedHeader_IsMalformed_WithTheXdrErrorInside(string body)
    {
        var ex = ReadFails<RpcMalformedReplyException>(Prefix + body);
        Assert.IsInstanceOfType<XdrException>(ex.InnerException);
    }

    [TestMethod]
    public void VerifierOverTheRfcLimit_IsMalformed()
    {
        // RFC 5531 §8.2: opaque_auth.body is at most 400 bytes; 401 is refused before anything is read.
        var body = ReplyStart + "00000000" + "00000000 00000191" + new string('0', 808) + "00000000";
        var ex = ReadFails<RpcMalformedReplyException>(Prefix + body);
        Assert.IsInstanceOfType<XdrException>(ex.InnerException);
    }

    [TestMethod]
    public void TryPeekXid_NeedsEightBytes()
    {
        Assert.IsFalse(RpcMessage.TryPeekXid(Hex("0badf00d 000000"), out _, out _));
        Assert.IsTrue(RpcMessage.TryPeekXid(Hex("0badf00d 00000001"), out var xid, out var type));
        Assert.AreEqual(0x0badf00du, xid);
        Assert.AreEqual(RpcMsgType.Reply, type);
    }

    [TestMethod]
    public void CallHeader_MatchesAHandMadeVector()
    {
        using var writer = new XdrWriter();
        writer.WriteUInt32(0xFFFF_FFFF);
        RpcMessage.WriteCallHeader(writer, 0x0102_0304, 100003, 4, 1, RpcCredential.None);
        var expected =
            "ffffffff" +                    // what was already in the writer stays
            "01020304 00000000 00000002" +  // xid, CALL, rpcvers 2
            "000186a3 00000004 00000001" +  // prog 100003 (NFS), vers 4, proc 1 (COMPOUND)
            "00000000 00000000" +           // cred AUTH_NONE
            "00000000 00000000";            // verf AUTH_NONE
        Assert.AreEqual(ToHex(Hex(expected)), ToHex(writer.WrittenSpan));
    }

    private static void SkipPrefix(ref XdrReader reader)
    {
        reader.ReadUInt32();
        reader.ReadUInt32();
        reader.ReadUInt32();
    }

    private static TException ReadFails<TException>(string hex)
        where TException : Exception
    {
        var bytes = Hex(hex);
        return Assert.ThrowsExactly<TException>(() =>
        {
            var reader = new XdrReader(bytes);
            SkipPrefix(ref reader);
            RpcMessage.ReadReplyHeader(ref reader);
        });
    }
}
