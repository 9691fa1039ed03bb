using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeServer;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>What a <see cref="FakeNfsFault"/> does to the operation it intercepts.</summary>
public enum FakeNfsFaultKind
{
    /// <summary>The operation is not executed and fails with <see cref="FakeNfsFault.Status"/>; the COMPOUND stops there.</summary>
    Status,

    /// <summary>WRITE or COMMIT is executed but answers with <see cref="FakeNfsFault.Verifier"/>.</summary>
    WriteVerifier,

    /// <summary>WRITE stores and reports only the first <see cref="FakeNfsFault.Count"/> bytes.</summary>
    ShortWrite,

    /// <summary>READ returns at most <see cref="FakeNfsFault.Count"/> bytes and eof = false.</summary>
    ShortRead,

    /// <summary>The COMPOUND is never answered.</summary>
    NoReply,

    /// <summary>The connection is closed instead of answering.</summary>
    CloseConnection,

    /// <summary>The operation is executed as usual; only its reply is held (<see cref="FakeNfsFault.HoldUntil"/>).</summary>
    Pass,
}

/// <summary>
/// A fault a test puts on an operation with <see cref="FakeNfsServer.Intercept"/> and friends. A status
/// fault on a seqid-bearing operation is sequenced like a real failure: the owner's seqid advances unless
/// the status is one RFC 7530 §9.1.7 exempts, and the reply is kept for replays.
/// </summary>
public sealed record FakeNfsFault
{
    private FakeNfsFault(FakeNfsFaultKind kind) => Kind = kind;

    public FakeNfsFaultKind Kind { get; }

    public NfsStat4 Status { get; private init; }

    public Verifier4 Verifier { get; private init; }

    public uint Count { get; private init; }

    /// <summary>For <see cref="FakeNfsFaultKind.NoReply"/> and <see cref="FakeNfsFaultKind.CloseConnection"/>: the COMPOUND is executed (and its reply cached) first.</summary>
    public bool AfterExecuting { get; private init; }

    /// <summary>When set, the reply is held until this task completes (the state change happens at once).</summary>
    public Task? Hold { get; private init; }

    public static FakeNfsFault Error(NfsStat4 status) => new(FakeNfsFaultKind.Status) { Status = status };

    public static FakeNfsFault WriteVerifier(Verifier4 verifier) => new(FakeNfsFaultKind.WriteVerifier) { Verifier = verifier };

    public static FakeNfsFault ShortWrite(uint count) => new(FakeNfsFaultKind.ShortWrite) { Count = count };

    public static FakeNfsFault ShortRead(uint count) => new(FakeNfsFaultKind.ShortRead) { Count = count };

    public static FakeNfsFault NoReply(bool afterExecuting = false) => new(FakeNfsFaultKind.NoReply) { AfterExecuting = afterExecuting };

    public static FakeNfsFault CloseConnection(bool afterExecuting = false) => new(FakeNfsFaultKind.CloseConnection) { AfterExecuting = afterExecuting };

    /// <summary>Executes the operation as usual and holds its reply until <paramref name="release"/> completes.</summary>
    public static FakeNfsFault Held(Task release) => new(FakeNfsFaultKind.Pass) { Hold = release };

    /// <summary>Holds the reply until <paramref name="release"/> completes, so the test can act while the call is in flight.</summary>
    public FakeNfsFault HoldUntil(Task release) => this with { Hold = release };

    public override string ToString() => Kind switch
    {
        FakeNfsFaultKind.Status => $"status {Status}",
        FakeNfsFaultKind.WriteVerifier => $"verifier {Verifier}",
        FakeNfsFaultKind.ShortWrite or FakeNfsFaultKind.ShortRead => $"{Kind} {Count}",
        _ => AfterExecuting ? $"{Kind} after executing" : Kind.ToString(),
    };
}

/// <summary>What an interception rule sees of the operation the server is about to execute.</summary>
public sealed record FakeNfsOpContext(
    NfsArgOp Args,
    int Index,
    CompoundRequest Request,
    int ConnectionId,
    int Occurrence,
    string? CurrentPath);

/// <summary>
/// An interception rule: every operation that passes its filter counts as an occurrence; from occurrence
/// <c>skip + 1</c> on, up to <c>times</c> of them get the fault. The first rule that fires wins.
/// </summary>
public sealed class FakeNfsRule
{
    private readonly NfsOpnum4? _op;
    private readonly Func<FakeNfsOpContext, bool>? _where;
    private readonly int _skip;
    private readonly int? _times;

    internal FakeNfsRule(NfsOpnum4? op, Func<FakeNfsOpContext, bool>? where, FakeNfsFault fault, int skip, int? times)
    {
        _op = op;
        _where = where;
        _skip = skip;
        _times = times;
        Fault = fault;
    }

    public FakeNfsFault Fault { get; }

    /// <summary>How many operations passed the filter so far.</summary>
    public int Seen { get; private set; }

    /// <summary>How many of them got the fault.</summary>
    public int Hits { get; private set; }

    /// <summary>True when the rule will fire no more.</summary>
    public bool Spent => _times is { } times && Hits >= times;

    /// <summary>Counts the operation if it passes the filter; true if the fault applies to it.</summary>
    internal bool Offer(FakeNfsOpContext context, bool alreadyFaulted)
    {
        if ((_op is { } op && context.Args.Op != op) || (_where is not null && !_where(context)))
        {
            return false;
        }

        Seen++;
        if (alreadyFaulted || Seen <= _skip || Spent)
        {
            return false;
        }

        Hits++;
        return true;
    }
}

/// <summary>One COMPOUND the fake server received, decoded, and what became of it.</summary>
public sealed class FakeNfsRecord
{
    internal FakeNfsRecord(int sequence, int connectionId, uint xid, CompoundRequest request)
    {
        Sequence = sequence;
        ConnectionId = connectionId;
        Xid = xid;
        Request = request;
        Timestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>0 for the first COMPOUND, in the order the server executed them.</summary>
    public int Sequence { get; }

    public int ConnectionId { get; }

    public uint Xid { get; }

    public CompoundRequest Request { get; }

    /// <summary>The AUTH_SYS credential the COMPOUND came with, or null for another flavor.</summary>
    public AuthSysParameters? AuthSys { get; internal init; }

    /// <summary>Stopwatch ticks when the server took the COMPOUND up.</summary>
    public long Timestamp { get; }

    /// <summary>The COMPOUND status, or null when no reply was made (the fault dropped it before execution).</summary>
    public NfsStat4? Status { get; internal set; }

    /// <summary>The COMPOUND4res bytes the server made (sent, or dropped by a fault); empty when it made none.</summary>
    public ReadOnlyMemory<byte> Reply { get; internal set; }

    /// <summary>Each executed operation's status, in order.</summary>
    public IReadOnlyList<CompoundOpStatus> Results { get; internal set; } = [];

    /// <summary>The faults that applied to this COMPOUND's operations.</summary>
    public IReadOnlyList<FakeNfsFault> Faults { get; internal set; } = [];

    /// <summary>True when the reply came from an owner's replay cache (RFC 7530 §9.1.8).</summary>
    public bool Replayed { get; internal set; }

    /// <summary>True when the reply was dropped or the connection closed instead.</summary>
    public bool Unanswered { get; internal set; }

    public override string ToString() =>
        $"#{Sequence} conn {ConnectionId} {Request} -> {(Replayed ? "replay " : string.Empty)}{Status?.ToString() ?? "no reply"}" +
        (Faults.Count > 0 ? $" [{string.Join(", ", Faults)}]" : string.Empty);
}
