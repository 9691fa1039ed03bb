using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

// One method per NFSv4.0 operation's arguments (RFC 7530 §16). Operations that carry fattr4 are in
// CompoundEncoder.Attributes.cs.
public ref partial struct CompoundEncoder
{
    /// <summary>RFC 7530 §16.2: ACCESS.</summary>
    public void Access(Access4 access) => BeginOp(NfsOpnum4.Access).WriteUInt32((uint)access);

    /// <summary>RFC 7530 §16.4: CLOSE.</summary>
    public void Close(uint seqid, StateId4 openStateId)
    {
        var w = BeginOp(NfsOpnum4.Close);
        w.WriteUInt32(seqid);
        openStateId.Encode(w);
    }

    /// <summary>RFC 7530 §16.3: COMMIT; a count of zero means "to the end of the file".</summary>
    public void Commit(ulong offset, uint count)
    {
        var w = BeginOp(NfsOpnum4.Commit);
        w.WriteUInt64(offset);
        w.WriteUInt32(count);
    }

    /// <summary>RFC 7530 §16.6: DELEGRETURN.</summary>
    public void DelegReturn(StateId4 delegStateId) => delegStateId.Encode(BeginOp(NfsOpnum4.DelegReturn));

    /// <summary>RFC 7530 §16.7: GETATTR.</summary>
    public void GetAttr(Bitmap4 request) => request.Encode(BeginOp(NfsOpnum4.GetAttr));

    /// <summary>RFC 7530 §16.8: GETFH.</summary>
    public void GetFh() => BeginOp(NfsOpnum4.GetFh);

    /// <summary>RFC 7530 §16.9: LINK — the saved filehandle gets a new name in the current directory.</summary>
    public void Link(string newName) => BeginOp(NfsOpnum4.Link).WriteString(newName, NfsLimits.MaxComponentBytes);

    /// <summary>RFC 7530 §16.10: LOCK for a lock-owner's first lock on this open (open_to_lock_owner4).</summary>
    public void LockNewOwner(NfsLockType4 type, bool reclaim, ulong offset, ulong length, uint openSeqId, StateId4 openStateId, uint lockSeqId, StateOwner4 lockOwner)
    {
        var w = BeginLock(type, reclaim, offset, length);
        w.WriteBool(true);
        w.WriteUInt32(openSeqId);
        openStateId.Encode(w);
        w.WriteUInt32(lockSeqId);
        lockOwner.Encode(w);
    }

    /// <summary>RFC 7530 §16.10: LOCK by a lock-owner that already has a lock stateid (exist_lock_owner4).</summary>
    public void LockExistingOwner(NfsLockType4 type, bool reclaim, ulong offset, ulong length, StateId4 lockStateId, uint lockSeqId)
    {
        var w = BeginLock(type, reclaim, offset, length);
        w.WriteBool(false);
        lockStateId.Encode(w);
        w.WriteUInt32(lockSeqId);
    }

    /// <summary>RFC 7530 §16.11: LOCKT.</summary>
    public void LockT(NfsLockType4 type, ulong offset, ulong length, StateOwner4 owner)
    {
        var w = BeginOp(NfsOpnum4.LockT);
        w.WriteEnum(type);
        w.WriteUInt64(offset);
        w.WriteUInt64(length);
        owner.Encode(w);
    }

    /// <summary>RFC 7530 §16.12: LOCKU.</summary>
    public void LockU(NfsLockType4 type, uint seqid, StateId4 lockStateId, ulong offset, ulong length)
    {
        var w = BeginOp(NfsOpnum4.LockU);
        w.WriteEnum(type);
        w.WriteUInt32(seqid);
        lockStateId.Encode(w);
        w.WriteUInt64(offset);
        w.WriteUInt64(length);
    }

    /// <summary>RFC 7530 §16.13: LOOKUP of one component.</summary>
    public void Lookup(string name) => BeginOp(NfsOpnum4.Lookup).WriteString(name, NfsLimits.MaxComponentBytes);

    /// <summary>RFC 7530 §16.14: LOOKUPP, the parent directory.</summary>
    public void LookupP() => BeginOp(NfsOpnum4.LookupP);

    /// <summary>RFC 7530 §16.17: OPEN_CONFIRM, the first use of a new open-owner.</summary>
    public void OpenConfirm(StateId4 openStateId, uint seqid)
    {
        var w = BeginOp(NfsOpnum4.OpenConfirm);
        openStateId.Encode(w);
        w.WriteUInt32(seqid);
    }

    /// <summary>RFC 7530 §16.19: OPEN_DOWNGRADE.</summary>
    public void OpenDowngrade(StateId4 openStateId, uint seqid, OpenShareAccess access, OpenShareDeny deny)
    {
        var w = BeginOp(NfsOpnum4.OpenDowngrade);
        openStateId.Encode(w);
        w.WriteUInt32(seqid);
        w.WriteUInt32((uint)access);
        w.WriteUInt32((uint)deny);
    }

    /// <summary>RFC 7530 §16.20: PUTFH.</summary>
    public void PutFh(NfsFh fh)
    {
        ArgumentNullException.ThrowIfNull(fh);
        fh.Encode(BeginOp(NfsOpnum4.PutFh));
    }

    /// <summary>RFC 7530 §16.21: PUTROOTFH.</summary>
    public void PutRootFh() => BeginOp(NfsOpnum4.PutRootFh);

    /// <summary>RFC 7530 §16.23: READ.</summary>
    public void Read(StateId4 stateId, ulong offset, uint count)
    {
        var w = BeginOp(NfsOpnum4.Read);
        stateId.Encode(w);
        w.WriteUInt64(offset);
        w.WriteUInt32(count);
    }

    /// <summary>RFC 7530 §16.24: READDIR from a cookie (0 = start) with the verifier the server gave with it.</summary>
    public void ReadDir(ulong cookie, Verifier4 cookieVerf, uint dirCount, uint maxCount, Bitmap4 request)
    {
        var w = BeginOp(NfsOpnum4.ReadDir);
        w.WriteUInt64(cookie);
        cookieVerf.Encode(w);
        w.WriteUInt32(dirCount);
        w.WriteUInt32(maxCount);
        request.Encode(w);
    }

    /// <summary>RFC 7530 §16.25: READLINK.</summary>
    public void ReadLink() => BeginOp(NfsOpnum4.ReadLink);

    /// <summary>RFC 7530 §16.37: RELEASE_LOCKOWNER.</summary>
    public void ReleaseLockOwner(StateOwner4 lockOwner) => lockOwner.Encode(BeginOp(NfsOpnum4.ReleaseLockOwner));

    /// <summary>RFC 7530 §16.26: REMOVE of a name in the current directory.</summary>
    public void Remove(string name) => BeginOp(NfsOpnum4.Remove).WriteString(name, NfsLimits.MaxComponentBytes);

    /// <summary>RFC 7530 §16.27: RENAME from the saved directory to the current one.</summary>
    public void Rename(string oldName, string newName)
    {
        var w = BeginOp(NfsOpnum4.Rename);
        w.WriteString(oldName, NfsLimits.MaxComponentBytes);
        w.WriteString(newName, NfsLimits.MaxComponentBytes);
    }

    /// <summary>RFC 7530 §16.28: RENEW.</summary>
    public void Renew(ulong clientId) => BeginOp(NfsOpnum4.Renew).WriteUInt64(clientId);

    /// <summary>RFC 7530 §16.29: RESTOREFH.</summary>
    public void RestoreFh() => BeginOp(NfsOpnum4.RestoreFh);

    /// <summary>RFC 7530 §16.30: SAVEFH.</summary>
    public void SaveFh() => BeginOp(NfsOpnum4.SaveFh);

    /// <summary>RFC 7530 §16.31: SECINFO.</summary>
    public void SecInfo(string name) => BeginOp(NfsOpnum4.SecInfo).WriteString(name, NfsLimits.MaxComponentBytes);

    /// <summary>
    /// RFC 8881 §18.45: SECINFO_NO_NAME (NFSv4.1), the flavors for the current filehandle itself or for its parent —
    /// what SECINFO asks by name, for the objects that have none here (the root after PUTROOTFH, a file after PUTFH).
    /// Like SECINFO it consumes the current filehandle.
    /// </summary>
    public void SecInfoNoName(SecInfoStyle4 style) => BeginOp(NfsOpnum4.SecInfoNoName).WriteEnum(style);

    /// <summary>
    /// RFC 7530 §16.33: SETCLIENTID. We run no callback service, so the callback address is empty:
    /// the server then grants no delegations, which is what an NFSv4.0 client without one must get.
    /// </summary>
    public void SetClientId(Verifier4 verifier, ReadOnlySpan<byte> id, uint callbackProgram, string netId, string universalAddress, uint callbackIdent)
    {
        var w = BeginOp(NfsOpnum4.SetClientId);
        verifier.Encode(w);
        w.WriteOpaque(id, NfsLimits.MaxOpaque);
        w.WriteUInt32(callbackProgram);
        w.WriteString(netId);
        w.WriteString(universalAddress);
        w.WriteUInt32(callbackIdent);
    }

    /// <summary>RFC 7530 §16.34: SETCLIENTID_CONFIRM.</summary>
    public void SetClientIdConfirm(ulong clientId, Verifier4 confirm)
    {
        var w = BeginOp(NfsOpnum4.SetClientIdConfirm);
        w.WriteUInt64(clientId);
        confirm.Encode(w);
    }

    /// <summary>RFC 7530 §16.36: WRITE.</summary>
    public void Write(StateId4 stateId, ulong offset, StableHow4 stable, ReadOnlySpan<byte> data)
    {
        var w = BeginOp(NfsOpnum4.Write);
        stateId.Encode(w);
        w.WriteUInt64(offset);
        w.WriteEnum(stable);
        w.WriteOpaque(data);
    }

    /// <summary>
    /// WRITE whose data, when large and in an array, is sent from <paramref name="data"/> itself rather than copied into
    /// the request (<see cref="XdrWriter.WriteOpaqueSpliced"/>); the caller keeps it unchanged until the call is answered.
    /// </summary>
    public void Write(StateId4 stateId, ulong offset, StableHow4 stable, ReadOnlyMemory<byte> data)
    {
        var w = BeginOp(NfsOpnum4.Write);
        stateId.Encode(w);
        w.WriteUInt64(offset);
        w.WriteEnum(stable);
        if (data.Length < SpliceMinimum || !w.WriteOpaqueSpliced(data))
        {
            w.WriteOpaque(data.Span);
        }
    }

    /// <summary>Below this a WRITE's data is copied: a copy costs less than a gathered send's extra bookkeeping.</summary>
    internal const int SpliceMinimum = 16 * 1024;

    private XdrWriter BeginLock(NfsLockType4 type, bool reclaim, ulong offset, ulong length)
    {
        var w = BeginOp(NfsOpnum4.Lock);
        w.WriteEnum(type);
        w.WriteBool(reclaim);
        w.WriteUInt64(offset);
        w.WriteUInt64(length);
        return w;
    }
}
