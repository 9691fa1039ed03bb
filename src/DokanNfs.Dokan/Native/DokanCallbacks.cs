using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;

namespace DokanNfs.Dokan.Native;

/// <summary>
/// The 25 DOKAN_OPERATIONS entries as [UnmanagedCallersOnly] stdcall functions. Each finds its volume from
/// DOKAN_FILE_INFO.DokanOptions->GlobalContext (<see cref="DokanInstances"/>), turns LPCWSTRs and buffers into
/// spans over the native memory (nothing is copied or allocated on the way in), calls the
/// <see cref="NfsDokanOperations"/> method of the same name, and is an exception barrier: an exception must never
/// unwind into dokan2.dll (that ends the process), so it is logged and answered STATUS_INTERNAL_ERROR; a
/// callback for a volume this process does not know is answered STATUS_INVALID_DEVICE_STATE.
/// Signatures are dokan.h 2.x (see <see cref="DOKAN_OPERATIONS"/>).
/// </summary>
internal static unsafe class DokanCallbacks
{
    /// <summary>A DOKAN_OPERATIONS with every field pointing at its trampoline.</summary>
    public static DOKAN_OPERATIONS Create() => new()
    {
        ZwCreateFile = &ZwCreateFile,
        Cleanup = &Cleanup,
        CloseFile = &CloseFile,
        ReadFile = &ReadFile,
        WriteFile = &WriteFile,
        FlushFileBuffers = &FlushFileBuffers,
        GetFileInformation = &GetFileInformation,
        FindFiles = &FindFiles,
        FindFilesWithPattern = &FindFilesWithPattern,
        SetFileAttributes = &SetFileAttributes,
        SetFileTime = &SetFileTime,
        DeleteFile = &DeleteFile,
        DeleteDirectory = &DeleteDirectory,
        MoveFile = &MoveFile,
        SetEndOfFile = &SetEndOfFile,
        SetAllocationSize = &SetAllocationSize,
        LockFile = &LockFile,
        UnlockFile = &UnlockFile,
        GetDiskFreeSpace = &GetDiskFreeSpace,
        GetVolumeInformation = &GetVolumeInformation,
        Mounted = &Mounted,
        Unmounted = &Unmounted,
        GetFileSecurity = &GetFileSecurity,
        SetFileSecurity = &SetFileSecurity,
        FindStreams = &FindStreams,
    };

