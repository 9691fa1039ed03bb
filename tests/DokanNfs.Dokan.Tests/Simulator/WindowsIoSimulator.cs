using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>
/// Drives <see cref="NfsDokanOperations"/> the way the Dokan driver and dokan2.dll do for real programs
/// (../shared/windows-io.md): one DOKAN_FILE_INFO per request built from the open's state, Context and
/// IsDirectory carried between the requests of one open, no Cleanup/CloseFile after a failed create,
/// IsDirectory set on entry from FILE_DIRECTORY_FILE, every request under the driver's deadline.
/// Scenario helpers (what Explorer, Notepad, robocopy send) live in partial files beside this one.
/// </summary>
public sealed partial class WindowsIoSimulator(NfsDokanOperations operations, RecordingDokanHost host)
{
    private long _requestId;

    public NfsDokanOperations Operations { get; } = operations;

    public RecordingDokanHost Host { get; } = host;

    /// <summary>The process id put in DOKAN_FILE_INFO.ProcessId when a call does not name one.</summary>
    public uint DefaultProcessId { get; set; } = 4242;

    /// <summary>ZwCreateFile with the raw NT values; the handle is null when the status is an error.</summary>
    public SimCreateResult Create(
        string path, uint desiredAccess, uint shareAccess, uint disposition, uint createOptions = 0, uint fileAttributes = 0, uint? processId = null)
    {
        var refused = NtStatus.Success;
        DriverChecksCreate(path, desiredAccess, shareAccess, disposition, ref refused);
        if (refused != NtStatus.Success)
        {
            return new SimCreateResult(refused, null);
        }

        var handle = new SimHandle(path, processId ?? DefaultProcessId, new DOKAN_FILE_INFO
        {
            ProcessId = processId ?? DefaultProcessId,
            IsDirectory = (createOptions & NtCreate.FileDirectoryFile) != 0 ? (byte)1 : (byte)0,
            SynchronousIo = (createOptions & NtCreate.FileSynchronousIoNonAlert) != 0 ? (byte)1 : (byte)0,
        });
        var status = Run(handle, $"ZwCreateFile {path}", (ref DOKAN_FILE_INFO i) =>
            Operations.ZwCreateFile(path, desiredAccess, fileAttributes, shareAccess, disposition, createOptions, ref i));
        // dokan create.c: OBJECT_NAME_COLLISION from OPEN_IF / OVERWRITE_IF / SUPERSEDE means "existed, opened".
        var opened = status >= 0
            || (status == NtStatus.ObjectNameCollision && disposition is NtCreate.FileOpenIf or NtCreate.FileOverwriteIf or NtCreate.FileSupersede);
        if (opened)
        {
            OnOpened(handle, desiredAccess, shareAccess);
        }

        return new SimCreateResult(status, opened ? handle : null);
    }

    /// <summary>Like <see cref="Create"/> but asserts success (OBJECT_NAME_COLLISION counts: it means "opened").</summary>
    public SimHandle Open(string path, uint desiredAccess, uint shareAccess, uint disposition, uint createOptions = 0, uint fileAttributes = 0, uint? processId = null)
    {
        var result = Create(path, desiredAccess, shareAccess, disposition, createOptions, fileAttributes, processId);
        return result.Handle ?? throw new AssertFailedException($"ZwCreateFile {path} returned 0x{result.Status:X8} and no handle");
    }

    /// <summary>The program closed its handle.</summary>
    public void Cleanup(SimHandle handle)
    {
        Assert.IsFalse(handle.CleanedUp, $"Cleanup twice on {handle}");
        handle.CleanedUp = true;
        Run(handle, $"Cleanup {handle.Path}", (ref DOKAN_FILE_INFO i) =>
        {
            Operations.Cleanup(handle.Path, ref i);
            return NtStatus.Success;
        });
    }

    /// <summary>The last kernel reference went.</summary>
    public void CloseFile(SimHandle handle)
    {
        Assert.IsFalse(handle.Closed, $"CloseFile twice on {handle}");
        handle.Closed = true;
        Run(handle, $"CloseFile {handle.Path}", (ref DOKAN_FILE_INFO i) =>
        {
            Operations.CloseFile(handle.Path, ref i);
            return NtStatus.Success;
        });
        OnClosed(handle);
    }

    /// <summary>CloseHandle as a program sees it: Cleanup, then CloseFile.</summary>
    public void Close(SimHandle handle)
    {
        Cleanup(handle);
        CloseFile(handle);
    }

    public int Read(SimHandle handle, long offset, byte[] buffer, out uint read, bool pagingIo = false)
    {
        uint n = 0;
        var status = Run(handle, $"ReadFile {handle.Path}@{offset}", (ref DOKAN_FILE_INFO i) =>
        {
            i.PagingIo = pagingIo ? (byte)1 : (byte)0;
            return Operations.ReadFile(handle.Path, buffer, out n, offset, ref i);
        });
        read = n;
        return status;
    }

