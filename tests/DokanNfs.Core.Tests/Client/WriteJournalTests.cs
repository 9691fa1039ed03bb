using System.Buffers.Binary;
using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The on-disk format of the write journal (issue 8 §5): records come back exactly as written, with their
/// sequences; a frame cut short at the end (a torn tail) and a frame whose checksum does not match are found,
/// reported and skipped while the intact frames around them stay; the size bound refuses an append whole; appends
/// from many threads at once all land, each intact.
/// </summary>
[TestClass]
public sealed class WriteJournalTests
{
    private string _directory = string.Empty;

    public TestContext TestContext { get; set; } = null!;

    private string JournalPath => Path.Combine(_directory, "test.journal");

    [TestInitialize]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("dokannfs-journal-test-").FullName;

    [TestCleanup]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [TestMethod]
    public void Checksum_is_crc32c()
    {
        // The check value of CRC-32C (RFC 3720 §B.4 gives the polynomial; "123456789" is the usual check input).
        Assert.AreEqual(0xE3069283u, JournalFrame.Crc32C("123456789"u8));
        Assert.AreEqual(0u, JournalFrame.Crc32C([]));
        Assert.AreEqual(0x8A9136AAu, JournalFrame.Crc32C(new byte[32]), "32 zero bytes (RFC 3720 §B.4)");
    }

    [TestMethod]
    public void Records_round_trip_with_every_field_and_sequences_go_on_after_a_reopen()
    {
        var sys = RpcCredential.Sys(1000, 100, [4, 5, 6], "workstation", stamp: 7);
        var written = new[]
        {
            Record("/export/a.bin", 0, Bytes(1, 4096), fileId: 42, credential: sys),
            Record("/export/dir/b.txt", 1_000_000_000_000, Bytes(2, 1), fileId: null, credential: RpcCredential.None),
            Record("/export/ünï.dat", 17, Bytes(3, JournalRecord.MaxData), fileId: ulong.MaxValue, credential: sys),
            Record("/export/empty", 5, [], fileId: 1, credential: sys),
        };
        long liveBytes;
        using (var journal = WriteJournal.Open(JournalPath, 64L * 1024 * 1024))
        {
            Assert.IsTrue(journal.TryAppend(written, out var error));
            Assert.IsNull(error);
            CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, written.Select(r => r.Sequence).ToArray());
            liveBytes = journal.LiveBytes;
            Assert.AreEqual(journal.FileLength - JournalFrame.FileHeaderLength, liveBytes, "the file is its header and the frames");
        }

