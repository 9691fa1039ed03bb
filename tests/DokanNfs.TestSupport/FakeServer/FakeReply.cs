using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeServer;

/// <summary>
/// What <see cref="FakeRpcServer"/> does about one call: a well-formed reply of any RFC 5531 §9 shape, no
/// reply at all, a broken record, or the end of the connection. Built from the static factories and
/// refined with the modifiers (<see cref="After"/>, <see cref="InFragments(int)"/>, <see cref="WithXid"/>,
/// <see cref="Then"/>, …); every modifier returns a new value, so scripts can be shared between calls.
/// </summary>
public sealed record FakeReply
{
    private FakeReply()
    {
    }

    /// <summary>Send nothing; the call stays unanswered until the connection ends.</summary>
    public static FakeReply Never { get; } = new() { Kind = FakeReplyKind.Nothing };

    internal FakeReplyKind Kind { get; private init; }

    internal RpcReplyStat ReplyStat { get; private init; }

    internal RpcAcceptStat AcceptStat { get; private init; }

    internal RpcRejectStat RejectStat { get; private init; }

    internal RpcAuthStat AuthStat { get; private init; }

    internal uint MismatchLow { get; private init; }

    internal uint MismatchHigh { get; private init; }

    /// <summary>Results after an accepted SUCCESS header, the body of a raw record, or raw wire bytes.</summary>
    internal ReadOnlyMemory<byte> Payload { get; private init; }

    internal uint? XidOverride { get; private init; }

    internal TimeSpan Delay { get; private init; }

    internal int FragmentCount { get; private init; } = 1;

    internal IReadOnlyList<int>? FragmentSizes { get; private init; }

    internal int WriteChunkSize { get; private init; }

    internal FakeReply? Next { get; private init; }

    /// <summary>MSG_ACCEPTED / SUCCESS followed by <paramref name="results"/> (already XDR-encoded).</summary>
    public static FakeReply Success(ReadOnlySpan<byte> results) => Accepted(RpcAcceptStat.Success) with { Payload = results.ToArray() };

    /// <summary>MSG_ACCEPTED / SUCCESS with no results (a void procedure such as NULL).</summary>
    public static FakeReply Success() => Accepted(RpcAcceptStat.Success);

    /// <summary>MSG_ACCEPTED / SUCCESS with results encoded by <paramref name="writeResults"/>.</summary>
    public static FakeReply Success(Action<XdrWriter> writeResults)
    {
        ArgumentNullException.ThrowIfNull(writeResults);
        using var writer = new XdrWriter();
        writeResults(writer);
        return Success(writer.WrittenSpan);
    }

    /// <summary>MSG_ACCEPTED with any accept_stat, including values RFC 5531 does not define.</summary>
    public static FakeReply Accepted(RpcAcceptStat acceptStat, uint mismatchLow = 0, uint mismatchHigh = 0) => new()
    {
        Kind = FakeReplyKind.Message,
        ReplyStat = RpcReplyStat.MsgAccepted,
        AcceptStat = acceptStat,
        MismatchLow = mismatchLow,
        MismatchHigh = mismatchHigh,
    };

    public static FakeReply ProgUnavail() => Accepted(RpcAcceptStat.ProgUnavail);

    public static FakeReply ProgMismatch(uint low, uint high) => Accepted(RpcAcceptStat.ProgMismatch, low, high);

    public static FakeReply ProcUnavail() => Accepted(RpcAcceptStat.ProcUnavail);

    public static FakeReply GarbageArgs() => Accepted(RpcAcceptStat.GarbageArgs);

    public static FakeReply SystemErr() => Accepted(RpcAcceptStat.SystemErr);

    /// <summary>MSG_DENIED with any reject_stat, including values RFC 5531 does not define.</summary>
    public static FakeReply Denied(RpcRejectStat rejectStat, RpcAuthStat authStat = RpcAuthStat.AuthOk, uint mismatchLow = 0, uint mismatchHigh = 0) => new()
    {
        Kind = FakeReplyKind.Message,
        ReplyStat = RpcReplyStat.MsgDenied,
        RejectStat = rejectStat,
        AuthStat = authStat,
        MismatchLow = mismatchLow,
        MismatchHigh = mismatchHigh,
    };

