using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Tests;

/// <summary>
/// Pins the x64 layouts of dokan.h / fileinfo.h / Win32 structs that cross the dokan2.dll boundary.
/// A wrong size or offset here is memory corruption on Windows, so every value is written out, not computed.
/// </summary>
[TestClass]
public sealed class NativeLayoutTests
{
    [TestInitialize]
    public void RequireX64() =>
        Assert.IsTrue(
            Environment.Is64BitProcess && RuntimeInformation.ProcessArchitecture == Architecture.X64,
            $"These layouts are the x64 ones; this process is {RuntimeInformation.ProcessArchitecture}, 64-bit = {Environment.Is64BitProcess}.");

    [TestMethod]
    public void Struct_sizes_match_x64_dokan2()
    {
        Assert.AreEqual(16432, Unsafe.SizeOf<DOKAN_OPTIONS>());
        Assert.AreEqual(16432, Marshal.SizeOf<DOKAN_OPTIONS>());
        Assert.AreEqual(48, Unsafe.SizeOf<DOKAN_FILE_INFO>());
        Assert.AreEqual(48, Marshal.SizeOf<DOKAN_FILE_INFO>());
        Assert.AreEqual(200, Unsafe.SizeOf<DOKAN_OPERATIONS>());
        Assert.AreEqual(788, Unsafe.SizeOf<DOKAN_MOUNT_POINT_INFO>());
        Assert.AreEqual(788, Marshal.SizeOf<DOKAN_MOUNT_POINT_INFO>());
        Assert.AreEqual(8, Unsafe.SizeOf<FILETIME>());
        Assert.AreEqual(592, Unsafe.SizeOf<WIN32_FIND_DATAW>());
        Assert.AreEqual(592, Marshal.SizeOf<WIN32_FIND_DATAW>());
        Assert.AreEqual(52, Unsafe.SizeOf<BY_HANDLE_FILE_INFORMATION>());
        Assert.AreEqual(52, Marshal.SizeOf<BY_HANDLE_FILE_INFORMATION>());
        Assert.AreEqual(600, Unsafe.SizeOf<WIN32_FIND_STREAM_DATA>());
        Assert.AreEqual(600, Marshal.SizeOf<WIN32_FIND_STREAM_DATA>());
    }

    [TestMethod]
    public void DOKAN_OPTIONS_offsets()
    {
        AssertOffsets<DOKAN_OPTIONS>(
            (nameof(DOKAN_OPTIONS.Version), 0),
            (nameof(DOKAN_OPTIONS.SingleThread), 2),
            (nameof(DOKAN_OPTIONS.Options), 4),
            (nameof(DOKAN_OPTIONS.GlobalContext), 8),
            (nameof(DOKAN_OPTIONS.MountPoint), 16),
            (nameof(DOKAN_OPTIONS.UNCName), 24),
            (nameof(DOKAN_OPTIONS.Timeout), 32),
            (nameof(DOKAN_OPTIONS.AllocationUnitSize), 36),
            (nameof(DOKAN_OPTIONS.SectorSize), 40),
            (nameof(DOKAN_OPTIONS.VolumeSecurityDescriptorLength), 44),
            (nameof(DOKAN_OPTIONS.VolumeSecurityDescriptor), 48));
        Assert.AreEqual(48 + DokanConstants.VolumeSecurityDescriptorMaxSize, Unsafe.SizeOf<DOKAN_OPTIONS>(),
            "VolumeSecurityDescriptor must be the last field and 16 KiB long");
    }

    [TestMethod]
    public void DOKAN_FILE_INFO_offsets()
    {
        AssertOffsets<DOKAN_FILE_INFO>(
            (nameof(DOKAN_FILE_INFO.Context), 0),
            (nameof(DOKAN_FILE_INFO.DokanContext), 8),
            (nameof(DOKAN_FILE_INFO.DokanOptions), 16),
            (nameof(DOKAN_FILE_INFO.ProcessingContext), 24),
            (nameof(DOKAN_FILE_INFO.ProcessId), 32),
            (nameof(DOKAN_FILE_INFO.IsDirectory), 36),
            (nameof(DOKAN_FILE_INFO.DeletePending), 37),
            (nameof(DOKAN_FILE_INFO.PagingIo), 38),
            (nameof(DOKAN_FILE_INFO.SynchronousIo), 39),
            (nameof(DOKAN_FILE_INFO.Nocache), 40),
            (nameof(DOKAN_FILE_INFO.WriteToEndOfFile), 41));
    }

    [TestMethod]
    public void DOKAN_MOUNT_POINT_INFO_offsets()
    {
        AssertOffsets<DOKAN_MOUNT_POINT_INFO>(
            (nameof(DOKAN_MOUNT_POINT_INFO.Type), 0),
            (nameof(DOKAN_MOUNT_POINT_INFO.MountPoint), 4),
            (nameof(DOKAN_MOUNT_POINT_INFO.UNCName), 524),
            (nameof(DOKAN_MOUNT_POINT_INFO.DeviceName), 652),
            (nameof(DOKAN_MOUNT_POINT_INFO.SessionId), 780),
            (nameof(DOKAN_MOUNT_POINT_INFO.MountOptions), 784));
    }

