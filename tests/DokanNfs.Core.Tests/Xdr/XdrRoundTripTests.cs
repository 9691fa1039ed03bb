using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Xdr.XdrTestSupport;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// Write with <see cref="XdrWriter"/>, read back with <see cref="XdrReader"/>: edge values of every type, large
/// items that force the writer's buffer to grow, a reused (Reset) writer, and reserve-and-patch framing.
/// </summary>
[TestClass]
public sealed class XdrRoundTripTests
{
    private const int OneMiB = 1024 * 1024;

    [TestMethod]
    public void EdgeValuesOfEveryScalarType_RoundTrip()
    {
        int[] ints = [0, 1, -1, int.MinValue, int.MaxValue, 0x55AA55AA];
        uint[] uints = [0, 1, uint.MaxValue, 0x80000000];
        long[] longs = [0, 1, -1, long.MinValue, long.MaxValue, int.MinValue - 1L];
        ulong[] ulongs = [0, 1, ulong.MaxValue, 0x8000000000000000, uint.MaxValue + 1UL];
        Colour[] colours = [Colour.Red, Colour.Yellow, Colour.Blue, Colour.Negative, (Colour)int.MaxValue];

        using var writer = new XdrWriter(initialCapacity: 8);
        Array.ForEach(ints, writer.WriteInt32);
        Array.ForEach(uints, writer.WriteUInt32);
        Array.ForEach(longs, writer.WriteInt64);
        Array.ForEach(ulongs, writer.WriteUInt64);
        writer.WriteBool(true);
        writer.WriteBool(false);
        foreach (var colour in colours)
        {
            writer.WriteEnum(colour);
        }

        var reader = new XdrReader(writer.WrittenSpan);
        foreach (var value in ints)
        {
            Assert.AreEqual(value, reader.ReadInt32());
        }

        foreach (var value in uints)
        {
            Assert.AreEqual(value, reader.ReadUInt32());
        }

        foreach (var value in longs)
        {
            Assert.AreEqual(value, reader.ReadInt64());
        }

        foreach (var value in ulongs)
        {
            Assert.AreEqual(value, reader.ReadUInt64());
        }

        Assert.IsTrue(reader.ReadBool());
        Assert.IsFalse(reader.ReadBool());
        foreach (var colour in colours)
        {
            Assert.AreEqual(colour, reader.ReadEnum<Colour>());
        }

        reader.ExpectEnd();
    }

    [TestMethod]
    public void SignedAndUnsignedViews_ShareOneEncoding()
    {
        using var writer = new XdrWriter();
        writer.WriteInt32(-2);
        writer.WriteInt64(-3);
        var reader = new XdrReader(writer.WrittenSpan);
        Assert.AreEqual(0xFFFFFFFEu, reader.ReadUInt32());
        Assert.AreEqual(0xFFFFFFFFFFFFFFFDUL, reader.ReadUInt64());
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(1023)]
    [DataRow(1024)]
    [DataRow(OneMiB)]
    [DataRow(OneMiB + 1)]
    [DataRow(OneMiB + 3)]
    public void LargeVariableOpaque_GrowsTheBuffer_AndRoundTrips(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        using var writer = new XdrWriter(); // 1 KiB to start: the larger cases must grow
        writer.WriteUInt32(0xBEEF);
        writer.WriteOpaque(data);
        writer.WriteUInt32(0xF00D);
        Assert.AreEqual(4 + 4 + ((length + 3) & ~3) + 4, writer.Length);

        var reader = new XdrReader(writer.WrittenSpan);
        Assert.AreEqual(0xBEEFu, reader.ReadUInt32());
        Assert.IsTrue(reader.ReadOpaque().SequenceEqual(data));
        Assert.AreEqual(0xF00Du, reader.ReadUInt32());
        reader.ExpectEnd();
    }

    [TestMethod]
    public void LargeFixedOpaque_RoundTrips()
    {
        var data = new byte[OneMiB + 2];
        new Random(7).NextBytes(data);
        using var writer = new XdrWriter(16);
        writer.WriteFixedOpaque(data);
        Assert.AreEqual(OneMiB + 4, writer.Length);

        var reader = new XdrReader(writer.WrittenSpan);
        Assert.IsTrue(reader.ReadFixedOpaque(data.Length).SequenceEqual(data));
        reader.ExpectEnd();
    }

    [TestMethod]
    public void LargeMultiByteString_RoundTrips()
    {
        var value = RandomString(new Random(11), 300_000);
        using var writer = new XdrWriter(16);
        writer.WriteString(value);
        var reader = new XdrReader(writer.WrittenSpan);
        Assert.AreEqual(value, reader.ReadString());
        reader.ExpectEnd();
    }

    [TestMethod]
    public void LargeArrayOfHypers_RoundTrips()
    {
        var values = new long[200_000];
        var random = new Random(3);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = random.NextInt64(long.MinValue, long.MaxValue);
        }

        using var writer = new XdrWriter(4);
        writer.WriteArrayCount(values.Length);
        Array.ForEach(values, writer.WriteInt64);

        var reader = new XdrReader(writer.WrittenSpan);
        var decoded = new long[reader.ReadArrayCount(maxCount: values.Length, minElementSize: 8)];
        for (var i = 0; i < decoded.Length; i++)
        {
            decoded[i] = reader.ReadInt64();
        }

