using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>How the fake answers one COMPOUND: the reply bytes, or a dropped reply or closed connection; maybe held.</summary>
internal readonly record struct FakeCompoundOutcome(FakeNfsFaultKind? Delivery, byte[] Reply, Task? Hold);

/// <summary>The state of one COMPOUND while it executes (RFC 7530 §15.2: current and saved filehandles).</summary>
internal sealed class FakeCompoundContext
{
    public FakeNode? Current { get; set; }

    public FakeNode? Saved { get; set; }

    /// <summary>The fault on the operation executing now (verifier, short WRITE, short READ), if any.</summary>
    public FakeNfsFault? Fault { get; set; }

    /// <summary>The owner whose seqid the executing operation passed the check with; it advances unless the status is exempt.</summary>
    public (FakeOwner Owner, uint SeqId)? Pending { get; set; }

    /// <summary>Owners whose seqid this COMPOUND consumed: they cache its reply (RFC 7530 §9.1.8).</summary>
    public List<FakeOwner> Sequenced { get; } = [];

    /// <summary>Set when a seqid-bearing operation is a retransmission: the cached reply is the answer.</summary>
    public byte[]? Replay { get; set; }
}

/// <summary>
/// Executes COMPOUNDs against the fake server's tree and state, with its lock held, writing COMPOUND4res
/// with the production <see cref="XdrWriter"/>. Operations by concern: names and attributes in
/// FakeCompoundProcessor.Names.cs, client ids / opens / locks in .State.cs, READ / WRITE / COMMIT in .Io.cs.
/// </summary>
internal sealed partial class FakeCompoundProcessor(FakeNfsServer server)
{
    private FakeFileSystem Fs => server.FileSystem;

    private FakeNfsState State => server.State;

    private FakeNfsServerOptions Options => server.Options;

    public FakeCompoundOutcome Run(FakeNfsRecord record)
    {
        var request = record.Request;
        using var w = new XdrWriter();
        var statusAt = w.ReserveUInt32();
        w.WriteString(request.Tag);
        var countAt = w.ReserveUInt32();
        var results = new List<CompoundOpStatus>();
        var faults = new List<FakeNfsFault>();
        var status = NfsStat4.Ok;
        FakeNfsFaultKind? delivery = null;
        Task? hold = null;
        var ctx = new FakeCompoundContext();

        // RFC 7530 §15.2.3: a minor version the server does not speak gets no results at all.
        if (request.MinorVersion != 0)
        {
            status = NfsStat4.MinorVersMismatch;
        }

        for (var i = 0; status == NfsStat4.Ok && i < request.Ops.Count; i++)
        {
            var op = request.Ops[i];
            var context = new FakeNfsOpContext(op, i, request, record.ConnectionId, server.NextOccurrence(op.Op), ctx.Current is { } current ? Fs.PathOf(current) : null);
            var fault = server.Match(context);
            if (fault is not null)
            {
                faults.Add(fault);
                hold ??= fault.Hold;
                if (fault.Kind is FakeNfsFaultKind.NoReply or FakeNfsFaultKind.CloseConnection)
                {
                    delivery = fault.Kind;
                    fault = null;
                    if (!faults[^1].AfterExecuting)
                    {
                        record.Faults = faults;
                        record.Unanswered = true;
                        return new FakeCompoundOutcome(delivery, [], hold);
                    }
                }
            }

            w.WriteEnum(op is IllegalArgs ? NfsOpnum4.Illegal : op.Op);
            var opStatusAt = w.ReserveUInt32();
            var bodyStart = w.Length;
            ctx.Fault = fault;
            ctx.Pending = null;
            if (fault?.Kind == FakeNfsFaultKind.Status)
            {
                status = fault.Status;
                ctx.Pending = InjectedSeqIdCheck(op, ctx);
                WriteFailureBody(w, op, status);
            }
            else
            {
                status = Execute(op, ctx, w);
            }

            if (ctx.Replay is { } cached)
            {
                record.Faults = faults;
                record.Replayed = true;
                record.Unanswered = delivery is not null;
                record.Reply = cached;
                (record.Status, record.Results) = Summarize(cached);
                return new FakeCompoundOutcome(delivery, cached, hold);
            }

            if (status != NfsStat4.Ok && w.Length != bodyStart && !HasFailureBody(op.Op, status))
            {
                throw new InvalidOperationException($"The fake wrote a result body for {op.Op} failing with {status}.");
            }

            if (ctx.Pending is var (owner, seqid) && FakeNfsState.Advances(status))
            {
                owner.LastSeqId = seqid;
                ctx.Sequenced.Add(owner);
            }

            w.PatchUInt32(opStatusAt, (uint)status);
            results.Add(new CompoundOpStatus(op.Op, status));
        }

        w.PatchUInt32(statusAt, (uint)status);
        w.PatchUInt32(countAt, (uint)results.Count);
        var reply = w.WrittenSpan.ToArray();
        foreach (var owner in ctx.Sequenced)
        {
            owner.CachedReply = reply;
        }

        record.Status = status;
        record.Reply = reply;
        record.Results = results;
        record.Faults = faults;
        record.Unanswered = delivery is not null;
        return new FakeCompoundOutcome(delivery, reply, hold);
    }

