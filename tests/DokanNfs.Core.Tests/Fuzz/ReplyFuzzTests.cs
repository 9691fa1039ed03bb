using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.Capture;

namespace DokanNfs.Core.Tests.Fuzz;

/// <summary>
/// Fuzzes every reply decoder with mutated copies of real replies captured from NFS-Ganesha
/// (Fixtures/ganesha-replies, written by GaneshaReplyCaptureTests in the integration tests). Each input goes
/// through <see cref="ReplyDecoding.DecodeRecord"/>, header and COMPOUND walker together, as a reply from the
/// network would; <see cref="ReplyFuzzHarness"/> checks that only typed errors come out, that no decode hangs
/// and that no decode allocates more than its record's length allows. Every operation that appears in the
/// fixtures must have its decoder reached by at least <see cref="ReachedPerOperation"/> mutated inputs.
/// Deterministic: one seeded <see cref="Random"/>, a fixed schedule.
/// </summary>
[TestClass]
public sealed class ReplyFuzzTests(TestContext testContext)
{
    /// <summary>The bar: every reply decoder is fed at least this many mutated replies.</summary>
    public const int ReachedPerOperation = 100_000;

    private const int Seed = 0x5EED_2026;

    /// <summary>Mutations of each whole fixture before the per-operation phase, so every reply gets its share.</summary>
    private const int WholeRecordMutationsPerFixture = 2_000;

    /// <summary>The whole run's bound: a stuck loop fails here rather than eating CI's time.</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(10);

    private static readonly string[] KindNames = Enum.GetNames<MutationKind>();

    [TestMethod]
    public void Every_fixture_decodes_to_the_summary_its_index_records()
    {
        var fixtures = LoadFixtures();
        Assert.IsGreaterThanOrEqualTo(40, fixtures.Count, "the capture scenario yields dozens of replies");
        foreach (var fixture in fixtures)
        {
            Assert.AreEqual(fixture.Fixture.Summary, ReplyDecoding.DecodeRecord(fixture.Fixture.Record).ToString(), fixture.Fixture.File);
        }
    }

    [TestMethod]
    public void NfsAttributes_is_the_largest_per_byte_allocation()
    {
        // The allocation bound of ReplyFuzzHarness rests on this: the smallest GETATTR result (16 bytes on the
        // wire) decodes to one NfsAttributes, and that must stay under 30 bytes per wire byte.
        Fattr4.DecodeValues(default, []);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var attributes = Fattr4.DecodeValues(default, []);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.IsNotNull(attributes);
        testContext.WriteLine($"An empty NfsAttributes costs {allocated} bytes.");
        Assert.IsLessThan(16 * 30, allocated);
    }

    [TestMethod]
    public void Every_decoder_survives_100000_mutated_Ganesha_replies()
    {
        var fixtures = LoadFixtures();
        var harness = new ReplyFuzzHarness();
        Exception? crashed = null;
        var clock = Stopwatch.StartNew();
        var worker = new Thread(
            () =>
            {
                try
                {
                    Run(fixtures, harness);
                }
#pragma warning disable CA1031 // Reported on the test thread below.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    crashed = ex;
                }
            })
        {
            IsBackground = true, // a decode stuck for good must not keep the test host alive
            Name = "reply-fuzz",
        };
        worker.Start();

        // The watchdog: a decode that never returns cannot report itself, so this thread looks at it.
        while (!worker.Join(50))
        {
            var current = harness.CurrentDecodeTime;
            if (current > ReplyFuzzHarness.HangLimit)
            {
                Assert.Fail($"A decode has run for {current.TotalMilliseconds:F0} ms: a hang. Input: {harness.CurrentInputHex}");
            }

            if (clock.Elapsed > RunLimit)
            {
                Assert.Fail($"The fuzz run has not finished in {RunLimit}; {harness.Decodes} decodes done.");
            }
        }

