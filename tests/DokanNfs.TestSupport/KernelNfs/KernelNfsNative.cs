using System.Runtime.InteropServices;

namespace DokanNfs.TestSupport.KernelNfs;

/// <summary>The libc calls the kernel-server fixture needs: setns(2) to make a socket inside its network namespace, kill(2) by process group.</summary>
internal static class KernelNfsNative
{
    /// <summary>CLONE_NEWNET: setns joins a network namespace (this thread only).</summary>
    public const int CloneNewNet = 0x40000000;

    public const int SigKill = 9;

    private const string LibC = "libc";

    [DllImport(LibC, EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int SetNs(int fd, int nsType);

    [DllImport(LibC, EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int Kill(int pid, int signal);
}
