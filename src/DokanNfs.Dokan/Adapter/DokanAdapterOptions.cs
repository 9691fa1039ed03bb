using DokanNfs.Core.Client;
using DokanNfs.Dokan.Security;

namespace DokanNfs.Dokan.Adapter;

/// <summary>How the adapter presents an NFS file system to Windows.</summary>
public sealed record DokanAdapterOptions
{
    /// <summary>
    /// The file system name GetVolumeInformation reports. "NTFS" by default: installers and elevated
    /// launches are known to refuse volumes with an unfamiliar name (dokany#678, #947; ../shared/windows-io.md §1.7).
    /// </summary>
    public string FileSystemName { get; init; } = "NTFS";

    /// <summary>The volume label Explorer shows.</summary>
    public string VolumeLabel { get; init; } = "NFS";

    /// <summary>
    /// False (the default): names are case sensitive, as they are on the server. True: a name that differs only
    /// in case finds the entry (an exact match wins; two entries that differ only in case are an error).
    /// </summary>
    public bool CaseInsensitive { get; init; }

    /// <summary>Refuse every change with STATUS_MEDIA_WRITE_PROTECTED.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// DOKAN_OPTIONS.Timeout: how long Dokan lets a request run before it unmounts the volume. Callbacks that
    /// wait longer than a third of it call <see cref="IDokanHost.ResetTimeout"/>.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Mode bits of files created from Windows (before the server's umask, if any).</summary>
    public uint NewFileMode { get; init; } = 0x1A4; // 0644

    /// <summary>Mode bits of directories created from Windows.</summary>
    public uint NewDirectoryMode { get; init; } = 0x1ED; // 0755

    /// <summary>
    /// uid/gid ↔ SID mapping for security descriptors (GetFileSecurity / SetFileSecurity): configured
    /// accounts, else the S-1-22-1-uid / S-1-22-2-gid forms.
    /// </summary>
    public IdentityMap Identity { get; init; } = IdentityMap.Empty;

    /// <summary>Owner and group strings ↔ numeric ids; give the mount's client the same options.</summary>
    public IdMappingOptions IdMapping { get; init; } = new();

    /// <summary>
    /// True: the Windows user behind each open (DokanOpenRequestorToken) is mapped through <see cref="Identity"/>
    /// to the AUTH_SYS uid/gid/gids its NFS calls carry; users with no mapping get the anonymous ids or are
    /// refused (<see cref="IdentityMap.UnmappedUserPolicy"/>). False: every request goes out with the client's
    /// own credential (a single-user mount).
    /// </summary>
    public bool MapRequesters { get; init; }
}
