using System.Runtime.CompilerServices;
using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Xdr.XdrTestSupport;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// The reader's cursor: Position, Remaining, Rest and IsAtEnd after each read, decoding at non-zero offsets
/// (after a prefix, inside a slice of a larger buffer, with trailing data), and argument checks.
/// </summary>
[TestClass]
public sealed class XdrReaderTests
{
    [TestMethod]
    public void NewReader_StartsAtZero()
    {
        var reader = new XdrReader(Hex("0000000100000002"));
        Assert.AreEqual(0, reader.Position);
        Assert.AreEqual(8, reader.Remaining);
        Assert.IsFalse(reader.IsAtEnd);
        Assert.AreEqual("0000000100000002", ToHex(reader.Rest));
    }

    [TestMethod]
    public void EmptyBuffer_IsAtEnd()
    {
        var reader = new XdrReader(ReadOnlySpan<byte>.Empty);
        Assert.IsTrue(reader.IsAtEnd);
        Assert.AreEqual(0, reader.Remaining);
        Assert.IsTrue(reader.Rest.IsEmpty);
        reader.ExpectEnd();
    }

    [TestMethod]
    public void DefaultReader_IsAnEmptyReader()
    {
        var reader = default(XdrReader);
        Assert.IsTrue(reader.IsAtEnd);
        reader.ExpectEnd();
        AssertMalformed(ReadOnlySpan<byte>.Empty, 0, static (ref r) => r.ReadUInt32());
    }

    [TestMethod]
    public void EachRead_AdvancesByItsEncodedSize()
    {
        var buffer = Encode(w =>
        {
            w.WriteInt32(-7);                     // 4
            w.WriteUInt64(9);                     // 8
            w.WriteBool(true);                    // 4
            w.WriteEnum(Colour.Yellow);           // 4
            w.WriteFixedOpaque([1, 2, 3]);        // 4 (3 + 1 fill)
            w.WriteOpaque([1, 2, 3, 4, 5]);       // 4 + 8
            w.WriteString("hello");               // 4 + 8
            w.WriteArrayCount(2);                 // 4
        });
        Assert.AreEqual(52, buffer.Length);

        var reader = new XdrReader(buffer);
        Assert.AreEqual(-7, reader.ReadInt32());
        AssertCursor(reader, 4, buffer.Length);
        Assert.AreEqual(9L, reader.ReadInt64());
        AssertCursor(reader, 12, buffer.Length);
        Assert.IsTrue(reader.ReadBool());
        AssertCursor(reader, 16, buffer.Length);
        Assert.AreEqual(Colour.Yellow, reader.ReadEnum<Colour>());
        AssertCursor(reader, 20, buffer.Length);
        Assert.AreEqual("010203", ToHex(reader.ReadFixedOpaque(3)));
        AssertCursor(reader, 24, buffer.Length);
        Assert.AreEqual("0102030405", ToHex(reader.ReadOpaque()));
        AssertCursor(reader, 36, buffer.Length);
        Assert.AreEqual("hello", reader.ReadString());
        AssertCursor(reader, 48, buffer.Length);
        Assert.AreEqual(2, reader.ReadArrayCount(minElementSize: 0));
        AssertCursor(reader, 52, buffer.Length);
        Assert.IsTrue(reader.IsAtEnd);
        reader.ExpectEnd();
    }

    [TestMethod]
    public void ReadAfterPrefix_UsingSkip_ReportsAbsolutePositionAndRest()
    {
        // [prefix 12 bytes][hyper][string "ab"][trailing 4 bytes]
        var body = Hex("0102030405060708 00000002 61620000");
        var buffer = Prefixed([.. body, 0xEE, 0xEE, 0xEE, 0xEE], 12);

        var reader = new XdrReader(buffer);
        reader.Skip(12);
        Assert.AreEqual(12, reader.Position);
        Assert.AreEqual(0x0102030405060708UL, reader.ReadUInt64());
        Assert.AreEqual(20, reader.Position);
        Assert.AreEqual("ab", reader.ReadString());
        Assert.AreEqual(28, reader.Position);
        Assert.AreEqual(4, reader.Remaining);
        Assert.AreEqual("EEEEEEEE", ToHex(reader.Rest));
        Assert.IsFalse(reader.IsAtEnd);
    }

