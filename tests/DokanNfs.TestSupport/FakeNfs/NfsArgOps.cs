using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.TestSupport.FakeNfs;

// Typed nfs_argop4 (RFC 7530 §16, the XDR in RFC 7531): one record per NFSv4.0 operation the client sends,
// holding the fields a test checks. Decoded by CompoundRequest.Decode; the product never decodes requests.

/// <summary>One operation of a COMPOUND4args as the fake server received it.</summary>
public abstract record NfsArgOp(NfsOpnum4 Op)
{
    /// <summary>The owner's seqid the operation carries (RFC 7530 §9.1.7), or null for operations without one.</summary>
    public virtual uint? OwnerSeqId => null;
}

/// <summary>An fattr4 sent by the client (SETATTR, CREATE, OPEN): the mask, the raw attrlist and its decoding.</summary>
public sealed record FattrArgs(Bitmap4 Mask, byte[] Values, SetAttributes Decoded);

/// <summary>RFC 7530 §16.1.</summary>
public sealed record AccessArgs(Access4 Access) : NfsArgOp(NfsOpnum4.Access);

/// <summary>RFC 7530 §16.2.</summary>
public sealed record CloseArgs(uint SeqId, StateId4 StateId) : NfsArgOp(NfsOpnum4.Close)
{
    public override uint? OwnerSeqId => SeqId;
}

/// <summary>RFC 7530 §16.3.</summary>
public sealed record CommitArgs(ulong Offset, uint Count) : NfsArgOp(NfsOpnum4.Commit);

/// <summary>RFC 7530 §16.4: <see cref="LinkData"/> for NF4LNK, <see cref="DevData"/> for NF4BLK / NF4CHR.</summary>
public sealed record CreateArgs(NfsFtype4 Type, string? LinkData, SpecData4 DevData, string Name, FattrArgs Attributes) : NfsArgOp(NfsOpnum4.Create);

/// <summary>RFC 7530 §16.6.</summary>
public sealed record DelegReturnArgs(StateId4 StateId) : NfsArgOp(NfsOpnum4.DelegReturn);

/// <summary>RFC 7530 §16.7.</summary>
public sealed record GetAttrArgs(Bitmap4 Request) : NfsArgOp(NfsOpnum4.GetAttr);

/// <summary>RFC 7530 §16.8.</summary>
public sealed record GetFhArgs() : NfsArgOp(NfsOpnum4.GetFh);

/// <summary>RFC 7530 §16.9.</summary>
public sealed record LinkArgs(string NewName) : NfsArgOp(NfsOpnum4.Link);

/// <summary>
/// RFC 7530 §16.10, both locker4 arms: with <see cref="NewLockOwner"/> the open_to_lock_owner4 fields
/// (<see cref="OpenSeqId"/>, <see cref="OpenStateId"/>, <see cref="LockSeqId"/>, <see cref="LockOwner"/>) are
/// set, else the exist_lock_owner4 ones (<see cref="LockStateId"/>, <see cref="LockSeqId"/>).
/// </summary>
public sealed record LockArgs(
    NfsLockType4 LockType,
    bool Reclaim,
    ulong Offset,
    ulong Length,
    bool NewLockOwner,
    uint OpenSeqId,
    StateId4 OpenStateId,
    uint LockSeqId,
    StateOwner4? LockOwner,
    StateId4 LockStateId) : NfsArgOp(NfsOpnum4.Lock)
{
    /// <summary>A new lock-owner's LOCK is sequenced by the open-owner (RFC 7530 §16.10.4).</summary>
    public override uint? OwnerSeqId => NewLockOwner ? OpenSeqId : LockSeqId;
}

/// <summary>RFC 7530 §16.11.</summary>
public sealed record LockTArgs(NfsLockType4 LockType, ulong Offset, ulong Length, StateOwner4 Owner) : NfsArgOp(NfsOpnum4.LockT);

/// <summary>RFC 7530 §16.12.</summary>
public sealed record LockUArgs(NfsLockType4 LockType, uint SeqId, StateId4 StateId, ulong Offset, ulong Length) : NfsArgOp(NfsOpnum4.LockU)
{
    public override uint? OwnerSeqId => SeqId;
}

/// <summary>RFC 7530 §16.13.</summary>
public sealed record LookupArgs(string Name) : NfsArgOp(NfsOpnum4.Lookup);

/// <summary>RFC 7530 §16.14.</summary>
public sealed record LookupPArgs() : NfsArgOp(NfsOpnum4.LookupP);

/// <summary>RFC 7530 §16.35 (VERIFY) and §16.15 (NVERIFY): the attributes to compare, as raw fattr4 values.</summary>
public sealed record VerifyArgs(NfsOpnum4 Which, Bitmap4 Mask, byte[] Values) : NfsArgOp(Which);

