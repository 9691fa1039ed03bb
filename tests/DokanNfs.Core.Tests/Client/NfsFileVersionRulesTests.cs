using DokanNfs.Core.Client;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The decision table for data a restarted server lost (issue 8 §3, §4) without any I/O: which version the
/// file is found at decides between writing our data again and keeping it apart; which parts of a list of
/// writes are still ours to write; how conflict copies are named.
/// </summary>
[TestClass]
public sealed class NfsFileVersionRulesTests
{
    // stable (10, 100): confirmed at OPEN / COMMIT; our uncommitted writes went 10 -> 11 -> 12 (latest, size 300).
    private static readonly NfsFileVersion Stable = new(10, 100);
    private static readonly NfsFileVersion Latest = new(12, 300);
    private static readonly NfsFileVersion[] Own = [new(10, 100), new(11, 200), new(11, 200), new(12, 300)];

    [TestMethod]
    [DataRow(12UL, 300UL, NfsFileVersionCheck.Unchanged, DisplayName = "as our last write left it")]
    [DataRow(11UL, 200UL, NfsFileVersionCheck.OwnEarlierVersion, DisplayName = "after our first write: the second was lost")]
    [DataRow(10UL, 100UL, NfsFileVersionCheck.OwnEarlierVersion, DisplayName = "at the last stable version: every uncommitted write lost")]
    [DataRow(13UL, 300UL, NfsFileVersionCheck.ChangedElsewhere, DisplayName = "newer than ours: someone wrote after us")]
    [DataRow(12UL, 301UL, NfsFileVersionCheck.ChangedElsewhere, DisplayName = "our change but another size: a write within the same time tick")]
    [DataRow(11UL, 250UL, NfsFileVersionCheck.ChangedElsewhere, DisplayName = "between ours but not one of ours")]
    [DataRow(9UL, 100UL, NfsFileVersionCheck.WentBack, DisplayName = "older than what the server had confirmed: committed updates lost")]
    [DataRow(10UL, 50UL, NfsFileVersionCheck.ChangedElsewhere, DisplayName = "the stable change with another size")]
    public void Found_version_decides_what_happens_to_lost_data(ulong change, ulong size, NfsFileVersionCheck expected)
    {
        var check = NfsFileVersionRules.Classify(new NfsFileVersion(change, size), Stable, Latest, Own);

        Assert.AreEqual(expected, check);
        Assert.AreEqual(expected is NfsFileVersionCheck.Unchanged or NfsFileVersionCheck.OwnEarlierVersion, NfsFileVersionRules.MayRewrite(check));
    }

    [TestMethod]
    public void No_version_from_the_server_proves_nothing_so_nothing_is_rewritten()
    {
        var check = NfsFileVersionRules.Classify(null, Stable, Latest, Own);

        Assert.AreEqual(NfsFileVersionCheck.ChangedElsewhere, check);
        Assert.IsFalse(NfsFileVersionRules.MayRewrite(check));
    }

    [TestMethod]
    public void An_untouched_file_without_writes_of_ours_is_unchanged()
    {
        var open = new NfsFileVersion(5, 42);

        Assert.AreEqual(NfsFileVersionCheck.Unchanged, NfsFileVersionRules.Classify(open, open, open, []));
        Assert.AreEqual(NfsFileVersionCheck.ChangedElsewhere, NfsFileVersionRules.Classify(new NfsFileVersion(6, 42), open, open, []));
        Assert.AreEqual(NfsFileVersionCheck.WentBack, NfsFileVersionRules.Classify(new NfsFileVersion(4, 42), open, open, []));
    }

