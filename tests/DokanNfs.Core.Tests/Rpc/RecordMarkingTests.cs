using DokanNfs.Core.Rpc;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>RFC 5531 §11 fragment headers: the top bit marks the last fragment, the low 31 bits its length.</summary>
[TestClass]
public sealed class RecordMarkingTests
{
    [TestMethod]
    [DataRow(0, true, 0x8000_0000u)]
    [DataRow(0, false, 0x0000_0000u)]
    [DataRow(1, true, 0x8000_0001u)]
    [DataRow(40, true, 0x8000_0028u)]
    [DataRow(40, false, 0x0000_0028u)]
    [DataRow(0x0102_0304, false, 0x0102_0304u)]
    [DataRow(0x7FFF_FFFF, true, 0xFFFF_FFFFu)]
    [DataRow(0x7FFF_FFFF, false, 0x7FFF_FFFFu)]
    public void Header_EncodesAndDecodes(int length, bool isLast, uint header)
    {
        Assert.AreEqual(header, RecordMarking.EncodeHeader(length, isLast));
        Assert.AreEqual((length, isLast), RecordMarking.DecodeHeader(header));
    }

    [TestMethod]
    public void WriteHeader_IsBigEndian_AndReadsBackAtAnOffset()
    {
        var buffer = new byte[11];
        buffer.AsSpan().Fill(0xCC);
        RecordMarking.WriteHeader(buffer.AsSpan(3), 0x0001_0203, isLast: true);
        Assert.AreEqual("cccccc80010203cccccccc", ToHex(buffer));
        Assert.AreEqual((0x0001_0203, true), RecordMarking.ReadHeader(buffer.AsSpan(3)));

        RecordMarking.WriteHeader(buffer.AsSpan(7), 5, isLast: false);
        Assert.AreEqual("cccccc8001020300000005", ToHex(buffer));
        Assert.AreEqual((5, false), RecordMarking.ReadHeader(buffer.AsSpan(7)));
    }

    [TestMethod]
    public void ReadHeader_OfAnRfcVector()
    {
        // A last fragment of 0x1C = 28 bytes, as on the wire.
        Assert.AreEqual((28, true), RecordMarking.ReadHeader(Hex("8000001c")));
        Assert.AreEqual((28, false), RecordMarking.ReadHeader(Hex("0000001c")));
    }

    [TestMethod]
    public void EncodeHeader_RefusesANegativeLength() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => RecordMarking.EncodeHeader(-1, isLast: true));
}
