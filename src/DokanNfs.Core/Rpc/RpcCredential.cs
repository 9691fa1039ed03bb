using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Rpc;

/// <summary>
/// The credential and verifier sent with every call (RFC 5531 §8.2). Encoded once, when made, so the
/// per-call cost is one copy of a few bytes.
/// </summary>
public sealed class RpcCredential
{
    private readonly byte[] _encoded;

    private RpcCredential(RpcAuthFlavor flavor, byte[] encoded, string description)
    {
        Flavor = flavor;
        _encoded = encoded;
        Description = description;
    }

    /// <summary>AUTH_NONE (RFC 5531 §10.1).</summary>
    public static RpcCredential None { get; } = new(RpcAuthFlavor.AuthNone, EncodeNone(), "AUTH_NONE");

    public RpcAuthFlavor Flavor { get; }

    public string Description { get; }

    /// <summary>The credential followed by a null verifier, as they appear in call_body.</summary>
    public ReadOnlySpan<byte> CredentialAndVerifier => _encoded;

    /// <summary>
    /// AUTH_SYS (RFC 5531 Appendix A): a claimed uid, gid and up to 16 supplementary gids from a named machine.
    /// The server trusts these numbers as they are; mapping a user to them is the caller's job.
    /// </summary>
    public static RpcCredential Sys(uint uid, uint gid, IReadOnlyList<uint>? gids = null, string? machineName = null, uint stamp = 0)
    {
        gids ??= [];
        if (gids.Count > RpcLimits.MaxAuthSysGids)
        {
            throw new ArgumentException($"AUTH_SYS carries at most {RpcLimits.MaxAuthSysGids} supplementary gids, not {gids.Count}.", nameof(gids));
        }

        machineName ??= Environment.MachineName;
        using var writer = new XdrWriter(512);
        writer.WriteEnum(RpcAuthFlavor.AuthSys);
        var lengthAt = writer.ReserveUInt32();
        writer.WriteUInt32(stamp);
        writer.WriteString(machineName, RpcLimits.MaxMachineName);
        writer.WriteUInt32(uid);
        writer.WriteUInt32(gid);
        writer.WriteArrayCount(gids.Count, RpcLimits.MaxAuthSysGids);
        foreach (var g in gids)
        {
            writer.WriteUInt32(g);
        }

        var bodyLength = writer.Length - lengthAt - 4;
        if (bodyLength > RpcLimits.MaxAuthBytes)
        {
            throw new ArgumentException($"AUTH_SYS body of {bodyLength} bytes exceeds the {RpcLimits.MaxAuthBytes}-byte limit.", nameof(machineName));
        }

        writer.PatchUInt32(lengthAt, (uint)bodyLength);
        WriteNullAuth(writer);
        var description = $"AUTH_SYS uid={uid} gid={gid} gids=[{string.Join(',', gids)}] machine={machineName}";
        return new RpcCredential(RpcAuthFlavor.AuthSys, writer.WrittenSpan.ToArray(), description);
    }

    public override string ToString() => Description;

    private static byte[] EncodeNone()
    {
        using var writer = new XdrWriter(16);
        WriteNullAuth(writer);
        WriteNullAuth(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static void WriteNullAuth(XdrWriter writer)
    {
        writer.WriteEnum(RpcAuthFlavor.AuthNone);
        writer.WriteUInt32(0);
    }
}
