using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>
/// COMPOUND4args (RFC 7530 §15.2, §16.2) decoded with the production <see cref="XdrReader"/>: the tag, the
/// minor version and one typed <see cref="NfsArgOp"/> per operation. An operation the decoder does not
/// know ends the list with an <see cref="IllegalArgs"/>.
/// </summary>
public sealed record CompoundRequest(string Tag, uint MinorVersion, IReadOnlyList<NfsArgOp> Ops)
{
    /// <summary>A bound on the operations of one request: far more than the client ever sends.</summary>
    public const int MaxOps = 1024;

    /// <summary>The operations of type <typeparamref name="T"/>, in order.</summary>
    public IEnumerable<T> OpsOf<T>()
        where T : NfsArgOp => Ops.OfType<T>();

    /// <summary>The first operation of type <typeparamref name="T"/>, or null.</summary>
    public T? Find<T>()
        where T : NfsArgOp => Ops.OfType<T>().FirstOrDefault();

    /// <summary>"tag: PutFh, Open, GetFh, GetAttr".</summary>
    public override string ToString() => $"{Tag}: {string.Join(", ", Ops.Select(o => o.Op))}";

    /// <summary>Decodes the arguments of a COMPOUND call; throws <see cref="XdrException"/> when malformed.</summary>
    public static CompoundRequest Decode(ReadOnlySpan<byte> args)
    {
        var reader = new XdrReader(args);
        var tag = reader.ReadString(NfsProgram.MaxTagLength);
        var minorVersion = reader.ReadUInt32();
        var count = reader.ReadArrayCount(MaxOps);
        var ops = new List<NfsArgOp>(count);
        for (var i = 0; i < count; i++)
        {
            var op = DecodeOp(ref reader);
            ops.Add(op);
            if (op is IllegalArgs)
            {
                return new CompoundRequest(tag, minorVersion, ops);
            }
        }

        reader.ExpectEnd();
        return new CompoundRequest(tag, minorVersion, ops);
    }

    private static NfsArgOp DecodeOp(ref XdrReader r)
    {
        var op = r.ReadEnum<NfsOpnum4>();
        return op switch
        {
            NfsOpnum4.Access => new AccessArgs((Access4)r.ReadUInt32()),
            NfsOpnum4.Close => new CloseArgs(r.ReadUInt32(), StateId4.Decode(ref r)),
            NfsOpnum4.Commit => new CommitArgs(r.ReadUInt64(), r.ReadUInt32()),
            NfsOpnum4.Create => DecodeCreate(ref r),
            NfsOpnum4.DelegReturn => new DelegReturnArgs(StateId4.Decode(ref r)),
            NfsOpnum4.GetAttr => new GetAttrArgs(Bitmap4.Decode(ref r)),
            NfsOpnum4.GetFh => new GetFhArgs(),
            NfsOpnum4.Link => new LinkArgs(ReadComponent(ref r)),
            NfsOpnum4.Lock => DecodeLock(ref r),
            NfsOpnum4.LockT => new LockTArgs(r.ReadEnum<NfsLockType4>(), r.ReadUInt64(), r.ReadUInt64(), StateOwner4.Decode(ref r)),
            NfsOpnum4.LockU => new LockUArgs(r.ReadEnum<NfsLockType4>(), r.ReadUInt32(), StateId4.Decode(ref r), r.ReadUInt64(), r.ReadUInt64()),
            NfsOpnum4.Lookup => new LookupArgs(ReadComponent(ref r)),
            NfsOpnum4.LookupP => new LookupPArgs(),
            NfsOpnum4.Verify or NfsOpnum4.NVerify => new VerifyArgs(op, Bitmap4.Decode(ref r), r.ReadOpaque(Fattr4.MaxAttrListLength).ToArray()),
            NfsOpnum4.Open => DecodeOpen(ref r),
            NfsOpnum4.OpenConfirm => new OpenConfirmArgs(StateId4.Decode(ref r), r.ReadUInt32()),
            NfsOpnum4.OpenDowngrade => new OpenDowngradeArgs(StateId4.Decode(ref r), r.ReadUInt32(), (OpenShareAccess)r.ReadUInt32(), (OpenShareDeny)r.ReadUInt32()),
            NfsOpnum4.PutFh => new PutFhArgs(NfsFh.Decode(ref r)),
            NfsOpnum4.PutRootFh => new PutRootFhArgs(),
            NfsOpnum4.Read => new ReadArgs(StateId4.Decode(ref r), r.ReadUInt64(), r.ReadUInt32()),
            NfsOpnum4.ReadDir => new ReadDirArgs(r.ReadUInt64(), Verifier4.Decode(ref r), r.ReadUInt32(), r.ReadUInt32(), Bitmap4.Decode(ref r)),
            NfsOpnum4.ReadLink => new ReadLinkArgs(),
            NfsOpnum4.ReleaseLockOwner => new ReleaseLockOwnerArgs(StateOwner4.Decode(ref r)),
            NfsOpnum4.Remove => new RemoveArgs(ReadComponent(ref r)),
            NfsOpnum4.Rename => new RenameArgs(ReadComponent(ref r), ReadComponent(ref r)),
            NfsOpnum4.Renew => new RenewArgs(r.ReadUInt64()),
            NfsOpnum4.RestoreFh => new RestoreFhArgs(),
            NfsOpnum4.SaveFh => new SaveFhArgs(),
            NfsOpnum4.SecInfo => new SecInfoArgs(ReadComponent(ref r)),
            NfsOpnum4.Sequence => new SequenceArgs(SessionId4.Decode(ref r), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadBool()),
            NfsOpnum4.SetAttr => new SetAttrArgs(StateId4.Decode(ref r), RequestAttributes.Decode(ref r)),
            NfsOpnum4.SetClientId => new SetClientIdArgs(
                Verifier4.Decode(ref r),
                r.ReadOpaque(NfsLimits.MaxOpaque).ToArray(),
                r.ReadUInt32(),
                r.ReadString(NfsLimits.MaxOpaque),
                r.ReadString(NfsLimits.MaxOpaque),
                r.ReadUInt32()),
            NfsOpnum4.SetClientIdConfirm => new SetClientIdConfirmArgs(r.ReadUInt64(), Verifier4.Decode(ref r)),
            NfsOpnum4.Write => new WriteArgs(StateId4.Decode(ref r), r.ReadUInt64(), r.ReadEnum<StableHow4>(), r.ReadOpaque(NfsLimits.MaxData).ToArray()),
            _ => new IllegalArgs(op),
        };
    }

