using BenchmarkDotNet.Attributes;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Benchmarks.Adapter;

/// <summary>
/// The Windows adapter's own managed cost per Dokan request (issue 9 §4): <see cref="NfsDokanOperations"/> over
/// <see cref="MemoryFileSystem"/>, whose every call completes at once and allocates nothing, with a
/// <see cref="NullDokanHost"/>. What is left is path mapping, the create rules, the handle table, attribute
/// translation and the exception barriers — everything between dokan2.dll and <c>INfsFileSystem</c>. Each
/// request gets a fresh DOKAN_FILE_INFO carrying the open's Context, as the driver passes it.
/// </summary>
[MemoryDiagnoser]
public class AdapterBenchmarks
{
    /// <summary>FILE_GENERIC_READ as the I/O manager hands GENERIC_READ to the driver (winnt.h).</summary>
    private const uint FileGenericRead = ReadControl | FileReadData | FileReadAttributes | FileReadEa | Synchronize;

    private const string FilePath = @"\docs\report.txt";

    private readonly byte[] _buffer = new byte[4096];
    private NfsDokanOperations _operations = null!;
    private ulong _readContext;

    [GlobalSetup]
    public void Setup()
    {
        var fs = new MemoryFileSystem();
        fs.AddDirectory("/docs");
        var content = new byte[64 * 1024];
        new Random(4).NextBytes(content);
        fs.AddFile("/docs/report.txt", content);
        _operations = new NfsDokanOperations(fs, new NullDokanHost());

        // The open the ReadFile benchmark reads through, kept for the whole run.
        var info = new DOKAN_FILE_INFO { SynchronousIo = 1 };
        Check(_operations.ZwCreateFile(FilePath, FileGenericRead, 0, FileShareRead | FileShareWrite, FileOpen, FileNonDirectoryFile | FileSynchronousIoNonAlert, ref info));
        _readContext = info.Context;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var info = new DOKAN_FILE_INFO { Context = _readContext };
        _operations.Cleanup(FilePath, ref info);
        _operations.CloseFile(FilePath, ref info);
        _operations.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// A program opening a file to read it and closing it again (CreateFile(GENERIC_READ), GetFileInformationByHandle,
    /// CloseHandle): ZwCreateFile, GetFileInformation, Cleanup, CloseFile — with an NFS OPEN and CLOSE below.
    /// </summary>
    [Benchmark]
    public uint OpenQueryClose()
    {
        var info = new DOKAN_FILE_INFO { SynchronousIo = 1 };
        Check(_operations.ZwCreateFile(FilePath, FileGenericRead, 0, FileShareRead | FileShareWrite, FileOpen, FileNonDirectoryFile | FileSynchronousIoNonAlert, ref info));
        Check(_operations.GetFileInformation(FilePath, out var information, ref info));
        _operations.Cleanup(FilePath, ref info);
        _operations.CloseFile(FilePath, ref info);
        return information.nFileSizeLow;
    }

    /// <summary>
    /// The same four requests for an attributes-only open (FILE_READ_ATTRIBUTES, what Explorer sends per entry):
    /// the adapter sends no NFS OPEN for it, only a lookup of the attributes.
    /// </summary>
    [Benchmark]
    public uint StatOpenQueryClose()
    {
        var info = new DOKAN_FILE_INFO();
        Check(_operations.ZwCreateFile(FilePath, FileReadAttributes | Synchronize, 0, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, 0, ref info));
        Check(_operations.GetFileInformation(FilePath, out var information, ref info));
        _operations.Cleanup(FilePath, ref info);
        _operations.CloseFile(FilePath, ref info);
        return information.nFileSizeLow;
    }

    /// <summary>One non-cached 4 KiB ReadFile on an open handle (a program's ReadFile that the cache manager passes down).</summary>
    [Benchmark]
    public uint ReadFile4KiB()
    {
        var info = new DOKAN_FILE_INFO { Context = _readContext, SynchronousIo = 1, Nocache = 1 };
        Check(_operations.ReadFile(FilePath, _buffer, out var read, 8192, ref info));
        return read;
    }

    private static void Check(int status)
    {
        if (status < 0)
        {
            throw new InvalidOperationException($"The adapter answered 0x{status:X8}.");
        }
    }
}