    /// <summary>MSG_DENIED / RPC_MISMATCH: the server speaks RPC versions <paramref name="low"/> to <paramref name="high"/>.</summary>
    public static FakeReply RpcMismatch(uint low, uint high) => Denied(RpcRejectStat.RpcMismatch, mismatchLow: low, mismatchHigh: high);

    /// <summary>MSG_DENIED / AUTH_ERROR with the given auth_stat.</summary>
    public static FakeReply AuthError(RpcAuthStat authStat) => Denied(RpcRejectStat.AuthError, authStat);

    /// <summary>
    /// A correctly framed record carrying the call's XID and msg_type REPLY followed by
    /// <paramref name="garbageLength"/> bytes of 0xEE: a valid header, then nothing RFC 5531 §9 allows
    /// (reply_stat 0xEEEEEEEE).
    /// </summary>
    public static FakeReply Garbage(int garbageLength = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(garbageLength);
        var garbage = new byte[garbageLength];
        garbage.AsSpan().Fill(0xEE);
        return new FakeReply { Kind = FakeReplyKind.Garbage, Payload = garbage };
    }

    /// <summary>A correctly framed record whose body is exactly <paramref name="body"/> (no XID is added).</summary>
    public static FakeReply Record(ReadOnlySpan<byte> body) => new() { Kind = FakeReplyKind.Record, Payload = body.ToArray() };

