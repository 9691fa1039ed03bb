using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>acetype4 (RFC 7530 §6.2.1): what an access control entry does.</summary>
public enum AceType4 : uint
{
    AccessAllowed = 0, // ACE4_ACCESS_ALLOWED_ACE_TYPE
    AccessDenied = 1, // ACE4_ACCESS_DENIED_ACE_TYPE
    SystemAudit = 2, // ACE4_SYSTEM_AUDIT_ACE_TYPE
    SystemAlarm = 3, // ACE4_SYSTEM_ALARM_ACE_TYPE
}

/// <summary>
/// nfsace4 (RFC 7530 §6.2.1): one access control entry. <see cref="Flag"/> holds ACE4_* inheritance and
/// audit flags, <see cref="AccessMask"/> ACE4_* access bits, and <see cref="Who"/>
/// a principal such as "user@domain" or one of the special "OWNER@", "GROUP@", "EVERYONE@".
/// </summary>
public readonly record struct NfsAce4(AceType4 Type, uint Flag, uint AccessMask, string Who)
{
    /// <summary>A bound on hostile input: no sane ACL has more entries than this.</summary>
    public const int MaxAces = 1024;

    /// <summary>The smallest nfsace4 on the wire: three words and an empty who.</summary>
    private const int MinEncodedSize = 16;

    /// <summary>fattr4_acl: nfsace4&lt;&gt;, at most <see cref="MaxAces"/> entries.</summary>
    public static NfsAce4[] DecodeList(ref XdrReader reader)
    {
        var count = reader.ReadArrayCount(MaxAces, MinEncodedSize);
        if (count == 0)
        {
            return [];
        }

        var aces = new NfsAce4[count];
        for (var i = 0; i < count; i++)
        {
            aces[i] = Decode(ref reader);
        }

        return aces;
    }

    public static NfsAce4 Decode(ref XdrReader reader)
    {
        var type = (AceType4)reader.ReadUInt32();
        var flag = reader.ReadUInt32();
        var mask = reader.ReadUInt32();
        var who = reader.ReadString(Fattr4.MaxStringLength);
        return new NfsAce4(type, flag, mask, who);
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32((uint)Type);
        writer.WriteUInt32(Flag);
        writer.WriteUInt32(AccessMask);
        writer.WriteString(Who, Fattr4.MaxStringLength);
    }

    public static void EncodeList(XdrWriter writer, IReadOnlyList<NfsAce4> aces)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(aces);
        writer.WriteArrayCount(aces.Count, MaxAces);
        for (var i = 0; i < aces.Count; i++)
        {
            aces[i].Encode(writer);
        }
    }
}
