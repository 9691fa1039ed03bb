using System.Buffers;
using System.Text;
using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Xdr.XdrTestSupport;

namespace DokanNfs.Core.Tests.Xdr;

/// <summary>
/// The writer's buffer management (growth, pooling, Reset, Dispose), the reserve-and-patch and
/// IBufferWriter paths, zero fill over dirty pooled memory, and misuse raising argument exceptions.
/// </summary>
[TestClass]
public sealed class XdrWriterTests
{
    [TestMethod]
    public void NewWriter_IsEmpty()
    {
        using var writer = new XdrWriter();
        Assert.AreEqual(0, writer.Length);
        Assert.IsTrue(writer.WrittenSpan.IsEmpty);
        Assert.IsTrue(writer.WrittenMemory.IsEmpty);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-1)]
    public void NonPositiveInitialCapacity_Throws(int capacity)
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new XdrWriter(capacity));
    }

    [TestMethod]
    public void WrittenSpanAndMemory_AgreeWithLength()
    {
        using var writer = new XdrWriter();
        writer.WriteInt32(1);
        writer.WriteInt64(2);
        Assert.AreEqual(12, writer.Length);
        Assert.AreEqual("000000010000000000000002", ToHex(writer.WrittenSpan));
        Assert.AreEqual("000000010000000000000002", ToHex(writer.WrittenMemory.Span));
    }

    [TestMethod]
    public void ManySmallWrites_FromCapacityOne_GrowAndKeepEverything()
    {
        using var writer = new XdrWriter(initialCapacity: 1);
        for (var i = 0; i < 10_000; i++)
        {
            writer.WriteInt32(i);
        }

        Assert.AreEqual(40_000, writer.Length);
        var reader = new XdrReader(writer.WrittenSpan);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.AreEqual(i, reader.ReadInt32());
        }

        reader.ExpectEnd();
    }

    [TestMethod]
    public void Growth_ReturnsEveryOutgrownBufferToThePool_AndDisposeReturnsTheLast()
    {
        var pool = new TrackingPool();
        using (var writer = new XdrWriter(initialCapacity: 16, pool))
        {
            writer.WriteOpaque(new byte[100_000]);
            writer.WriteString(new string('x', 300_000));
            Assert.IsGreaterThan(2, pool.Rented);
            Assert.AreEqual(pool.Rented - 1, pool.Returned);
        }

        Assert.AreEqual(pool.Rented, pool.Returned);
        Assert.AreEqual(0, pool.Outstanding);
    }

    [TestMethod]
    public void Dispose_Twice_ReturnsTheBufferOnce()
    {
        var pool = new TrackingPool();
        var writer = new XdrWriter(64, pool);
        writer.Dispose();
        writer.Dispose();
        Assert.AreEqual(1, pool.Rented);
        Assert.AreEqual(1, pool.Returned);
        Assert.AreEqual(0, writer.Length);
    }

    [TestMethod]
    public void WriteAfterDispose_ThrowsObjectDisposed()
    {
        var writer = new XdrWriter();
        writer.WriteInt32(1);
        writer.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => writer.WriteInt32(1));
        Assert.ThrowsExactly<ObjectDisposedException>(() => writer.WriteOpaque([1, 2, 3]));
        Assert.ThrowsExactly<ObjectDisposedException>(() => writer.GetSpan());
        writer.Reset();
        Assert.ThrowsExactly<ObjectDisposedException>(() => writer.WriteString("a"));
    }

    [TestMethod]
    public void Reset_ForgetsTheMessage_AndReusesTheBuffer()
    {
        var pool = new TrackingPool();
        using var writer = new XdrWriter(16, pool);
        writer.WriteOpaque(new byte[1000]);
        var rentedAfterGrowth = pool.Rented;

        writer.Reset();
        Assert.AreEqual(0, writer.Length);
        Assert.IsTrue(writer.WrittenSpan.IsEmpty);

        writer.WriteUInt32(0xA1B2C3D4);
        Assert.AreEqual("A1B2C3D4", ToHex(writer.WrittenSpan));
        writer.WriteOpaque(new byte[900]);
        Assert.AreEqual(rentedAfterGrowth, pool.Rented, "a message no larger than the last must not grow the buffer");
    }

    [TestMethod]
    public void Padding_IsZeroed_OverDirtyPooledMemory()
    {
        // TrackingPool hands out buffers full of 0xCC, like reused pool memory; every fill byte must be written.
        using var writer = new XdrWriter(8, new TrackingPool());
        writer.WriteFixedOpaque([0x11]);
        writer.WriteOpaque([0x22, 0x22]);
        writer.WriteString("abc");
        writer.WriteString("é");
        writer.GetSpan(1)[0] = 0x33;
        writer.Advance(1);
        writer.Align();
        Assert.AreEqual("11000000 00000002 22220000 00000003 61626300 00000002 C3A90000 33000000".Replace(" ", string.Empty, StringComparison.Ordinal), ToHex(writer.WrittenSpan));
    }

    [TestMethod]
    public void Padding_IsZeroed_AfterResetOverAnEarlierMessage()
    {
        using var writer = new XdrWriter(64);
        writer.WriteUInt64(ulong.MaxValue);
        writer.WriteUInt64(ulong.MaxValue);
        writer.Reset();
        writer.WriteFixedOpaque([0xAA]);
        writer.WriteString("b");
        writer.GetSpan(2)[..2].Fill(0xBB);
        writer.Advance(2);
        writer.Align();
        Assert.AreEqual("AA000000" + "0000000162000000" + "BBBB0000", ToHex(writer.WrittenSpan));
    }

    [TestMethod]
    public void ReserveAndPatch_FillsInALengthKnownOnlyAfterItsContents()
    {
        using var writer = new XdrWriter();
        writer.WriteUInt32(0xAAAAAAAA);
        var at = writer.ReserveUInt32();
        Assert.AreEqual(4, at);
        Assert.AreEqual(8, writer.Length);
        writer.WriteString("hello");
        writer.WriteInt32(7);
        writer.PatchUInt32(at, (uint)(writer.Length - at - 4));
        Assert.AreEqual(8 + 12 + 4, writer.Length);

        var reader = new XdrReader(writer.WrittenSpan);
        reader.Skip(4);
        var body = reader.ReadFixedOpaque((int)reader.ReadUInt32());
        reader.ExpectEnd();
        var inner = new XdrReader(body);
        Assert.AreEqual("hello", inner.ReadString());
        Assert.AreEqual(7, inner.ReadInt32());
        inner.ExpectEnd();
    }

    [TestMethod]
    public void Reserve_WritesZeroUntilPatched_AndPatchingTheLastWordIsAllowed()
    {
        using var writer = new XdrWriter(4, new TrackingPool());
        var at = writer.ReserveUInt32();
        Assert.AreEqual("00000000", ToHex(writer.WrittenSpan));
        writer.PatchUInt32(at, 0xFEEDFACE);
        Assert.AreEqual("FEEDFACE", ToHex(writer.WrittenSpan));
        Assert.AreEqual(4, writer.Length);
    }

    [TestMethod]
    public void Patch_SurvivesGrowthBetweenReserveAndPatch()
    {
        using var writer = new XdrWriter(8);
        var at = writer.ReserveUInt32();
        writer.WriteOpaque(new byte[100_000]);
        writer.PatchUInt32(at, 0x01020304);
        Assert.AreEqual("01020304", ToHex(writer.WrittenSpan[..4]));
        Assert.AreEqual("000186A0", ToHex(writer.WrittenSpan[4..8]));
    }

    [TestMethod]
    [DataRow(-1)]
    [DataRow(5)]
    [DataRow(8)]
    [DataRow(int.MaxValue)]
    public void PatchOutsideTheWrittenBytes_Throws(int position)
    {
        using var writer = new XdrWriter();
        writer.WriteUInt64(0);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => writer.PatchUInt32(position, 1));
        Assert.AreEqual("0000000000000000", ToHex(writer.WrittenSpan));
    }

    [TestMethod]
    public void PatchOnAnEmptyWriter_Throws()
    {
        using var writer = new XdrWriter();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => writer.PatchUInt32(0, 1));
    }

    [TestMethod]
    [DataRow(0, 0)]
    [DataRow(1, 3)]
    [DataRow(2, 2)]
    [DataRow(3, 1)]
    [DataRow(4, 0)]
    [DataRow(7, 1)]
    public void GetSpanAdvanceAlign_PadsToFourBytes(int count, int expectedPad)
    {
        using var writer = new XdrWriter(4);
        var span = writer.GetSpan(count);
        Assert.IsGreaterThanOrEqualTo(Math.Max(count, 1), span.Length);
        for (var i = 0; i < count; i++)
        {
            span[i] = (byte)(0xF0 + i);
        }

        writer.Advance(count);
        writer.Align();
        Assert.AreEqual(count + expectedPad, writer.Length);
        Assert.IsTrue(writer.WrittenSpan[count..].IndexOfAnyExcept((byte)0) < 0);

        writer.Align();
        Assert.AreEqual(count + expectedPad, writer.Length, "aligning an aligned writer adds nothing");
    }

    [TestMethod]
    public void GetSpanWithoutHint_ReturnsRoom()
    {
        using var writer = new XdrWriter(1);
        writer.GetSpan(1)[0] = 1;
        writer.Advance(1);
        Assert.IsFalse(writer.GetSpan().IsEmpty);
        Assert.IsFalse(writer.GetMemory().IsEmpty);
    }

    [TestMethod]
    public void GetMemory_WritesLandInTheMessage()
    {
        using var writer = new XdrWriter(2);
        writer.WriteUInt32(1);
        var memory = writer.GetMemory(3);
        "xyz"u8.CopyTo(memory.Span);
        writer.Advance(3);
        writer.Align();
        Assert.AreEqual("0000000178797A00", ToHex(writer.WrittenSpan));
    }

    [TestMethod]
    public void AsIBufferWriter_WorksWithFrameworkEncoders()
    {
        // RFC 4506 §4.11 by hand: reserve the length, let the framework encode, patch, align.
        using var writer = new XdrWriter(4);
        var at = writer.ReserveUInt32();
        IBufferWriter<byte> bufferWriter = writer;
        var written = Encoding.UTF8.GetBytes("日本語テキスト", bufferWriter);
        writer.PatchUInt32(at, (uint)written);
        writer.Align();

        var reader = new XdrReader(writer.WrittenSpan);
        Assert.AreEqual("日本語テキスト", reader.ReadString());
        reader.ExpectEnd();
    }

    [TestMethod]
    [DataRow(-1)]
    [DataRow(5)]
    public void AdvanceOutsideTheFreeSpace_Throws(int extra)
    {
        using var writer = new XdrWriter(4);
        var span = writer.GetSpan(4);
        var count = extra < 0 ? extra : span.Length + extra;
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => writer.Advance(count));
        Assert.AreEqual(0, writer.Length);
    }

    // ---- Misuse is ArgumentException, never XdrException ----

    [TestMethod]
    public void OverLongOpaque_IsArgumentException_AndWritesNothing()
    {
        using var writer = new XdrWriter();
        writer.WriteInt32(5);
        var ex = Assert.Throws<ArgumentException>(() => writer.WriteOpaque(new byte[5], maxLength: 4));
        Assert.IsNotInstanceOfType<XdrException>(ex);
        Assert.AreEqual(4, writer.Length);
        Assert.ThrowsExactly<ArgumentException>(() => writer.WriteOpaque([1], maxLength: 0));
        Assert.ThrowsExactly<ArgumentException>(() => writer.WriteOpaque([1], maxLength: -1));
        Assert.AreEqual(4, writer.Length);
    }

    [TestMethod]
    public void OverLongString_IsArgumentException_CountingUtf8Bytes()
    {
        using var writer = new XdrWriter();
        Assert.ThrowsExactly<ArgumentException>(() => writer.WriteString("abcde", maxLength: 4));

        // Three characters, six bytes: the maximum is in bytes (RFC 4506 §4.11).
        Assert.ThrowsExactly<ArgumentException>(() => writer.WriteString("ééé", maxLength: 5));
        Assert.AreEqual(0, writer.Length);
        writer.WriteString("ééé", maxLength: 6);
        Assert.AreEqual(12, writer.Length);
    }

    [TestMethod]
    public void StringThatIsNotUnicode_IsArgumentException_AndWritesNothing()
    {
        // Lone surrogates have no UTF-8 encoding. (Not DataRows: test data serialization would replace them.)
        using var writer = new XdrWriter();
        foreach (var value in new[] { "\uD800", "a\uDC00b", "\uDBFF", "x\uDC00\uD800" })
        {
            var ex = Assert.Throws<ArgumentException>(() => writer.WriteString(value));
            Assert.IsNotInstanceOfType<XdrException>(ex);
            Assert.AreEqual(0, writer.Length);
        }
    }

    [TestMethod]
    public void NegativeOrOverMaximumArrayCount_IsArgumentException()
    {
        using var writer = new XdrWriter();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => writer.WriteArrayCount(-1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => writer.WriteArrayCount(int.MinValue));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => writer.WriteArrayCount(3, maxCount: 2));
        Assert.AreEqual(0, writer.Length);
        writer.WriteArrayCount(2, maxCount: 2);
        Assert.AreEqual("00000002", ToHex(writer.WrittenSpan));
    }

    [TestMethod]
    public void WriteEnumOfANon32BitEnum_IsArgumentException()
    {
        using var writer = new XdrWriter();
        Assert.ThrowsExactly<ArgumentException>(() => writer.WriteEnum(LongEnum.Zero));
        Assert.ThrowsExactly<ArgumentException>(() => writer.WriteEnum(ByteEnum.Zero));
        Assert.AreEqual(0, writer.Length);
    }

    /// <summary>A pool that counts rents and returns and hands out dirty (0xCC-filled) arrays.</summary>
    private sealed class TrackingPool : ArrayPool<byte>
    {
        private readonly HashSet<byte[]> _outstanding = new(ReferenceEqualityComparer.Instance);

        public int Rented { get; private set; }

        public int Returned { get; private set; }

        public int Outstanding => _outstanding.Count;

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[minimumLength + 3];
            array.AsSpan().Fill(0xCC);
            _outstanding.Add(array);
            Rented++;
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            if (!_outstanding.Remove(array))
            {
                throw new InvalidOperationException("Returned an array this pool did not rent (or returned it twice).");
            }

            Returned++;
        }
    }
}
