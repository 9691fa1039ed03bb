using System.Diagnostics;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Fuzz;

/// <summary>
/// Feeds one record at a time to <see cref="ReplyDecoding.DecodeRecord"/> and checks the three promises of a
/// reply decoder: only typed exceptions, no hang, and allocation bounded by the record's own length. It
/// also counts, per operation, how many inputs reached that operation's decoder. Single-threaded: one
/// harness per fuzzing thread, since allocation is measured per thread.
/// </summary>
internal sealed class ReplyFuzzHarness
{
    /// <summary>
    /// Allocation allowed per byte of the record. What the decoders may legitimately allocate is bounded by
    /// the bytes present, element by element, and the worst ratio is a result that is small on the wire but
    /// decodes to an object: a GETATTR result is 16 bytes at least (opnum, status, empty bitmap, empty
    /// attrlist) and yields an <see cref="NfsAttributes"/> (408 bytes on .NET 10, kept under 480 by
    /// <c>NfsAttributes_is_the_largest_per_byte_allocation</c>), under 30 bytes per wire byte; a READDIR entry
    /// is 24 bytes and yields the same object (under 20); an fs_location4 is 8 bytes and yields a record and
    /// two arrays (about 10); a string or opaque copy costs at most 3 per byte (a one-character string); a
    /// filehandle, stateowner or summary slot less. 64 is twice the worst of these.
    /// </summary>
    public const long AllocationPerRecordByte = 64;

    /// <summary>
    /// Allocation allowed whatever the record's length: the exceptions (at most four per decode: an
    /// XdrException, its fattr4 wrapper, the RpcMalformedReplyException, and the NfsException that ends a
    /// walk at a failing operation; each a message and a stack trace, a few KiB together), the decoding
    /// closure, the summary and the walk's fixed objects.
    /// </summary>
    public const long AllocationFixedBytes = 64 * 1024;

    /// <summary>
    /// A decode that takes longer than this is a hang, not slowness: one takes about 5 µs, and the slowest
    /// seen (a GC or a descheduled thread on a 2-core machine at load 18) took 260 ms.
    /// </summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(2);

    private const int MaxFailuresKept = 20;

    // Slot of an opnum in the per-operation tables: NFSv4.0's 3..39, and OP_ILLEGAL in slot 0.
    private const int Slots = 40;

    private readonly int[] _reached = new int[Slots];
    private readonly int[] _lastInput = new int[Slots];
    private readonly Action<NfsOpnum4, int> _onResult;
    private readonly Dictionary<string, long> _outcomes = [];
    private readonly List<string> _failures = [];
    private int _input;
    private long _decodeStarted;
    private byte[] _current = [];
    private int _currentLength;

    public ReplyFuzzHarness()
    {
        _onResult = OnResult;
    }

    public long Decodes { get; private set; }

    public long MaxAllocated { get; private set; }

    /// <summary>The largest allocation seen less the fixed allowance, per byte of its record.</summary>
    public double MaxAllocatedPerByte { get; private set; }

    public TimeSpan MaxDecodeTime { get; private set; }

    public IReadOnlyDictionary<string, long> Outcomes => _outcomes;

    public IReadOnlyList<string> Failures => _failures;

    public long FailureCount { get; private set; }

    /// <summary>How long the decode in progress has run (zero between decodes): what the watchdog reads.</summary>
    public TimeSpan CurrentDecodeTime
    {
        get
        {
            var started = Volatile.Read(ref _decodeStarted);
            return started == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started);
        }
    }

    /// <summary>The input being decoded, for a watchdog that finds it stuck.</summary>
    public string CurrentInputHex => Convert.ToHexString(_current, 0, Volatile.Read(ref _currentLength));

    public static int SlotOf(NfsOpnum4 op) => op == NfsOpnum4.Illegal ? 0 : op is >= NfsOpnum4.Access and <= NfsOpnum4.ReleaseLockOwner ? (int)op : -1;

    public static NfsOpnum4 OpOfSlot(int slot) => slot == 0 ? NfsOpnum4.Illegal : (NfsOpnum4)slot;

    /// <summary>How many inputs reached the decoder of <paramref name="op"/> (each input counted once per operation).</summary>
    public int Reached(NfsOpnum4 op) => _reached[SlotOf(op)];

    /// <summary>
    /// Decodes <paramref name="buffer"/>[..<paramref name="length"/>] and checks it; <paramref name="fixture"/> and
    /// <paramref name="mutation"/> name the input in failures (built only then, so a decode costs no string).
    /// </summary>
    public void Decode(byte[] buffer, int length, string fixture, string mutation)
    {
        _current = buffer;
        Volatile.Write(ref _currentLength, length);
        _input++;
        Exception? unexpected = null;
        string outcome;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref _decodeStarted, started);
        try
        {
            ReplyDecoding.DecodeRecord(buffer.AsSpan(0, length), _onResult);
            outcome = "decoded";
        }
        catch (RpcMalformedReplyException)
        {
            outcome = nameof(RpcMalformedReplyException);
        }
        catch (RpcAcceptedErrorException)
        {
            outcome = nameof(RpcAcceptedErrorException);
        }
        catch (RpcDeniedException)
        {
            outcome = nameof(RpcDeniedException);
        }
        catch (NfsException)
        {
            outcome = nameof(NfsException);
        }
#pragma warning disable CA1031 // Anything else is the bug this harness exists to find: it is recorded, not rethrown.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            unexpected = ex;
            outcome = "UNEXPECTED " + ex.GetType().Name;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Volatile.Write(ref _decodeStarted, 0);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Decodes++;
        _outcomes[outcome] = _outcomes.GetValueOrDefault(outcome) + 1;
        MaxAllocated = Math.Max(MaxAllocated, allocated);
        MaxAllocatedPerByte = Math.Max(MaxAllocatedPerByte, (double)Math.Max(0, allocated - AllocationFixedBytes) / Math.Max(length, 1));
        if (elapsed > MaxDecodeTime)
        {
            MaxDecodeTime = elapsed;
        }

        if (unexpected is not null)
        {
            Fail(fixture, mutation, length, $"threw {unexpected.GetType().FullName}: {unexpected.Message}\n{unexpected.StackTrace}");
        }

        var allowed = (AllocationPerRecordByte * length) + AllocationFixedBytes;
        if (allocated > allowed)
        {
            Fail(fixture, mutation, length, $"allocated {allocated} bytes, more than the {allowed} a {length}-byte record allows");
        }

        if (elapsed > HangLimit)
        {
            Fail(fixture, mutation, length, $"took {elapsed.TotalMilliseconds:F0} ms");
        }
    }

    private void OnResult(NfsOpnum4 op, int offset)
    {
        var slot = SlotOf(op);
        if (slot >= 0 && _lastInput[slot] != _input)
        {
            _lastInput[slot] = _input;
            _reached[slot]++;
        }
    }

    private void Fail(string fixture, string mutation, int length, string what)
    {
        FailureCount++;
        if (_failures.Count < MaxFailuresKept)
        {
            _failures.Add($"{fixture} ({mutation}): {what}\n  input ({length} bytes): {Convert.ToHexString(_current, 0, length)}");
        }
    }
}
