namespace DokanNfs.Core.Nfs4;

/// <summary>The NFS program's RPC numbers (RFC 7530 §16.1, RFC 7531).</summary>
public static class NfsProgram
{
    public const uint Program = 100003;
    public const uint Version4 = 4;
    public const uint ProcNull = 0;
    public const uint ProcCompound = 1;

    /// <summary>The well-known NFS port; fs_locations carry no port, so referral targets are reached here.</summary>
    public const int DefaultPort = 2049;

    /// <summary>RFC 7531: NFS4_FHSIZE, the largest filehandle.</summary>
    public const int MaxFileHandleSize = 128;

    /// <summary>A bound on COMPOUND tags we accept back; the protocol leaves utf8str_cs unbounded.</summary>
    public const int MaxTagLength = 1024;

    /// <summary>A bound on the operations in one reply: more than any COMPOUND we send.</summary>
    public const int MaxOpsPerCompound = 256;
}
