using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Xdr.XdrTestSupport;

namespace DokanNfs.Core.Tests.Nfs4;

/// <summary>
/// The COMPOUND4res tag is echoed by the server and never read: Linux nfsd (6.1) copies it into the reply without
/// zeroing its XDR padding, so the header reader skips it without the padding check every other opaque gets.
/// </summary>
[TestClass]
public sealed class CompoundTagPaddingTests
{
    // status NFS4_OK, tag "lease" (5 bytes, then 3 residual bytes that are not zero), 0 operations.
    private const string ReplyWithDirtyTagPadding = "00000000 00000005 6c65617365 a5a5a5 00000000";

    [TestMethod]
    public void A_reply_whose_tag_padding_is_not_zero_is_accepted()
    {
        var reader = new XdrReader(Hex(ReplyWithDirtyTagPadding));
        var results = CompoundResults.Begin(ref reader);
        Assert.AreEqual(NfsStat4.Ok, results.Status);
        Assert.AreEqual(0, results.OpCount);
        reader.ExpectEnd();
    }

    [TestMethod]
    public void Other_opaques_still_need_zero_padding()
    {
        var bytes = Hex(ReplyWithDirtyTagPadding);
        AssertMalformed(bytes.AsSpan(4), 0, static (ref r) => r.ReadOpaque());
    }

    [TestMethod]
    public void A_tag_longer_than_the_reply_is_malformed()
    {
        var bytes = Hex("00000000 00000040 6c656173");
        Assert.ThrowsExactly<XdrException>(() =>
        {
            var reader = new XdrReader(bytes);
            _ = CompoundResults.Begin(ref reader);
        });
    }
}
