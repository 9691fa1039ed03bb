using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Simulator;

// Queries as Dokan makes them (../shared/windows-io.md §0 "Queries", "Listing") and Explorer's browsing (§1).
public sealed partial class WindowsIoSimulator
{
    /// <summary>
    /// FindFilesWithPattern as the library calls it, with no fallback: <paramref name="capacity"/> entries fit in
    /// the buffer, after which the sink answers "full" as PFillFindData does.
    /// </summary>
    public int FindFilesWithPattern(SimHandle handle, string pattern, out List<SimFindEntry> entries, int capacity = int.MaxValue)
    {
        var sink = new ListSink(capacity);
        var status = Run(handle, $"FindFilesWithPattern {handle.Path} {pattern}", (ref DOKAN_FILE_INFO i) =>
            Operations.FindFilesWithPattern(handle.Path, pattern, ref sink, ref i));
        entries = sink.Entries;
        return status;
    }

    /// <summary>FindFiles (no pattern) as the library calls it when FindFilesWithPattern is not implemented.</summary>
    public int FindFilesOnly(SimHandle handle, out List<SimFindEntry> entries, int capacity = int.MaxValue)
    {
        var sink = new ListSink(capacity);
        var status = Run(handle, $"FindFiles {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.FindFiles(handle.Path, ref sink, ref i));
        entries = sink.Entries;
        return status;
    }

    /// <summary>FileStreamInformation: FindStreams on the open.</summary>
    public int FindStreams(SimHandle handle, out List<(string Name, long Size)> streams)
    {
        var sink = new StreamSink();
        var status = Run(handle, $"FindStreams {handle.Path}", (ref DOKAN_FILE_INFO i) => Operations.FindStreams(handle.Path, ref sink, ref i));
        streams = sink.Streams;
        return status;
    }

    /// <summary>GetVolumeInformation with caller buffers of the given sizes (in characters); the raw buffers come back.</summary>
    public int GetVolumeInformation(
        SimHandle handle, int nameCapacity, int fileSystemNameCapacity, out char[] volumeName, out uint serial, out uint maxComponentLength, out uint flags, out char[] fileSystemName)
    {
        var name = new char[nameCapacity];
        var fsName = new char[fileSystemNameCapacity];
        name.AsSpan().Fill('#');
        fsName.AsSpan().Fill('#');
        uint s = 0, m = 0, fl = 0;
        var status = Run(handle, "GetVolumeInformation", (ref DOKAN_FILE_INFO i) =>
            Operations.GetVolumeInformation(name, out s, out m, out fl, fsName, ref i));
        (volumeName, fileSystemName, serial, maxComponentLength, flags) = (name, fsName, s, m, fl);
        return status;
    }

    /// <summary>Explorer opening the volume root (§1.1); the full sequence is <see cref="ExplorerOpensRoot(out SimVolume)"/>.</summary>
    public BY_HANDLE_FILE_INFORMATION ExplorerOpensRoot() => ExplorerOpensRoot(out _);

    /// <summary>
    /// Explorer listing a folder (§1.3): ZwCreateFile(dir, LIST_DIRECTORY | SYNCHRONIZE, share RWD, OPEN,
    /// DIRECTORY_FILE | SYNCHRONOUS_IO_NONALERT) → FindFilesWithPattern(dir, "*") → Cleanup, CloseFile.
    /// </summary>
    public List<SimFindEntry> ExplorerLists(string directory)
    {
        var handle = Open(directory, FileListDirectory | Synchronize, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, FileDirectoryFile | FileSynchronousIoNonAlert);
        Assert.AreEqual(NtStatus.Success, FindFilesWithPattern(handle, "*", out var entries), $"listing {directory}");
        Close(handle);
        return entries;
    }

    /// <summary>
    /// Explorer's look at one entry after listing (§1.4), GetFileSecurity included; the full sequence is
    /// <see cref="ExplorerLooksAt(string, out byte[])"/>.
    /// </summary>
    public BY_HANDLE_FILE_INFORMATION ExplorerLooksAt(string path) => ExplorerLooksAt(path, out _);

    /// <summary>Explorer's desktop.ini probe (§1.5): READ_ATTRIBUTES, BACKUP_INTENT | OPEN_REPARSE_POINT; the status it got.</summary>
    public int ExplorerProbesDesktopIni(string directory)
    {
        var path = directory.TrimEnd('\\') + @"\desktop.ini";
        var result = Create(path, FileReadAttributes, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, FileOpenForBackupIntent | FileOpenReparsePoint);
        if (result.Handle is { } handle)
        {
            Close(handle);
        }

        return result.Status;
    }

    private sealed class StreamSink : IFindStreamSink
    {
        public List<(string Name, long Size)> Streams { get; } = [];

        public unsafe bool Add(ref WIN32_FIND_STREAM_DATA data)
        {
            fixed (char* p = data.cStreamName)
            {
                Streams.Add((new string(p), data.StreamSize));
            }

            return true;
        }
    }
}
