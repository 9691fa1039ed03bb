using System.Runtime.InteropServices;

namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// The few libc calls .NET has no API for: sending SIGTERM (Process.Kill only sends SIGKILL)
/// and extended attributes (referral directories carry their target in an xattr).
/// </summary>
internal static class NativeMethods
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>ESRCH: no such process.</summary>
    public const int NoSuchProcess = 3;

    /// <summary>ENODATA: the attribute does not exist.</summary>
    public const int NoData = 61;

    /// <summary>ERANGE: the buffer was too small (the attribute grew between calls).</summary>
    public const int OutOfRange = 34;

    // "libc" resolves to glibc's libc.so.6 through .NET's probing on Linux.
    private const string LibC = "libc";

    [DllImport(LibC, EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Kill(int pid, int signal);

    [DllImport(LibC, EntryPoint = "setxattr", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int SetXattr(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        byte[] value,
        nuint size,
        int flags);

    [DllImport(LibC, EntryPoint = "getxattr", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern nint GetXattr(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        byte[]? value,
        nuint size);

    public static string ErrorText(int errno) => $"errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})";
}
