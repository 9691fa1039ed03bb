using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// "Nothing is allocated" claims, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>. Failure paths
/// are not measured (throwing allocates the exception); instead the steady-state decode of fixed-size items and
/// opaque spans, and encoding into a warmed, Reset writer, must allocate exactly zero bytes.
/// </summary>
[TestClass]
public sealed class XdrAllocationTests
{
    private const int Iterations = 1000;

    private static readonly byte[] Message = BuildMessage();

    [TestMethod]
    public void DecodingFixedSizeItemsAndOpaqueSpans_AllocatesNothing()
    {
        var sink = DecodeMany(10); // warm up: JIT, static constructors
        var before = GC.GetAllocatedBytesForCurrentThread();
        sink += DecodeMany(Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual(0L, allocated, $"decoding allocated {allocated} bytes over {Iterations} messages");
        Assert.AreNotEqual(0L, sink);
    }

    [TestMethod]
    public void EncodingIntoAWarmedResetWriter_AllocatesNothing()
    {
        using var writer = new XdrWriter();
        var payload = new byte[4000];
        new Random(1).NextBytes(payload);

        var sink = EncodeMany(writer, payload, 10); // warm up and grow to the message size
        var before = GC.GetAllocatedBytesForCurrentThread();
        sink += EncodeMany(writer, payload, Iterations);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual(0L, allocated, $"encoding allocated {allocated} bytes over {Iterations} messages");
        Assert.AreNotEqual(0L, sink);
    }

    private static long DecodeMany(int count)
    {
        long sink = 0;
        for (var i = 0; i < count; i++)
        {
            var reader = new XdrReader(Message);
            sink += reader.ReadInt32();
            sink += reader.ReadUInt32();
            sink += reader.ReadInt64();
            sink += (long)reader.ReadUInt64();
            sink += reader.ReadBool() ? 1 : 0;
            sink += reader.ReadOptional() ? 1 : 0;
            sink += (int)reader.ReadEnum<Colour>();
            sink += reader.ReadFixedOpaque(7)[6];
            sink += reader.ReadOpaque(maxLength: 4096).Length;
            for (var n = reader.ReadArrayCount(maxCount: 64, minElementSize: 8); n > 0; n--)
            {
                sink += reader.ReadInt64();
            }

            reader.Skip(8);
            reader.ExpectEnd();
        }

        return sink;
    }

    private static long EncodeMany(XdrWriter writer, byte[] payload, int count)
    {
        long sink = 0;
        for (var i = 0; i < count; i++)
        {
            writer.Reset();
            writer.WriteInt32(i);
            writer.WriteUInt32(uint.MaxValue);
            writer.WriteInt64(-i);
            writer.WriteUInt64(ulong.MaxValue);
            writer.WriteBool(true);
            writer.WriteOptional(false);
            writer.WriteEnum(Colour.Blue);
            writer.WriteFixedOpaque(payload.AsSpan(0, 7));
            writer.WriteOpaque(payload, maxLength: 4096);
            writer.WriteString("an ASCII name", maxLength: 255);
            writer.WriteString("ünïcödé 名前", maxLength: 255);
            writer.WriteArrayCount(3, maxCount: 64);
            var at = writer.ReserveUInt32();
            writer.WriteUInt64(1);
            writer.PatchUInt32(at, 8);
            writer.GetSpan(3)[..3].Fill(1);
            writer.Advance(3);
            writer.Align();
            sink += writer.Length;
        }

        return sink;
    }

    private static byte[] BuildMessage()
    {
        using var writer = new XdrWriter();
        writer.WriteInt32(-1);
        writer.WriteUInt32(2);
        writer.WriteInt64(-3);
        writer.WriteUInt64(4);
        writer.WriteBool(true);
        writer.WriteOptional(false);
        writer.WriteEnum(Colour.Yellow);
        writer.WriteFixedOpaque([1, 2, 3, 4, 5, 6, 7]);
        writer.WriteOpaque(new byte[1000]);
        writer.WriteArrayCount(4);
        for (var i = 0; i < 4; i++)
        {
            writer.WriteInt64(i);
        }

        writer.WriteUInt64(0);
        return writer.WrittenSpan.ToArray();
    }
}
