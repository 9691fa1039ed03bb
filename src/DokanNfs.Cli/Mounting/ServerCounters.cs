using System.Diagnostics;
using System.Numerics;
using DokanNfs.Core.Client;

namespace DokanNfs.Cli.Mounting;

/// <summary>The file system requests <c>dokannfs stats</c> counts, named by the NFS operation each stands for.</summary>
internal enum FsOperation
{
    GETATTR,
    READDIR,
    OPEN,
    CREATE,
    READLINK,
    REMOVE,
    RENAME,
    SETATTR,
    READ,
    WRITE,
    COMMIT,
    LOCK,
    LOCKU,
    CLOSE,
}

/// <summary>
/// One server's counters: requests per operation and a latency histogram, updated with interlocked adds
/// into fixed arrays (nothing allocated per request). Latencies fall into quarter-octave buckets of
/// microseconds, so a percentile is known to within about 12%, as mountstats' averages are not at all.
/// </summary>
internal sealed class ServerCounters(string server)
{
    /// <summary>Buckets: 0–3 µs one each, then four per power of two up to 2^40 µs (12 days).</summary>
    private const int BucketCount = 4 + (4 * 39);

    private static readonly int OperationCount = Enum.GetValues<FsOperation>().Length;

    private readonly long[] _calls = new long[OperationCount];
    private readonly long[] _latency = new long[BucketCount];
    private NfsClient? _client;

    /// <summary>The server as the mount names it: the host written in the URL, or the name a referral gave.</summary>
    public string Server { get; } = server;

    /// <summary>The latest client to this server, for its lease and recovery history; null until one is seen.</summary>
    public NfsClient? Client
    {
        get => Volatile.Read(ref _client);
        set => Volatile.Write(ref _client, value);
    }

    /// <summary>One request of <paramref name="operation"/> that started at <paramref name="startTimestamp"/> (Stopwatch) and ended now.</summary>
    public void Record(FsOperation operation, long startTimestamp) =>
        RecordMicroseconds(operation, (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds);

    public void RecordMicroseconds(FsOperation operation, long micros)
    {
        Interlocked.Increment(ref _calls[(int)operation]);
        Interlocked.Increment(ref _latency[Bucket(micros)]);
    }

    /// <summary>Requests per operation, only those that happened.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Calls()
    {
        var calls = new List<KeyValuePair<string, long>>();
        for (var i = 0; i < _calls.Length; i++)
        {
            var n = Interlocked.Read(ref _calls[i]);
            if (n > 0)
            {
                calls.Add(new(((FsOperation)i).ToString(), n));
            }
        }

        return calls;
    }

    public long TotalCalls
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _calls.Length; i++)
            {
                total += Interlocked.Read(ref _calls[i]);
            }

            return total;
        }
    }

    /// <summary>
    /// The latency below which <paramref name="fraction"/> of requests finished, in milliseconds (the middle of
    /// its bucket); null before the first request.
    /// </summary>
    public double? Percentile(double fraction)
    {
        var counts = new long[BucketCount];
        long total = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            counts[i] = Interlocked.Read(ref _latency[i]);
            total += counts[i];
        }

        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(fraction * total);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += counts[i];
            if (seen >= Math.Max(rank, 1))
            {
                var (low, high) = Bounds(i);
                return Math.Round((low + high) / 2.0 / 1000.0, 3);
            }
        }

        return null;
    }

    /// <summary>0–3 µs map to themselves; above, four buckets per power of two.</summary>
    internal static int Bucket(long micros)
    {
        if (micros < 4)
        {
            return (int)Math.Max(micros, 0);
        }

        var log2 = BitOperations.Log2((ulong)micros);
        var quarter = (int)((micros >> (log2 - 2)) & 3);
        return Math.Min(4 + ((log2 - 2) * 4) + quarter, BucketCount - 1);
    }

    /// <summary>The microseconds bucket <paramref name="index"/> covers: [low, high).</summary>
    internal static (long Low, long High) Bounds(int index)
    {
        if (index < 4)
        {
            return (index, index + 1);
        }

        var log2 = ((index - 4) / 4) + 2;
        var quarter = (index - 4) % 4;
        return ((4L + quarter) << (log2 - 2), (5L + quarter) << (log2 - 2));
    }
}
