using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Xdr.XdrTestSupport;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// Known encodings, checked in both directions: the writer produces exactly these bytes and the reader turns
/// them back into the value and consumes all of them. The vectors follow the rules of RFC 4506 §4 (big-endian
/// two's complement, four-byte units, zero fill) and the worked example of §7, for every type NFSv4 uses.
/// </summary>
[TestClass]
public sealed class XdrVectorTests
{
    // RFC 4506 §4.1: a signed integer is 32-bit two's complement, most significant byte first.
    [TestMethod]
    [DataRow(0, "00000000")]
    [DataRow(1, "00000001")]
    [DataRow(-1, "FFFFFFFF")]
    [DataRow(0x12345678, "12345678")]
    [DataRow(int.MaxValue, "7FFFFFFF")]
    [DataRow(int.MinValue, "80000000")]
    public void Int_Vector(int value, string hex)
    {
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteInt32(value))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(value, reader.ReadInt32());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.2: an unsigned integer covers [0, 2^32 - 1].
    [TestMethod]
    [DataRow(0u, "00000000")]
    [DataRow(1u, "00000001")]
    [DataRow(0x80000000u, "80000000")]
    [DataRow(0xDEADBEEFu, "DEADBEEF")]
    [DataRow(uint.MaxValue, "FFFFFFFF")]
    public void UnsignedInt_Vector(uint value, string hex)
    {
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteUInt32(value))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(value, reader.ReadUInt32());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.5: a hyper is 64-bit two's complement, most significant byte first.
    [TestMethod]
    [DataRow(0L, "0000000000000000")]
    [DataRow(1L, "0000000000000001")]
    [DataRow(-1L, "FFFFFFFFFFFFFFFF")]
    [DataRow(-2L, "FFFFFFFFFFFFFFFE")]
    [DataRow(0x0102030405060708L, "0102030405060708")]
    [DataRow(long.MaxValue, "7FFFFFFFFFFFFFFF")]
    [DataRow(long.MinValue, "8000000000000000")]
    public void Hyper_Vector(long value, string hex)
    {
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteInt64(value))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(value, reader.ReadInt64());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.5: an unsigned hyper covers [0, 2^64 - 1].
    [TestMethod]
    [DataRow(0UL, "0000000000000000")]
    [DataRow(0x100000000UL, "0000000100000000")]
    [DataRow(0x8000000000000000UL, "8000000000000000")]
    [DataRow(0xFEDCBA9876543210UL, "FEDCBA9876543210")]
    [DataRow(ulong.MaxValue, "FFFFFFFFFFFFFFFF")]
    public void UnsignedHyper_Vector(ulong value, string hex)
    {
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteUInt64(value))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(value, reader.ReadUInt64());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.4: bool is enum { FALSE = 0, TRUE = 1 }.
    [TestMethod]
    [DataRow(false, "00000000")]
    [DataRow(true, "00000001")]
    public void Bool_Vector(bool value, string hex)
    {
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteBool(value))));
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteOptional(value))));
        var reader = new XdrReader(Hex(hex + hex));
        Assert.AreEqual(value, reader.ReadBool());
        Assert.AreEqual(value, reader.ReadOptional());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.3: an enum has the same representation as a signed integer.
    [TestMethod]
    [DataRow(Colour.Red, "00000000")]
    [DataRow(Colour.Yellow, "00000002")]
    [DataRow(Colour.Blue, "00000003")]
    [DataRow(Colour.Negative, "FFFFFFFF")]
    public void Enum_Vector(Colour value, string hex)
    {
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteEnum(value))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(value, reader.ReadEnum<Colour>());
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void Enum_ValueTheCallerDoesNotKnow_IsReturnedForTheCallerToJudge()
    {
        // NFSv4 adds enum values across minor versions, so the reader passes them through.
        var reader = new XdrReader(Hex("00000007"));
        Assert.AreEqual(7, (int)reader.ReadEnum<Colour>());
    }

    [TestMethod]
    public void Enum_WithUnsignedUnderlyingType_UsesAllThirtyTwoBits()
    {
        Assert.AreEqual("FFFFFFFF", ToHex(Encode(w => w.WriteEnum(UnsignedColour.All))));
        var reader = new XdrReader(Hex("FFFFFFFF"));
        Assert.AreEqual(UnsignedColour.All, reader.ReadEnum<UnsignedColour>());
    }

    // RFC 4506 §4.9: fixed-length opaque data is followed by zero bytes to a multiple of four.
    [TestMethod]
    [DataRow("", "")]
    [DataRow("01", "01000000")]
    [DataRow("0102", "01020000")]
    [DataRow("010203", "01020300")]
    [DataRow("01020304", "01020304")]
    [DataRow("0102030405", "0102030405000000")]
    [DataRow("FFFFFFFFFFFFFF", "FFFFFFFFFFFFFF00")]
    public void FixedOpaque_Vector_PadsWithZeroToFourBytes(string dataHex, string hex)
    {
        var data = Hex(dataHex);
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteFixedOpaque(data))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(dataHex, ToHex(reader.ReadFixedOpaque(data.Length)));
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.10: variable-length opaque data is an unsigned length, the bytes, and zero fill.
    [TestMethod]
    [DataRow("", "00000000")]
    [DataRow("AA", "00000001AA000000")]
    [DataRow("AABB", "00000002AABB0000")]
    [DataRow("AABBCC", "00000003AABBCC00")]
    [DataRow("AABBCCDD", "00000004AABBCCDD")]
    [DataRow("0001020304", "000000050001020304000000")]
    public void VariableOpaque_Vector(string dataHex, string hex)
    {
        var data = Hex(dataHex);
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteOpaque(data))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(dataHex, ToHex(reader.ReadOpaque()));
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.11: a string is encoded like variable opaque; its length counts bytes, not characters.
    [TestMethod]
    [DataRow("", "00000000")]
    [DataRow("a", "0000000161000000")]
    [DataRow("john", "000000046A6F686E")]
    [DataRow("sillyprog", "0000000973696C6C7970726F67000000")]
    [DataRow("é", "00000002C3A90000")]
    [DataRow("Ω€", "00000005CEA9E282AC000000")]
    [DataRow("日本", "00000006E697A5E69CAC0000")]
    [DataRow("😀", "00000004F09F9880")]
    [DataRow("a\0b", "0000000361006200")]
    public void String_Vector(string value, string hex)
    {
        Assert.AreEqual(hex, ToHex(Encode(w => w.WriteString(value))));
        var reader = new XdrReader(Hex(hex));
        Assert.AreEqual(value, reader.ReadString());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.13: a variable-length array is an unsigned count followed by the elements.
    [TestMethod]
    public void VariableArrayOfInts_Vector()
    {
        int[] values = [1, -2, 3];
        const string hex = "00000003 00000001 FFFFFFFE 00000003";
        var encoded = Encode(w =>
        {
            w.WriteArrayCount(values.Length, maxCount: 3);
            foreach (var v in values)
            {
                w.WriteInt32(v);
            }
        });
        Assert.AreEqual(ToHex(Hex(hex)), ToHex(encoded));

        var reader = new XdrReader(encoded);
        var decoded = new int[reader.ReadArrayCount(maxCount: 3, minElementSize: 4)];
        for (var i = 0; i < decoded.Length; i++)
        {
            decoded[i] = reader.ReadInt32();
        }

        CollectionAssert.AreEqual(values, decoded);
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void EmptyArray_Vector()
    {
        Assert.AreEqual("00000000", ToHex(Encode(w => w.WriteArrayCount(0))));
        var reader = new XdrReader(Hex("00000000"));
        Assert.AreEqual(0, reader.ReadArrayCount());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.13: elements of a string array each carry their own length and fill.
    [TestMethod]
    public void ArrayOfStrings_Vector()
    {
        string[] values = ["a", "bc", string.Empty, "defgh"];
        const string hex = "00000004 00000001 61000000 00000002 62630000 00000000 00000005 6465666768000000";
        var encoded = Encode(w =>
        {
            w.WriteArrayCount(values.Length);
            foreach (var v in values)
            {
                w.WriteString(v);
            }
        });
        Assert.AreEqual(ToHex(Hex(hex)), ToHex(encoded));

        var reader = new XdrReader(encoded);
        var decoded = new string[reader.ReadArrayCount(maxCount: 8, minElementSize: 4)];
        for (var i = 0; i < decoded.Length; i++)
        {
            decoded[i] = reader.ReadString();
        }

        CollectionAssert.AreEqual(values, decoded);
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.19: optional data is a bool, then the value when it is TRUE.
    [TestMethod]
    public void OptionalData_PresentAndAbsent_Vector()
    {
        var present = Encode(w =>
        {
            w.WriteOptional(true);
            w.WriteUInt32(0xCAFEF00D);
        });
        Assert.AreEqual("00000001CAFEF00D", ToHex(present));
        Assert.AreEqual("00000000", ToHex(Encode(w => w.WriteOptional(false))));

        var reader = new XdrReader(present);
        Assert.IsTrue(reader.ReadOptional());
        Assert.AreEqual(0xCAFEF00Du, reader.ReadUInt32());
        Assert.IsTrue(reader.IsAtEnd);

        reader = new XdrReader(Hex("00000000"));
        Assert.IsFalse(reader.ReadOptional());
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.19: the stringlist example, a linked list of optional nodes.
    [TestMethod]
    [DataRow(new string[0], "00000000")]
    [DataRow(new[] { "a" }, "00000001 00000001 61000000 00000000")]
    [DataRow(new[] { "a", "bc", "def" }, "00000001 00000001 61000000 00000001 00000002 62630000 00000001 00000003 64656600 00000000")]
    public void StringList_Vector(string[] items, string hex)
    {
        var encoded = Encode(w => StringList.Write(w, items));
        Assert.AreEqual(ToHex(Hex(hex)), ToHex(encoded));

        var reader = new XdrReader(encoded);
        CollectionAssert.AreEqual(items, StringList.Read(ref reader));
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §4.15: a discriminated union is the discriminant followed by the selected arm.
    [TestMethod]
    [DataRow(0, 0x1122334455667788UL, "00000000 1122334455667788")]
    [DataRow(2, 0UL, "00000002")]
    [DataRow(-5, 0UL, "FFFFFFFB")]
    public void UnionWithVoidDefaultArm_Vector(int status, ulong value, string hex)
    {
        var result = new XdrResult(status, value);
        var encoded = Encode(result.Write);
        Assert.AreEqual(ToHex(Hex(hex)), ToHex(encoded));

        var reader = new XdrReader(encoded);
        Assert.AreEqual(result, XdrResult.Read(ref reader));
        Assert.IsTrue(reader.IsAtEnd);
    }

    // RFC 4506 §7: the specification's worked example, encoded exactly as its table shows.
    [TestMethod]
    public void Rfc4506Section7_FileExample_Encodes()
    {
        var encoded = Encode(XdrFile.SillyProg.Write);
        Assert.AreEqual(ToHex(Hex(XdrFile.SillyProgHex)), ToHex(encoded));
        Assert.AreEqual(48, encoded.Length);
    }

    [TestMethod]
    public void Rfc4506Section7_FileExample_Decodes()
    {
        var reader = new XdrReader(Hex(XdrFile.SillyProgHex));
        var file = XdrFile.Read(ref reader);
        reader.ExpectEnd();
        XdrFile.SillyProg.AssertEqual(file);
    }

    [TestMethod]
    [DataRow(FileKind.Text, null, "00000001 61000000 00000000 00000001 6F000000 00000000")]
    [DataRow(FileKind.Data, "c", "00000001 61000000 00000001 00000001 63000000 00000001 6F000000 00000000")]
    public void Rfc4506Section7_FileUnionArms(FileKind kind, string? arm, string hex)
    {
        var file = new XdrFile("a", kind, arm, "o", []);
        var encoded = Encode(file.Write);
        Assert.AreEqual(ToHex(Hex(hex)), ToHex(encoded));

        var reader = new XdrReader(encoded);
        file.AssertEqual(XdrFile.Read(ref reader));
        reader.ExpectEnd();
    }
}
