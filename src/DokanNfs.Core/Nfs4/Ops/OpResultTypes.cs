using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>LOCK4denied (RFC 7530 §16.10): the conflicting lock and its owner. A lock to end of file has length all ones.</summary>
public sealed record LockDenied(ulong Offset, ulong Length, NfsLockType4 LockType, StateOwner4 Owner)
{
    public static LockDenied Decode(ref XdrReader reader)
    {
        var offset = reader.ReadUInt64();
        var length = reader.ReadUInt64();

        // Found by LockTests.Whole_file_lock_conflicts_with_any_range_even_past_4_GiB: NFS-Ganesha 4.3 reports a
        // conflicting lock to end of file with length 0 (its internal form; Process_nfs4_conflict copies it).
        // No lock has length 0 (RFC 7530 §16.10.4: NFS4ERR_INVAL), so 0 can only mean "to end of file".
        return new(offset, length == 0 ? ulong.MaxValue : length, reader.ReadEnum<NfsLockType4>(), StateOwner4.Decode(ref reader));
    }
}

/// <summary>The outcome of LOCK: granted (a lock stateid) or denied.</summary>
public readonly record struct LockResult(StateId4 LockStateId, LockDenied? Denied)
{
    public bool Granted => Denied is null;
}

/// <summary>OPEN4_RESULT_* (RFC 7530 §16.16).</summary>
[Flags]
public enum OpenResultFlags : uint
{
    None = 0,
    Confirm = 0x2, // OPEN4_RESULT_CONFIRM: the open-owner is new; OPEN_CONFIRM before use
    LockTypePosix = 0x4, // OPEN4_RESULT_LOCKTYPE_POSIX
    PreserveUnlinked = 0x8,
    MayNotifyLock = 0x20,
}

/// <summary>open_delegation_type4 (RFC 7530 §16.16, RFC 8881 §18.16).</summary>
public enum OpenDelegationType4
{
    None = 0,
    Read = 1,
    Write = 2,
    NoneExt = 3,
    ReadAttrsDeleg = 4,
    WriteAttrsDeleg = 5,
}

/// <summary>A delegation granted with an OPEN; we keep its stateid so it can be returned.</summary>
public sealed record OpenDelegation(OpenDelegationType4 Type, StateId4 StateId, bool Recall)
{
    public static OpenDelegation None { get; } = new(OpenDelegationType4.None, default, false);

    /// <summary>The most bytes of an nfsace4 'who' we accept.</summary>
    private const int MaxWho = 1024;

    public static OpenDelegation Decode(ref XdrReader reader)
    {
        var type = reader.ReadEnum<OpenDelegationType4>();
        switch (type)
        {
            case OpenDelegationType4.None:
                return None;
            case OpenDelegationType4.Read or OpenDelegationType4.ReadAttrsDeleg:
            {
                var stateId = StateId4.Decode(ref reader);
                var recall = reader.ReadBool();
                SkipAce(ref reader);
                return new OpenDelegation(type, stateId, recall);
            }

            case OpenDelegationType4.Write or OpenDelegationType4.WriteAttrsDeleg:
            {
                var stateId = StateId4.Decode(ref reader);
                var recall = reader.ReadBool();
                var limitBy = reader.ReadInt32();
                switch (limitBy)
                {
                    case 1: reader.ReadUInt64(); break; // NFS_LIMIT_SIZE
                    case 2: reader.ReadUInt32(); reader.ReadUInt32(); break; // NFS_LIMIT_BLOCKS
                    default: throw new XdrException($"nfs_space_limit4 has unknown limitby {limitBy}.");
                }

                SkipAce(ref reader);
                return new OpenDelegation(type, stateId, recall);
            }

            case OpenDelegationType4.NoneExt:
            {
                // open_none_delegation4 (RFC 8881 §18.16): a reason, and a bool for two of them.
                var why = reader.ReadInt32();
                if (why is 1 or 2)
                {
                    reader.ReadBool();
                }

                return None;
            }

            default:
                throw new XdrException($"open_delegation_type4 {(int)type} is unknown.");
        }
    }

    private static void SkipAce(ref XdrReader reader)
    {
        // nfsace4: type, flag, access_mask, who.
        reader.ReadUInt32();
        reader.ReadUInt32();
        reader.ReadUInt32();
        reader.ReadOpaque(MaxWho);
    }
}

/// <summary>OPEN4resok (RFC 7530 §16.16).</summary>
public sealed record OpenResult(StateId4 StateId, ChangeInfo4 ChangeInfo, OpenResultFlags Flags, Bitmap4 AttrSet, OpenDelegation Delegation)
{
    public bool NeedsConfirm => (Flags & OpenResultFlags.Confirm) != 0;
}

/// <summary>WRITE4resok (RFC 7530 §16.36).</summary>
public readonly record struct WriteResult(uint Count, StableHow4 Committed, Verifier4 WriteVerf);
