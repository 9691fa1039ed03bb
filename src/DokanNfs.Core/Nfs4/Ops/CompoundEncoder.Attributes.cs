using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>createmode4 (RFC 7530 §16.16, RFC 8881 §18.16).</summary>
public enum CreateMode4
{
    Unchecked = 0, // UNCHECKED4
    Guarded = 1, // GUARDED4
    Exclusive = 2, // EXCLUSIVE4
    Exclusive41 = 3, // EXCLUSIVE4_1
}

/// <summary>open_claim_type4 (RFC 7530 §16.16).</summary>
public enum OpenClaimType4
{
    Null = 0, // CLAIM_NULL
    Previous = 1, // CLAIM_PREVIOUS
    DelegateCur = 2, // CLAIM_DELEGATE_CUR
    DelegatePrev = 3, // CLAIM_DELEGATE_PREV
    Fh = 4, // CLAIM_FH (4.1)
    DelegCurFh = 5, // CLAIM_DELEG_CUR_FH (4.1)
    DelegPrevFh = 6, // CLAIM_DELEG_PREV_FH (4.1)
}

/// <summary>open_claim4: what an OPEN names — a file by name, or state held before a server restart.</summary>
public readonly record struct OpenClaim4(OpenClaimType4 Type, string? Name = null, OpenDelegationType4 DelegateType = OpenDelegationType4.None, StateId4 DelegateStateId = default)
{
    /// <summary>CLAIM_NULL: the file <paramref name="name"/> in the current directory.</summary>
    public static OpenClaim4 ByName(string name) => new(OpenClaimType4.Null, name);

    /// <summary>CLAIM_PREVIOUS: reclaim after a server restart; the current filehandle is the file.</summary>
    public static OpenClaim4 Previous(OpenDelegationType4 delegateType) => new(OpenClaimType4.Previous, DelegateType: delegateType);

    /// <summary>CLAIM_FH (NFSv4.1): the current filehandle is the file.</summary>
    public static OpenClaim4 ByFileHandle() => new(OpenClaimType4.Fh);

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteEnum(Type);
        switch (Type)
        {
            case OpenClaimType4.Null or OpenClaimType4.DelegatePrev:
                writer.WriteString(Name ?? throw new InvalidOperationException($"{Type} needs a name."), NfsLimits.MaxComponentBytes);
                break;
            case OpenClaimType4.Previous:
                writer.WriteEnum(DelegateType);
                break;
            case OpenClaimType4.DelegateCur:
                DelegateStateId.Encode(writer);
                writer.WriteString(Name ?? throw new InvalidOperationException($"{Type} needs a name."), NfsLimits.MaxComponentBytes);
                break;
            case OpenClaimType4.DelegCurFh:
                DelegateStateId.Encode(writer);
                break;
        }
    }
}

// The operations whose arguments carry fattr4 (RFC 7530 §16): CREATE, OPEN, SETATTR, VERIFY, NVERIFY.
public ref partial struct CompoundEncoder
{
    /// <summary>RFC 7530 §16.4: CREATE of a non-regular file (directory, symlink, device, fifo, socket).</summary>
    public void Create(NfsFtype4 type, string? linkData, string name, SetAttributes attributes, SpecData4 devData = default)
    {
        var w = BeginOp(NfsOpnum4.Create);
        w.WriteEnum(type);
        switch (type)
        {
            case NfsFtype4.Lnk:
                // linktext4 is opaque bytes; a symlink target is UTF-8 text.
                w.WriteString(linkData ?? throw new ArgumentNullException(nameof(linkData)), NfsLimits.MaxLinkText);
                break;
            case NfsFtype4.Blk or NfsFtype4.Chr:
                devData.Encode(w);
                break;
        }

        w.WriteString(name, NfsLimits.MaxComponentBytes);
        Fattr4.Encode(w, attributes);
    }

    /// <summary>
    /// RFC 7530 §16.16: OPEN. <paramref name="create"/> null is OPEN4_NOCREATE; EXCLUSIVE4 sends only the
    /// verifier, EXCLUSIVE4_1 the verifier and the attributes, the others the attributes.
    /// </summary>
    public void Open(uint seqid, OpenShareAccess access, OpenShareDeny deny, StateOwner4 owner, CreateMode4? create, SetAttributes? attributes, Verifier4 verifier, OpenClaim4 claim)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var w = BeginOp(NfsOpnum4.Open);
        w.WriteUInt32(seqid);
        w.WriteUInt32((uint)access);
        w.WriteUInt32((uint)deny);
        owner.Encode(w);
        if (create is not { } mode)
        {
            w.WriteUInt32(0); // OPEN4_NOCREATE
        }
        else
        {
            w.WriteUInt32(1); // OPEN4_CREATE
            w.WriteEnum(mode);
            switch (mode)
            {
                case CreateMode4.Unchecked or CreateMode4.Guarded:
                    Fattr4.Encode(w, attributes ?? new SetAttributes());
                    break;
                case CreateMode4.Exclusive:
                    verifier.Encode(w);
                    break;
                case CreateMode4.Exclusive41:
                    verifier.Encode(w);
                    Fattr4.Encode(w, attributes ?? new SetAttributes());
                    break;
            }
        }

        claim.Encode(w);
    }

    /// <summary>RFC 7530 §16.32: SETATTR; a size change needs an open (or lock) stateid.</summary>
    public void SetAttr(StateId4 stateId, SetAttributes attributes)
    {
        var w = BeginOp(NfsOpnum4.SetAttr);
        stateId.Encode(w);
        Fattr4.Encode(w, attributes);
    }

    /// <summary>
    /// RFC 7530 §16.35 / §16.15: VERIFY (go on only if the attributes equal these) or NVERIFY (only if they
    /// differ), with raw fattr4 values already encoded by the caller.
    /// </summary>
    public void Verify(NfsOpnum4 op, Bitmap4 mask, ReadOnlySpan<byte> attrValues)
    {
        if (op is not (NfsOpnum4.Verify or NfsOpnum4.NVerify))
        {
            throw new ArgumentOutOfRangeException(nameof(op), "VERIFY or NVERIFY.");
        }

        var w = BeginOp(op);
        mask.Encode(w);
        w.WriteOpaque(attrValues);
    }
}

public partial struct CompoundResults
{
    /// <summary>GETATTR (RFC 7530 §16.7): the attributes, decoded.</summary>
    public NfsAttributes GetAttr(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.GetAttr);
        return Fattr4.Decode(ref reader);
    }
}
