using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Host;

/// <summary>
/// Mount point and UNC name syntax, checked before Dokan sees them: dokan.c copies both into fixed arrays
/// (MountPoint[MAX_PATH], UNCName[64]) and quietly drops the network option for a folder mount point, so a
/// wrong value is refused here with a message instead of a bare DOKAN_MOUNT_ERROR or worse.
/// </summary>
internal static class DokanMountPath
{
    private const int UncNameCapacity = 64; // dokan.c DOKAN_INSTANCE.UNCName[64], terminator included

    /// <summary>
    /// "N", "n:", "N:\" → "N:\" (dokan.h's own form); "C:\mnt\nfs\" → "C:\mnt\nfs". Anything else is an
    /// <see cref="ArgumentException"/> naming what is accepted.
    /// </summary>
    public static string NormalizeMountPoint(string mountPoint)
    {
        if (string.IsNullOrWhiteSpace(mountPoint))
        {
            throw Invalid(mountPoint, "it is empty");
        }

        if (mountPoint.Length <= 3 && char.IsAsciiLetter(mountPoint[0])
            && (mountPoint.Length == 1 || (mountPoint[1] == ':' && (mountPoint.Length == 2 || mountPoint[2] == '\\'))))
        {
            return $"{char.ToUpperInvariant(mountPoint[0])}:\\";
        }

        if (mountPoint.Length < 4 || !char.IsAsciiLetter(mountPoint[0]) || mountPoint[1] != ':' || mountPoint[2] != '\\')
        {
            throw Invalid(mountPoint, "a folder must be a full path on a local drive, like C:\\mnt\\nfs");
        }

        var folder = mountPoint.TrimEnd('\\');
        if (folder.Length >= DokanConstants.MaxPath)
        {
            throw Invalid(mountPoint, $"it is longer than Dokan's {DokanConstants.MaxPath - 1} characters");
        }

        foreach (var c in folder.AsSpan(2))
        {
            if (c < ' ' || c is '<' or '>' or '"' or '|' or '?' or '*' or ':' or '/')
            {
                throw Invalid(mountPoint, $"'{(c < ' ' ? $"\\u{(int)c:X4}" : c.ToString())}' is not allowed in a Windows path");
            }
        }

        if (folder.Contains(@"\\", StringComparison.Ordinal))
        {
            throw Invalid(mountPoint, "it has an empty folder name");
        }

        return $"{char.ToUpperInvariant(folder[0])}{folder[1..]}";
    }

    /// <summary>True for a normalized drive letter mount point ("N:\").</summary>
    public static bool IsDriveLetter(string normalized) => normalized.Length == 3;

    /// <summary>
    /// "\\server\export" (or Dokan's own "\server\export") → "\server\export": Dokan takes the UNC name in the
    /// NT form with one leading backslash (its mirror sample: "/u \localhost\myfs").
    /// </summary>
    public static string ToDokanUncName(string uncName)
    {
        var trimmed = uncName.StartsWith(@"\\", StringComparison.Ordinal) ? uncName[1..] : uncName;
        var parts = trimmed.Length > 1 && trimmed[0] == '\\' ? trimmed[1..].Split('\\') : [];
        if (parts.Length < 2 || Array.Exists(parts, p => p.Length == 0 || p.AsSpan().IndexOfAny("<>\"|?*:/") >= 0 || p.Any(char.IsControl)))
        {
            throw new ArgumentException($"'{uncName}' is not a UNC name: give \\\\server\\export.", nameof(uncName));
        }

        if (trimmed.Length >= UncNameCapacity)
        {
            throw new ArgumentException(
                $"The UNC name '{uncName}' is too long: Dokan keeps {UncNameCapacity - 1} characters of it (written with one leading backslash).", nameof(uncName));
        }

        return trimmed;
    }

    /// <summary>Dokan's "\server\export" as Windows users write it.</summary>
    public static string FromDokanUncName(string uncName) => uncName.StartsWith('\\') && !uncName.StartsWith(@"\\", StringComparison.Ordinal) ? "\\" + uncName : uncName;

    /// <summary>
    /// The driver's name of a mount point in its mount list ("\DosDevices\N:", "\??\C:\mnt\nfs") as
    /// <see cref="NormalizeMountPoint"/> gives it; a name of another form is returned as it is.
    /// </summary>
    public static string FromDriverMountPoint(string name)
    {
        foreach (var prefix in (ReadOnlySpan<string>)[@"\DosDevices\", @"\??\", @"\\?\", @"\\.\"])
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[prefix.Length..];
                break;
            }
        }

        try
        {
            return NormalizeMountPoint(name);
        }
        catch (ArgumentException)
        {
            return name;
        }
    }

    /// <summary>
    /// What goes before a volume-relative path ("\dir\f") for DokanNotify*: dokan.c DokanNotifyPath drops exactly
    /// two characters ("G:") and hands the rest to the volume, so the prefix is the drive — "N:" for a drive
    /// letter (giving the full path "N:\dir\f") and the folder's drive for a folder mount point.
    /// </summary>
    public static string NotificationPrefix(string normalizedMountPoint) => normalizedMountPoint[..2];

    private static ArgumentException Invalid(string mountPoint, string why) =>
        new($"'{mountPoint}' is not a mount point: {why}. Give a drive letter (N, N: or N:\\) or an empty folder on an NTFS volume (C:\\mnt\\nfs).", nameof(mountPoint));
}