    private NfsStat4 Execute(NfsArgOp op, FakeCompoundContext ctx, XdrWriter w) => op switch
    {
        PutRootFhArgs => PutFh(ctx, Fs.Root),
        PutFhArgs a => PutFh(ctx, a),
        GetFhArgs => GetFh(ctx, w),
        SaveFhArgs => SaveFh(ctx),
        RestoreFhArgs => RestoreFh(ctx),
        LookupArgs a => Lookup(ctx, a),
        LookupPArgs => LookupP(ctx),
        GetAttrArgs a => GetAttr(ctx, a, w),
        SetAttrArgs a => SetAttr(ctx, a, w),
        VerifyArgs a => Verify(ctx, a),
        AccessArgs a => Access(ctx, a, w),
        ReadLinkArgs => ReadLink(ctx, w),
        ReadDirArgs a => ReadDir(ctx, a, w),
        CreateArgs a => Create(ctx, a, w),
        RemoveArgs a => Remove(ctx, a, w),
        RenameArgs a => Rename(ctx, a, w),
        LinkArgs a => Link(ctx, a, w),
        SecInfoArgs a => SecInfo(ctx, a, w),
        SetClientIdArgs a => SetClientId(a, w),
        SetClientIdConfirmArgs a => SetClientIdConfirm(a),
        RenewArgs a => State.CheckClient(a.ClientId),
        OpenArgs a => Open(ctx, a, w),
        OpenConfirmArgs a => OpenConfirm(ctx, a, w),
        OpenDowngradeArgs a => OpenDowngrade(ctx, a, w),
        CloseArgs a => Close(ctx, a, w),
        LockArgs a => Lock(ctx, a, w),
        LockTArgs a => LockT(ctx, a, w),
        LockUArgs a => LockU(ctx, a, w),
        ReleaseLockOwnerArgs a => ReleaseLockOwner(a),
        DelegReturnArgs a => ctx.Current is null ? NfsStat4.NoFileHandle : State.ReturnDelegation(a.StateId),
        ReadArgs a => Read(ctx, a, w),
        WriteArgs a => Write(ctx, a, w),
        CommitArgs => Commit(ctx, w),
        _ => NfsStat4.OpIllegal,
    };

    private static NfsStat4 PutFh(FakeCompoundContext ctx, FakeNode node)
    {
        ctx.Current = node;
        return NfsStat4.Ok;
    }

    private NfsStat4 PutFh(FakeCompoundContext ctx, PutFhArgs a)
    {
        var status = Fs.Resolve(a.FileHandle, Options.FhExpireType != Core.Nfs4.FhExpireType.Persistent, out var node);
        ctx.Current = node;
        return status;
    }

    private NfsStat4 GetFh(FakeCompoundContext ctx, XdrWriter w)
    {
        if (ctx.Current is not { } node)
        {
            return NfsStat4.NoFileHandle;
        }

        Fs.HandleOf(node).Encode(w);
        return NfsStat4.Ok;
    }

