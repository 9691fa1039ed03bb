using DokanNfs.Core.Rpc;

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
    /// Maps the Windows user of a request to the AUTH_SYS credential its NFS calls carry. Null: every request
    /// goes out with the client's own credential.
    /// </summary>
    public Func<string?, RpcCredential?>? CredentialForRequestor { get; init; }
}
