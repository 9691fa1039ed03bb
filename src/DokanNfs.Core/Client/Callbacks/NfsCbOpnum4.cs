namespace DokanNfs.Core.Client.Callbacks;

/// <summary>nfs_cb_opnum4 (RFC 8881 §20): the operations a server may send in CB_COMPOUND.</summary>
public enum NfsCbOpnum4 : uint
{
    CbGetAttr = 3, // OP_CB_GETATTR
    CbRecall = 4, // OP_CB_RECALL
    CbLayoutRecall = 5, // OP_CB_LAYOUTRECALL
    CbNotify = 6, // OP_CB_NOTIFY
    CbPushDeleg = 7, // OP_CB_PUSH_DELEG
    CbRecallAny = 8, // OP_CB_RECALL_ANY
    CbRecallableObjAvail = 9, // OP_CB_RECALLABLE_OBJ_AVAIL
    CbRecallSlot = 10, // OP_CB_RECALL_SLOT
    CbSequence = 11, // OP_CB_SEQUENCE
    CbWantsCancelled = 12, // OP_CB_WANTS_CANCELLED
    CbNotifyLock = 13, // OP_CB_NOTIFY_LOCK
    CbNotifyDeviceId = 14, // OP_CB_NOTIFY_DEVICEID
    CbOffload = 15, // OP_CB_OFFLOAD (RFC 7862)
    CbIllegal = 10044, // OP_CB_ILLEGAL
}

/// <summary>The procedures of the callback program (RFC 8881 §16.2 / nfs4.x NFS_CB).</summary>
public static class NfsCallbackProgram
{
    /// <summary>The callback program's version: 1 for NFSv4.1 and 4.2 alike.</summary>
    public const uint Version = 1;

    public const uint ProcNull = 0;

    public const uint ProcCompound = 1;
}