    /// <summary>LPCWSTR as a span over the native string; NULL is empty.</summary>
    private static ReadOnlySpan<char> Name(char* name) => MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);

    /// <summary>The exception barrier's answer: logged (a logger that throws too is ignored), STATUS_INTERNAL_ERROR.</summary>
    private static int Threw(Exception exception, DOKAN_FILE_INFO* info, string callback)
    {
        try
        {
            if (DokanInstances.TryFind(info, out var instance))
            {
                NativeLog.CallbackThrew(instance.Logger, callback, exception);
            }
        }
        catch (Exception)
        {
            // Nothing may leave an [UnmanagedCallersOnly] method: not even a failure to log.
        }

        return NtStatus.InternalError;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int ZwCreateFile(
        char* fileName, void* securityContext, uint desiredAccess, uint fileAttributes, uint shareAccess, uint createDisposition,
        uint createOptions, DOKAN_FILE_INFO* info)
    {
        // SecurityContext (DOKAN_IO_SECURITY_CONTEXT: the new object's security descriptor, the access state) is not
        // used: NFS gives a new object the server's owner and mode, and access is decided by the server.
        _ = securityContext;
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.ZwCreateFile(Name(fileName), desiredAccess, fileAttributes, shareAccess, createDisposition, createOptions, ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(ZwCreateFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static void Cleanup(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (DokanInstances.TryFind(info, out var volume))
            {
                volume.Operations.Cleanup(Name(fileName), ref *info);
            }
        }
        catch (Exception e)
        {
            Threw(e, info, nameof(Cleanup));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static void CloseFile(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (DokanInstances.TryFind(info, out var volume))
            {
                volume.Operations.CloseFile(Name(fileName), ref *info);
            }
        }
        catch (Exception e)
        {
            Threw(e, info, nameof(CloseFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int ReadFile(char* fileName, void* buffer, uint bufferLength, uint* readLength, long offset, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (bufferLength > int.MaxValue || (buffer is null && bufferLength != 0) || readLength is null)
            {
                return NtStatus.InvalidParameter;
            }

            return volume.Operations.ReadFile(Name(fileName), new Span<byte>(buffer, (int)bufferLength), out *readLength, offset, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(ReadFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int WriteFile(char* fileName, void* buffer, uint numberOfBytesToWrite, uint* numberOfBytesWritten, long offset, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (numberOfBytesToWrite > int.MaxValue || (buffer is null && numberOfBytesToWrite != 0) || numberOfBytesWritten is null)
            {
                return NtStatus.InvalidParameter;
            }

            return volume.Operations.WriteFile(
                Name(fileName), new ReadOnlySpan<byte>(buffer, (int)numberOfBytesToWrite), out *numberOfBytesWritten, offset, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(WriteFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int FlushFileBuffers(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.FlushFileBuffers(Name(fileName), ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(FlushFileBuffers));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetFileInformation(char* fileName, BY_HANDLE_FILE_INFORMATION* buffer, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            return buffer is null
                ? NtStatus.InvalidParameter
                : volume.Operations.GetFileInformation(Name(fileName), out *buffer, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(GetFileInformation));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int FindFiles(char* fileName, delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int> fillFindData, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (fillFindData is null)
            {
                return NtStatus.InvalidParameter;
            }

            var sink = new FillFindDataSink(fillFindData, info);
            return volume.Operations.FindFiles(Name(fileName), ref sink, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(FindFiles));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int FindFilesWithPattern(
        char* pathName, char* searchPattern, delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int> fillFindData, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (fillFindData is null)
            {
                return NtStatus.InvalidParameter;
            }

            var sink = new FillFindDataSink(fillFindData, info);
            return volume.Operations.FindFilesWithPattern(Name(pathName), Name(searchPattern), ref sink, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(FindFilesWithPattern));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetFileAttributes(char* fileName, uint fileAttributes, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.SetFileAttributes(Name(fileName), fileAttributes, ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(SetFileAttributes));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetFileTime(char* fileName, FILETIME* creationTime, FILETIME* lastAccessTime, FILETIME* lastWriteTime, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.SetFileTime(Name(fileName), Time(creationTime), Time(lastAccessTime), Time(lastWriteTime), ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(SetFileTime));
        }

        static FILETIME? Time(FILETIME* time) => time is null ? null : *time;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int DeleteFile(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.DeleteFile(Name(fileName), ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(DeleteFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int DeleteDirectory(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.DeleteDirectory(Name(fileName), ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(DeleteDirectory));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int MoveFile(char* fileName, char* newFileName, int replaceIfExisting, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.MoveFile(Name(fileName), Name(newFileName), replaceIfExisting != 0, ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(MoveFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetEndOfFile(char* fileName, long byteOffset, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.SetEndOfFile(Name(fileName), byteOffset, ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(SetEndOfFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetAllocationSize(char* fileName, long allocSize, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.SetAllocationSize(Name(fileName), allocSize, ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(SetAllocationSize));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int LockFile(char* fileName, long byteOffset, long length, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.LockFile(Name(fileName), byteOffset, length, ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(LockFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int UnlockFile(char* fileName, long byteOffset, long length, DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.UnlockFile(Name(fileName), byteOffset, length, ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(UnlockFile));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetDiskFreeSpace(ulong* freeBytesAvailable, ulong* totalNumberOfBytes, ulong* totalNumberOfFreeBytes, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (freeBytesAvailable is null || totalNumberOfBytes is null || totalNumberOfFreeBytes is null)
            {
                return NtStatus.InvalidParameter;
            }

            return volume.Operations.GetDiskFreeSpace(out *freeBytesAvailable, out *totalNumberOfBytes, out *totalNumberOfFreeBytes, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(GetDiskFreeSpace));
        }
    }

    /// <summary>VolumeNameSize and FileSystemNameSize count WCHARs (dokan volume.c passes MAX_PATH for each).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetVolumeInformation(
        char* volumeNameBuffer, uint volumeNameSize, uint* volumeSerialNumber, uint* maximumComponentLength, uint* fileSystemFlags,
        char* fileSystemNameBuffer, uint fileSystemNameSize, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (volumeNameSize > int.MaxValue || fileSystemNameSize > int.MaxValue
                || (volumeNameBuffer is null && volumeNameSize != 0) || (fileSystemNameBuffer is null && fileSystemNameSize != 0)
                || volumeSerialNumber is null || maximumComponentLength is null || fileSystemFlags is null)
            {
                return NtStatus.InvalidParameter;
            }

            return volume.Operations.GetVolumeInformation(
                new Span<char>(volumeNameBuffer, (int)volumeNameSize), out *volumeSerialNumber, out *maximumComponentLength, out *fileSystemFlags,
                new Span<char>(fileSystemNameBuffer, (int)fileSystemNameSize), ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(GetVolumeInformation));
        }
    }

    /// <summary>Dokan 2.x calls Mounted from DokanCreateFileSystem with only DokanOptions set (dokan.c).</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int Mounted(char* mountPoint, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            var name = Name(mountPoint);
            volume.MountedAt = name.IsEmpty ? null : name.ToString();
            return volume.Operations.Mounted(name, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(Mounted));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int Unmounted(DOKAN_FILE_INFO* info)
    {
        try
        {
            return DokanInstances.TryFind(info, out var volume)
                ? volume.Operations.Unmounted(ref *info)
                : NtStatus.InvalidDeviceState;
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(Unmounted));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetFileSecurity(
        char* fileName, uint* securityInformation, void* securityDescriptor, uint bufferLength, uint* lengthNeeded, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (securityInformation is null || lengthNeeded is null || bufferLength > int.MaxValue || (securityDescriptor is null && bufferLength != 0))
            {
                return NtStatus.InvalidParameter;
            }

            return volume.Operations.GetFileSecurity(
                Name(fileName), *securityInformation, new Span<byte>(securityDescriptor, (int)bufferLength), out *lengthNeeded, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(GetFileSecurity));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetFileSecurity(
        char* fileName, uint* securityInformation, void* securityDescriptor, uint securityDescriptorLength, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (securityInformation is null || securityDescriptorLength > int.MaxValue || (securityDescriptor is null && securityDescriptorLength != 0))
            {
                return NtStatus.InvalidParameter;
            }

            return volume.Operations.SetFileSecurity(
                Name(fileName), *securityInformation, new ReadOnlySpan<byte>(securityDescriptor, (int)securityDescriptorLength), ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(SetFileSecurity));
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int FindStreams(
        char* fileName, delegate* unmanaged[Stdcall]<WIN32_FIND_STREAM_DATA*, void*, int> fillFindStreamData, void* findStreamContext, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (!DokanInstances.TryFind(info, out var volume))
            {
                return NtStatus.InvalidDeviceState;
            }

            if (fillFindStreamData is null)
            {
                return NtStatus.InvalidParameter;
            }

            var sink = new FillFindStreamDataSink(fillFindStreamData, findStreamContext);
            return volume.Operations.FindStreams(Name(fileName), ref sink, ref *info);
        }
        catch (Exception e)
        {
            return Threw(e, info, nameof(FindStreams));
        }
    }

    /// <summary>
    /// dokan.h PFillFindData as an <see cref="IFindDataSink"/>: a struct over the function pointer and the request's
    /// DOKAN_FILE_INFO (Dokan 2.x keeps the listing in its ProcessingContext), so listing allocates nothing.
    /// PFillFindData answers 1 when the buffer is full, otherwise 0.
    /// </summary>
    private readonly struct FillFindDataSink : IFindDataSink
    {
        private readonly delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int> _fill;
        private readonly DOKAN_FILE_INFO* _info;

        public FillFindDataSink(delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int> fill, DOKAN_FILE_INFO* info)
        {
            _fill = fill;
            _info = info;
        }

        public bool Add(ref WIN32_FIND_DATAW data)
        {
            // Pinned: the adapter may hand an element of a managed array.
            fixed (WIN32_FIND_DATAW* entry = &data)
            {
                return _fill(entry, _info) == 0;
            }
        }
    }

    /// <summary>
    /// dokan.h PFillFindStreamData (2.x): called with the FindStreamContext FindStreams received; FALSE when the
    /// buffer is full, otherwise TRUE.
    /// </summary>
    private readonly struct FillFindStreamDataSink : IFindStreamSink
    {
        private readonly delegate* unmanaged[Stdcall]<WIN32_FIND_STREAM_DATA*, void*, int> _fill;
        private readonly void* _context;

        public FillFindStreamDataSink(delegate* unmanaged[Stdcall]<WIN32_FIND_STREAM_DATA*, void*, int> fill, void* context)
        {
            _fill = fill;
            _context = context;
        }

        public bool Add(ref WIN32_FIND_STREAM_DATA data)
        {
            fixed (WIN32_FIND_STREAM_DATA* entry = &data)
            {
                return _fill(entry, _context) != 0;
            }
        }
    }
}
