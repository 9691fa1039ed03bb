using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Xdr.XdrTestSupport;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// Seeded randomised properties: random values of mixed types round-trip exactly; every truncation of a valid
/// message, every extension of it and random corruptions of it fail with <see cref="XdrException"/> and never
/// with another exception type.
/// </summary>
[TestClass]
public sealed class XdrPropertyTests
{
    private const int Seed = 4506;

    [TestMethod]
    public void RandomMixedValues_RoundTripExactly()
    {
        var random = new Random(Seed);
        using var writer = new XdrWriter(16);
        var total = 0;
        for (var iteration = 0; iteration < 3000; iteration++)
        {
            var items = new List<object>();
            for (var n = random.Next(1, 9); n > 0; n--)
            {
                items.Add(RandomItem(random));
            }

            writer.Reset();
            foreach (var item in items)
            {
                WriteItem(writer, item);
            }

            Assert.AreEqual(0, writer.Length % 4, "every XDR item is a multiple of four bytes (RFC 4506 §3)");
            var reader = new XdrReader(writer.WrittenSpan);
            foreach (var item in items)
            {
                ReadAndCompare(ref reader, item, iteration);
            }

            reader.ExpectEnd();
            total += items.Count;
        }

        Assert.IsGreaterThan(10_000, total);
    }

    [TestMethod]
    public void RandomMessages_RoundTripExactly()
    {
        var random = new Random(Seed + 1);
        using var writer = new XdrWriter();
        for (var i = 0; i < 2000; i++)
        {
            var message = XdrMessage.Random(random);
            writer.Reset();
            message.Write(writer);
            message.AssertEqual(XdrMessage.Read(writer.WrittenSpan));
        }
    }

    [TestMethod]
    public void EveryTruncationOfAMessage_FailsWithXdrException()
    {
        var random = new Random(Seed + 2);
        var messages = new List<XdrMessage> { XdrMessage.Sample };
        for (var i = 0; i < 40; i++)
        {
            messages.Add(XdrMessage.Random(random));
        }

        var checkedPrefixes = 0;
        foreach (var message in messages)
        {
            var encoded = Encode(message.Write);
            for (var length = 0; length < encoded.Length; length++)
            {
                var failure = TryRead(encoded.AsSpan(0, length));
                Assert.IsNotNull(failure, $"a {length}-byte prefix of a {encoded.Length}-byte message decoded");
                Assert.IsInstanceOfType<XdrException>(failure, $"prefix of {length} bytes failed with {failure.GetType().Name}: {failure.Message}");
                checkedPrefixes++;
            }

            // Truncated inside a larger buffer: the reader must not look past its slice.
            var framed = Prefixed([.. encoded, 0, 0, 0, 0], 8);
            Assert.IsNull(TryRead(framed.AsSpan(8, encoded.Length)));
            Assert.IsInstanceOfType<XdrException>(TryRead(framed.AsSpan(8, encoded.Length - 1)));
        }

        Assert.IsGreaterThan(1000, checkedPrefixes);
    }

    [TestMethod]
    public void EveryExtensionOfAMessage_FailsWithXdrException()
    {
        var encoded = Encode(XdrMessage.Sample.Write);
        for (var extra = 1; extra <= 8; extra++)
        {
            var failure = TryRead([.. encoded, .. new byte[extra]]);
            Assert.IsInstanceOfType<XdrException>(failure, $"{extra} trailing bytes");
        }
    }

    [TestMethod]
    public void RandomCorruption_EitherDecodesOrFailsWithXdrException()
    {
        var random = new Random(Seed + 3);
        var failures = 0;
        for (var i = 0; i < 5000; i++)
        {
            var encoded = Encode(XdrMessage.Random(random).Write);
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                var at = random.Next(encoded.Length);
                encoded[at] = random.Next(3) switch
                {
                    0 => (byte)random.Next(256),
                    1 => 0xFF,
                    _ => (byte)(encoded[at] ^ (1 << random.Next(8))),
                };
            }

            var failure = TryRead(encoded);
            if (failure is not null)
            {
                Assert.IsInstanceOfType<XdrException>(failure, $"corrupted message failed with {failure.GetType().Name}: {failure.Message}");
                failures++;
            }
        }