    private static string ReadComponent(ref XdrReader r) => r.ReadString(NfsLimits.MaxComponentBytes);

    private static CreateArgs DecodeCreate(ref XdrReader r)
    {
        // createtype4: a union on nfs_ftype4 (RFC 7530 §16.4.1).
        var type = r.ReadEnum<NfsFtype4>();
        string? linkData = null;
        SpecData4 devData = default;
        switch (type)
        {
            case NfsFtype4.Lnk:
                linkData = r.ReadString(NfsLimits.MaxLinkText);
                break;
            case NfsFtype4.Blk or NfsFtype4.Chr:
                devData = SpecData4.Decode(ref r);
                break;
        }

        var name = ReadComponent(ref r);
        return new CreateArgs(type, linkData, devData, name, RequestAttributes.Decode(ref r));
    }

    private static LockArgs DecodeLock(ref XdrReader r)
    {
        var type = r.ReadEnum<NfsLockType4>();
        var reclaim = r.ReadBool();
        var offset = r.ReadUInt64();
        var length = r.ReadUInt64();
        if (r.ReadBool())
        {
            // open_to_lock_owner4: open_seqid, open_stateid, lock_seqid, lock_owner.
            var openSeqId = r.ReadUInt32();
            var openStateId = StateId4.Decode(ref r);
            var lockSeqId = r.ReadUInt32();
            var owner = StateOwner4.Decode(ref r);
            return new LockArgs(type, reclaim, offset, length, true, openSeqId, openStateId, lockSeqId, owner, default);
        }

        // exist_lock_owner4: lock_stateid, lock_seqid.
        var lockStateId = StateId4.Decode(ref r);
        return new LockArgs(type, reclaim, offset, length, false, 0, default, r.ReadUInt32(), null, lockStateId);
    }

    private static OpenArgs DecodeOpen(ref XdrReader r)
    {
        var seqid = r.ReadUInt32();
        var access = (OpenShareAccess)r.ReadUInt32();
        var deny = (OpenShareDeny)r.ReadUInt32();
        var owner = StateOwner4.Decode(ref r);

        // openflag4: OPEN4_NOCREATE, or OPEN4_CREATE with a createhow4 (RFC 7530 §16.16.1).
        CreateMode4? mode = null;
        FattrArgs? attributes = null;
        Verifier4? verifier = null;
        var opentype = r.ReadUInt32();
        if (opentype == 1)
        {
            mode = r.ReadEnum<CreateMode4>();
            switch (mode)
            {
                case CreateMode4.Unchecked or CreateMode4.Guarded:
                    attributes = RequestAttributes.Decode(ref r);
                    break;
                case CreateMode4.Exclusive:
                    verifier = Verifier4.Decode(ref r);
                    break;
                case CreateMode4.Exclusive41:
                    verifier = Verifier4.Decode(ref r);
                    attributes = RequestAttributes.Decode(ref r);
                    break;
                default:
                    throw new XdrException($"createmode4 {(int)mode} is unknown.");
            }
        }
        else if (opentype != 0)
        {
            throw new XdrException($"opentype4 {opentype} is neither OPEN4_NOCREATE nor OPEN4_CREATE.");
        }

        return new OpenArgs(seqid, access, deny, owner, mode, attributes, verifier, DecodeClaim(ref r));
    }

    private static OpenClaim4 DecodeClaim(ref XdrReader r)
    {
        var type = r.ReadEnum<OpenClaimType4>();
        return type switch
        {
            OpenClaimType4.Null or OpenClaimType4.DelegatePrev => new OpenClaim4(type, ReadComponent(ref r)),
            OpenClaimType4.Previous => new OpenClaim4(type, DelegateType: r.ReadEnum<OpenDelegationType4>()),
            OpenClaimType4.DelegateCur => DecodeDelegateCur(ref r),
            OpenClaimType4.DelegCurFh => new OpenClaim4(type, DelegateStateId: StateId4.Decode(ref r)),
            OpenClaimType4.Fh or OpenClaimType4.DelegPrevFh => new OpenClaim4(type),
            _ => throw new XdrException($"open_claim_type4 {(int)type} is unknown."),
        };
    }

    private static OpenClaim4 DecodeDelegateCur(ref XdrReader r)
    {
        // open_claim_delegate_cur4: the delegation stateid, then the name.
        var stateId = StateId4.Decode(ref r);
        return new OpenClaim4(OpenClaimType4.DelegateCur, ReadComponent(ref r), DelegateStateId: stateId);
    }
}
