using System.Buffers.Binary;
using static DokanNfs.Dokan.Security.SecurityDescriptorFormat;

namespace DokanNfs.Dokan.Security;

/// <summary>
/// Reads the self-relative SECURITY_DESCRIPTOR (MS-DTYP §2.4.6) that SetFileSecurity receives and turns it
/// into what NFS can store: an owner, a group and the rwx bits of a mode. The buffer comes from another
/// process, so every offset and length is checked against it: malformed input is a false return, never an
/// exception, and nothing is allocated.
/// </summary>
public static class SecurityDescriptorReader
{
    private const uint PermissionBits = 0x1FF; // 0777

    /// <summary>
    /// The owner SID of <paramref name="securityDescriptor"/>: true with null when it has none; false when
    /// the descriptor or the SID is malformed.
    /// </summary>
    public static bool TryGetOwner(ReadOnlySpan<byte> securityDescriptor, out Sid? owner)
    {
        owner = null;
        return TryReadHeader(securityDescriptor, out var header) && TryReadSid(securityDescriptor, header.OwnerOffset, out owner);
    }

    /// <summary>The group SID, as <see cref="TryGetOwner"/>.</summary>
    public static bool TryGetGroup(ReadOnlySpan<byte> securityDescriptor, out Sid? group)
    {
        group = null;
        return TryReadHeader(securityDescriptor, out var header) && TryReadSid(securityDescriptor, header.GroupOffset, out group);
    }

    /// <summary>
    /// What a SetFileSecurity of the parts in <paramref name="securityInformation"/> means for a file whose owner,
    /// group and mode are <paramref name="fileOwner"/>, <paramref name="fileGroup"/>, <paramref name="currentMode"/>.
    /// <para><paramref name="newOwner"/> / <paramref name="newGroup"/>: the SIDs the descriptor sets, or null when
    /// the part is not asked for or the descriptor has none (no change). Whether they map to ids is the caller's
    /// question (<see cref="IdentityMap.TryGetUid"/>).</para>
    /// <para><paramref name="newMode"/>: <paramref name="currentMode"/> with its rwx bits replaced when the DACL is
    /// asked for, everything else (setuid, setgid, sticky, file type) kept. Each class's bits are the union of
    /// the ACCESS_ALLOWED ACEs for its SID minus those of its ACCESS_DENIED ACEs — the owner (the new one when
    /// the owner changes too, or any SID that maps to the same uid), the group likewise, then Everyone; ACEs for
    /// other SIDs, inherit-only ACEs and other ACE types are ignored. A NULL DACL (none present) grants
    /// everyone everything (MS-DTYP §2.4.6), so it gives rwxrwxrwx.</para>
    /// False, with the outputs unchanged-meaning (mode = <paramref name="currentMode"/>, SIDs null), when the
    /// descriptor is malformed.
    /// </summary>
    public static bool TryGetMode(
        ReadOnlySpan<byte> securityDescriptor,
        uint securityInformation,
        IdentityMap map,
        Sid fileOwner,
        Sid fileGroup,
        uint currentMode,
        out uint newMode,
        out Sid? newOwner,
        out Sid? newGroup)
    {
        ArgumentNullException.ThrowIfNull(map);
        newMode = currentMode;
        newOwner = null;
        newGroup = null;
        if (!TryReadHeader(securityDescriptor, out var header))
        {
            return false;
        }

        Sid? owner = null;
        Sid? group = null;
        if ((securityInformation & SecurityInformation.Owner) != 0 && !TryReadSid(securityDescriptor, header.OwnerOffset, out owner))
        {
            return false;
        }

        if ((securityInformation & SecurityInformation.Group) != 0 && !TryReadSid(securityDescriptor, header.GroupOffset, out group))
        {
            return false;
        }

        var mode = currentMode;
        if ((securityInformation & SecurityInformation.Dacl) != 0)
        {
            uint permissions;
            if ((header.Control & SeDaclPresent) == 0 || header.DaclOffset == 0)
            {
                permissions = PermissionBits;
            }
            else if (!TryReadPermissions(securityDescriptor, header.DaclOffset, map, owner ?? fileOwner, group ?? fileGroup, out permissions))
            {
                return false;
            }

            mode = (currentMode & ~PermissionBits) | permissions;
        }

        newMode = mode;
        newOwner = owner;
        newGroup = group;
        return true;
    }

    /// <summary>The rwx bits (0..7) an access mask amounts to: the data rights, or the generic rights that include them.</summary>
    public static uint RwxOf(uint accessMask)
    {
        uint rwx = 0;
        if ((accessMask & (AccessRights.FileReadData | AccessRights.GenericRead | AccessRights.GenericAll)) != 0)
        {
            rwx |= 4;
        }

        if ((accessMask & (AccessRights.FileWriteData | AccessRights.GenericWrite | AccessRights.GenericAll)) != 0)
        {
            rwx |= 2;
        }

        if ((accessMask & (AccessRights.FileExecute | AccessRights.GenericExecute | AccessRights.GenericAll)) != 0)
        {
            rwx |= 1;
        }

        return rwx;
    }