        Assert.IsGreaterThan(1000, failures, "most corruptions should be detected");
    }

    [TestMethod]
    public void RandomBytes_EitherDecodeOrFailWithXdrException()
    {
        var random = new Random(Seed + 4);
        for (var i = 0; i < 5000; i++)
        {
            var buffer = new byte[random.Next(0, 200)];
            random.NextBytes(buffer);
            var failure = TryRead(buffer);
            if (failure is not null)
            {
                Assert.IsInstanceOfType<XdrException>(failure, $"random input failed with {failure.GetType().Name}: {failure.Message}");
            }
        }
    }

    private static Exception? TryRead(ReadOnlySpan<byte> buffer)
    {
        try
        {
            XdrMessage.Read(buffer);
            return null;
        }
#pragma warning disable CA1031 // The property is precisely that no other exception type escapes.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }

    private static object RandomItem(Random random)
    {
        switch (random.Next(13))
        {
            case 0:
                return random.Next(int.MinValue, int.MaxValue);
            case 1:
                return (uint)random.NextInt64(0, 1L << 32);
            case 2:
                return random.NextInt64(long.MinValue, long.MaxValue);
            case 3:
                return (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
            case 4:
                return random.Next(2) == 1;
            case 5:
                return (Colour)random.Next(-1, 4);
            case 6:
                return new FixedBytes(RandomBytes(random, random.Next(12)));
            case 7:
                return RandomBytes(random, random.Next(40));
            case 8:
                return RandomString(random, random.Next(12));
            case 9:
                var ints = new int[random.Next(6)];
                for (var i = 0; i < ints.Length; i++)
                {
                    ints[i] = random.Next(int.MinValue, int.MaxValue);
                }

                return ints;
            case 10:
                var strings = new string[random.Next(5)];
                for (var i = 0; i < strings.Length; i++)
                {
                    strings[i] = RandomString(random, random.Next(6));
                }

                return strings;
            case 11:
                var list = new List<string>();
                for (var i = random.Next(4); i > 0; i--)
                {
                    list.Add(RandomString(random, random.Next(6)));
                }

                return list;
            default:
                return random.Next(2) == 0 ? new XdrResult(0, (ulong)random.NextInt64()) : new XdrResult(random.Next(1, 100), 0);
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void WriteItem(XdrWriter writer, object item)
    {
        switch (item)
        {
            case int v:
                writer.WriteInt32(v);
                break;
            case uint v:
                writer.WriteUInt32(v);
                break;
            case long v:
                writer.WriteInt64(v);
                break;
            case ulong v:
                writer.WriteUInt64(v);
                break;
            case bool v:
                writer.WriteBool(v);
                break;
            case Colour v:
                writer.WriteEnum(v);
                break;
            case FixedBytes v:
                writer.WriteFixedOpaque(v.Bytes);
                break;
            case byte[] v:
                writer.WriteOpaque(v, maxLength: 64);
                break;
            case string v:
                writer.WriteString(v, maxLength: 64);
                break;
            case int[] v:
                writer.WriteArrayCount(v.Length, maxCount: 8);
                Array.ForEach(v, writer.WriteInt32);
                break;
            case string[] v:
                writer.WriteArrayCount(v.Length, maxCount: 8);
                foreach (var s in v)
                {
                    writer.WriteString(s);
                }

                break;
            case List<string> v:
                StringList.Write(writer, v);
                break;
            case XdrResult v:
                v.Write(writer);
                break;
            default:
                throw new ArgumentException($"No encoding for {item.GetType()}.", nameof(item));
        }
    }

    private static void ReadAndCompare(ref XdrReader reader, object expected, int iteration)
    {
        var context = $"iteration {iteration}, {expected.GetType().Name} at offset {reader.Position}";
        switch (expected)
        {
            case int v:
                Assert.AreEqual(v, reader.ReadInt32(), context);
                break;
            case uint v:
                Assert.AreEqual(v, reader.ReadUInt32(), context);
                break;
            case long v:
                Assert.AreEqual(v, reader.ReadInt64(), context);
                break;
            case ulong v:
                Assert.AreEqual(v, reader.ReadUInt64(), context);
                break;
            case bool v:
                Assert.AreEqual(v, reader.ReadBool(), context);
                break;
            case Colour v:
                Assert.AreEqual(v, reader.ReadEnum<Colour>(), context);
                break;
            case FixedBytes v:
                Assert.AreEqual(ToHex(v.Bytes), ToHex(reader.ReadFixedOpaque(v.Bytes.Length)), context);
                break;
            case byte[] v:
                Assert.AreEqual(ToHex(v), ToHex(reader.ReadOpaque(maxLength: 64)), context);
                break;
            case string v:
                Assert.AreEqual(v, reader.ReadString(maxLength: 64), context);
                break;
            case int[] v:
                var ints = new int[reader.ReadArrayCount(maxCount: 8, minElementSize: 4)];
                for (var i = 0; i < ints.Length; i++)
                {
                    ints[i] = reader.ReadInt32();
                }

                CollectionAssert.AreEqual(v, ints, context);
                break;
            case string[] v:
                var strings = new string[reader.ReadArrayCount(maxCount: 8, minElementSize: 4)];
                for (var i = 0; i < strings.Length; i++)
                {
                    strings[i] = reader.ReadString();
                }

                CollectionAssert.AreEqual(v, strings, context);
                break;
            case List<string> v:
                CollectionAssert.AreEqual(v, StringList.Read(ref reader), context);
                break;
            case XdrResult v:
                Assert.AreEqual(v, XdrResult.Read(ref reader), context);
                break;
            default:
                throw new ArgumentException($"No decoding for {expected.GetType()}.", nameof(expected));
        }
    }

    /// <summary>Marks a byte array to be written as fixed-length opaque (RFC 4506 §4.9) rather than variable.</summary>
    private sealed record FixedBytes(byte[] Bytes);
}
