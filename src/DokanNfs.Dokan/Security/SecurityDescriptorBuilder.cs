using System.Buffers.Binary;
using DokanNfs.Dokan.Mapping;
using static DokanNfs.Dokan.Security.SecurityDescriptorFormat;

namespace DokanNfs.Dokan.Security;

/// <summary>What a file's security descriptor is made from: its owner and group as SIDs and its Unix mode.</summary>
public readonly record struct SecurityDescriptorSource(Sid Owner, Sid Group, uint Mode, bool IsDirectory);

/// <summary>
/// Writes the self-relative SECURITY_DESCRIPTOR (MS-DTYP §2.4.6) that GetFileSecurity returns for a file:
/// owner, group, and a DACL of ACCESS_ALLOWED ACEs (§2.4.4.2) for the owner, the group and Everyone, each
/// with the Windows rights its rwx bits grant. Writes straight into the caller's buffer; allocates nothing.
/// </summary>
/// <remarks>
/// The DACL describes the mode; it does not enforce it. Windows does not check access to a Dokan file system
/// against it: the adapter sends each request under the requester's mapped identity and the NFS server
/// decides. Programs that evaluate the DACL themselves (Explorer greying out actions) see, for a user who is
/// owner, group member and in Everyone at once, the union of the three allow ACEs, where Unix would apply only
/// the owner bits; deny ACEs to mimic that would make the descriptor harder to read and edit for no effect
/// on what the server permits.
/// </remarks>
public static class SecurityDescriptorBuilder
{
    /// <summary>
    /// Rights the owner always gets, whatever the mode. Explorer's Security tab opens the file for READ_CONTROL
    /// to show it and for WRITE_DAC / WRITE_OWNER to apply a change, and Windows programs evaluate the DACL for
    /// DELETE and FILE_WRITE_ATTRIBUTES before offering delete or setting attributes and times. On Unix the owner
    /// may always chmod its file and set its times, and deleting is the parent directory's business, so an
    /// owner's ACE without these rights would make Windows refuse what the server allows (mode 0444 files could
    /// not be made writable again from Windows). The server still refuses what it refuses, e.g. chown by a
    /// non-root user. SYNCHRONIZE too, because synchronous opens (nearly all of them) ask for it alongside.
    /// </summary>
    public const uint OwnerRights =
        AccessRights.ReadControl | AccessRights.WriteDac | AccessRights.WriteOwner | AccessRights.Delete | AccessRights.FileWriteAttributes
        | AccessRights.Synchronize;

    /// <summary>The Windows rights that one class's rwx bits (0..7) grant.</summary>
    public static uint AccessMask(uint rwx, bool isDirectory)
    {
        uint mask = 0;
        if ((rwx & 4) != 0)
        {
            mask |= AccessRights.FileGenericRead;
        }

        if ((rwx & 2) != 0)
        {
            // On a directory, write permission is what lets a Unix user remove entries: FILE_DELETE_CHILD.
            mask |= AccessRights.FileGenericWrite | (isDirectory ? AccessRights.FileDeleteChild : 0);
        }

        if ((rwx & 1) != 0)
        {
            mask |= AccessRights.FileGenericExecute;
        }

        return mask;
    }

    /// <summary>The length of the descriptor <see cref="Write"/> would write for these parts.</summary>
    public static uint GetLength(uint securityInformation, in SecurityDescriptorSource source)
    {
        var length = HeaderLength;
        if ((securityInformation & SecurityInformation.Owner) != 0)
        {
            length += source.Owner.BinaryLength;
        }

        if ((securityInformation & SecurityInformation.Group) != 0)
        {
            length += source.Group.BinaryLength;
        }

        if ((securityInformation & SecurityInformation.Dacl) != 0)
        {
            length += DaclLength(source);
        }

        return (uint)length;
    }

    /// <summary>
    /// Writes the parts <paramref name="securityInformation"/> asks for (OWNER, GROUP, DACL; a SACL or label
    /// request gets none — the file has no SACL — rather than an error). Returns <see cref="NtStatus.Success"/>
    /// with <paramref name="lengthNeeded"/> = bytes written, or <see cref="NtStatus.BufferOverflow"/> with
    /// nothing written and <paramref name="lengthNeeded"/> = the length required, as Dokan's GetFileSecurity
    /// expects.
    /// </summary>
    public static int Write(Span<byte> buffer, uint securityInformation, in SecurityDescriptorSource source, out uint lengthNeeded)
    {
        lengthNeeded = GetLength(securityInformation, source);
        if ((uint)buffer.Length < lengthNeeded)
        {
            return NtStatus.BufferOverflow;
        }

        var header = buffer[..HeaderLength];
        header.Clear();
        header[0] = Revision;
        var control = SeSelfRelative;
        var position = HeaderLength;

        if ((securityInformation & SecurityInformation.Owner) != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header[OwnerOffsetField..], (uint)position);
            position += source.Owner.Write(buffer[position..]);
        }

        if ((securityInformation & SecurityInformation.Group) != 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header[GroupOffsetField..], (uint)position);
            position += source.Group.Write(buffer[position..]);
        }

        if ((securityInformation & SecurityInformation.Dacl) != 0)
        {
            control |= SeDaclPresent;
            BinaryPrimitives.WriteUInt32LittleEndian(header[DaclOffsetField..], (uint)position);
            position += WriteDacl(buffer[position..], source);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(header[ControlOffset..], control);
        return NtStatus.Success;
    }

    private static int DaclLength(in SecurityDescriptorSource source)
    {
        GetMasks(source, out _, out var groupMask, out var everyoneMask);
        var length = AclHeaderLength + AceSidOffset + source.Owner.BinaryLength;
        if (groupMask != 0)
        {
            length += AceSidOffset + source.Group.BinaryLength;
        }

        if (everyoneMask != 0)
        {
            length += AceSidOffset + Sid.Everyone.BinaryLength;
        }

        return length;
    }

    /// <summary>§2.4.5 ACL: the owner's ACE always (it carries <see cref="OwnerRights"/>), the others only when they grant something.</summary>
    private static int WriteDacl(Span<byte> destination, in SecurityDescriptorSource source)
    {
        GetMasks(source, out var ownerMask, out var groupMask, out var everyoneMask);
        var position = AclHeaderLength;
        ushort aceCount = 1;
        position += WriteAllowedAce(destination[position..], ownerMask, source.Owner);
        if (groupMask != 0)
        {
            position += WriteAllowedAce(destination[position..], groupMask, source.Group);
            aceCount++;
        }

        if (everyoneMask != 0)
        {
            position += WriteAllowedAce(destination[position..], everyoneMask, Sid.Everyone);
            aceCount++;
        }

        destination[0] = AclRevision;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)position);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], aceCount);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        return position;
    }

    /// <summary>§2.4.4.2 ACCESS_ALLOWED_ACE: header (type 0, no flags, size), mask, SID.</summary>
    private static int WriteAllowedAce(Span<byte> destination, uint mask, in Sid sid)
    {
        var size = AceSidOffset + sid.BinaryLength;
        destination[0] = AccessAllowedAceType;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)size);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], mask);
        sid.Write(destination[AceSidOffset..]);
        return size;
    }

    private static void GetMasks(in SecurityDescriptorSource source, out uint ownerMask, out uint groupMask, out uint everyoneMask)
    {
        ownerMask = AccessMask((source.Mode >> 6) & 7, source.IsDirectory) | OwnerRights;
        groupMask = AccessMask((source.Mode >> 3) & 7, source.IsDirectory);
        everyoneMask = AccessMask(source.Mode & 7, source.IsDirectory);
    }
}