        using (var journal = WriteJournal.Open(JournalPath, 64L * 1024 * 1024))
        {
            Assert.IsEmpty(journal.Damage);
            Assert.AreEqual(4, journal.LiveCount);
            Assert.AreEqual(liveBytes, journal.LiveBytes);
            var read = journal.ReadLive();
            Assert.HasCount(4, read);
            for (var i = 0; i < written.Length; i++)
            {
                AssertSame(written[i], read[i]);
            }

            Assert.AreEqual(sys.Description, JournalRecord.DecodeCredential(read[0].Credential.Span).Description);
            CollectionAssert.AreEqual(sys.CredentialAndVerifier.ToArray(), JournalRecord.DecodeCredential(read[0].Credential.Span).CredentialAndVerifier.ToArray());
            Assert.AreSame(RpcCredential.None, JournalRecord.DecodeCredential(read[1].Credential.Span));

            var next = Record("/export/a.bin", 8, Bytes(4, 10));
            Assert.IsTrue(journal.TryAppend([next], out _));
            Assert.AreEqual(5L, next.Sequence, "sequences are never reused within the file");
        }
    }

    [TestMethod]
    public void Released_records_do_not_come_back_and_with_none_left_the_file_is_its_header()
    {
        var records = Enumerable.Range(0, 5).Select(i => Record($"/export/f{i}", i * 10, Bytes(i, 100 + i))).ToArray();
        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            Assert.IsTrue(journal.TryAppend(records, out _));
            journal.Release([2, 4]);
            journal.Release([2, 99]); // twice, and an unknown one: nothing happens
            Assert.AreEqual(3, journal.LiveCount);
            Assert.IsTrue(journal.IsLive(1));
            Assert.IsFalse(journal.IsLive(2));
        }

        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            CollectionAssert.AreEqual(new long[] { 1, 3, 5 }, journal.ReadLive().Select(r => r.Sequence).ToArray());
            journal.Release([1, 3, 5]);
            Assert.AreEqual(0, journal.LiveCount);
            Assert.AreEqual(0L, journal.LiveBytes);
            Assert.AreEqual((long)JournalFrame.FileHeaderLength, new FileInfo(JournalPath).Length);
        }

        Assert.IsFalse(File.Exists(JournalPath), "a journal with nothing pending is removed when closed");
    }

    [TestMethod]
    [DataRow(0.5, DisplayName = "cut inside the body")]
    [DataRow(0.0, DisplayName = "only part of the frame header")]
    public void A_torn_tail_is_reported_and_cut_off_and_the_intact_records_stay(double fraction)
    {
        var records = Enumerable.Range(0, 3).Select(i => Record("/export/t.bin", i * 1000, Bytes(10 + i, 1000))).ToArray();
        long intactLength;
        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            Assert.IsTrue(journal.TryAppend(records, out _));
            intactLength = journal.FileLength;
        }

        // A crash during an append: the start of a fourth frame reached the disk, the rest did not.
        var frame = FrameOf(Record("/export/t.bin", 3000, Bytes(13, 1000)), sequence: 4);
        var torn = fraction == 0.0 ? frame[..7] : frame[..(int)(frame.Length * fraction)];
        AppendRaw(torn);

        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            var damage = journal.Damage.Single();
            Assert.IsTrue(damage.AtTail);
            Assert.AreEqual(intactLength, damage.Offset);
            Assert.AreEqual((long)torn.Length, damage.Length);
            Assert.IsNull(journal.DamagedCopy, "a torn tail was never acknowledged: nothing to keep");
            var read = journal.ReadLive();
            Assert.HasCount(3, read);
            for (var i = 0; i < 3; i++)
            {
                AssertSame(records[i], read[i]);
            }

            Assert.AreEqual(intactLength, new FileInfo(JournalPath).Length, "the torn frame is cut off");
            Assert.IsTrue(journal.TryAppend([Record("/export/t.bin", 3000, Bytes(14, 10))], out _));
        }

        using (var again = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            Assert.IsEmpty(again.Damage);
            Assert.AreEqual(4, again.LiveCount);
        }
    }

    [TestMethod]
    public void A_checksum_mismatch_before_the_end_skips_that_frame_only_reports_it_and_keeps_the_file_aside()
    {
        var records = Enumerable.Range(0, 3).Select(i => Record("/export/c.bin", i * 500, Bytes(20 + i, 500))).ToArray();
        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            Assert.IsTrue(journal.TryAppend(records, out _));
        }

        var original = File.ReadAllBytes(JournalPath);
        var second = JournalFrame.FileHeaderLength + FrameOf(records[0], 1).Length;
        var damaged = (byte[])original.Clone();
        damaged[second + JournalFrame.HeaderLength + 300] ^= 0x10; // one bit of the second record's data
        File.WriteAllBytes(JournalPath, damaged);

        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            var damage = journal.Damage.Single();
            Assert.IsFalse(damage.AtTail);
            Assert.AreEqual((long)second, damage.Offset);
            Assert.AreEqual((long)FrameOf(records[1], 2).Length, damage.Length);
            Assert.AreEqual("checksum mismatch", damage.Reason);
            var read = journal.ReadLive();
            CollectionAssert.AreEqual(new long[] { 1, 3 }, read.Select(r => r.Sequence).ToArray());
            AssertSame(records[0], read[0]);
            AssertSame(records[2], read[1]);
            Assert.IsNotNull(journal.DamagedCopy);
            CollectionAssert.AreEqual(damaged, File.ReadAllBytes(journal.DamagedCopy), "the journal as it was is kept");
        }

        using (var again = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            Assert.IsEmpty(again.Damage, "the damaged frame is gone from the journal itself");
            Assert.AreEqual(2, again.LiveCount);
        }
    }

    [TestMethod]
    public void A_frame_declaring_a_huge_length_is_damage_not_an_allocation()
    {
        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            Assert.IsTrue(journal.TryAppend([Record("/export/h", 0, Bytes(30, 64))], out _));
        }

        var header = new byte[JournalFrame.HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header, JournalFrame.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), uint.MaxValue);
        AppendRaw(header);

        using var reopened = WriteJournal.Open(JournalPath, 1024 * 1024);
        Assert.IsTrue(reopened.Damage.Single().AtTail);
        Assert.AreEqual(1, reopened.LiveCount);
    }

    [TestMethod]
    public void A_file_that_is_not_a_journal_is_kept_aside_and_a_new_journal_begins()
    {
        File.WriteAllText(JournalPath, "something else entirely");

        using var journal = WriteJournal.Open(JournalPath, 1024 * 1024);

        Assert.IsFalse(journal.Damage.Single().AtTail);
        Assert.AreEqual("something else entirely", File.ReadAllText(journal.DamagedCopy!));
        Assert.AreEqual(0, journal.LiveCount);
        Assert.IsTrue(journal.TryAppend([Record("/export/n", 0, Bytes(31, 8))], out _));
    }

    [TestMethod]
    public void The_size_bound_refuses_an_append_whole_and_released_space_is_used_again()
    {
        var frame = FrameOf(Record("/export/s.bin", 0, Bytes(40, 1000)), 1).Length;
        using var journal = WriteJournal.Open(JournalPath, (3 * frame) + 10);
        Assert.IsTrue(journal.TryAppend([Record("/export/s.bin", 0, Bytes(40, 1000)), Record("/export/s.bin", 1000, Bytes(41, 1000))], out _));
        var length = journal.FileLength;

        // Two more do not fit: neither is appended.
        Assert.IsFalse(journal.TryAppend([Record("/export/s.bin", 2000, Bytes(42, 1000)), Record("/export/s.bin", 3000, Bytes(43, 1000))], out var error));
        Assert.IsNull(error, "full, not failed");
        Assert.AreEqual(length, journal.FileLength);
        Assert.AreEqual(2, journal.LiveCount);

        Assert.IsTrue(journal.TryAppend([Record("/export/s.bin", 2000, Bytes(42, 1000))], out _));
        Assert.IsFalse(journal.TryAppend([Record("/export/s.bin", 3000, Bytes(43, 1))], out _));
        Assert.AreEqual(3L * frame, journal.LiveBytes);

        journal.Release([1]);
        Assert.IsTrue(journal.TryAppend([Record("/export/s.bin", 3000, Bytes(43, 1000))], out _));
        Assert.AreEqual(3, journal.LiveCount);
    }

    [TestMethod]
    public void A_journal_much_larger_than_its_live_records_is_compacted_and_stays_readable()
    {
        using (var journal = WriteJournal.Open(JournalPath, 1024 * 1024))
        {
            Assert.IsTrue(journal.TryAppend([Record("/export/keep", 0, Bytes(50, 100))], out _));
            for (var i = 0; i < 12; i++)
            {
                var big = Enumerable.Range(0, 4).Select(k => Record("/export/churn", k * 200_000, Bytes(51 + k, 200_000))).ToArray();
                Assert.IsTrue(journal.TryAppend(big, out _));
                journal.Release([.. big.Select(r => r.Sequence)]);
            }

            Assert.IsLessThan(5L * 1024 * 1024, journal.FileLength, "dead frames are dropped by compaction");
        }

        using var reopened = WriteJournal.Open(JournalPath, 1024 * 1024);
        Assert.IsEmpty(reopened.Damage);
        var kept = reopened.ReadLive().Single();
        Assert.AreEqual("/export/keep", kept.Path);
        CollectionAssert.AreEqual(Bytes(50, 100), kept.Data.ToArray());
    }

    [TestMethod]
    public async Task Concurrent_appends_all_land_intact_with_distinct_sequences()
    {
        const int Writers = 8;
        const int Each = 40;
        var appended = new System.Collections.Concurrent.ConcurrentDictionary<long, (int Writer, int Index)>();
        using (var journal = WriteJournal.Open(JournalPath, 64L * 1024 * 1024))
        {
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(
                () =>
                {
                    for (var i = 0; i < Each; i++)
                    {
                        // Some appends carry two records: they stay together.
                        var records = Enumerable.Range(0, 1 + (i % 2)).Select(k => Record($"/export/w{w}", (i * 10) + k, Bytes((w * 1000) + i, 64 + i + k))).ToArray();
                        Assert.IsTrue(journal.TryAppend(records, out _));
                        foreach (var record in records)
                        {
                            Assert.IsTrue(appended.TryAdd(record.Sequence, (w, i)), $"sequence {record.Sequence} given twice");
                        }
                    }
                },
                TestContext.CancellationToken)));
        }

        using var reopened = WriteJournal.Open(JournalPath, 64L * 1024 * 1024);
        Assert.IsEmpty(reopened.Damage);
        var read = reopened.ReadLive();
        Assert.HasCount(appended.Count, read);
        foreach (var record in read)
        {
            var (writer, index) = appended[record.Sequence];
            Assert.AreEqual($"/export/w{writer}", record.Path);
            var k = (int)(record.Offset - (index * 10));
            CollectionAssert.AreEqual(Bytes((writer * 1000) + index, 64 + index + k), record.Data.ToArray());
        }

        // The two records of one append are adjacent in sequence.
        foreach (var pair in read.GroupBy(r => appended[r.Sequence]).Where(g => g.Count() == 2))
        {
            Assert.AreEqual(pair.First().Sequence + 1, pair.Last().Sequence);
        }
    }

    [TestMethod]
    public void One_journal_file_has_one_holder()
    {
        using var first = WriteJournal.Open(JournalPath, 1024 * 1024);

        Assert.ThrowsExactly<IOException>(() => WriteJournal.Open(JournalPath, 1024 * 1024));
    }

    [TestMethod]
    public void A_record_with_a_bad_field_is_refused_when_made()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Record("/export/x", -1, Bytes(1, 1)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Record("/export/x", 0, new byte[JournalRecord.MaxData + 1]));
    }

    private static JournalRecord Record(string path, long offset, byte[] data, ulong? fileId = 7, RpcCredential? credential = null) =>
        new("server.example", path, Encoding.ASCII.GetBytes("fh:" + path), fileId, new NfsFileVersion(0x1234_5678_9ABC, 4096), JournalRecord.EncodeCredential(credential ?? RpcCredential.Sys(0, 0, machineName: "m")), offset, data);

    private static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] FrameOf(JournalRecord record, long sequence)
    {
        record.Sequence = sequence;
        using var body = new DokanNfs.Core.Xdr.XdrWriter();
        record.Encode(body);
        var frame = new byte[JournalFrame.HeaderLength + body.Length];
        JournalFrame.WriteHeader(frame, JournalFrameKind.Write, body.WrittenSpan);
        body.WrittenSpan.CopyTo(frame.AsSpan(JournalFrame.HeaderLength));
        return frame;
    }

    private void AppendRaw(byte[] bytes)
    {
        using var stream = new FileStream(JournalPath, FileMode.Append, FileAccess.Write);
        stream.Write(bytes);
    }

    private static void AssertSame(JournalRecord expected, JournalRecord actual)
    {
        Assert.AreEqual(expected.Sequence, actual.Sequence);
        Assert.AreEqual(expected.Server, actual.Server);
        Assert.AreEqual(expected.Path, actual.Path);
        CollectionAssert.AreEqual(expected.FileHandle.ToArray(), actual.FileHandle.ToArray());
        Assert.AreEqual(expected.FileId, actual.FileId);
        Assert.AreEqual(expected.Base, actual.Base);
        CollectionAssert.AreEqual(expected.Credential.ToArray(), actual.Credential.ToArray());
        Assert.AreEqual(expected.Offset, actual.Offset);
        CollectionAssert.AreEqual(expected.Data.ToArray(), actual.Data.ToArray());
    }
}
