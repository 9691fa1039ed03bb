using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

// One method per NFSv4.0 operation's result (RFC 7530 §16). Each checks the opnum and status, throws
// NfsException for a failure, and decodes the resok body. The few operations whose failure carries a
// body (LOCK and LOCKT with NFS4ERR_DENIED, SETCLIENTID with NFS4ERR_CLID_INUSE, SETATTR's attrsset)
// return it instead of throwing for that status.
public partial struct CompoundResults
{
    public void PutFh(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.PutFh);

    public void PutRootFh(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.PutRootFh);

    public void Lookup(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.Lookup);

    public void LookupP(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.LookupP);

    public void SaveFh(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.SaveFh);

    public void RestoreFh(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.RestoreFh);

    public void Renew(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.Renew);

    public void SetClientIdConfirm(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.SetClientIdConfirm);

    public void ReleaseLockOwner(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.ReleaseLockOwner);

    public void DelegReturn(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.DelegReturn);

    public NfsFh GetFh(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.GetFh);
        return NfsFh.Decode(ref reader);
    }

    /// <summary>RFC 7530 §16.1: which of the asked rights the server could check, and which it grants.</summary>
    public (Access4 Supported, Access4 Access) Access(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Access);
        return ((Access4)reader.ReadUInt32(), (Access4)reader.ReadUInt32());
    }

    public StateId4 Close(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Close);
        return StateId4.Decode(ref reader);
    }

    public Verifier4 Commit(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Commit);
        return Verifier4.Decode(ref reader);
    }

    public (ChangeInfo4 ChangeInfo, Bitmap4 AttrSet) Create(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Create);
        return (ChangeInfo4.Decode(ref reader), Bitmap4.Decode(ref reader));
    }

    public ChangeInfo4 Link(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Link);
        return ChangeInfo4.Decode(ref reader);
    }

    /// <summary>LOCK: the lock stateid, or who holds the conflicting lock (NFS4ERR_DENIED).</summary>
    public LockResult Lock(ref XdrReader reader)
    {
        var status = Next(ref reader, NfsOpnum4.Lock);
        return status switch
        {
            NfsStat4.Ok => new LockResult(StateId4.Decode(ref reader), null),
            NfsStat4.Denied => new LockResult(default, LockDenied.Decode(ref reader)),
            _ => throw new NfsException(status, NfsOpnum4.Lock, Path) { OpIndex = _seen - 1 },
        };
    }

    /// <summary>LOCKT: null when the lock could be granted, else the conflicting lock.</summary>
    public LockDenied? LockT(ref XdrReader reader)
    {
        var status = Next(ref reader, NfsOpnum4.LockT);
        return status switch
        {
            NfsStat4.Ok => null,
            NfsStat4.Denied => LockDenied.Decode(ref reader),
            _ => throw new NfsException(status, NfsOpnum4.LockT, Path) { OpIndex = _seen - 1 },
        };
    }

    public StateId4 LockU(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.LockU);
        return StateId4.Decode(ref reader);
    }

    public OpenResult Open(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Open);
        var stateId = StateId4.Decode(ref reader);
        var changeInfo = ChangeInfo4.Decode(ref reader);
        var flags = (OpenResultFlags)reader.ReadUInt32();
        var attrSet = Bitmap4.Decode(ref reader);
        var delegation = OpenDelegation.Decode(ref reader);
        return new OpenResult(stateId, changeInfo, flags, attrSet, delegation);
    }

    public StateId4 OpenConfirm(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.OpenConfirm);
        return StateId4.Decode(ref reader);
    }

    public StateId4 OpenDowngrade(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.OpenDowngrade);
        return StateId4.Decode(ref reader);
    }

    /// <summary>READ: end-of-file and the data, a slice of the reply record (copy it before the record goes).</summary>
    public ReadOnlySpan<byte> Read(ref XdrReader reader, out bool eof)
    {
        Expect(ref reader, NfsOpnum4.Read);
        eof = reader.ReadBool();
        return reader.ReadOpaque(NfsLimits.MaxData);
    }

    /// <summary>READDIR: the cookie verifier; the entries follow and are read with <see cref="DirEntryReader"/>.</summary>
    public Verifier4 ReadDir(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.ReadDir);
        return Verifier4.Decode(ref reader);
    }

    public string ReadLink(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.ReadLink);
        return reader.ReadString(NfsLimits.MaxLinkText);
    }

    public ChangeInfo4 Remove(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Remove);
        return ChangeInfo4.Decode(ref reader);
    }

    public (ChangeInfo4 Source, ChangeInfo4 Target) Rename(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Rename);
        return (ChangeInfo4.Decode(ref reader), ChangeInfo4.Decode(ref reader));
    }

    /// <summary>
    /// SECINFO (RFC 7530 §16.31): the security flavors the server accepts for the name, most preferred first.
    /// An RPCSEC_GSS entry's mechanism OID, QOP and service are checked for shape but not kept.
    /// </summary>
    public uint[] SecInfo(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.SecInfo);
        return ReadSecInfo4List(ref reader);
    }

    /// <summary>SECINFO_NO_NAME (RFC 8881 §18.45): the same result as SECINFO's, for the current filehandle or its parent.</summary>
    public uint[] SecInfoNoName(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.SecInfoNoName);
        return ReadSecInfo4List(ref reader);
    }

    /// <summary>SECINFO4resok: secinfo4 entries, bounded before anything is allocated.</summary>
    private static uint[] ReadSecInfo4List(ref XdrReader reader)
    {
        const uint rpcSecGss = 6;
        const int maxFlavors = 64;
        const int maxOidBytes = 1024;
        var count = reader.ReadArrayCount(maxFlavors);
        var flavors = new uint[count];
        for (var i = 0; i < count; i++)
        {
            flavors[i] = reader.ReadUInt32();
            if (flavors[i] == rpcSecGss)
            {
                // rpcsec_gss_info: sec_oid4 oid, qop4 qop, rpc_gss_svc_t service.
                reader.ReadOpaque(maxOidBytes);
                reader.ReadUInt32();
                reader.ReadUInt32();
            }
        }

        return flavors;
    }

    /// <summary>SETATTR: the attributes set. Its result carries attrsset even on failure (RFC 7530 §16.32).</summary>
    public Bitmap4 SetAttr(ref XdrReader reader)
    {
        var status = Next(ref reader, NfsOpnum4.SetAttr);
        var set = Bitmap4.Decode(ref reader);
        return status == NfsStat4.Ok ? set : throw new NfsException(status, NfsOpnum4.SetAttr, Path) { OpIndex = _seen - 1 };
    }

    /// <summary>SETCLIENTID: the client id and confirm verifier; NFS4ERR_CLID_INUSE names who uses the id.</summary>
    public (ulong ClientId, Verifier4 Confirm) SetClientId(ref XdrReader reader)
    {
        var status = Next(ref reader, NfsOpnum4.SetClientId);
        switch (status)
        {
            case NfsStat4.Ok:
                return (reader.ReadUInt64(), Verifier4.Decode(ref reader));
            case NfsStat4.ClidInuse:
                var netId = reader.ReadString(NfsLimits.MaxOpaque);
                var address = reader.ReadString(NfsLimits.MaxOpaque);
                // RFC 7530 §16.33.5: another principal uses this id string; the server names where it connects from.
                throw new NfsException(
                    status,
                    NfsOpnum4.SetClientId,
                    Path,
                    $"NFS4ERR_CLID_INUSE: the server says this client id is already in use by another user or machine ({netId} {address}). " +
                    "Give this client its own identity (state directory) or connect as the same user.")
                {
                    OpIndex = _seen - 1,
                    Data = { ["client_using"] = $"{netId} {address}" },
                };
            default:
                throw new NfsException(status, NfsOpnum4.SetClientId, Path) { OpIndex = _seen - 1 };
        }
    }

    public WriteResult Write(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Write);
        return new WriteResult(reader.ReadUInt32(), reader.ReadEnum<StableHow4>(), Verifier4.Decode(ref reader));
    }

    /// <summary>VERIFY / NVERIFY: success means the comparison held; NOT_SAME / SAME come back as the status.</summary>
    public NfsStat4 Verify(ref XdrReader reader, NfsOpnum4 op) => Next(ref reader, op);
}
