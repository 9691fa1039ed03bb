namespace DokanNfs.Dokan.Security;

/// <summary>
/// SECURITY_INFORMATION bits (MS-DTYP §2.4.7): which parts of a security descriptor GetFileSecurity asks
/// for and SetFileSecurity changes.
/// </summary>
public static class SecurityInformation
{
    /// <summary>OWNER_SECURITY_INFORMATION.</summary>
    public const uint Owner = 0x00000001;

    /// <summary>GROUP_SECURITY_INFORMATION.</summary>
    public const uint Group = 0x00000002;

    /// <summary>DACL_SECURITY_INFORMATION.</summary>
    public const uint Dacl = 0x00000004;

    /// <summary>SACL_SECURITY_INFORMATION.</summary>
    public const uint Sacl = 0x00000008;

    /// <summary>LABEL_SECURITY_INFORMATION (mandatory integrity label, kept in the SACL).</summary>
    public const uint Label = 0x00000010;
}
