using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DokanNfs.Dokan.Native;

/// <summary>
/// dokan.h exports of dokan2.dll (DOKANAPI = __stdcall). Source-generated, so nothing is bound until a method
/// is first called: the project builds and its tests run on Linux. BOOL is <see cref="int"/> (non-zero = TRUE),
/// LPCWSTR is <see cref="char"/>* or a UTF-16 <see cref="string"/>.
/// </summary>
internal static unsafe partial class DokanNativeMethods
{
    private const string DokanLibrary = "dokan2";

    /// <summary>void DokanInit(void): once per process before any other call.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial void DokanInit();

    /// <summary>void DokanShutdown(void): once per process after every file system is closed.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial void DokanShutdown();

    /// <summary>int DokanCreateFileSystem(PDOKAN_OPTIONS, PDOKAN_OPERATIONS, DOKAN_HANDLE* DokanInstance):
    /// mounts and returns at once. Both structs must stay put until the handle is closed.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial DokanMainResult DokanCreateFileSystem(
        DOKAN_OPTIONS* dokanOptions, DOKAN_OPERATIONS* dokanOperations, out DokanHandle dokanInstance);

    /// <summary>BOOL DokanIsFileSystemRunning(DOKAN_HANDLE).</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial int DokanIsFileSystemRunning(DokanHandle dokanInstance);

    /// <summary>DWORD DokanWaitForFileSystemClosed(DOKAN_HANDLE, DWORD dwMilliseconds): WaitForSingleObject results.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial uint DokanWaitForFileSystemClosed(DokanHandle dokanInstance, uint milliseconds);

    /// <summary>void DokanCloseHandle(DOKAN_HANDLE): unmounts, waits for the dispatch threads, frees the instance.
    /// Takes the raw value because <see cref="DokanHandle.ReleaseHandle"/> calls it.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial void DokanCloseHandle(IntPtr dokanInstance);

    /// <summary>BOOL DokanRemoveMountPoint(LPCWSTR MountPoint).</summary>
    [LibraryImport(DokanLibrary, StringMarshalling = StringMarshalling.Utf16)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial int DokanRemoveMountPoint(string mountPoint);

    /// <summary>PDOKAN_MOUNT_POINT_INFO DokanGetMountPointList(BOOL uncOnly, PULONG nbRead): free the array with
    /// <see cref="DokanReleaseMountPointList"/>; null when none or on failure.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial DOKAN_MOUNT_POINT_INFO* DokanGetMountPointList(int uncOnly, out uint count);

    /// <summary>void DokanReleaseMountPointList(PDOKAN_MOUNT_POINT_INFO list).</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial void DokanReleaseMountPointList(DOKAN_MOUNT_POINT_INFO* list);

    /// <summary>BOOL DokanNotifyCreate(DOKAN_HANDLE, LPCWSTR FilePath, BOOL IsDirectory). FilePath includes the mount
    /// point.</summary>
    [LibraryImport(DokanLibrary, StringMarshalling = StringMarshalling.Utf16)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial int DokanNotifyCreate(DokanHandle dokanInstance, string filePath, int isDirectory);

    /// <summary>BOOL DokanNotifyDelete(DOKAN_HANDLE, LPCWSTR FilePath, BOOL IsDirectory).</summary>
    [LibraryImport(DokanLibrary, StringMarshalling = StringMarshalling.Utf16)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial int DokanNotifyDelete(DokanHandle dokanInstance, string filePath, int isDirectory);

    /// <summary>BOOL DokanNotifyUpdate(DOKAN_HANDLE, LPCWSTR FilePath): attributes changed.</summary>
    [LibraryImport(DokanLibrary, StringMarshalling = StringMarshalling.Utf16)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial int DokanNotifyUpdate(DokanHandle dokanInstance, string filePath);

    /// <summary>BOOL DokanNotifyRename(DOKAN_HANDLE, LPCWSTR OldPath, LPCWSTR NewPath, BOOL IsDirectory,
    /// BOOL IsInSameDirectory).</summary>
    [LibraryImport(DokanLibrary, StringMarshalling = StringMarshalling.Utf16)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial int DokanNotifyRename(
        DokanHandle dokanInstance, string oldPath, string newPath, int isDirectory, int isInSameDirectory);

    /// <summary>BOOL DokanResetTimeout(ULONG Timeout, PDOKAN_FILE_INFO): extend the timeout of the request being served.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial int DokanResetTimeout(uint timeout, DOKAN_FILE_INFO* dokanFileInfo);

    /// <summary>ULONG DokanVersion(void): library version, e.g. 200.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial uint DokanVersion();

    /// <summary>ULONG DokanDriverVersion(void): driver version.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial uint DokanDriverVersion();

    /// <summary>HANDLE DokanOpenRequestorToken(PDOKAN_FILE_INFO): the requesting thread's access token, to be closed
    /// with CloseHandle; INVALID_HANDLE_VALUE (-1) on failure. Only valid inside ZwCreateFile.</summary>
    [LibraryImport(DokanLibrary)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvStdcall)])]
    internal static partial IntPtr DokanOpenRequestorToken(DOKAN_FILE_INFO* dokanFileInfo);
}
