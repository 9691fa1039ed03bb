using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Mapping;

/// <summary>NFS attributes as Windows shows them: FILE_ATTRIBUTE_* bits, FILETIMEs, file index, volume serial.</summary>
public static class WindowsInfo
{
    /// <summary>100 ns ticks between 1601-01-01 (FILETIME's epoch) and 1970-01-01 (nfstime4's).</summary>
    private const long EpochDelta = 116_444_736_000_000_000;

    private const uint OwnerWrite = 0x80; // S_IWUSR

    /// <summary>
    /// FILE_ATTRIBUTE_* for an object. Directories never carry READONLY or SYSTEM: Explorer reads desktop.ini
    /// in folders that do, and a "read-only" folder means "customized" to it, not "cannot write".
    /// A file without the owner's write bit is READONLY (what SetFileAttributes maps back onto the mode).
    /// </summary>
    public static uint FileAttributes(NfsAttributes attributes)
    {
        if (attributes.Type is NfsFtype4.Dir or NfsFtype4.AttrDir)
        {
            return NtCreate.FileAttributeDirectory | (attributes.Hidden == true ? NtCreate.FileAttributeHidden : 0);
        }

        uint result = 0;
        if (attributes.Mode is { } mode && (mode & OwnerWrite) == 0)
        {
            result |= NtCreate.FileAttributeReadOnly;
        }

        if (attributes.Hidden == true)
        {
            result |= NtCreate.FileAttributeHidden;
        }

        if (attributes.System == true)
        {
            result |= NtCreate.FileAttributeSystem;
        }

        if (attributes.Archive == true)
        {
            result |= NtCreate.FileAttributeArchive;
        }

        return result == 0 ? NtCreate.FileAttributeNormal : result;
    }

    public static bool IsDirectory(NfsAttributes attributes) => attributes.Type is NfsFtype4.Dir or NfsFtype4.AttrDir;

    /// <summary>An nfstime4 as a FILETIME; times before 1601 clamp to 0.</summary>
    public static FILETIME ToFileTime(NfsTime4? time)
    {
        if (time is not { } t)
        {
            return default;
        }

        var ticks = ToTicks(t);
        return new FILETIME { dwLowDateTime = (uint)ticks, dwHighDateTime = (uint)(ticks >> 32) };
    }

    /// <summary>100 ns ticks since 1601 of an nfstime4, clamped to the FILETIME range.</summary>
    public static long ToTicks(NfsTime4 time)
    {
        var seconds = time.Seconds;
        const long MaxSeconds = (long.MaxValue - EpochDelta) / TimeSpan.TicksPerSecond - 1;
        if (seconds > MaxSeconds)
        {
            return long.MaxValue;
        }

        var ticks = seconds * TimeSpan.TicksPerSecond + time.Nseconds / 100 + EpochDelta;
        return ticks < 0 ? 0 : ticks;
    }

    /// <summary>A FILETIME value (100 ns ticks since 1601) as an nfstime4.</summary>
    public static NfsTime4 FromTicks(long ticks)
    {
        var sinceEpoch = ticks - EpochDelta;
        var seconds = Math.DivRem(sinceEpoch, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        return new NfsTime4(seconds, (uint)(rest * 100));
    }

    public static long ToTicks(FILETIME time) => (long)(((ulong)time.dwHighDateTime << 32) | time.dwLowDateTime);

    /// <summary>
    /// A volume serial number from the fsid: stable for the file system, different between file systems
    /// (tools use serial + file index as a file's identity).
    /// </summary>
    public static uint VolumeSerial(Fsid4? fsid) =>
        fsid is { } f ? (uint)(f.Major ^ (f.Major >> 32) ^ (f.Minor * 0x9E3779B1) ^ (f.Minor >> 32)) : 0;

    public static void Fill(NfsAttributes attributes, ref BY_HANDLE_FILE_INFORMATION info)
    {
        info.dwFileAttributes = FileAttributes(attributes);
        info.ftCreationTime = ToFileTime(attributes.TimeCreate ?? attributes.TimeMetadata ?? attributes.TimeModify);
        info.ftLastAccessTime = ToFileTime(attributes.TimeAccess);
        info.ftLastWriteTime = ToFileTime(attributes.TimeModify);
        info.dwVolumeSerialNumber = VolumeSerial(attributes.Fsid);
        var size = IsDirectory(attributes) ? 0 : attributes.Size ?? 0;
        info.nFileSizeHigh = (uint)(size >> 32);
        info.nFileSizeLow = (uint)size;
        info.nNumberOfLinks = attributes.NumLinks ?? 1;
        var fileId = attributes.FileId ?? 0;
        info.nFileIndexHigh = (uint)(fileId >> 32);
        info.nFileIndexLow = (uint)fileId;
    }

    /// <summary>Fills a find entry; false when the name does not fit cFileName (MAX_PATH - 1 characters).</summary>
    public static unsafe bool Fill(ReadOnlySpan<char> name, NfsAttributes attributes, ref WIN32_FIND_DATAW data)
    {
        if (name.Length >= DokanConstants.MaxPath)
        {
            return false;
        }

        data = default;
        data.dwFileAttributes = FileAttributes(attributes);
        data.ftCreationTime = ToFileTime(attributes.TimeCreate ?? attributes.TimeMetadata ?? attributes.TimeModify);
        data.ftLastAccessTime = ToFileTime(attributes.TimeAccess);
        data.ftLastWriteTime = ToFileTime(attributes.TimeModify);
        var size = IsDirectory(attributes) ? 0 : attributes.Size ?? 0;
        data.nFileSizeHigh = (uint)(size >> 32);
        data.nFileSizeLow = (uint)size;
        fixed (char* fileName = data.cFileName)
        {
            name.CopyTo(new Span<char>(fileName, DokanConstants.MaxPath));
            fileName[name.Length] = '\0';
        }

        return true;
    }
}