        reader.ExpectEnd();
        CollectionAssert.AreEqual(values, decoded);
    }

    [TestMethod]
    public void Strings_RoundTrip()
    {
        string[] values = [string.Empty, "a", "ab", "abc", "abcd", "é", "€", "😀", "a😀b", "\uFEFF", "\0", new string('z', 1000)];
        using var writer = new XdrWriter();
        foreach (var value in values)
        {
            writer.WriteString(value);
        }

        var reader = new XdrReader(writer.WrittenSpan);
        foreach (var value in values)
        {
            Assert.AreEqual(value, reader.ReadString());
        }

        reader.ExpectEnd();
    }

    [TestMethod]
    public void ReusedWriter_AfterReset_ProducesTheSameBytesAsAFreshOne()
    {
        var random = new Random(42);
        using var reused = new XdrWriter(8);
        for (var i = 0; i < 200; i++)
        {
            var message = XdrMessage.Random(random);
            reused.Reset();
            message.Write(reused);

            var fresh = Encode(message.Write);
            Assert.AreEqual(ToHex(fresh), ToHex(reused.WrittenSpan));
            message.AssertEqual(XdrMessage.Read(reused.WrittenSpan));
        }
    }

    [TestMethod]
    public void ReusedWriter_ShortMessageAfterLongOne_HasNoLeftovers()
    {
        using var writer = new XdrWriter();
        writer.WriteOpaque(new byte[OneMiB]);
        writer.Reset();
        writer.WriteString("x");
        Assert.AreEqual("0000000178000000", ToHex(writer.WrittenSpan));
        var reader = new XdrReader(writer.WrittenSpan);
        Assert.AreEqual("x", reader.ReadString());
        reader.ExpectEnd();
    }

    [TestMethod]
    public void PatchedArrayCount_ForElementsCountedWhileWriting()
    {
        using var writer = new XdrWriter(4);
        var countAt = writer.ReserveUInt32();
        var count = 0u;
        for (var i = 0; i < 1000; i += 7)
        {
            writer.WriteString(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            count++;
        }

        writer.PatchUInt32(countAt, count);

        var reader = new XdrReader(writer.WrittenSpan);
        var n = reader.ReadArrayCount(maxCount: 1000, minElementSize: 4);
        Assert.AreEqual((int)count, n);
        for (var i = 0; i < n; i++)
        {
            Assert.AreEqual((i * 7).ToString(System.Globalization.CultureInfo.InvariantCulture), reader.ReadString());
        }

        reader.ExpectEnd();
    }

    [TestMethod]
    public void GetSpanAdvanceAlign_ReadsBackAsFixedOpaque()
    {
        using var writer = new XdrWriter(2);
        writer.WriteUInt32(5);
        var span = writer.GetSpan(5);
        "hello"u8.CopyTo(span);
        writer.Advance(5);
        writer.Align();
        writer.WriteInt32(-1);

        // Length + bytes + fill written by hand is exactly a variable opaque.
        var reader = new XdrReader(writer.WrittenSpan);
        Assert.AreEqual("hello", System.Text.Encoding.ASCII.GetString(reader.ReadOpaque()));
        Assert.AreEqual(-1, reader.ReadInt32());
        reader.ExpectEnd();
    }

    [TestMethod]
    public void MessageAfterAPrefix_RoundTripsAtThatOffset()
    {
        using var writer = new XdrWriter();
        writer.WriteUInt64(0xAAAAAAAAAAAAAAAA); // a record mark / header the message decoder does not own
        writer.WriteUInt32(0xBBBBBBBB);
        var start = writer.Length;
        XdrMessage.Sample.Write(writer);
        writer.WriteUInt32(0xCCCCCCCC);

        var all = writer.WrittenSpan;
        var messageLength = all.Length - start - 4;
        XdrMessage.Sample.AssertEqual(XdrMessage.Read(all.Slice(start, messageLength)));

        var reader = new XdrReader(all);
        reader.Skip(start);
        XdrFile.SillyProg.AssertEqual(SkipToFile(ref reader));
        Assert.AreEqual(all.Length - 4, reader.Position);
        Assert.AreEqual("CCCCCCCC", ToHex(reader.Rest));
    }

    [TestMethod]
    public void SampleMessage_RoundTrips()
    {
        var encoded = Encode(XdrMessage.Sample.Write);
        XdrMessage.Sample.AssertEqual(XdrMessage.Read(encoded));
        Assert.AreEqual(0, encoded.Length % 4, "every XDR item is a multiple of four bytes (RFC 4506 §3)");
    }

    /// <summary>Reads an <see cref="XdrMessage"/> field by field in place, returning its trailing file.</summary>
    private static XdrFile SkipToFile(ref XdrReader reader)
    {
        reader.ReadUInt64();
        reader.ReadInt32();
        reader.ReadBool();
        reader.ReadEnum<Colour>();
        reader.ReadFixedOpaque(XdrMessage.VerifierSize);
        reader.ReadOpaque(XdrMessage.MaxData);
        reader.ReadString(XdrMessage.MaxName);
        for (var n = reader.ReadArrayCount(XdrMessage.MaxValues); n > 0; n--)
        {
            reader.ReadInt32();
        }

        for (var n = reader.ReadArrayCount(XdrMessage.MaxNames); n > 0; n--)
        {
            reader.ReadString(XdrMessage.MaxName);
        }

        StringList.Read(ref reader, XdrMessage.MaxName);
        XdrResult.Read(ref reader);
        return XdrFile.Read(ref reader);
    }
}