    /// <summary>WriteFile; <paramref name="writeToEndOfFile"/> appends (offset -1 as the I/O manager sends it).</summary>
    public int Write(SimHandle handle, long offset, ReadOnlyMemory<byte> data, out uint written, bool pagingIo = false, bool writeToEndOfFile = false)
    {
        uint n = 0;
        var status = Run(handle, $"WriteFile {handle.Path}@{offset}", (ref DOKAN_FILE_INFO i) =>
        {
            i.PagingIo = pagingIo ? (byte)1 : (byte)0;
            i.WriteToEndOfFile = writeToEndOfFile ? (byte)1 : (byte)0;
            return Operations.WriteFile(handle.Path, data.Span, out n, writeToEndOfFile ? -1 : offset, ref i);
        });
        written = n;
        return status;
    }

    public int Flush(SimHandle handle) =>
        Run(handle, $"FlushFileBuffers {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.FlushFileBuffers(handle.Path, ref i));

    public int SetEndOfFile(SimHandle handle, long length) =>
        Run(handle, $"SetEndOfFile {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.SetEndOfFile(handle.Path, length, ref i));

    public int SetAllocationSize(SimHandle handle, long length) =>
        Run(handle, $"SetAllocationSize {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.SetAllocationSize(handle.Path, length, ref i));

    /// <summary>SetFileTime with FILETIME tick values; null is a NULL pointer (0 and -1 are passed through as given).</summary>
    public int SetFileTime(SimHandle handle, long? creation, long? lastAccess, long? lastWrite) =>
        Run(handle, $"SetFileTime {handle.Path}", (ref DOKAN_FILE_INFO i) =>
            Operations.SetFileTime(handle.Path, ToFileTime(creation), ToFileTime(lastAccess), ToFileTime(lastWrite), ref i));

    public int SetFileAttributes(SimHandle handle, uint attributes) =>
        Run(handle, $"SetFileAttributes {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.SetFileAttributes(handle.Path, attributes, ref i));

    public int GetFileInformation(SimHandle handle, out BY_HANDLE_FILE_INFORMATION information)
    {
        BY_HANDLE_FILE_INFORMATION result = default;
        var status = Run(handle, $"GetFileInformation {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.GetFileInformation(handle.Path, out result, ref i));
        information = result;
        return status;
    }

    /// <summary>
    /// A directory query: FindFilesWithPattern(dir, pattern); on STATUS_NOT_IMPLEMENTED, FindFiles and Dokan's own
    /// matching. Dokan adds "." and ".." for "*" outside the root; this returns only what the adapter listed.
    /// </summary>
    public int FindFiles(SimHandle handle, string pattern, out List<SimFindEntry> entries)
    {
        var sink = new ListSink();
        var status = Run(handle, $"FindFilesWithPattern {handle.Path} {pattern}", (ref DOKAN_FILE_INFO i) =>
            Operations.FindFilesWithPattern(handle.Path, pattern, ref sink, ref i));
        if (status == NtStatus.NotImplemented)
        {
            sink = new ListSink();
            status = Run(handle, $"FindFiles {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.FindFiles(handle.Path, ref sink, ref i));
            sink.Entries.RemoveAll(e => !DosWildcardForSimulator.IsMatch(pattern, e.Name));
        }

        entries = sink.Entries;
        return status;
    }

    public int GetDiskFreeSpace(SimHandle handle, out ulong available, out ulong total, out ulong free)
    {
        ulong a = 0, t = 0, f = 0;
        var status = Run(handle, "GetDiskFreeSpace", (ref DOKAN_FILE_INFO i) => Operations.GetDiskFreeSpace(out a, out t, out f, ref i));
        (available, total, free) = (a, t, f);
        return status;
    }

    public int GetVolumeInformation(SimHandle handle, out string volumeName, out uint serial, out uint maxComponentLength, out uint flags, out string fileSystemName)
    {
        var name = new char[33];
        var fsName = new char[33];
        uint s = 0, m = 0, fl = 0;
        var status = Run(handle, "GetVolumeInformation", (ref DOKAN_FILE_INFO i) =>
            Operations.GetVolumeInformation(name, out s, out m, out fl, fsName, ref i));
        volumeName = new string(name).TrimEnd('\0').Split('\0')[0];
        fileSystemName = new string(fsName).TrimEnd('\0').Split('\0')[0];
        (serial, maxComponentLength, flags) = (s, m, fl);
        return status;
    }

    /// <summary>FileDispositionInformation: Dokan sets DeletePending and asks DeleteFile / DeleteDirectory (by IsDirectory).</summary>
    public int SetDeletePending(SimHandle handle, bool deletePending = true)
    {
        var status = Run(handle, $"Delete {handle.Path}", (ref DOKAN_FILE_INFO i) =>
        {
            i.DeletePending = deletePending ? (byte)1 : (byte)0;
            var s = i.IsDirectory != 0 ? Operations.DeleteDirectory(handle.Path, ref i) : Operations.DeleteFile(handle.Path, ref i);
            if (s < 0)
            {
                i.DeletePending = 0;
            }

            return s;
        });
        return status;
    }

    /// <summary>FileRenameInformation on an open handle: MoveFile with the source's Context; afterwards the handle has the new name.</summary>
    public int MoveFile(SimHandle handle, string newPath, bool replaceIfExisting)
    {
        var status = Run(handle, $"MoveFile {handle.Path} -> {newPath}", (ref DOKAN_FILE_INFO i) =>
            Operations.MoveFile(handle.Path, newPath, replaceIfExisting, ref i));
        if (status >= 0)
        {
            var oldPath = handle.Path;
            handle.Path = newPath;
            OnRenamed(handle, oldPath);
        }

        return status;
    }

    public int LockFile(SimHandle handle, long offset, long length) =>
        Run(handle, $"LockFile {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.LockFile(handle.Path, offset, length, ref i));

    public int UnlockFile(SimHandle handle, long offset, long length) =>
        Run(handle, $"UnlockFile {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.UnlockFile(handle.Path, offset, length, ref i));

    /// <summary>GetFileSecurity as the kernel asks it: first with the caller's buffer size, then again with the length needed.</summary>
    public int GetFileSecurity(SimHandle handle, uint securityInformation, out byte[] descriptor, int initialSize = 64)
    {
        var buffer = new byte[initialSize];
        uint needed = 0;
        var status = Run(handle, $"GetFileSecurity {handle.Path}", (ref DOKAN_FILE_INFO i) =>
            Operations.GetFileSecurity(handle.Path, securityInformation, buffer, out needed, ref i));
        if (status == NtStatus.BufferOverflow)
        {
            buffer = new byte[needed];
            status = Run(handle, $"GetFileSecurity {handle.Path}", (ref DOKAN_FILE_INFO i) =>
                Operations.GetFileSecurity(handle.Path, securityInformation, buffer, out needed, ref i));
        }

        descriptor = status >= 0 ? buffer.AsSpan(0, (int)Math.Min(needed == 0 ? (uint)buffer.Length : needed, (uint)buffer.Length)).ToArray() : [];
        return status;
    }

    public int SetFileSecurity(SimHandle handle, uint securityInformation, byte[] descriptor) =>
        Run(handle, $"SetFileSecurity {handle.Path}", (ref DOKAN_FILE_INFO i) =>
            Operations.SetFileSecurity(handle.Path, securityInformation, descriptor, ref i));

    private delegate int Request(ref DOKAN_FILE_INFO info);

    // The driver's per-file state and the call log (WindowsIoSimulator.Kernel.cs).
    partial void DriverChecksCreate(string path, uint desiredAccess, uint shareAccess, uint disposition, ref int refused);

    partial void OnOpened(SimHandle handle, uint desiredAccess, uint shareAccess);

    partial void OnClosed(SimHandle handle);

    partial void OnRenamed(SimHandle handle, string oldPath);

    partial void OnCompleted(string description, int status);

    /// <summary>One request: a DOKAN_FILE_INFO of its own built from the open's, under the driver's deadline.</summary>
    private int Run(SimHandle handle, string description, Request request)
    {
        Assert.IsFalse(handle.Closed && !description.StartsWith("CloseFile", StringComparison.Ordinal), $"{description} after CloseFile");
        var requestId = (ulong)Interlocked.Increment(ref _requestId);
        var info = handle.Info;
        info.DokanContext = requestId;
        Host.BeginRequest(requestId);
        int status;
        try
        {
            status = request(ref info);
        }
        finally
        {
            Host.EndRequest(requestId, description);
        }

        OnCompleted(description, status);

        handle.Info.Context = info.Context;
        handle.Info.IsDirectory = info.IsDirectory;
        handle.Info.DeletePending = info.DeletePending;
        return status;
    }

    private static FILETIME? ToFileTime(long? ticks) =>
        ticks is { } t ? new FILETIME { dwLowDateTime = (uint)t, dwHighDateTime = (uint)((ulong)t >> 32) } : null;

    /// <summary>Collects entries as Dokan's FillFindData does; false ("buffer full") after <paramref name="capacity"/>.</summary>
    private sealed class ListSink(int capacity = int.MaxValue) : IFindDataSink
    {
        public List<SimFindEntry> Entries { get; } = [];

        public unsafe bool Add(ref WIN32_FIND_DATAW data)
        {
            if (Entries.Count >= capacity)
            {
                return false;
            }

            string name;
            fixed (char* p = data.cFileName)
            {
                name = new string(p);
            }

            Entries.Add(new SimFindEntry(
                name,
                data.dwFileAttributes,
                ((ulong)data.nFileSizeHigh << 32) | data.nFileSizeLow,
                WindowsInfo.ToTicks(data.ftCreationTime),
                WindowsInfo.ToTicks(data.ftLastAccessTime),
                WindowsInfo.ToTicks(data.ftLastWriteTime)));
            return true;
        }
    }
}