    /// <summary>§2.4.6: revision 1, self-relative (the offsets are offsets, not pointers), every offset 0 or past the header.</summary>
    internal static bool TryReadHeader(ReadOnlySpan<byte> sd, out Header header)
    {
        header = default;
        if (sd.Length < HeaderLength || sd[0] != Revision)
        {
            return false;
        }

        var control = BinaryPrimitives.ReadUInt16LittleEndian(sd[ControlOffset..]);
        if ((control & SeSelfRelative) == 0)
        {
            return false;
        }

        var owner = BinaryPrimitives.ReadUInt32LittleEndian(sd[OwnerOffsetField..]);
        var group = BinaryPrimitives.ReadUInt32LittleEndian(sd[GroupOffsetField..]);
        var sacl = BinaryPrimitives.ReadUInt32LittleEndian(sd[SaclOffsetField..]);
        var dacl = BinaryPrimitives.ReadUInt32LittleEndian(sd[DaclOffsetField..]);
        if (!IsPlausibleOffset(sd, owner) || !IsPlausibleOffset(sd, group) || !IsPlausibleOffset(sd, sacl) || !IsPlausibleOffset(sd, dacl))
        {
            return false;
        }

        header = new Header(control, owner, group, dacl);
        return true;
    }

    private static bool IsPlausibleOffset(ReadOnlySpan<byte> sd, uint offset) =>
        offset == 0 || (offset >= HeaderLength && offset < (uint)sd.Length);

    /// <summary>A SID at <paramref name="offset"/>: null for offset 0, false when it does not fit or is malformed.</summary>
    private static bool TryReadSid(ReadOnlySpan<byte> sd, uint offset, out Sid? sid)
    {
        sid = null;
        if (offset == 0)
        {
            return true;
        }

        if (!Sid.TryRead(sd[(int)offset..], out var value, out _))
        {
            return false;
        }

        sid = value;
        return true;
    }

    /// <summary>§2.4.5 ACL and §2.4.4 ACEs, each size checked against the ACL and the ACL against the descriptor.</summary>
    private static bool TryReadPermissions(ReadOnlySpan<byte> sd, uint daclOffset, IdentityMap map, Sid owner, Sid group, out uint permissions)
    {
        permissions = 0;
        var acl = sd[(int)daclOffset..];
        if (acl.Length < AclHeaderLength || (acl[0] != AclRevision && acl[0] != AclRevisionDs))
        {
            return false;
        }

        int aclSize = BinaryPrimitives.ReadUInt16LittleEndian(acl[2..]);
        int aceCount = BinaryPrimitives.ReadUInt16LittleEndian(acl[4..]);
        if (aclSize < AclHeaderLength || aclSize > acl.Length)
        {
            return false;
        }

        acl = acl[..aclSize];
        var ownerHasUid = map.TryGetUid(owner, out var ownerUid);
        var groupHasGid = map.TryGetGid(group, out var groupGid);
        uint allowed = 0;
        uint denied = 0;
        var position = AclHeaderLength;
        for (var i = 0; i < aceCount; i++)
        {
            if (acl.Length - position < AceHeaderLength)
            {
                return false;
            }

            var type = acl[position];
            var flags = acl[position + 1];
            int aceSize = BinaryPrimitives.ReadUInt16LittleEndian(acl[(position + 2)..]);
            if (aceSize < AceHeaderLength || aceSize > acl.Length - position)
            {
                return false;
            }

            var ace = acl.Slice(position, aceSize);
            position += aceSize;
            if (type is not (AccessAllowedAceType or AccessDeniedAceType))
            {
                continue;
            }

            // §2.4.4.2 / §2.4.4.4: header, Mask, Sid — the SID within the ACE's own size.
            if (aceSize < AceSidOffset || !Sid.TryRead(ace[AceSidOffset..], out var sid, out _))
            {
                return false;
            }

            if ((flags & InheritOnlyAce) != 0)
            {
                continue;
            }

            int shift;
            if (sid == owner || (ownerHasUid && map.TryGetUid(sid, out var uid) && uid == ownerUid))
            {
                shift = 6;
            }
            else if (sid == group || (groupHasGid && map.TryGetGid(sid, out var gid) && gid == groupGid))
            {
                shift = 3;
            }
            else if (sid == Sid.Everyone)
            {
                shift = 0;
            }
            else
            {
                continue;
            }

            var bits = RwxOf(BinaryPrimitives.ReadUInt32LittleEndian(ace[AceHeaderLength..])) << shift;
            if (type == AccessAllowedAceType)
            {
                allowed |= bits;
            }
            else
            {
                denied |= bits;
            }
        }

        permissions = allowed & ~denied;
        return true;
    }

    internal readonly record struct Header(ushort Control, uint OwnerOffset, uint GroupOffset, uint DaclOffset);
}
