namespace DokanNfs.Core.Nfs4;

#pragma warning disable CA1008 // Opnum 0 to 2 are unassigned (RFC 7530 §16).

/// <summary>nfs_opnum4: the operations a COMPOUND carries (RFC 7530 §16, RFC 8881 §18, RFC 7862 §15).</summary>
public enum NfsOpnum4
{
    Access = 3, // OP_ACCESS
    Close = 4, // OP_CLOSE
    Commit = 5, // OP_COMMIT
    Create = 6, // OP_CREATE
    DelegPurge = 7, // OP_DELEGPURGE
    DelegReturn = 8, // OP_DELEGRETURN
    GetAttr = 9, // OP_GETATTR
    GetFh = 10, // OP_GETFH
    Link = 11, // OP_LINK
    Lock = 12, // OP_LOCK
    LockT = 13, // OP_LOCKT
    LockU = 14, // OP_LOCKU
    Lookup = 15, // OP_LOOKUP
    LookupP = 16, // OP_LOOKUPP
    NVerify = 17, // OP_NVERIFY
    Open = 18, // OP_OPEN
    OpenAttr = 19, // OP_OPENATTR
    OpenConfirm = 20, // OP_OPEN_CONFIRM
    OpenDowngrade = 21, // OP_OPEN_DOWNGRADE
    PutFh = 22, // OP_PUTFH
    PutPubFh = 23, // OP_PUTPUBFH
    PutRootFh = 24, // OP_PUTROOTFH
    Read = 25, // OP_READ
    ReadDir = 26, // OP_READDIR
    ReadLink = 27, // OP_READLINK
    Remove = 28, // OP_REMOVE
    Rename = 29, // OP_RENAME
    Renew = 30, // OP_RENEW
    RestoreFh = 31, // OP_RESTOREFH
    SaveFh = 32, // OP_SAVEFH
    SecInfo = 33, // OP_SECINFO
    SetAttr = 34, // OP_SETATTR
    SetClientId = 35, // OP_SETCLIENTID
    SetClientIdConfirm = 36, // OP_SETCLIENTID_CONFIRM
    Verify = 37, // OP_VERIFY
    Write = 38, // OP_WRITE
    ReleaseLockOwner = 39, // OP_RELEASE_LOCKOWNER
    BackchannelCtl = 40, // OP_BACKCHANNEL_CTL
    BindConnToSession = 41, // OP_BIND_CONN_TO_SESSION
    ExchangeId = 42, // OP_EXCHANGE_ID
    CreateSession = 43, // OP_CREATE_SESSION
    DestroySession = 44, // OP_DESTROY_SESSION
    FreeStateId = 45, // OP_FREE_STATEID
    GetDirDelegation = 46, // OP_GET_DIR_DELEGATION
    GetDeviceInfo = 47, // OP_GETDEVICEINFO
    GetDeviceList = 48, // OP_GETDEVICELIST
    LayoutCommit = 49, // OP_LAYOUTCOMMIT
    LayoutGet = 50, // OP_LAYOUTGET
    LayoutReturn = 51, // OP_LAYOUTRETURN
    SecInfoNoName = 52, // OP_SECINFO_NO_NAME
    Sequence = 53, // OP_SEQUENCE
    SetSsv = 54, // OP_SET_SSV
    TestStateId = 55, // OP_TEST_STATEID
    WantDelegation = 56, // OP_WANT_DELEGATION
    DestroyClientId = 57, // OP_DESTROY_CLIENTID
    ReclaimComplete = 58, // OP_RECLAIM_COMPLETE
    Allocate = 59, // OP_ALLOCATE
    Copy = 60, // OP_COPY
    CopyNotify = 61, // OP_COPY_NOTIFY
    Deallocate = 62, // OP_DEALLOCATE
    IoAdvise = 63, // OP_IO_ADVISE
    LayoutError = 64, // OP_LAYOUTERROR
    LayoutStats = 65, // OP_LAYOUTSTATS
    OffloadCancel = 66, // OP_OFFLOAD_CANCEL
    OffloadStatus = 67, // OP_OFFLOAD_STATUS
    ReadPlus = 68, // OP_READ_PLUS
    Seek = 69, // OP_SEEK
    WriteSame = 70, // OP_WRITE_SAME
    Clone = 71, // OP_CLONE
    GetXattr = 72, // OP_GETXATTR
    SetXattr = 73, // OP_SETXATTR
    ListXattrs = 74, // OP_LISTXATTRS
    RemoveXattr = 75, // OP_REMOVEXATTR
    Illegal = 10044, // OP_ILLEGAL
}