/// <summary>
/// RFC 7530 §16.16. <see cref="CreateMode"/> is null for OPEN4_NOCREATE; then <see cref="CreateAttributes"/>
/// and <see cref="CreateVerifier"/> are null too. UNCHECKED4 / GUARDED4 carry attributes, EXCLUSIVE4 a
/// verifier, EXCLUSIVE4_1 both.
/// </summary>
public sealed record OpenArgs(
    uint SeqId,
    OpenShareAccess ShareAccess,
    OpenShareDeny ShareDeny,
    StateOwner4 Owner,
    CreateMode4? CreateMode,
    FattrArgs? CreateAttributes,
    Verifier4? CreateVerifier,
    OpenClaim4 Claim) : NfsArgOp(NfsOpnum4.Open)
{
    public override uint? OwnerSeqId => SeqId;
}

/// <summary>RFC 7530 §16.18.</summary>
public sealed record OpenConfirmArgs(StateId4 StateId, uint SeqId) : NfsArgOp(NfsOpnum4.OpenConfirm)
{
    public override uint? OwnerSeqId => SeqId;
}

/// <summary>RFC 7530 §16.19.</summary>
public sealed record OpenDowngradeArgs(StateId4 StateId, uint SeqId, OpenShareAccess ShareAccess, OpenShareDeny ShareDeny) : NfsArgOp(NfsOpnum4.OpenDowngrade)
{
    public override uint? OwnerSeqId => SeqId;
}

/// <summary>RFC 7530 §16.20.</summary>
public sealed record PutFhArgs(NfsFh FileHandle) : NfsArgOp(NfsOpnum4.PutFh);

/// <summary>RFC 7530 §16.22.</summary>
public sealed record PutRootFhArgs() : NfsArgOp(NfsOpnum4.PutRootFh);

/// <summary>RFC 7530 §16.23.</summary>
public sealed record ReadArgs(StateId4 StateId, ulong Offset, uint Count) : NfsArgOp(NfsOpnum4.Read);

/// <summary>RFC 7530 §16.24.</summary>
public sealed record ReadDirArgs(ulong Cookie, Verifier4 CookieVerifier, uint DirCount, uint MaxCount, Bitmap4 Request) : NfsArgOp(NfsOpnum4.ReadDir);

/// <summary>RFC 7530 §16.25.</summary>
public sealed record ReadLinkArgs() : NfsArgOp(NfsOpnum4.ReadLink);

/// <summary>RFC 7530 §16.37.</summary>
public sealed record ReleaseLockOwnerArgs(StateOwner4 LockOwner) : NfsArgOp(NfsOpnum4.ReleaseLockOwner);

/// <summary>RFC 7530 §16.26.</summary>
public sealed record RemoveArgs(string Name) : NfsArgOp(NfsOpnum4.Remove);

/// <summary>RFC 7530 §16.27.</summary>
public sealed record RenameArgs(string OldName, string NewName) : NfsArgOp(NfsOpnum4.Rename);

/// <summary>RFC 7530 §16.28.</summary>
public sealed record RenewArgs(ulong ClientId) : NfsArgOp(NfsOpnum4.Renew);

/// <summary>RFC 7530 §16.29.</summary>
public sealed record RestoreFhArgs() : NfsArgOp(NfsOpnum4.RestoreFh);

/// <summary>RFC 7530 §16.30.</summary>
public sealed record SaveFhArgs() : NfsArgOp(NfsOpnum4.SaveFh);

/// <summary>RFC 7530 §16.31.</summary>
public sealed record SecInfoArgs(string Name) : NfsArgOp(NfsOpnum4.SecInfo);

/// <summary>RFC 7530 §16.32.</summary>
public sealed record SetAttrArgs(StateId4 StateId, FattrArgs Attributes) : NfsArgOp(NfsOpnum4.SetAttr);

/// <summary>RFC 7530 §16.33: nfs_client_id4 (verifier, id), cb_client4 (program, netid, address) and callback_ident.</summary>
public sealed record SetClientIdArgs(Verifier4 Verifier, byte[] Id, uint CallbackProgram, string NetId, string UniversalAddress, uint CallbackIdent) : NfsArgOp(NfsOpnum4.SetClientId);

/// <summary>RFC 7530 §16.34.</summary>
public sealed record SetClientIdConfirmArgs(ulong ClientId, Verifier4 Confirm) : NfsArgOp(NfsOpnum4.SetClientIdConfirm);

/// <summary>RFC 8881 §18.46: SEQUENCE (NFSv4.1), decoded so a recorder can show which slot and sequence id a call used.</summary>
public sealed record SequenceArgs(SessionId4 SessionId, uint SequenceId, uint SlotId, uint HighestSlotId, bool CacheThis) : NfsArgOp(NfsOpnum4.Sequence);

/// <summary>RFC 7530 §16.36.</summary>
public sealed record WriteArgs(StateId4 StateId, ulong Offset, StableHow4 Stable, byte[] Data) : NfsArgOp(NfsOpnum4.Write);

/// <summary>
/// An operation this decoder does not know (not NFSv4.0, or never sent by the client): its arguments cannot
/// be skipped, so decoding stops here and the server answers OP_ILLEGAL (RFC 7530 §15.2).
/// </summary>
public sealed record IllegalArgs(NfsOpnum4 Opnum) : NfsArgOp(Opnum);
