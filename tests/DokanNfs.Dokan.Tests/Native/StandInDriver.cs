using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Tests.Native.StandIn;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>One open as the stand-in keeps it: its DOKAN_FILE_INFO is C memory, passed to every callback of the open.</summary>
internal sealed unsafe class StandInOpen(DOKAN_FILE_INFO* info, string path)
{
    public DOKAN_FILE_INFO* Info { get; } = info;

    public string Path { get; set; } = path;

    /// <summary>DOKAN_FILE_INFO.Context as the C side reads it.</summary>
    public ulong Context => standin_context(Info);

    public bool IsDirectory => standin_is_directory(Info) != 0;

    public bool DeletePending => standin_delete_pending(Info) != 0;

    public bool CleanedUp { get; set; }

    public bool Closed { get; set; }
}

/// <summary>
/// The driver as the stand-in plays it, one request per call through the volume's DOKAN_OPERATIONS — the same
/// calls <see cref="Simulator.WindowsIoSimulator"/> makes directly, so a scenario can run both ways and compare.
/// </summary>
internal sealed unsafe class StandInDriver(string mountPoint)
{
    public string MountPoint { get; } = mountPoint;

    public uint DefaultProcessId { get; set; } = 4242;

    public int Create(string path, uint desiredAccess, uint shareAccess, uint disposition, out StandInOpen? open, uint createOptions = 0, uint fileAttributes = 0, uint? processId = null)
    {
        DOKAN_FILE_INFO* info;
        var status = standin_create(MountPoint, path, desiredAccess, fileAttributes, shareAccess, disposition, createOptions, processId ?? DefaultProcessId, &info);
        open = info is null ? null : new StandInOpen(info, path);
        return status;
    }

    public StandInOpen Open(string path, uint desiredAccess, uint shareAccess, uint disposition, uint createOptions = 0, uint fileAttributes = 0)
    {
        var status = Create(path, desiredAccess, shareAccess, disposition, out var open, createOptions, fileAttributes);
        return open ?? throw new AssertFailedException($"ZwCreateFile {path} through the stand-in returned 0x{status:X8} and no open");
    }

    public void Cleanup(StandInOpen open)
    {
        open.CleanedUp = true;
        standin_cleanup(open.Info, open.Path);
    }

    /// <summary>CloseFile; the stand-in frees the DOKAN_FILE_INFO.</summary>
    public void CloseFile(StandInOpen open)
    {
        open.Closed = true;
        standin_close(open.Info, open.Path);
    }

    public void Close(StandInOpen open)
    {
        Cleanup(open);
        CloseFile(open);
    }

    public int Read(StandInOpen open, long offset, byte[] buffer, out uint read)
    {
        uint n;
        int status;
        fixed (byte* data = buffer)
        {
            status = standin_read(open.Info, open.Path, data, (uint)buffer.Length, &n, offset);
        }

        read = n;
        return status;
    }

    public int Write(StandInOpen open, long offset, byte[] data, out uint written, bool writeToEndOfFile = false)
    {
        uint n;
        int status;
        standin_set_flags(open.Info, writeToEndOfFile ? 8u : 0u);
        fixed (byte* bytes = data)
        {
            status = standin_write(open.Info, open.Path, bytes, (uint)data.Length, &n, writeToEndOfFile ? -1 : offset);
        }

        standin_set_flags(open.Info, 0);
        written = n;
        return status;
    }

    public int Flush(StandInOpen open) => standin_flush(open.Info, open.Path);

    public int GetFileInformation(StandInOpen open, out BY_HANDLE_FILE_INFORMATION information)
    {
        BY_HANDLE_FILE_INFORMATION result;
        var status = standin_get_file_information(open.Info, open.Path, &result);
        information = result;
        return status;
    }

    /// <summary>FindFilesWithPattern (FindFiles when <paramref name="pattern"/> is null) into a buffer of <paramref name="capacity"/> entries.</summary>
    public int FindFiles(StandInOpen open, string? pattern, int capacity, out List<string> names, out uint refused)
    {
        var entries = new WIN32_FIND_DATAW[capacity];
        uint count, offeredWhenFull;
        int status;
        fixed (WIN32_FIND_DATAW* buffer = entries)
        {
            status = standin_find_files(open.Info, open.Path, pattern, buffer, (uint)capacity, &count, &offeredWhenFull);
        }

        names = [];
        for (var i = 0; i < count; i++)
        {
            fixed (char* name = entries[i].cFileName)
            {
                names.Add(new string(name));
            }
        }

        refused = offeredWhenFull;
        return status;
    }