    [TestMethod]
    public void WIN32_FIND_DATAW_offsets()
    {
        AssertOffsets<WIN32_FIND_DATAW>(
            (nameof(WIN32_FIND_DATAW.dwFileAttributes), 0),
            (nameof(WIN32_FIND_DATAW.ftCreationTime), 4),
            (nameof(WIN32_FIND_DATAW.ftLastAccessTime), 12),
            (nameof(WIN32_FIND_DATAW.ftLastWriteTime), 20),
            (nameof(WIN32_FIND_DATAW.nFileSizeHigh), 28),
            (nameof(WIN32_FIND_DATAW.nFileSizeLow), 32),
            (nameof(WIN32_FIND_DATAW.dwReserved0), 36),
            (nameof(WIN32_FIND_DATAW.dwReserved1), 40),
            (nameof(WIN32_FIND_DATAW.cFileName), 44),
            (nameof(WIN32_FIND_DATAW.cAlternateFileName), 564));
    }

    [TestMethod]
    public void BY_HANDLE_FILE_INFORMATION_offsets()
    {
        AssertOffsets<BY_HANDLE_FILE_INFORMATION>(
            (nameof(BY_HANDLE_FILE_INFORMATION.dwFileAttributes), 0),
            (nameof(BY_HANDLE_FILE_INFORMATION.ftCreationTime), 4),
            (nameof(BY_HANDLE_FILE_INFORMATION.ftLastAccessTime), 12),
            (nameof(BY_HANDLE_FILE_INFORMATION.ftLastWriteTime), 20),
            (nameof(BY_HANDLE_FILE_INFORMATION.dwVolumeSerialNumber), 28),
            (nameof(BY_HANDLE_FILE_INFORMATION.nFileSizeHigh), 32),
            (nameof(BY_HANDLE_FILE_INFORMATION.nFileSizeLow), 36),
            (nameof(BY_HANDLE_FILE_INFORMATION.nNumberOfLinks), 40),
            (nameof(BY_HANDLE_FILE_INFORMATION.nFileIndexHigh), 44),
            (nameof(BY_HANDLE_FILE_INFORMATION.nFileIndexLow), 48));
    }

    [TestMethod]
    public void WIN32_FIND_STREAM_DATA_offsets()
    {
        AssertOffsets<WIN32_FIND_STREAM_DATA>(
            (nameof(WIN32_FIND_STREAM_DATA.StreamSize), 0),
            (nameof(WIN32_FIND_STREAM_DATA.cStreamName), 8));
    }

    [TestMethod]
    public void DOKAN_OPERATIONS_is_25_unmanaged_pointers_in_dokan_h_order()
    {
        string[] dokanHOrder =
        [
            "ZwCreateFile", "Cleanup", "CloseFile", "ReadFile", "WriteFile", "FlushFileBuffers",
            "GetFileInformation", "FindFiles", "FindFilesWithPattern", "SetFileAttributes", "SetFileTime",
            "DeleteFile", "DeleteDirectory", "MoveFile", "SetEndOfFile", "SetAllocationSize", "LockFile",
            "UnlockFile", "GetDiskFreeSpace", "GetVolumeInformation", "Mounted", "Unmounted",
            "GetFileSecurity", "SetFileSecurity", "FindStreams",
        ];

        // Metadata order is declaration order, which sequential layout follows.
        FieldInfo[] fields = [.. typeof(DOKAN_OPERATIONS)
            .GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => f.MetadataToken)];

        CollectionAssert.AreEqual(dokanHOrder, fields.Select(f => f.Name).ToArray());
        foreach (FieldInfo field in fields)
        {
            Type type = field.FieldType;
            Assert.IsTrue(type.IsFunctionPointer && type.IsUnmanagedFunctionPointer, $"{field.Name} is {type}");
        }

        Assert.AreEqual(25 * IntPtr.Size, Unsafe.SizeOf<DOKAN_OPERATIONS>());
        for (int i = 0; i < fields.Length; i++)
        {
            Assert.AreEqual(i * IntPtr.Size, FieldOffset<DOKAN_OPERATIONS>(fields[i].Name), fields[i].Name);
        }
    }

    [TestMethod]
    public void Callback_fields_use_stdcall_like_DOKAN_CALLBACK()
    {
        foreach (FieldInfo field in typeof(DOKAN_OPERATIONS).GetFields())
        {
            Type[] conventions = field.GetModifiedFieldType().GetFunctionPointerCallingConventions();
            CollectionAssert.Contains(conventions, typeof(CallConvStdcall), field.Name);
        }
    }

    [TestMethod]
    public void Option_flags_and_main_results_keep_the_header_values()
    {
        Assert.AreEqual(1u, (uint)DokanOptionFlags.Debug);
        Assert.AreEqual(4u, (uint)DokanOptionFlags.AltStream);
        Assert.AreEqual(16u, (uint)DokanOptionFlags.Network);
        Assert.AreEqual(64u, (uint)DokanOptionFlags.MountManager);
        Assert.AreEqual(256u, (uint)DokanOptionFlags.FileLockUserMode);
        Assert.AreEqual(512u, (uint)DokanOptionFlags.CaseSensitive);
        Assert.AreEqual(4096u, (uint)DokanOptionFlags.AllowIpcBatching);
        Assert.AreEqual(0, (int)DokanMainResult.Success);
        Assert.AreEqual(-5, (int)DokanMainResult.MountError);
        Assert.AreEqual(-7, (int)DokanMainResult.VersionError);
    }

    private static void AssertOffsets<T>(params (string Field, int Offset)[] expected)
        where T : struct
    {
        foreach ((string field, int offset) in expected)
        {
            Assert.AreEqual(offset, FieldOffset<T>(field), $"{typeof(T).Name}.{field}");
        }
    }

    // Marshal.OffsetOf describes the marshalled layout; for these blittable structs it is the managed one too,
    // which the size assertions (Unsafe.SizeOf == Marshal.SizeOf) back up.
    private static int FieldOffset<T>(string field) => (int)Marshal.OffsetOf<T>(field);
}