        clock.Stop();
        Assert.IsNull(crashed, crashed?.ToString());
        Report(fixtures, harness, clock.Elapsed);
        Assert.AreEqual(0L, harness.FailureCount, $"{harness.FailureCount} decodes broke a promise; the first ones:\n" + string.Join("\n", harness.Failures));
        foreach (var op in OperationsIn(fixtures))
        {
            Assert.IsGreaterThanOrEqualTo(ReachedPerOperation, harness.Reached(op), $"{op}'s decoder was reached by {harness.Reached(op)} mutated replies");
        }
    }

    private static void Run(IReadOnlyList<LoadedFixture> fixtures, ReplyFuzzHarness harness)
    {
        var random = new Random(Seed);
        var buffer = new byte[fixtures.Max(f => f.Fixture.Record.Length) + ReplyMutator.MaxGrowth];

        // The real replies themselves, first: they must decode, not merely fail in a typed way.
        foreach (var f in fixtures)
        {
            f.Fixture.Record.CopyTo(buffer, 0);
            harness.Decode(buffer, f.Fixture.Record.Length, f.Fixture.File, "none");
        }

        if (harness.Outcomes.GetValueOrDefault("decoded") != fixtures.Count)
        {
            throw new InvalidOperationException("A fixture does not decode; see Every_fixture_decodes_to_the_summary_its_index_records.");
        }

        // Systematic: truncation at every length, and every length-like word set huge.
        foreach (var f in fixtures)
        {
            var record = f.Fixture.Record;
            for (var length = 0; length < record.Length; length++)
            {
                record.CopyTo(buffer, 0);
                harness.Decode(buffer, length, f.Fixture.File, "truncate-sweep");
            }

            foreach (var offset in f.LengthWords)
            {
                for (var v = 0; v < ReplyMutator.HugeValueCount; v++)
                {
                    record.CopyTo(buffer, 0);
                    BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(offset), ReplyMutator.HugeValue(v, offset, record.Length));
                    harness.Decode(buffer, record.Length, f.Fixture.File, "huge-length-sweep");
                }
            }
        }

        // Random mutations anywhere in each record.
        foreach (var f in fixtures)
        {
            for (var i = 0; i < WholeRecordMutationsPerFixture; i++)
            {
                var length = ReplyMutator.Mutate(random, f.Fixture.Record, 0, f.LengthWords, buffer, out var kind);
                harness.Decode(buffer, length, f.Fixture.File, KindNames[(int)kind]);
            }
        }

        // Per operation: mutations confined to one of its results and what follows, round-robin over the
        // fixtures that hold it, until its decoder has been reached often enough. Mostly the opnum is
        // spared, so the input is sure to reach the decoder; one time in four it is fair game too, since a
        // result handed to the wrong decoder is a mutation worth having (those may reach no decoder, hence
        // the generous cap).
        foreach (var op in OperationsIn(fixtures))
        {
            var targets = fixtures.SelectMany(f => f.Results.Where(r => r.Op == op).Select(r => (Fixture: f, r.Offset))).ToArray();
            for (var i = 0; harness.Reached(op) < ReachedPerOperation && i < 10 * ReachedPerOperation; i++)
            {
                var (f, offset) = targets[i % targets.Length];
                var start = random.Next(4) == 0 ? offset : offset + 4;
                var length = ReplyMutator.Mutate(random, f.Fixture.Record, start, f.LengthWords, buffer, out var kind);
                harness.Decode(buffer, length, f.Fixture.File, KindNames[(int)kind]);
            }
        }
    }

    /// <summary>The operations the fixtures hold, in opnum order (OP_ILLEGAL last).</summary>
    private static List<NfsOpnum4> OperationsIn(IReadOnlyList<LoadedFixture> fixtures) =>
        [.. fixtures.SelectMany(f => f.Results.Select(r => r.Op)).Distinct().Order()];

    private static IReadOnlyList<LoadedFixture> LoadFixtures()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "ganesha-replies");
        return [.. ReplyFixtures.Load(directory).Select(f =>
        {
            var results = new List<(NfsOpnum4 Op, int Offset)>();
            ReplyDecoding.DecodeRecord(f.Record, (op, offset) => results.Add((op, offset)));
            return new LoadedFixture(f, results, ReplyMutator.FindLengthWords(f.Record));
        })];
    }

    private void Report(IReadOnlyList<LoadedFixture> fixtures, ReplyFuzzHarness harness, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"{fixtures.Count} fixtures ({fixtures.Sum(f => f.Fixture.Record.Length)} bytes), {harness.Decodes} decodes in {elapsed.TotalSeconds:F1} s ({harness.Decodes / elapsed.TotalSeconds:F0}/s).");
        text.AppendLine(c, $"Slowest decode {harness.MaxDecodeTime.TotalMilliseconds:F2} ms; most allocated {harness.MaxAllocated} bytes; worst (allocated - {ReplyFuzzHarness.AllocationFixedBytes}) / length {harness.MaxAllocatedPerByte:F2} (allowed {ReplyFuzzHarness.AllocationPerRecordByte}).");
        foreach (var (outcome, count) in harness.Outcomes.OrderByDescending(o => o.Value))
        {
            text.AppendLine(c, $"  {outcome}: {count}");
        }

        text.AppendLine("Mutated inputs that reached each decoder:");
        foreach (var op in OperationsIn(fixtures))
        {
            text.AppendLine(c, $"  {op}: {harness.Reached(op)}");
        }

        testContext.WriteLine(text.ToString());
    }

    private sealed record LoadedFixture(ReplyFixture Fixture, IReadOnlyList<(NfsOpnum4 Op, int Offset)> Results, int[] LengthWords);
}