    public int FindStreams(StandInOpen open, int capacity, out uint count)
    {
        var entries = new WIN32_FIND_STREAM_DATA[capacity];
        uint n;
        int status;
        fixed (WIN32_FIND_STREAM_DATA* buffer = entries)
        {
            status = standin_find_streams(open.Info, open.Path, buffer, (uint)capacity, &n);
        }

        count = n;
        return status;
    }

    public int GetDiskFreeSpace(StandInOpen open, out ulong available, out ulong total, out ulong free)
    {
        ulong a, t, f;
        var status = standin_get_disk_free_space(open.Info, &a, &t, &f);
        (available, total, free) = (a, t, f);
        return status;
    }

    public int GetVolumeInformation(StandInOpen open, out string volumeName, out uint serial, out uint maximumComponentLength, out uint flags, out string fileSystemName)
    {
        var name = stackalloc char[DokanConstants.MaxPath];
        var fsName = stackalloc char[DokanConstants.MaxPath];
        uint s = 0xA5A5A5A5, m = 0xA5A5A5A5, fl = 0xA5A5A5A5;
        var status = standin_get_volume_information(open.Info, name, &s, &m, &fl, fsName);
        volumeName = new string(name);
        fileSystemName = new string(fsName);
        (serial, maximumComponentLength, flags) = (s, m, fl);
        return status;
    }

    /// <summary>FileDispositionInformation: DeletePending, then DeleteFile or DeleteDirectory by IsDirectory.</summary>
    public int SetDeletePending(StandInOpen open) => standin_delete(open.Info, open.Path);

    public int MoveFile(StandInOpen open, string newPath, bool replaceIfExisting)
    {
        var status = standin_move(open.Info, open.Path, newPath, replaceIfExisting ? 1 : 0);
        if (status >= 0)
        {
            open.Path = newPath;
        }

        return status;
    }

    public int SetEndOfFile(StandInOpen open, long length) => standin_set_end_of_file(open.Info, open.Path, length);

    public int SetAllocationSize(StandInOpen open, long length) => standin_set_allocation_size(open.Info, open.Path, length);

    public int SetFileAttributes(StandInOpen open, uint attributes) => standin_set_file_attributes(open.Info, open.Path, attributes);

    /// <summary>FILETIME ticks; null is a NULL pointer.</summary>
    public int SetFileTime(StandInOpen open, long? creation, long? lastAccess, long? lastWrite)
    {
        FILETIME c = ToFileTime(creation), a = ToFileTime(lastAccess), w = ToFileTime(lastWrite);
        return standin_set_file_time(open.Info, open.Path, creation is null ? null : &c, lastAccess is null ? null : &a, lastWrite is null ? null : &w);
    }

    public int LockFile(StandInOpen open, long offset, long length) => standin_lock(open.Info, open.Path, offset, length);

    public int UnlockFile(StandInOpen open, long offset, long length) => standin_unlock(open.Info, open.Path, offset, length);

    public int GetFileSecurity(StandInOpen open, uint securityInformation, byte[] buffer, out uint lengthNeeded)
    {
        uint needed;
        int status;
        fixed (byte* descriptor = buffer)
        {
            status = standin_get_file_security(open.Info, open.Path, securityInformation, descriptor, (uint)buffer.Length, &needed);
        }

        lengthNeeded = needed;
        return status;
    }

    public int SetFileSecurity(StandInOpen open, uint securityInformation, byte[] descriptor)
    {
        fixed (byte* bytes = descriptor)
        {
            return standin_set_file_security(open.Info, open.Path, securityInformation, bytes, (uint)descriptor.Length);
        }
    }

    private static FILETIME ToFileTime(long? ticks) =>
        ticks is { } t ? new FILETIME { dwLowDateTime = (uint)t, dwHighDateTime = (uint)((ulong)t >> 32) } : default;
}

/// <summary>An <see cref="IFindStreamSink"/> that counts, for calling the adapter directly.</summary>
internal struct CountingStreamSink : IFindStreamSink
{
    public int Count;

    public bool Add(ref WIN32_FIND_STREAM_DATA data)
    {
        Count++;
        return true;
    }
}

/// <summary>NTSTATUS as the tests print it.</summary>
internal static class Status
{
    public static string Of(int status) => $"0x{status:X8}";
}
