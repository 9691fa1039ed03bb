namespace DokanNfs.Core.Rpc;

// ONC RPC version 2 message enums, RFC 5531 §9. Names follow the RFC so the code reads against it.

public enum RpcMsgType
{
    Call = 0,
    Reply = 1,
}

public enum RpcReplyStat
{
    MsgAccepted = 0,
    MsgDenied = 1,
}

public enum RpcAcceptStat
{
    Success = 0,
    ProgUnavail = 1,
    ProgMismatch = 2,
    ProcUnavail = 3,
    GarbageArgs = 4,
    SystemErr = 5,
}

public enum RpcRejectStat
{
    RpcMismatch = 0,
    AuthError = 1,
}

public enum RpcAuthStat
{
    AuthOk = 0,
    AuthBadCred = 1,
    AuthRejectedCred = 2,
    AuthBadVerf = 3,
    AuthRejectedVerf = 4,
    AuthTooWeak = 5,
    AuthInvalidResp = 6,
    AuthFailed = 7,
    AuthKerbGeneric = 8,
    AuthTimeExpire = 9,
    AuthTktFile = 10,
    AuthDecode = 11,
    AuthNetAddr = 12,
    RpcsecGssCredProblem = 13,
    RpcsecGssCtxProblem = 14,
}

public enum RpcAuthFlavor
{
    AuthNone = 0,
    AuthSys = 1,
    AuthShort = 2,
    AuthDh = 3,
    RpcsecGss = 6,
}

/// <summary>Protocol limits from RFC 5531.</summary>
public static class RpcLimits
{
    /// <summary>RFC 5531 §8.2: the body of an opaque_auth is at most 400 bytes.</summary>
    public const int MaxAuthBytes = 400;

    /// <summary>RFC 5531 Appendix A: authsys_parms.machinename is string&lt;255&gt;.</summary>
    public const int MaxMachineName = 255;

    /// <summary>RFC 5531 Appendix A: authsys_parms.gids is at most 16 groups.</summary>
    public const int MaxAuthSysGids = 16;

    /// <summary>RFC 5531 §9: the only RPC version.</summary>
    public const uint RpcVersion = 2;
}
