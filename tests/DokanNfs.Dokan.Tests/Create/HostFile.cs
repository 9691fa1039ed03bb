namespace DokanNfs.Dokan.Tests.Create;

/// <summary>Mode bits of files in the export as the host sees them (the Ganesha tests run on Linux only).</summary>
internal static class HostFile
{
    public const UnixFileMode Mode0644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const UnixFileMode Mode0444 = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const UnixFileMode Mode0755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public static UnixFileMode GetMode(string hostPath)
    {
        return OperatingSystem.IsWindows() ? throw NotOnWindows() : File.GetUnixFileMode(hostPath);
    }

    public static void SetMode(string hostPath, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw NotOnWindows();
        }

        File.SetUnixFileMode(hostPath, mode);
    }

    /// <summary>A file with <paramref name="content"/> and no write bit for anyone: READONLY to Windows.</summary>
    public static void WriteReadOnly(string hostPath, string content)
    {
        File.WriteAllText(hostPath, content);
        SetMode(hostPath, Mode0444);
    }

    private static PlatformNotSupportedException NotOnWindows() => new("The Ganesha tests run on Linux.");
}
