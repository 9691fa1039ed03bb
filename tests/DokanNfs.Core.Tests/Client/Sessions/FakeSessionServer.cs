using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeServer;

namespace DokanNfs.Core.Tests.Client.Sessions;

/// <summary>One COMPOUND as the fake session server saw it: its operations and, for a sequenced one, its SEQUENCE.</summary>
public sealed record FakeSessionCall(int Connection, IReadOnlyList<NfsOpnum4> Ops, SessionId4? SessionId, uint SequenceId, uint SlotId, bool CacheThis, NfsStat4 Status)
{
    public override string ToString() =>
        $"#{Connection} {string.Join(", ", Ops)}" + (SessionId is null ? string.Empty : $" slot {SlotId} seq {SequenceId}") + $" -> {Status}";
}

/// <summary>
/// A scripted NFSv4.1 server for what Ganesha will not do on demand (RFC 8881 §2.10, §18.35–18.37, §18.46): client ids
/// and sessions, a slot table per session with sequence ids and a reply cache, CREATE_SESSION's own replay, and faults
/// — a SEQUENCE status forced on the next request, the reply to a request dropped after it ran, slot limits and status
/// flags in every reply, a restart that forgets every client. It understands SEQUENCE, PUTROOTFH, GETATTR (type,
/// lease_time), RECLAIM_COMPLETE, EXCHANGE_ID, CREATE_SESSION, DESTROY_SESSION, DESTROY_CLIENTID, BIND_CONN_TO_SESSION.
/// </summary>
public sealed class FakeSessionServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, ClientRecord> _clients = [];
    private readonly Dictionary<SessionId4, SessionRecord> _sessions = [];
    private readonly Queue<NfsStat4> _sequenceFaults = new();
    private readonly List<FakeSessionCall> _calls = [];
    private readonly List<StateId4> _returned = [];
    private readonly List<(StateId4 StateId, ulong Offset, int Count)> _writes = [];
    private readonly List<StateId4> _openedUnder = [];
    private readonly List<StateId4> _closed = [];
    private readonly List<StateId4> _revoked = [];
    private int _reclaimedDelegations;
    private readonly List<StateId4> _tested = [];
    private readonly List<StateId4> _freed = [];
    private FakeRpcServer? _rpc;
    private ulong _nextClientId = 0x100;
    private ulong _nextSession = 1;
    private int _dropReplies;
    private NfsOpnum4? _dropFirstOp;

    private FakeSessionServer()
    {
    }

    public System.Net.IPEndPoint EndPoint => _rpc!.EndPoint;

    /// <summary>sr_highest_slotid in every SEQUENCE reply; null: the granted slot count less one.</summary>
    public uint? HighestSlotId { get; set; }

    /// <summary>sr_target_highest_slotid in every SEQUENCE reply; null: as <see cref="HighestSlotId"/>.</summary>
    public uint? TargetHighestSlotId { get; set; }

    /// <summary>sr_status_flags in every SEQUENCE reply.</summary>
    public SequenceStatusFlags StatusFlags { get; set; }

    /// <summary>How many slots CREATE_SESSION grants at most.</summary>
    public uint GrantSlots { get; set; } = 8;

    /// <summary>Answer SEQUENCE on every connection not bound by BIND_CONN_TO_SESSION with NFS4ERR_CONN_NOT_BOUND_TO_SESSION.</summary>
    public bool RequireBinding { get; set; }

    /// <summary>EXCHANGE_ID answers NFS4ERR_CLID_INUSE.</summary>
    public bool ClidInUse { get; set; }

    public IReadOnlyList<FakeSessionCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The write verifier of every WRITE and COMMIT reply.</summary>
    public const ulong WriteVerifier = 0x5745_5249_4649_4552;

    /// <summary>The WRITEs received: their stateid, offset and byte count, in order.</summary>
    public IReadOnlyList<(StateId4 StateId, ulong Offset, int Count)> Writes
    {
        get
        {
            lock (_lock)
            {
                return [.. _writes];
            }
        }
    }

    /// <summary>The delegation stateids given back with DELEGRETURN (after PUTFH), in order.</summary>
    public IReadOnlyList<StateId4> Returned
    {
        get
        {
            lock (_lock)
            {
                return [.. _returned];
            }
        }
    }

    /// <summary>The delegation stateids OPEN with CLAIM_DELEG_CUR_FH named, in order.</summary>
    public IReadOnlyList<StateId4> OpenedUnderDelegation
    {
        get
        {
            lock (_lock)
            {
                return [.. _openedUnder];
            }
        }
    }

    /// <summary>The stateid a read delegation reclaimed with CLAIM_PREVIOUS is granted under.</summary>
    public static StateId4 ReclaimedDelegation { get; } = new(1, 0xDE1E6, 2);

    /// <summary>How many delegations were reclaimed (OPEN CLAIM_PREVIOUS naming a delegation type).</summary>
    public int ReclaimedDelegations
    {
        get
        {
            lock (_lock)
            {
                return _reclaimedDelegations;
            }
        }
    }

    /// <summary>The stateids TEST_STATEID asked about, in order.</summary>
    public IReadOnlyList<StateId4> Tested
    {
        get
        {
            lock (_lock)
            {
                return [.. _tested];
            }
        }
    }

    /// <summary>The stateids FREE_STATEID gave up, in order.</summary>
    public IReadOnlyList<StateId4> Freed
    {
        get
        {
            lock (_lock)
            {
                return [.. _freed];
            }
        }
    }

    /// <summary>Revokes <paramref name="stateId"/>: SEQUENCE replies say so (RECALLABLE_STATE_REVOKED) until it is freed.</summary>
    public void Revoke(StateId4 stateId)
    {
        lock (_lock)
        {
            _revoked.Add(stateId);
            StatusFlags |= SequenceStatusFlags.RecallableStateRevoked;
        }
    }

    /// <summary>The open stateids CLOSE named, in order.</summary>
    public IReadOnlyList<StateId4> Closed
    {
        get
        {
            lock (_lock)
            {
                return [.. _closed];
            }
        }
    }

    /// <summary>The connections the server accepted, in order: the back channel calls the client on one of them.</summary>
    public IReadOnlyList<FakeRpcConnection> Connections => _rpc!.Connections;

    public static async Task<FakeSessionServer> StartAsync()
    {
        var server = new FakeSessionServer();
        server._rpc = await FakeRpcServer.StartAsync(server.Handle);
        return server;
    }

    /// <summary>The next <paramref name="count"/> SEQUENCEs (not replays) fail with <paramref name="status"/>.</summary>
    public void FailNextSequence(NfsStat4 status, int count = 1)
    {
        lock (_lock)
        {
            for (var i = 0; i < count; i++)
            {
                _sequenceFaults.Enqueue(status);
            }
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> requests (whose first operation is <paramref name="firstOp"/>, when given) run,
    /// and then their connection is reset instead of answered; <see cref="OnDrop"/> runs each time.
    /// </summary>
    public void DropRepliesAfterRunning(int count = 1, NfsOpnum4? firstOp = null)
    {
        lock (_lock)
        {
            _dropReplies += count;
            _dropFirstOp = firstOp;
        }
    }

    /// <summary>Runs when a reply is dropped (a restart between a request and its re-send, say).</summary>
    public Action? OnDrop { get; set; }

    /// <summary>SEQUENCE replies echo a sequence id one too high (a reply that is not the request's).</summary>
    public bool CorruptSequenceReply { get; set; }

    /// <summary>A restart: every client id and session is forgotten.</summary>
    public void Restart()
    {
        lock (_lock)
        {
            _clients.Clear();
            _sessions.Clear();
        }
    }

    /// <summary>The number of sessions the server holds now.</summary>
    public int SessionCount
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_rpc is not null)
        {
            await _rpc.DisposeAsync();
        }
    }

    private FakeReply Handle(ReceivedCall call)
    {
        if (call.Procedure == 0)
        {
            return FakeReply.Success();
        }

        byte[] reply;
        bool drop;
        lock (_lock)
        {
            reply = Process(call);
            drop = _dropReplies > 0 && (_dropFirstOp is null || _dropFirstOp == _calls[^1].Ops[0]);
            if (drop)
            {
                _dropReplies--;
            }
        }

        if (drop)
        {
            OnDrop?.Invoke();
            return FakeReply.ResetConnection();
        }

        return FakeReply.Success(reply);
    }

    private byte[] Process(ReceivedCall call)
    {
        var r = new XdrReader(call.Args.Span);
        r.ReadOpaque(NfsProgram.MaxTagLength);
        r.ReadUInt32();
        var count = r.ReadArrayCount(64);
        var ops = new List<NfsOpnum4>();
        using var w = new XdrWriter();
        var statusAt = w.ReserveUInt32();
        w.WriteString(string.Empty);
        var countAt = w.ReserveUInt32();
        var results = 0;
        var status = NfsStat4.Ok;
        SessionRecord? session = null;
        (uint Seq, uint Slot, bool Cache) sequence = default;
        var resultsStart = 0;
        for (var i = 0; i < count && status == NfsStat4.Ok; i++)
        {
            var op = r.ReadEnum<NfsOpnum4>();
            ops.Add(op);
            w.WriteEnum(op);
            results++;
            var at = w.ReserveUInt32();
            status = op switch
            {
                NfsOpnum4.ExchangeId => ExchangeId(ref r, w),
                NfsOpnum4.CreateSession => CreateSession(ref r, w),
                NfsOpnum4.DestroySession => DestroySession(ref r),
                NfsOpnum4.DestroyClientId => DestroyClientId(ref r),
                NfsOpnum4.BindConnToSession => Bind(ref r, w, call.Connection),
                NfsOpnum4.Sequence when i == 0 => Sequence(ref r, w, call.Connection, out session, out sequence),
                NfsOpnum4.PutRootFh => NfsStat4.Ok,
                NfsOpnum4.GetAttr => GetAttr(ref r, w),
                NfsOpnum4.ReclaimComplete => ReclaimComplete(ref r, session),
                NfsOpnum4.PutFh => PutFh(ref r),
                NfsOpnum4.DelegReturn => DelegReturn(ref r),
                NfsOpnum4.Open => OpenDelegCur(ref r, w),
                NfsOpnum4.Close => Close(ref r, w),
                NfsOpnum4.TestStateId => TestStateId(ref r, w),
                NfsOpnum4.FreeStateId => FreeStateId(ref r),
                NfsOpnum4.Write => Write(ref r, w),
                NfsOpnum4.Commit => Commit(ref r, w),
                _ => NfsStat4.OpIllegal,
            };
            w.PatchUInt32(at, (uint)status);
            if (status == NfsStat4.Ok && op == NfsOpnum4.Sequence)
            {
                resultsStart = w.Length;
            }

            if (op == NfsOpnum4.Sequence && status == NfsStat4.Ok && session!.Replayed is { } replay)
            {
                // A retry of the request the slot last ran: its cached reply, or NFS4ERR_RETRY_UNCACHED_REP on the next op.
                session.Replayed = null;
                var next = i + 1 < count ? r.ReadEnum<NfsOpnum4>() : (NfsOpnum4?)null;
                var status2 = replay.Reply is null && next is not null ? NfsStat4.RetryUncachedRep : replay.Status;
                return Record(call, ops, session, sequence, status2, replay.Reply ?? UncachedReply(w, resultsStart, next));
            }
        }

        w.PatchUInt32(statusAt, (uint)status);
        w.PatchUInt32(countAt, (uint)results);
        var bytes = w.WrittenSpan.ToArray();
        if (session is not null && ops[0] == NfsOpnum4.Sequence && sequence.Slot < session.Slots.Length)
        {
            var slot = session.Slots[sequence.Slot];
            if (slot.Pending)
            {
                slot.Pending = false;
                slot.Cached = sequence.Cache ? bytes : null;
                slot.CachedStatus = status;
            }
        }

        return Record(call, ops, session, sequence, status, bytes);
    }

    private byte[] Record(ReceivedCall call, List<NfsOpnum4> ops, SessionRecord? session, (uint Seq, uint Slot, bool Cache) sequence, NfsStat4 status, byte[] reply)
    {
        _calls.Add(new FakeSessionCall(call.Connection.Id, ops, session?.Id, sequence.Seq, sequence.Slot, sequence.Cache, status));
        return reply;
    }

    private static byte[] UncachedReply(XdrWriter w, int resultsStart, NfsOpnum4? next)
    {
        // COMPOUND4res: SEQUENCE's result as written, then the next op refused with RETRY_UNCACHED_REP (as Ganesha does).
        var bytes = w.WrittenSpan[..resultsStart].ToArray();
        using var reply = new XdrWriter();
        reply.WriteEnum(next is null ? NfsStat4.Ok : NfsStat4.RetryUncachedRep);
        reply.WriteString(string.Empty);
        reply.WriteUInt32(next is null ? 1u : 2u);
        reply.WriteFixedOpaque(bytes.AsSpan(12));
        if (next is { } op)
        {
            reply.WriteEnum(op);
            reply.WriteEnum(NfsStat4.RetryUncachedRep);
        }

        return reply.WrittenSpan.ToArray();
    }

    private NfsStat4 ExchangeId(ref XdrReader r, XdrWriter w)
    {
        r.ReadUInt64();
        var owner = r.ReadOpaque(1024).ToArray();
        r.ReadUInt32();
        r.ReadUInt32();
        if (r.ReadUInt32() == 1)
        {
            r.ReadString();
            r.ReadString();
            r.ReadUInt64();
            r.ReadUInt32();
        }

        if (ClidInUse)
        {
            return NfsStat4.ClidInuse;
        }

        var client = _clients.Values.FirstOrDefault(c => c.Owner.AsSpan().SequenceEqual(owner));
        if (client is null)
        {
            client = new ClientRecord(_nextClientId++, owner) { CreateSessionSequence = 5 };
            _clients.Add(client.Id, client);
        }

        w.WriteUInt64(client.Id);
        w.WriteUInt32(client.CreateSessionSequence);
        w.WriteUInt32((uint)ExchangeIdFlags.UseNonPnfs);
        w.WriteEnum(StateProtectHow4.None);
        w.WriteUInt64(0);
        w.WriteOpaque("fake"u8);
        w.WriteOpaque("fake"u8);
        w.WriteUInt32(0);
        return NfsStat4.Ok;
    }

    private NfsStat4 CreateSession(ref XdrReader r, XdrWriter w)
    {
        var clientId = r.ReadUInt64();
        var sequence = r.ReadUInt32();
        var flags = (CreateSessionFlags)r.ReadUInt32();
        var fore = ChannelAttrs4.Decode(ref r);
        var back = ChannelAttrs4.Decode(ref r);
        r.ReadUInt32();
        for (var n = r.ReadArrayCount(4); n > 0; n--)
        {
            if (r.ReadUInt32() == 1)
            {
                r.ReadUInt32();
                r.ReadString();
                r.ReadUInt32();
                r.ReadUInt32();
                r.ReadArrayCount(16);
            }
        }

        if (!_clients.TryGetValue(clientId, out var client))
        {
            return NfsStat4.StaleClientId;
        }

        if (sequence == client.CreateSessionSequence - 1 && client.LastCreateSession is { } cached)
        {
            // RFC 8881 §18.36.4: a retry of the last CREATE_SESSION is answered from its own cache.
            w.WriteFixedOpaque(cached);
            return NfsStat4.Ok;
        }

        if (sequence != client.CreateSessionSequence)
        {
            return NfsStat4.SeqMisordered;
        }

        client.CreateSessionSequence++;
        var granted = fore with { MaxRequests = Math.Min(fore.MaxRequests, GrantSlots) };
        var session = new SessionRecord(new SessionId4(client.Id, _nextSession++), client, granted.MaxRequests);
        _sessions.Add(session.Id, session);
        var start = w.Length;
        session.Id.Encode(w);
        w.WriteUInt32(sequence);
        w.WriteUInt32((uint)(flags & CreateSessionFlags.ConnBackChan));
        granted.Encode(w);
        back.Encode(w);
        client.LastCreateSession = w.WrittenSpan[start..].ToArray();
        return NfsStat4.Ok;
    }

    private static NfsStat4 PutFh(ref XdrReader r)
    {
        NfsFh.Decode(ref r);
        return NfsStat4.Ok;
    }

    /// <summary>
    /// OPEN by filehandle only: CLAIM_DELEG_CUR_FH (an open made under a delegation, taken over by the server) or
    /// CLAIM_PREVIOUS (a reclaim; a delegation of the type asked is granted again). A new open stateid either way.
    /// </summary>
    private NfsStat4 OpenDelegCur(ref XdrReader r, XdrWriter w)
    {
        r.ReadUInt32(); // seqid
        r.ReadUInt32(); // share_access
        r.ReadUInt32(); // share_deny
        r.ReadUInt64(); // owner's client id
        r.ReadOpaque(1024);
        if (r.ReadUInt32() != 0)
        {
            return NfsStat4.NotSupp;
        }

        var granted = OpenDelegationType4.None;
        switch ((OpenClaimType4)r.ReadUInt32())
        {
            case OpenClaimType4.DelegCurFh:
                _openedUnder.Add(StateId4.Decode(ref r));
                break;
            case OpenClaimType4.Previous:
                granted = (OpenDelegationType4)r.ReadUInt32();
                _reclaimedDelegations += granted == OpenDelegationType4.None ? 0 : 1;
                break;
            default:
                return NfsStat4.NotSupp;
        }

        var open = new StateId4(1, 0x0BE4, (uint)(_openedUnder.Count + (100 * _reclaimedDelegations) + _closed.Count + 1));
        open.Encode(w);
        w.WriteBool(true);
        w.WriteUInt64(1);
        w.WriteUInt64(1);
        w.WriteUInt32(0); // rflags
        w.WriteUInt32(0); // attrset: no words
        w.WriteUInt32((uint)granted);
        if (granted == OpenDelegationType4.Read)
        {
            ReclaimedDelegation.Encode(w);
            w.WriteBool(false); // recall
            w.WriteUInt32(0); // nfsace4: type, flag, mask, who
            w.WriteUInt32(0);
            w.WriteUInt32(0);
            w.WriteUInt32(0);
        }

        return NfsStat4.Ok;
    }

    private NfsStat4 Close(ref XdrReader r, XdrWriter w)
    {
        r.ReadUInt32();
        var stateId = StateId4.Decode(ref r);
        _closed.Add(stateId);
        new StateId4(stateId.SeqId + 1, stateId.Other0, stateId.Other1).Encode(w);
        return NfsStat4.Ok;
    }

    /// <summary>TEST_STATEID: NFS4ERR_DELEG_REVOKED for the stateids <see cref="Revoke"/> named, NFS4_OK for the rest.</summary>
    private NfsStat4 TestStateId(ref XdrReader r, XdrWriter w)
    {
        var count = r.ReadArrayCount(1024, 16);
        w.WriteArrayCount(count);
        for (var i = 0; i < count; i++)
        {
            var stateId = StateId4.Decode(ref r);
            _tested.Add(stateId);
            w.WriteUInt32((uint)(_revoked.Any(s => s.SameState(stateId)) ? NfsStat4.DelegRevoked : NfsStat4.Ok));
        }

        return NfsStat4.Ok;
    }

    /// <summary>FREE_STATEID: forgets a revoked stateid; once none is left the revoked-state flags go down.</summary>
    private NfsStat4 FreeStateId(ref XdrReader r)
    {
        var stateId = StateId4.Decode(ref r);
        if (_revoked.RemoveAll(s => s.SameState(stateId)) == 0)
        {
            return NfsStat4.BadStateId;
        }

        _freed.Add(stateId);
        if (_revoked.Count == 0)
        {
            StatusFlags &= ~SequenceStatusFlags.StateRevoked;
        }

        return NfsStat4.Ok;
    }

    /// <summary>WRITE: recorded with its stateid; all of it taken, UNSTABLE (so the client must COMMIT).</summary>
    private NfsStat4 Write(ref XdrReader r, XdrWriter w)
    {
        var stateId = StateId4.Decode(ref r);
        var offset = r.ReadUInt64();
        r.ReadUInt32();
        var data = r.ReadOpaque(4 * 1024 * 1024);
        _writes.Add((stateId, offset, data.Length));

        w.WriteUInt32((uint)data.Length);
        w.WriteEnum(StableHow4.Unstable);
        w.WriteUInt64(WriteVerifier);
        return NfsStat4.Ok;
    }

    /// <summary>COMMIT: always the same write verifier (the server never restarts between WRITE and COMMIT here).</summary>
    private static NfsStat4 Commit(ref XdrReader r, XdrWriter w)
    {
        r.ReadUInt64();
        r.ReadUInt32();
        w.WriteUInt64(WriteVerifier);
        return NfsStat4.Ok;
    }

    private NfsStat4 DelegReturn(ref XdrReader r)
    {
        _returned.Add(StateId4.Decode(ref r));
        return NfsStat4.Ok;
    }

    private NfsStat4 DestroySession(ref XdrReader r) => _sessions.Remove(SessionId4.Decode(ref r)) ? NfsStat4.Ok : NfsStat4.BadSession;

    private NfsStat4 DestroyClientId(ref XdrReader r)
    {
        var id = r.ReadUInt64();
        if (_sessions.Values.Any(s => s.Client.Id == id))
        {
            return NfsStat4.ClientIdBusy;
        }

        return _clients.Remove(id) ? NfsStat4.Ok : NfsStat4.StaleClientId;
    }

    private NfsStat4 Bind(ref XdrReader r, XdrWriter w, FakeRpcConnection connection)
    {
        var id = SessionId4.Decode(ref r);
        r.ReadUInt32();
        r.ReadBool();
        if (!_sessions.TryGetValue(id, out var session))
        {
            return NfsStat4.BadSession;
        }

        session.Bound.Add(connection.Id);
        id.Encode(w);
        w.WriteEnum(ChannelDirFromServer4.Both);
        w.WriteBool(false);
        return NfsStat4.Ok;
    }

    private NfsStat4 Sequence(ref XdrReader r, XdrWriter w, FakeRpcConnection connection, out SessionRecord? session, out (uint Seq, uint Slot, bool Cache) sequence)
    {
        var id = SessionId4.Decode(ref r);
        var seq = r.ReadUInt32();
        var slotId = r.ReadUInt32();
        r.ReadUInt32();
        var cache = r.ReadBool();
        sequence = (seq, slotId, cache);
        if (!_sessions.TryGetValue(id, out session))
        {
            return NfsStat4.BadSession;
        }

        var highest = HighestSlotId ?? (uint)(session.Slots.Length - 1);
        if (slotId >= session.Slots.Length || slotId > highest)
        {
            return NfsStat4.BadSlot;
        }

        if (RequireBinding && !session.Bound.Contains(connection.Id))
        {
            return NfsStat4.ConnNotBoundToSession;
        }

        var slot = session.Slots[slotId];
        if (seq == slot.Sequence && !slot.Pending && slot.Sequence != 0)
        {
            session.Replayed = (slot.CachedStatus, slot.Cached);
        }
        else if (_sequenceFaults.TryDequeue(out var fault))
        {
            return fault;
        }
        else if (seq != unchecked(slot.Sequence + 1))
        {
            return NfsStat4.SeqMisordered;
        }
        else
        {
            slot.Sequence = seq;
            slot.Pending = true;
        }

        id.Encode(w);
        w.WriteUInt32(CorruptSequenceReply ? seq + 1 : seq);
        w.WriteUInt32(slotId);
        w.WriteUInt32((uint)highest);
        w.WriteUInt32(TargetHighestSlotId ?? (uint)highest);
        w.WriteUInt32((uint)StatusFlags);
        return NfsStat4.Ok;
    }

    private static NfsStat4 GetAttr(ref XdrReader r, XdrWriter w)
    {
        Bitmap4.Decode(ref r);

        // type (1) = NF4DIR and lease_time (10) = 5 s.
        new Bitmap4((1u << FAttr4.Type) | (1u << FAttr4.LeaseTime), 0, 0).Encode(w);
        w.WriteUInt32(8);
        w.WriteEnum(NfsFtype4.Dir);
        w.WriteUInt32(5);
        return NfsStat4.Ok;
    }

    private static NfsStat4 ReclaimComplete(ref XdrReader r, SessionRecord? session)
    {
        r.ReadBool();
        if (session is null)
        {
            return NfsStat4.OpNotInSession;
        }

        if (session.Client.ReclaimComplete)
        {
            return NfsStat4.CompleteAlready;
        }

        session.Client.ReclaimComplete = true;
        return NfsStat4.Ok;
    }

    private sealed record ClientRecord(ulong Id, byte[] Owner)
    {
        public uint CreateSessionSequence { get; set; }

        public byte[]? LastCreateSession { get; set; }

        public bool ReclaimComplete { get; set; }
    }

    private sealed class SessionRecord(SessionId4 id, ClientRecord client, uint slots)
    {
        public SessionId4 Id { get; } = id;

        public ClientRecord Client { get; } = client;

        public SlotRecord[] Slots { get; } = [.. Enumerable.Range(0, (int)slots).Select(_ => new SlotRecord())];

        public HashSet<int> Bound { get; } = [];

        public (NfsStat4 Status, byte[]? Reply)? Replayed { get; set; }
    }

    private sealed class SlotRecord
    {
        public uint Sequence { get; set; }

        public bool Pending { get; set; }

        public byte[]? Cached { get; set; }

        public NfsStat4 CachedStatus { get; set; }
    }
}