    [TestMethod]
    public void ReadInsideSliceOfLargerBuffer_PositionsAreRelativeToTheSlice()
    {
        var body = Hex("00000003 414243 00 FFFFFFFF");
        var large = new byte[64];
        large.AsSpan().Fill(0x5A);
        body.CopyTo(large, 20);

        // The slice ends exactly at the body: the bytes around it must neither be read nor counted.
        var reader = new XdrReader(large.AsSpan(20, body.Length));
        Assert.AreEqual(0, reader.Position);
        Assert.AreEqual(12, reader.Remaining);
        Assert.AreEqual("ABC", reader.ReadString());
        Assert.AreEqual(8, reader.Position);
        Assert.AreEqual(-1, reader.ReadInt32());
        Assert.IsTrue(reader.IsAtEnd);
        reader.ExpectEnd();

        // And a read that would run into the surrounding buffer fails instead.
        AssertMalformed(large.AsSpan(20, body.Length), 8, static (ref r) => r.ReadUInt64());
    }

    [TestMethod]
    public void ReadInsideSliceWithTrailingData_LeavesTheTrailingDataInRest()
    {
        var large = Hex("AAAAAAAA 00000002 0102 0000 0000002A BBBBBBBB");
        var reader = new XdrReader(large.AsSpan(4, 16));
        Assert.AreEqual("0102", ToHex(reader.ReadOpaque(maxLength: 2)));
        Assert.AreEqual(8, reader.Position);
        Assert.AreEqual(8, reader.Remaining);
        Assert.AreEqual("0000002ABBBBBBBB", ToHex(reader.Rest));
        Assert.AreEqual(42, reader.ReadInt32());
        Assert.AreEqual("BBBBBBBB", ToHex(reader.Rest));
        AssertMalformed(large.AsSpan(4, 16), 12, static (ref r) => r.ExpectEnd());
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(5)]
    public void FixedOpaque_AtNonZeroOffset_SkipsItsFill(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)(i + 1);
        }

        var body = Encode(w =>
        {
            w.WriteFixedOpaque(data);
            w.WriteUInt32(0x01020304);
        });
        var buffer = Prefixed([.. body, 0x99], 8);
        var reader = new XdrReader(buffer);
        reader.Skip(8);
        Assert.AreEqual(ToHex(data), ToHex(reader.ReadFixedOpaque(length)));
        Assert.AreEqual(8 + ((length + 3) & ~3), reader.Position);
        Assert.AreEqual(0x01020304u, reader.ReadUInt32());
        Assert.AreEqual("99", ToHex(reader.Rest));
    }

    [TestMethod]
    public void ReadOpaque_ReturnsASliceOfTheInputNotACopy()
    {
        var buffer = Hex("00000003 AABBCC00");
        var reader = new XdrReader(buffer);
        var data = reader.ReadOpaque();
        Assert.IsTrue(Unsafe.AreSame(ref Unsafe.AsRef(in data[0]), ref buffer[4]));
    }

    [TestMethod]
    public void ReadFixedOpaque_ReturnsASliceOfTheInputNotACopy()
    {
        var buffer = Hex("00000000 AABBCC00");
        var reader = new XdrReader(buffer);
        reader.Skip(4);
        var data = reader.ReadFixedOpaque(3);
        Assert.IsTrue(Unsafe.AreSame(ref Unsafe.AsRef(in data[0]), ref buffer[4]));
    }

    [TestMethod]
    public void ReadOpaque_AtExactlyItsMaximum_Succeeds()
    {
        var reader = new XdrReader(Hex("00000004 01020304"));
        Assert.AreEqual("01020304", ToHex(reader.ReadOpaque(maxLength: 4)));
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void ReadOpaque_EmptyWithZeroMaximum_Succeeds()
    {
        var reader = new XdrReader(Hex("00000000"));
        Assert.IsTrue(reader.ReadOpaque(maxLength: 0).IsEmpty);
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void ReadString_MaximumCountsBytesNotCharacters()
    {
        // "éé" is two characters but four UTF-8 bytes.
        var buffer = Hex("00000004 C3A9C3A9");
        var reader = new XdrReader(buffer);
        Assert.AreEqual("éé", reader.ReadString(maxLength: 4));
        AssertMalformed(buffer, 0, static (ref r) => r.ReadString(maxLength: 3));
    }

    [TestMethod]
    public void ReadString_KeepsAByteOrderMark()
    {
        // U+FEFF is a valid character, not a signature to strip: the string must round-trip unchanged.
        var reader = new XdrReader(Hex("00000004 EFBBBF61"));
        Assert.AreEqual("\uFEFFa", reader.ReadString());
    }

    [TestMethod]
    public void ReadArrayCount_AtExactlyTheBytesRemaining_Succeeds()
    {
        // Three elements of at least 4 bytes with exactly 12 bytes left.
        var reader = new XdrReader(Hex("00000003 00000001 00000002 00000003"));
        Assert.AreEqual(3, reader.ReadArrayCount(maxCount: 3, minElementSize: 4));
        Assert.AreEqual(4, reader.Position);
    }

    [TestMethod]
    public void ReadArrayCount_WithZeroMinimumElementSize_IsBoundedOnlyByMaxCount()
    {
        // Elements that can encode as nothing (void) do not need bytes; maxCount still bounds them.
        var reader = new XdrReader(Hex("00000100"));
        Assert.AreEqual(256, reader.ReadArrayCount(maxCount: 256, minElementSize: 0));
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void Skip_MovesTheCursor_AndZeroIsAllowed()
    {
        var reader = new XdrReader(Hex("0000000000000007"));
        reader.Skip(0);
        Assert.AreEqual(0, reader.Position);
        reader.Skip(4);
        Assert.AreEqual(4, reader.Position);
        Assert.AreEqual(7, reader.ReadInt32());
        reader.Skip(0);
        Assert.IsTrue(reader.IsAtEnd);
    }

    [TestMethod]
    public void Skip_ToExactlyTheEnd_Succeeds()
    {
        var reader = new XdrReader(new byte[12]);
        reader.Skip(12);
        Assert.IsTrue(reader.IsAtEnd);
        reader.ExpectEnd();
    }

    [TestMethod]
    public void CopiedReader_IsAnIndependentCursor()
    {
        // A ref struct copy is a saved position: a decoder can look ahead and go back.
        var reader = new XdrReader(Hex("00000001 00000002"));
        var saved = reader;
        Assert.AreEqual(1, reader.ReadInt32());
        Assert.AreEqual(0, saved.Position);
        Assert.AreEqual(1, saved.ReadInt32());
        Assert.AreEqual(2, reader.ReadInt32());
    }

    [TestMethod]
    public void ReadEnum_OfANon32BitEnum_IsMisuseNotMalformedInput()
    {
        var buffer = Hex("00000000 00000000");
        Assert.ThrowsExactly<ArgumentException>(() =>
        {
            var reader = new XdrReader(buffer);
            reader.ReadEnum<LongEnum>();
        });
        Assert.ThrowsExactly<ArgumentException>(() =>
        {
            var reader = new XdrReader(buffer);
            reader.ReadEnum<ByteEnum>();
        });
    }

    [TestMethod]
    public void NegativeArguments_AreMisuseNotMalformedInput()
    {
        var buffer = Hex("00000000 00000000");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new XdrReader(buffer).ReadFixedOpaque(-1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new XdrReader(buffer).Skip(-1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new XdrReader(buffer).ReadArrayCount(minElementSize: -1));
    }

    [TestMethod]
    public void NegativeMaximums_AreMisuseNotMalformedInput()
    {
        // A negative maximum must not be read as "no maximum" (as (uint)-1 would be): it is a caller bug.
        // Before the fix, ReadArrayCount(maxCount: -1) returned int.MinValue for this input, and
        // ReadOpaque(maxLength: -1) failed with whatever exception the span slicing happened to raise.
        foreach (var hex in new[] { "80000000 00000000", "FFFFFFFF 00000000", "00000000 00000000" })
        {
            var buffer = Hex(hex);
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new XdrReader(buffer).ReadOpaque(maxLength: -1), hex);
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new XdrReader(buffer).ReadString(maxLength: -1), hex);
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new XdrReader(buffer).ReadArrayCount(maxCount: -1), hex);
        }
    }

    private static void AssertCursor(XdrReader reader, int position, int length)
    {
        Assert.AreEqual(position, reader.Position);
        Assert.AreEqual(length - position, reader.Remaining);
        Assert.AreEqual(length - position, reader.Rest.Length);
        Assert.AreEqual(position == length, reader.IsAtEnd);
    }
}
