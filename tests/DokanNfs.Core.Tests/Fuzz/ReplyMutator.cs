using System.Buffers.Binary;

namespace DokanNfs.Core.Tests.Fuzz;

/// <summary>The ways <see cref="ReplyMutator"/> damages a record.</summary>
internal enum MutationKind
{
    BitFlip,
    MultiBitFlip,
    RandomBytes,
    Truncate,
    Insert,
    Delete,
    HugeLength,
    InterestingWord,
    Stacked,
}

/// <summary>
/// Seeded mutations of a reply record, confined to a region (from <c>regionStart</c> to the end) so a run can
/// aim at one operation's result: everything before it stays intact and the walker is sure to reach it.
/// The output buffer must hold the record plus <see cref="MaxGrowth"/> bytes.
/// </summary>
internal static class ReplyMutator
{
    /// <summary>The most bytes a mutation adds (stacked insertions included).</summary>
    public const int MaxGrowth = 64;

    private const int SimpleKinds = (int)MutationKind.Stacked;

    /// <summary>The values "lengths set huge" puts in a length or count word (the last, remaining + 1, is per word).</summary>
    private static readonly uint[] HugeValues = [0x7FFF_FFFF, 0xFFFF_FFFF, 0x4000_0000];

    /// <summary>Values worth a whole word: edges of every integer type, and opnums and statuses near real ones.</summary>
    private static readonly uint[] InterestingValues = [0, 1, 2, 3, 4, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 10044, 10010, 10019, 10004];

    /// <summary>
    /// Offsets of 4-byte words that look like an XDR length or count: a small non-zero value that is no
    /// larger than the bytes after it, as every length of a real reply is.
    /// </summary>
    public static int[] FindLengthWords(ReadOnlySpan<byte> record)
    {
        var offsets = new List<int>();
        for (var p = 0; p + 4 <= record.Length; p += 4)
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(record[p..]);
            if (value is > 0 and <= 0x10000 && value <= record.Length - p - 4)
            {
                offsets.Add(p);
            }
        }

        return [.. offsets];
    }

    /// <summary>The "lengths set huge" values for the word at <paramref name="offset"/>: three constants and remaining + 1.</summary>
    public static uint HugeValue(int index, int offset, int length) =>
        index < HugeValues.Length ? HugeValues[index] : (uint)(length - offset - 4 + 1);

    public static int HugeValueCount => HugeValues.Length + 1;

    /// <summary>Copies <paramref name="record"/> into <paramref name="output"/>, damages it, and returns the new length.</summary>
    public static int Mutate(Random random, ReadOnlySpan<byte> record, int regionStart, int[] lengthWords, byte[] output, out MutationKind kind)
    {
        record.CopyTo(output);
        var length = record.Length;
        kind = (MutationKind)random.Next(SimpleKinds + 1);
        if (kind == MutationKind.Stacked)
        {
            var count = random.Next(2, 5);
            for (var i = 0; i < count; i++)
            {
                length = Apply(random, (MutationKind)random.Next(SimpleKinds), output, length, regionStart, lengthWords);
            }
        }
        else
        {
            length = Apply(random, kind, output, length, regionStart, lengthWords);
        }

        return length;
    }

    private static int Apply(Random random, MutationKind kind, byte[] buffer, int length, int regionStart, int[] lengthWords)
    {
        var region = length - regionStart;
        if (region <= 0)
        {
            return length;
        }

        switch (kind)
        {
            case MutationKind.BitFlip:
                FlipBit(random, buffer, regionStart, length);
                return length;

            case MutationKind.MultiBitFlip:
                for (var i = random.Next(2, 9); i > 0; i--)
                {
                    FlipBit(random, buffer, regionStart, length);
                }

                return length;

            case MutationKind.RandomBytes:
                for (var i = random.Next(1, 5); i > 0; i--)
                {
                    buffer[regionStart + random.Next(region)] = (byte)random.Next(256);
                }

                return length;

            case MutationKind.Truncate:
                return regionStart + random.Next(region);

            case MutationKind.Insert:
            {
                if (length + 16 > buffer.Length)
                {
                    return length;
                }

                // Whole words keep later fields aligned (a shifted structure); odd counts break alignment.
                var count = random.Next(2) == 0 ? 4 * random.Next(1, 4) : random.Next(1, 8);
                var at = regionStart + random.Next(region + 1);
                Array.Copy(buffer, at, buffer, at + count, length - at);
                for (var i = 0; i < count; i++)
                {
                    buffer[at + i] = random.Next(2) == 0 ? (byte)0 : (byte)random.Next(256);
                }

                return length + count;
            }

            case MutationKind.Delete:
            {
                var count = Math.Min(random.Next(2) == 0 ? 4 * random.Next(1, 4) : random.Next(1, 8), region);
                var at = regionStart + random.Next(region - count + 1);
                Array.Copy(buffer, at + count, buffer, at, length - at - count);
                return length - count;
            }

            case MutationKind.HugeLength:
            {
                var offset = PickLengthWord(random, lengthWords, regionStart, length);
                if (offset >= 0)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(offset), HugeValue(random.Next(HugeValueCount), offset, length));
                }

                return length;
            }

            default:
            {
                // InterestingWord: an aligned word in the region becomes an edge value or a neighbour of itself.
                var words = (length - Align(regionStart)) / 4;
                if (words <= 0)
                {
                    return length;
                }

                var offset = Align(regionStart) + (4 * random.Next(words));
                var old = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(offset));
                var value = random.Next(4) switch
                {
                    0 => old + 1,
                    1 => old - 1,
                    2 => (uint)random.Next(41),
                    _ => InterestingValues[random.Next(InterestingValues.Length)],
                };
                BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(offset), value);
                return length;
            }
        }
    }

    private static void FlipBit(Random random, byte[] buffer, int start, int end) =>
        buffer[start + random.Next(end - start)] ^= (byte)(1 << random.Next(8));

    private static int Align(int offset) => (offset + 3) & ~3;

    /// <summary>A length-like word at or after <paramref name="regionStart"/>, or -1 if there is none.</summary>
    private static int PickLengthWord(Random random, int[] lengthWords, int regionStart, int length)
    {
        var first = Array.BinarySearch(lengthWords, regionStart);
        first = first < 0 ? ~first : first;
        var count = lengthWords.Length - first;
        if (count <= 0)
        {
            return -1;
        }

        var offset = lengthWords[first + random.Next(count)];
        return offset + 4 <= length ? offset : -1;
    }
}