    [TestMethod]
    public void Lost_writes_leave_out_what_later_writes_overwrote()
    {
        // 0: [0,100) lost; 1: [50,150) kept (written after the restart); 2: [140,160) lost; 3: [0,10) lost.
        var writes = new (long, ReadOnlyMemory<byte>)[] { (0, Fill(100, 1)), (50, Fill(100, 2)), (140, Fill(20, 3)), (0, Fill(10, 4)) };

        var segments = UncommittedRanges.Uncovered(writes, [true, false, true, true]);

        CollectionAssert.AreEqual(
            new[] { "0+10:4", "10+40:1", "140+20:3" },
            segments.Select(s => $"{s.Offset}+{s.Data.Length}:{s.Data.Span[0]}").ToArray());
        Assert.IsTrue(segments.Zip(segments.Skip(1)).All(p => p.First.Offset + p.First.Data.Length <= p.Second.Offset), "sorted, never overlapping");
    }

    [TestMethod]
    public void The_same_range_written_many_times_is_written_again_once_with_the_last_bytes()
    {
        var writes = Enumerable.Range(1, 1000).Select(i => (4096L, (ReadOnlyMemory<byte>)Fill(4096, (byte)i))).ToArray();

        var segments = UncommittedRanges.Uncovered(writes, [.. writes.Select(_ => true)]);

        var only = segments.Single();
        Assert.AreEqual(4096L, only.Offset);
        Assert.AreEqual(4096, only.Data.Length);
        Assert.AreEqual(unchecked((byte)1000), only.Data.Span[0], "the last write's bytes");
    }

    [TestMethod]
    public void Adjacent_later_writes_merge_and_a_gap_between_them_stays_ours()
    {
        var writes = new (long, ReadOnlyMemory<byte>)[] { (0, Fill(300, 1)), (0, Fill(100, 2)), (100, Fill(50, 3)), (200, Fill(100, 4)) };

        var segments = UncommittedRanges.Uncovered(writes, [true, false, false, false]);

        Assert.AreEqual("150+50:1", string.Join(",", segments.Select(s => $"{s.Offset}+{s.Data.Length}:{s.Data.Span[0]}")));
    }

    [TestMethod]
    [DataRow("report.docx", 1, "report (conflict 2026-11-21 093012 from HOST).docx")]
    [DataRow("report.docx", 2, "report (conflict 2026-11-21 093012 from HOST 2).docx")]
    [DataRow("Makefile", 1, "Makefile (conflict 2026-11-21 093012 from HOST)")]
    [DataRow(".bashrc", 1, ".bashrc (conflict 2026-11-21 093012 from HOST)")]
    [DataRow("archive.tar.gz", 1, "archive.tar (conflict 2026-11-21 093012 from HOST).gz")]
    public void Conflict_copies_are_named_after_the_file_the_time_and_the_host(string name, int n, string expected)
    {
        var at = new DateTimeOffset(new DateTime(2026, 11, 21, 9, 30, 12, DateTimeKind.Local));

        Assert.AreEqual(expected, ConflictNames.For(name, at, "HOST", n));
    }

    [TestMethod]
    public void A_long_name_is_shortened_in_its_stem_and_keeps_tag_and_extension()
    {
        var name = new string('é', 200) + ".txt";
        var at = new DateTimeOffset(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Local));

        var copy = ConflictNames.For(name, at, "pc", 1);

        Assert.IsLessThanOrEqualTo(ConflictNames.MaxNameBytes, System.Text.Encoding.UTF8.GetByteCount(copy));
        Assert.EndsWith(" (conflict 2026-01-02 030405 from pc).txt", copy);
        Assert.StartsWith("éé", copy);
    }

    [TestMethod]
    public void Host_names_keep_only_what_is_safe_in_a_file_name()
    {
        Assert.AreEqual("WS-01.corp", ConflictNames.Host("WS-01.corp"));
        Assert.AreEqual("a-b-c", ConflictNames.Host("a/b:c"));
        Assert.AreEqual(ConflictNames.Host(Environment.MachineName), ConflictNames.Host(null));
    }

    private static byte[] Fill(int length, byte value) => Enumerable.Repeat(value, length).ToArray();
}
