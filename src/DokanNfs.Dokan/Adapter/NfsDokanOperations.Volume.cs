using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// Volume queries: GetDiskFreeSpace, GetVolumeInformation (issue 6 §4; ../shared/windows-io.md §1.7), Mounted, Unmounted.
public sealed partial class NfsDokanOperations
{
    /// <summary>Windows' limit on one name component, whatever the server allows (MAX_PATH - 5, as NTFS).</summary>
    private const uint WindowsMaxComponentLength = 255;

    /// <summary>The root's file system facts that do not change while mounted (serial, maxname, case rules); read once.</summary>
    private NfsAttributes? _rootFileSystem;

    /// <summary>
    /// space_avail (what the caller may use), space_total and space_free of the drive root's file system, read
    /// fresh on every call: Explorer refuses a paste when it is told there is too little room.
    /// </summary>
    public int GetDiskFreeSpace(out ulong freeBytesAvailable, out ulong totalNumberOfBytes, out ulong totalNumberOfFreeBytes, ref DOKAN_FILE_INFO info)
    {
        freeBytesAvailable = totalNumberOfBytes = totalNumberOfFreeBytes = 0;
        try
        {
            NfsAttributes attributes;
            using (CredentialScope.Use(ContextOf(ref info)?.Credential))
            {
                attributes = Wait(_fs.GetFileSystemAttributesAsync("/", Ct), ref info);
            }

            // A server that leaves one out: the nearest one it did give (free ≥ available).
            totalNumberOfFreeBytes = attributes.SpaceFree ?? attributes.SpaceAvail ?? 0;
            freeBytesAvailable = attributes.SpaceAvail ?? totalNumberOfFreeBytes;
            totalNumberOfBytes = Math.Max(attributes.SpaceTotal ?? 0, totalNumberOfFreeBytes);
            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(GetDiskFreeSpace), "/");
        }
    }

    /// <summary>
    /// The volume label (<see cref="DokanAdapterOptions.VolumeLabel"/>) and file system name
    /// (<see cref="DokanAdapterOptions.FileSystemName"/>) go to the caller's buffers, truncated to fit and
    /// NUL-terminated. The serial comes from the root's fsid, the maximum component length from maxname (255 when
    /// the server names none, never more than Windows takes). The flags say what holds: case-sensitive search
    /// only when the adapter and the server both are, case-preserved names unless the server says otherwise,
    /// Unicode names, persistent ACLs (GetFileSecurity answers from the mode), a read-only volume when the
    /// adapter is read-only — and no named streams.
    /// </summary>
    public int GetVolumeInformation(
        Span<char> volumeNameBuffer, out uint volumeSerialNumber, out uint maximumComponentLength, out uint fileSystemFlags, Span<char> fileSystemNameBuffer, ref DOKAN_FILE_INFO info)
    {
        volumeSerialNumber = maximumComponentLength = fileSystemFlags = 0;
        try
        {
            var root = Volatile.Read(ref _rootFileSystem);
            if (root is null)
            {
                using (CredentialScope.Use(ContextOf(ref info)?.Credential))
                {
                    root = Wait(_fs.GetFileSystemAttributesAsync("/", Ct), ref info);
                }

                Volatile.Write(ref _rootFileSystem, root);
            }

            volumeSerialNumber = WindowsInfo.VolumeSerial(root.Fsid);
            maximumComponentLength = root.MaxName is { } maxName and > 0 ? Math.Min(maxName, WindowsMaxComponentLength) : WindowsMaxComponentLength;
            fileSystemFlags = FileSystemFlags.UnicodeOnDisk | FileSystemFlags.PersistentAcls;
            if (!Options.CaseInsensitive && root.CaseInsensitive != true)
            {
                fileSystemFlags |= FileSystemFlags.CaseSensitiveSearch;
            }

            if (root.CasePreserving != false)
            {
                fileSystemFlags |= FileSystemFlags.CasePreservedNames;
            }

            if (Options.ReadOnly)
            {
                fileSystemFlags |= FileSystemFlags.ReadOnlyVolume;
            }

            WriteTruncated(Options.VolumeLabel, volumeNameBuffer);
            WriteTruncated(Options.FileSystemName, fileSystemNameBuffer);
            return NtStatus.Success;
        }
        catch (Exception e)
        {
            return Fail(e, nameof(GetVolumeInformation), "/");
        }
    }

    public int Mounted(ReadOnlySpan<char> mountPoint, ref DOKAN_FILE_INFO info) => NtStatus.Success;

    public int Unmounted(ref DOKAN_FILE_INFO info) => NtStatus.Success;

    /// <summary>As much of <paramref name="value"/> as fits with a NUL after it; nothing for an empty buffer.</summary>
    internal static void WriteTruncated(ReadOnlySpan<char> value, Span<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        var length = Math.Min(value.Length, buffer.Length - 1);
        value[..length].CopyTo(buffer);
        buffer[length] = '\0';
    }
}

/// <summary>The FILE_* file system flags GetVolumeInformation reports (winnt.h; MS-FSCC 2.5.1).</summary>
public static class FileSystemFlags
{
    public const uint CaseSensitiveSearch = 0x1;
    public const uint CasePreservedNames = 0x2;
    public const uint UnicodeOnDisk = 0x4;
    public const uint PersistentAcls = 0x8;
    public const uint NamedStreams = 0x40000;
    public const uint ReadOnlyVolume = 0x80000;
}