    /// <summary>A complete record too short to hold an XID and msg_type (fewer than 8 bytes).</summary>
    public static FakeReply Runt(int length = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 7);
        return Record(new byte[length]);
    }

    /// <summary>
    /// A fragment header declaring the largest possible length (0x7FFFFFFF, RFC 5531 §11) followed by a
    /// few bytes: a client must refuse it as soon as it reads the header rather than wait for 2 GiB.
    /// </summary>
    public static FakeReply HugeFragment(bool isLast = true)
    {
        var bytes = new byte[RecordMarking.HeaderSize + 8];
        RecordMarking.WriteHeader(bytes, RecordMarking.MaxFragmentLength, isLast);
        bytes.AsSpan(RecordMarking.HeaderSize).Fill(0xAB);
        return Raw(bytes);
    }

    /// <summary>Bytes written to the socket exactly as given, with no record marking added.</summary>
    public static FakeReply Raw(ReadOnlySpan<byte> bytes) => new() { Kind = FakeReplyKind.Raw, Payload = bytes.ToArray() };

    /// <summary>Closes the connection gracefully (FIN) instead of replying.</summary>
    public static FakeReply CloseConnection() => new() { Kind = FakeReplyKind.Close };

    /// <summary>Resets the connection (RST, via a zero linger time) instead of replying.</summary>
    public static FakeReply ResetConnection() => new() { Kind = FakeReplyKind.Reset };

    /// <summary>Waits <paramref name="delay"/> before this step; other calls are served meanwhile.</summary>
    public FakeReply After(TimeSpan delay) => this with { Delay = delay };

    /// <summary>Splits the record into <paramref name="count"/> fragments as equal as possible (RFC 5531 §11).</summary>
    public FakeReply InFragments(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return this with { FragmentCount = count, FragmentSizes = null };
    }

    /// <summary>
    /// Sends fragments of exactly these sizes (0 allowed), then one last fragment with whatever remains
    /// (possibly 0 bytes). The sizes must not add up to more than the record.
    /// </summary>
    public FakeReply InFragments(params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        foreach (var size in sizes)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size);
        }

        return this with { FragmentSizes = [.. sizes], FragmentCount = 1 };
    }

    /// <summary>
    /// Writes the wire bytes in pieces of <paramref name="bytesPerWrite"/>, each its own send after a yield, so the
    /// client sees headers and bodies arrive split at arbitrary points.
    /// </summary>
    public FakeReply InChunks(int bytesPerWrite)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerWrite);
        return this with { WriteChunkSize = bytesPerWrite };
    }

    /// <summary>Puts <paramref name="xid"/> in the reply instead of the call's XID (an unknown or foreign XID).</summary>
    public FakeReply WithXid(uint xid) => this with { XidOverride = xid };

    /// <summary>After this step, does <paramref name="next"/> (for example, a stray reply and then the real one).</summary>
    public FakeReply Then(FakeReply next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return this with { Next = Next is null ? next : Next.Then(next) };
    }

    public FakeReply ThenClose() => Then(CloseConnection());

    public FakeReply ThenReset() => Then(ResetConnection());

    /// <summary>The bytes this step puts on the wire for a call with <paramref name="callXid"/>, record marking included.</summary>
    internal byte[] EncodeWire(uint callXid)
    {
        if (Kind == FakeReplyKind.Raw)
        {
            return Payload.ToArray();
        }

        if (Kind == FakeReplyKind.Record)
        {
            // Exactly the given bytes: XdrWriter would pad a 7-byte runt to 8 and make it a valid-looking header.
            return Frame(Payload.Span);
        }

        using var body = new XdrWriter();
        var xid = XidOverride ?? callXid;
        switch (Kind)
        {
            case FakeReplyKind.Message:
                WriteReplyMessage(body, xid);
                break;
            case FakeReplyKind.Garbage:
                body.WriteUInt32(xid);
                body.WriteEnum(RpcMsgType.Reply);
                Payload.Span.CopyTo(body.GetSpan(Payload.Length));
                body.Advance(Payload.Length);
                break;
            default:
                throw new InvalidOperationException($"{Kind} puts nothing on the wire.");
        }

        return Frame(body.WrittenSpan);
    }

    private void WriteReplyMessage(XdrWriter writer, uint xid)
    {
        // RFC 5531 §9: rpc_msg { xid; REPLY; reply_body }.
        writer.WriteUInt32(xid);
        writer.WriteEnum(RpcMsgType.Reply);
        writer.WriteEnum(ReplyStat);
        if (ReplyStat == RpcReplyStat.MsgAccepted)
        {
            // accepted_reply: an AUTH_NONE verifier, then the accept_stat arm.
            writer.WriteEnum(RpcAuthFlavor.AuthNone);
            writer.WriteOpaque([]);
            writer.WriteEnum(AcceptStat);
            if (AcceptStat == RpcAcceptStat.Success)
            {
                writer.WriteFixedOpaque(Payload.Span);
            }
            else if (AcceptStat == RpcAcceptStat.ProgMismatch)
            {
                writer.WriteUInt32(MismatchLow);
                writer.WriteUInt32(MismatchHigh);
            }
        }
        else
        {
            writer.WriteEnum(RejectStat);
            if (RejectStat == RpcRejectStat.RpcMismatch)
            {
                writer.WriteUInt32(MismatchLow);
                writer.WriteUInt32(MismatchHigh);
            }
            else if (RejectStat == RpcRejectStat.AuthError)
            {
                writer.WriteEnum(AuthStat);
            }
        }
    }

    private byte[] Frame(ReadOnlySpan<byte> body)
    {
        var sizes = FragmentSizes is { } explicitSizes ? WithRemainder(explicitSizes, body.Length) : EvenSizes(body.Length, FragmentCount);
        var wire = new byte[body.Length + (sizes.Count * RecordMarking.HeaderSize)];
        var at = 0;
        var taken = 0;
        for (var i = 0; i < sizes.Count; i++)
        {
            // RFC 5531 §11: only the last fragment of a record carries the top bit.
            RecordMarking.WriteHeader(wire.AsSpan(at), sizes[i], isLast: i == sizes.Count - 1);
            at += RecordMarking.HeaderSize;
            body.Slice(taken, sizes[i]).CopyTo(wire.AsSpan(at));
            at += sizes[i];
            taken += sizes[i];
        }

        return wire;
    }

    private static List<int> WithRemainder(IReadOnlyList<int> sizes, int total)
    {
        var used = sizes.Sum();
        if (used > total)
        {
            throw new InvalidOperationException($"Fragment sizes add up to {used} bytes but the record has only {total}.");
        }

        return [.. sizes, total - used];
    }

    private static List<int> EvenSizes(int total, int count)
    {
        var sizes = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            // Spread the remainder over the first fragments; with more fragments than bytes some are empty.
            sizes.Add((total / count) + (i < total % count ? 1 : 0));
        }

        return sizes;
    }
}

internal enum FakeReplyKind
{
    Message,
    Garbage,
    Record,
    Raw,
    Nothing,
    Close,
    Reset,
}
