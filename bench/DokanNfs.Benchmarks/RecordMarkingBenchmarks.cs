using BenchmarkDotNet.Attributes;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Benchmarks;

/// <summary>
/// RFC 5531 §11 record marking, in memory. A single header encode or decode is below a nanosecond, too short for
/// BenchmarkDotNet to time alone, so each invocation does <see cref="HeadersPerInvoke"/> of them and the table shows
/// the time per header. None of these may allocate.
/// </summary>
[MemoryDiagnoser]
public class RecordMarkingBenchmarks
{
    private const int HeadersPerInvoke = 1024;

    private readonly byte[] _headers = new byte[HeadersPerInvoke * RecordMarking.HeaderSize];
    private readonly byte[] _record = new byte[64 * 1024];
    private byte[] _stream = [];

    [GlobalSetup]
    public void Setup()
    {
        EncodeHeaders();
        _stream = Fragment(NfsWire.Filled(_record.Length, 0x42), fragmentLength: 8 * 1024);
    }

    /// <summary>A record split into fragments of <paramref name="fragmentLength"/> bytes, each with its header.</summary>
    public static byte[] Fragment(ReadOnlySpan<byte> record, int fragmentLength)
    {
        var fragments = (record.Length + fragmentLength - 1) / fragmentLength;
        var stream = new byte[record.Length + (fragments * RecordMarking.HeaderSize)];
        var at = 0;
        while (!record.IsEmpty)
        {
            var length = Math.Min(record.Length, fragmentLength);
            RecordMarking.WriteHeader(stream.AsSpan(at), length, isLast: length == record.Length);
            record[..length].CopyTo(stream.AsSpan(at + RecordMarking.HeaderSize));
            at += RecordMarking.HeaderSize + length;
            record = record[length..];
        }

        return stream;
    }

    /// <summary>RecordMarking.WriteHeader: length | last-fragment bit, big-endian.</summary>
    [Benchmark(OperationsPerInvoke = HeadersPerInvoke)]
    public void EncodeHeaders()
    {
        var span = _headers.AsSpan();
        for (var i = 0; i < HeadersPerInvoke; i++)
        {
            RecordMarking.WriteHeader(span.Slice(i * RecordMarking.HeaderSize), i * 100, isLast: (i & 1) == 0);
        }
    }

    /// <summary>RecordMarking.ReadHeader: the reverse, as the record reader does per fragment.</summary>
    [Benchmark(OperationsPerInvoke = HeadersPerInvoke)]
    public long DecodeHeaders()
    {
        ReadOnlySpan<byte> span = _headers;
        long sum = 0;
        for (var i = 0; i < HeadersPerInvoke; i++)
        {
            var (length, isLast) = RecordMarking.ReadHeader(span.Slice(i * RecordMarking.HeaderSize));
            sum += isLast ? length : -length;
        }

        return sum;
    }

    /// <summary>
    /// Reassembly without a socket: parse each fragment header of a 64 KiB record split into 8 KiB fragments and copy
    /// the fragment into one record buffer. This is the CPU part of <c>RecordReader</c> (header parse + span copy);
    /// <see cref="RecordReaderBenchmarks"/> measures the real reader, syscalls included.
    /// </summary>
    [Benchmark]
    public int Reassemble64KiBIn8KiBFragments()
    {
        ReadOnlySpan<byte> stream = _stream;
        var total = 0;
        while (true)
        {
            var (length, isLast) = RecordMarking.ReadHeader(stream);
            stream[RecordMarking.HeaderSize..(RecordMarking.HeaderSize + length)].CopyTo(_record.AsSpan(total));
            total += length;
            stream = stream[(RecordMarking.HeaderSize + length)..];
            if (isLast)
            {
                return total;
            }
        }
    }
}
