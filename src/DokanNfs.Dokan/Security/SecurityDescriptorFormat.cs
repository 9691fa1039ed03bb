namespace DokanNfs.Dokan.Security;

/// <summary>Field values and offsets of the self-relative security descriptor, its ACL and its ACEs (MS-DTYP §2.4.4–§2.4.6).</summary>
internal static class SecurityDescriptorFormat
{
    // §2.4.6 SECURITY_DESCRIPTOR: Revision(1) Sbz1(1) Control(2) OffsetOwner(4) OffsetGroup(4) OffsetSacl(4) OffsetDacl(4).
    public const int HeaderLength = 20;
    public const byte Revision = 1;
    public const int ControlOffset = 2;
    public const int OwnerOffsetField = 4;
    public const int GroupOffsetField = 8;
    public const int SaclOffsetField = 12;
    public const int DaclOffsetField = 16;

    // §2.4.6 Control bits, a little-endian ushort.
    public const ushort SeDaclPresent = 0x0004;
    public const ushort SeSaclPresent = 0x0010;
    public const ushort SeSelfRelative = 0x8000;

    // §2.4.5 ACL: AclRevision(1) Sbz1(1) AclSize(2) AceCount(2) Sbz2(2). ACL_REVISION 2; ACL_REVISION_DS 4 also
    // allows object ACEs, which a DACL from a domain tool may carry.
    public const int AclHeaderLength = 8;
    public const byte AclRevision = 2;
    public const byte AclRevisionDs = 4;

    // §2.4.4.1 ACE_HEADER: AceType(1) AceFlags(1) AceSize(2); §2.4.4.2/§2.4.4.4 then Mask(4) and the SID.
    public const int AceHeaderLength = 4;
    public const int AceSidOffset = 8;
    public const byte AccessAllowedAceType = 0x00;
    public const byte AccessDeniedAceType = 0x01;

    /// <summary>§2.4.4.1 INHERIT_ONLY_ACE: the ACE is only for children and does not control access to the object itself.</summary>
    public const byte InheritOnlyAce = 0x08;
}
