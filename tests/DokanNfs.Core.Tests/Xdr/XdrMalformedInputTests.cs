using System.Text;
using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Xdr.XdrTestSupport;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// Hostile and broken input. Every case must raise <see cref="XdrException"/> (never another type), leave the
/// reader where it was (a failed read consumes nothing), and report the offending field's start; each is run
/// at offsets 0, 4 and 12 (see <see cref="XdrTestSupport.Offsets"/>) so the checks are not only right at byte 0.
/// </summary>
[TestClass]
public sealed class XdrMalformedInputTests
{
    // ---- Truncated fixed-size items (RFC 4506 §4.1, §4.2, §4.4, §4.5) ----

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void TruncatedInt_Throws(int available)
    {
        var body = new byte[available];
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadInt32());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadUInt32());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadBool());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadOptional());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadEnum<Colour>());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadOpaque());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadString());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadArrayCount());
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(4)]
    [DataRow(7)]
    public void TruncatedHyper_Throws(int available)
    {
        var body = new byte[available];
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadInt64());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadUInt64());
    }

    [TestMethod]
    public void FailedRead_LeavesTheReaderUsable()
    {
        // A bool of 2 is malformed, but the same four bytes are a perfectly good unsigned int.
        var reader = new XdrReader(Hex("00000002"));
        try
        {
            reader.ReadBool();
            Assert.Fail("bool 2 was accepted");
        }
        catch (XdrException)
        {
        }

        Assert.AreEqual(0, reader.Position);
        Assert.AreEqual(2u, reader.ReadUInt32());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // ---- Booleans (RFC 4506 §4.4: exactly 0 or 1) ----

    [TestMethod]
    [DataRow("00000002")]
    [DataRow("FFFFFFFF")]
    [DataRow("80000000")]
    [DataRow("00000100")]
    [DataRow("01000000")]
    public void BoolOutOfRange_Throws(string hex)
    {
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadBool());
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadOptional());
    }

    // ---- Fixed opaque (RFC 4506 §4.9) ----

    [TestMethod]
    [DataRow(1, "")]
    [DataRow(1, "01")]
    [DataRow(1, "0100")]
    [DataRow(1, "010000")]
    [DataRow(5, "01020304")]
    [DataRow(5, "0102030405")]
    [DataRow(5, "01020304050000")]
    public void FixedOpaque_ShorterThanItsPaddedLength_Throws(int length, string hex)
    {
        // The fill is part of the item: data without its fill is as truncated as missing data.
        AssertMalformedAtEveryOffset(Hex(hex), (ref r) => r.ReadFixedOpaque(length));
    }

    [TestMethod]
    [DataRow(1, "01010000")]
    [DataRow(1, "01000001")]
    [DataRow(2, "0102FF00")]
    [DataRow(3, "01020380")]
    [DataRow(5, "0102030405000100")]
    public void FixedOpaque_WithNonZeroFill_Throws(int length, string hex)
    {
        AssertMalformedAtEveryOffset(Hex(hex), (ref r) => r.ReadFixedOpaque(length));
    }

    [TestMethod]
    public void FixedOpaque_OfHugeLength_Throws()
    {
        // int.MaxValue pads to 2^31, which must not wrap negative and slip past the bounds check.
        AssertMalformedAtEveryOffset(new byte[16], static (ref r) => r.ReadFixedOpaque(int.MaxValue));
        AssertMalformedAtEveryOffset(new byte[16], static (ref r) => r.ReadFixedOpaque(int.MaxValue - 3));
    }

    // ---- Variable opaque (RFC 4506 §4.10) and strings (§4.11) ----

    [TestMethod]
    [DataRow("00000001")]
    [DataRow("00000004 010203")]
    [DataRow("00000005 0102030405")]
    [DataRow("00000005 01020304050000")]
    [DataRow("00000010 00000000 00000000 00000000")]
    public void OpaqueLengthBeyondTheBytesRemaining_Throws(string hex)
    {
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadOpaque());
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadString());
    }

    [TestMethod]
    [DataRow(5, 4)]
    [DataRow(1, 0)]
    [DataRow(257, 256)]
    [DataRow(65536, 65535)]
    public void OpaqueLengthBeyondItsMaximum_Throws_EvenWhenTheBytesArePresent(int length, int maxLength)
    {
        // The declared length, its bytes and their zero fill are all there; only the maximum is violated.
        var body = Encode(w => w.WriteOpaque(new byte[length]));
        AssertMalformedAtEveryOffset(body, (ref r) => r.ReadOpaque(maxLength));
        AssertMalformedAtEveryOffset(body, (ref r) => r.ReadString(maxLength));

        var reader = new XdrReader(body);
        Assert.AreEqual(length, reader.ReadOpaque(maxLength + 1).Length);
    }

    [TestMethod]
    [DataRow("FFFFFFFF")]
    [DataRow("FFFFFFFC")]
    [DataRow("80000000")]
    [DataRow("7FFFFFFF")]
    [DataRow("7FFFFFFD")]
    [DataRow("7FFFFFFC")]
    public void HostileOpaqueLength_Throws_WithoutOverflowOrAllocation(string lengthHex)
    {
        // 0x7FFFFFFF passes the default maximum (int.MaxValue) and pads to 2^31: the arithmetic must be done
        // wide enough not to wrap negative. Lengths above int.MaxValue must be rejected, not cast to negative.
        var body = Hex(lengthHex + "00000000 00000000");
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadOpaque());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadString());
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadOpaque(1024));
    }

    [TestMethod]
    [DataRow("00000001 61010000")]
    [DataRow("00000001 61000001")]
    [DataRow("00000002 6162FF00")]
    [DataRow("00000003 61626301")]
    [DataRow("00000005 6162636465800000")]
    public void VariableOpaqueAndString_WithNonZeroFill_Throw(string hex)
    {
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadOpaque());
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadString());
    }

    [TestMethod]
    [DataRow("00000001 80000000")] // lone continuation byte
    [DataRow("00000001 C3000000")] // truncated two-byte sequence
    [DataRow("00000002 C3280000")] // invalid continuation
    [DataRow("00000002 C0AF0000")] // overlong '/'
    [DataRow("00000003 E0808000")] // overlong NUL
    [DataRow("00000003 EDA08000")] // UTF-16 surrogate D800 encoded in UTF-8
    [DataRow("00000004 F4900000")] // beyond U+10FFFF
    [DataRow("00000001 FF000000")] // never valid in UTF-8
    [DataRow("00000004 61FE6263")] // invalid byte in the middle
    public void StringWithInvalidUtf8_Throws(string hex)
    {
        foreach (var offset in Offsets)
        {
            var ex = AssertMalformed(Prefixed(Hex(hex), offset), offset, static (ref r) => r.ReadString());
            Assert.IsInstanceOfType<DecoderFallbackException>(ex.InnerException);
        }

        // The same bytes are acceptable as opaque: only strings promise text.
        var reader = new XdrReader(Hex(hex));
        reader.ReadOpaque();
        Assert.IsTrue(reader.IsAtEnd);
    }

    // ---- Array counts (RFC 4506 §4.13) ----

    [TestMethod]
    public void ArrayCountBeyondMaxCount_Throws_EvenWhenTheElementsArePresent()
    {
        var body = Encode(w =>
        {
            w.WriteArrayCount(3);
            w.WriteInt32(1);
            w.WriteInt32(2);
            w.WriteInt32(3);
        });
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadArrayCount(maxCount: 2));
        AssertMalformedAtEveryOffset(body, static (ref r) => r.ReadArrayCount(maxCount: 0));
    }

    [TestMethod]
    [DataRow("40000000 00000000 00000000", 4)] // 2^30 elements, 8 bytes left: 2^32 bytes needed
    [DataRow("40000000 00000000 00000000", 8)]
    [DataRow("00000003 00000000 00000000", 4)] // one element short
    [DataRow("00000002 00000000 00000000", 8)] // 16 bytes needed, 8 left
    [DataRow("7FFFFFFF 00000000 00000000", 4)]
    [DataRow("00000002 00000000 00000000", int.MaxValue)] // count * size must not overflow
    [DataRow("00000001", 4)] // no bytes left for the one element
    public void ArrayCountBeyondTheBytesRemaining_Throws(string hex, int minElementSize)
    {
        // The check happens before the caller gets a count it would allocate an array for.
        AssertMalformedAtEveryOffset(Hex(hex), (ref r) => r.ReadArrayCount(int.MaxValue, minElementSize));
    }

    [TestMethod]
    [DataRow("FFFFFFFF")]
    [DataRow("80000000")]
    public void ArrayCountAboveIntMaxValue_Throws_EvenWithZeroElementSize(string hex)
    {
        // With minElementSize 0 only the maximum stands between a hostile count and a negative int.
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadArrayCount(int.MaxValue, 0));
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ReadArrayCount(1000, 0));
    }

    // ---- End of message and skipping ----

    [TestMethod]
    [DataRow("00")]
    [DataRow("00000000")]
    [DataRow("0000000000000000")]
    public void ExpectEnd_WithTrailingBytes_Throws(string hex)
    {
        AssertMalformedAtEveryOffset(Hex(hex), static (ref r) => r.ExpectEnd());
    }

    [TestMethod]
    public void ExpectEnd_AfterTheLastField_WithTrailingBytes_Throws()
    {
        var buffer = Hex("00000001 DEADBEEF");
        var reader = new XdrReader(buffer);
        Assert.AreEqual(1, reader.ReadInt32());
        AssertMalformed(buffer, 4, static (ref r) => r.ExpectEnd());
    }

    [TestMethod]
    [DataRow(0, 1)]
    [DataRow(4, 5)]
    [DataRow(4, 8)]
    [DataRow(4, int.MaxValue)]
    public void SkipBeyondTheEnd_Throws(int available, int skip)
    {
        AssertMalformedAtEveryOffset(new byte[available], (ref r) => r.Skip(skip));
    }

    // ---- Composite structures: the caller's own union checks use the same exception ----

    [TestMethod]
    public void UnionWithUnknownDiscriminant_AndNoDefaultArm_Throws()
    {
        // RFC 4506 §4.15: filetype has no default arm, so filekind 3 is malformed.
        var buffer = Hex("00000001 61000000 00000003 00000001 6F000000 00000000");
        var reader = new XdrReader(buffer);
        try
        {
            XdrFile.Read(ref reader);
            Assert.Fail("filekind 3 was accepted");
        }
        catch (XdrException ex)
        {
            Assert.AreEqual(8, ex.Position);
        }
    }

    [TestMethod]
    public void Rfc4506Section7_FileExample_WithTrailingGarbage_FailsExpectEnd()
    {
        var buffer = Hex(XdrFile.SillyProgHex + "00000000");
        var reader = new XdrReader(buffer);
        XdrFile.Read(ref reader);
        AssertMalformed(buffer, 48, static (ref r) => r.ExpectEnd());
    }

    [TestMethod]
    public void Rfc4506Section7_FileExample_OverLongOwner_Throws()
    {
        // owner<MAXUSERNAME = 32>: a 33-byte owner is malformed even though the bytes are all there.
        var owner = new string('o', XdrFile.MaxUserName + 1);
        var buffer = Encode(w =>
        {
            w.WriteString("f");
            w.WriteEnum(FileKind.Text);
            w.WriteString(owner);
            w.WriteOpaque([]);
        });
        var reader = new XdrReader(buffer);
        try
        {
            XdrFile.Read(ref reader);
            Assert.Fail("a 33-byte owner was accepted");
        }
        catch (XdrException ex)
        {
            Assert.AreEqual(12, ex.Position);
            Assert.AreEqual(12, reader.Position);
        }
    }
}