    private static NfsStat4 SaveFh(FakeCompoundContext ctx)
    {
        if (ctx.Current is null)
        {
            return NfsStat4.NoFileHandle;
        }

        ctx.Saved = ctx.Current;
        return NfsStat4.Ok;
    }

    private static NfsStat4 RestoreFh(FakeCompoundContext ctx)
    {
        if (ctx.Saved is null)
        {
            return NfsStat4.RestoreFh;
        }

        ctx.Current = ctx.Saved;
        return NfsStat4.Ok;
    }

    /// <summary>Operations whose failure still carries a body (RFC 7530 §16.32, §16.10, §16.11, §16.33).</summary>
    private static bool HasFailureBody(NfsOpnum4 op, NfsStat4 status) =>
        op == NfsOpnum4.SetAttr ||
        (op is NfsOpnum4.Lock or NfsOpnum4.LockT && status == NfsStat4.Denied) ||
        (op == NfsOpnum4.SetClientId && status == NfsStat4.ClidInuse);

    /// <summary>The body an injected failure needs to be well formed.</summary>
    private static void WriteFailureBody(XdrWriter w, NfsArgOp op, NfsStat4 status)
    {
        if (!HasFailureBody(op.Op, status))
        {
            return;
        }

        switch (op.Op)
        {
            case NfsOpnum4.SetAttr:
                default(Bitmap4).Encode(w);
                break;
            case NfsOpnum4.Lock or NfsOpnum4.LockT:
                WriteDenied(w, new FakeLockRange(0, ulong.MaxValue, true), new StateOwner4(0, "fake-holder"u8.ToArray()));
                break;
            case NfsOpnum4.SetClientId:
                w.WriteString("tcp");
                w.WriteString("127.0.0.1.8.1");
                break;
        }
    }

    /// <summary>
    /// An injected failure of a seqid-bearing operation is sequenced like a real one: if the request carries
    /// its owner's next seqid, the seqid is consumed unless the status is exempt (RFC 7530 §9.1.7).
    /// </summary>
    private (FakeOwner, uint)? InjectedSeqIdCheck(NfsArgOp op, FakeCompoundContext ctx)
    {
        var owner = op switch
        {
            OpenArgs a => State.Owners.GetValueOrDefault(FakeNfsState.KeyOf(a.Owner)),
            OpenConfirmArgs a => OpenOf(a.StateId)?.Owner,
            OpenDowngradeArgs a => OpenOf(a.StateId)?.Owner,
            CloseArgs a => OpenOf(a.StateId)?.Owner,
            LockArgs { NewLockOwner: true } a => OpenOf(a.OpenStateId)?.Owner,
            LockArgs a => LockOf(a.LockStateId)?.Owner,
            LockUArgs a => LockOf(a.StateId)?.Owner,
            _ => null,
        };
        return owner is not null && op.OwnerSeqId is { } seqid && owner.Confirmed && FakeNfsState.CheckSeqId(owner, seqid) == FakeSeqCheck.Next
            ? (owner, seqid)
            : null;

        FakeOpenState? OpenOf(StateId4 id) => State.Opens.GetValueOrDefault((id.Other0, id.Other1));
        FakeLockState? LockOf(StateId4 id) => State.Locks.GetValueOrDefault((id.Other0, id.Other1));
    }

    private static (NfsStat4? Status, IReadOnlyList<CompoundOpStatus> Results) Summarize(byte[] reply)
    {
        var reader = new XdrReader(reply);
        var summary = CompoundReplyWalker.Walk(ref reader);
        return (summary.Status, summary.Results);
    }

    private static void WriteChangeInfo(XdrWriter w, ulong before, ulong after)
    {
        // change_info4 (RFC 7530 §3.3.6): atomic, because the server lock is held throughout.
        w.WriteBool(true);
        w.WriteUInt64(before);
        w.WriteUInt64(after);
    }

    private static void WriteDenied(XdrWriter w, FakeLockRange range, StateOwner4 owner)
    {
        // LOCK4denied (RFC 7530 §16.10): offset, length, locktype, owner.
        w.WriteUInt64(range.Offset);
        w.WriteUInt64(range.Length);
        w.WriteEnum(range.Write ? NfsLockType4.Write : NfsLockType4.Read);
        owner.Encode(w);
    }
}
