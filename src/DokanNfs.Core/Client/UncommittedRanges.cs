namespace DokanNfs.Core.Client;

/// <summary>Bytes of ours at an offset of the file.</summary>
internal readonly record struct DataSegment(long Offset, ReadOnlyMemory<byte> Data);

/// <summary>Which bytes of a list of writes the file would hold after all of them, in order.</summary>
internal static class UncommittedRanges
{
    /// <summary>
    /// The parts of the writes marked in <paramref name="include"/> that no later write in
    /// <paramref name="writes"/> (in the order they were made) overwrote, sorted by offset. The parts never
    /// overlap, so they may be written again in any order without undoing a later write.
    /// </summary>
    public static List<DataSegment> Uncovered(IReadOnlyList<(long Offset, ReadOnlyMemory<byte> Data)> writes, IReadOnlyList<bool> include)
    {
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentNullException.ThrowIfNull(include);
        var result = new List<DataSegment>();

        // Walked from the last write back, with the ranges the later writes cover kept merged and sorted.
        var covered = new List<(long Start, long End)>();
        for (var i = writes.Count - 1; i >= 0; i--)
        {
            var (offset, data) = writes[i];
            var end = offset + data.Length;
            if (include[i])
            {
                var at = offset;
                for (var k = FirstEndingAfter(covered, offset); k < covered.Count && covered[k].Start < end && at < end; k++)
                {
                    if (covered[k].Start > at)
                    {
                        result.Add(new DataSegment(at, data.Slice((int)(at - offset), (int)(covered[k].Start - at))));
                    }

                    at = Math.Max(at, covered[k].End);
                }

                if (at < end)
                {
                    result.Add(new DataSegment(at, data[(int)(at - offset)..]));
                }
            }

            Cover(covered, offset, end);
        }

        result.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
        return result;
    }

    /// <summary>The index of the first range that ends after <paramref name="offset"/>.</summary>
    private static int FirstEndingAfter(List<(long Start, long End)> ranges, long offset)
    {
        int low = 0, high = ranges.Count;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (ranges[mid].End <= offset)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>Adds [start, end) to the sorted, disjoint <paramref name="ranges"/>, merging what it touches.</summary>
    private static void Cover(List<(long Start, long End)> ranges, long start, long end)
    {
        if (end <= start)
        {
            return;
        }

        var first = FirstEndingAfter(ranges, start - 1);
        var last = first;
        while (last < ranges.Count && ranges[last].Start <= end)
        {
            start = Math.Min(start, ranges[last].Start);
            end = Math.Max(end, ranges[last].End);
            last++;
        }

        ranges.RemoveRange(first, last - first);
        ranges.Insert(first, (start, end));
    }
}
