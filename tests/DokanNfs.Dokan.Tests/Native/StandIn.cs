using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using DokanNfs.Dokan.Host;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>
/// The C stand-in for dokan2 (standin/dokan2_standin.c): built with the machine's C compiler once per test run,
/// loaded, and made what "dokan2" resolves to for the adapter's assembly and this one. Its standin_* exports
/// play the driver and read back what the library was asked.
/// </summary>
internal static unsafe partial class StandIn
{
    private const string Library = "dokan2";
    public const string CompilerMissing = "install a C compiler: apt-get install gcc libc6-dev";

    private static readonly Lazy<nint> Loaded = new(BuildAndLoad, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Builds and loads the stand-in the first time; every later call is free. Fails the test when there is no C compiler.</summary>
    public static void EnsureLoaded() => _ = Loaded.Value;

    private static nint BuildAndLoad()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Native", "standin", "dokan2_standin.c");
        var directory = Directory.CreateTempSubdirectory("dokannfs-standin-");
        var library = Path.Combine(directory.FullName, "libdokan2.so");
        Compile(source, library);
        var handle = NativeLibrary.Load(library);
        DllImportResolver resolve = (name, _, _) => name == Library ? handle : IntPtr.Zero;
        NativeLibrary.SetDllImportResolver(typeof(DokanVolume).Assembly, resolve);
        NativeLibrary.SetDllImportResolver(typeof(StandIn).Assembly, resolve);
        DokanVolume.StandInLoaded = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // a temporary directory left behind is harmless
            }
        };
        return handle;
    }

    /// <summary>Runs <paramref name="compiler"/> (cc: whatever C compiler the machine has) to build the shared library.</summary>
    internal static void Compile(string source, string output, string compiler = "cc")
    {
        var start = new ProcessStartInfo(compiler)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-shared", "-fPIC", "-O1", "-std=c11", "-Wall", "-pthread", "-o", output, source])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{compiler} did not start; {CompilerMissing}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"The dokan2 stand-in needs a C compiler and none was found ({e.Message}); {CompilerMissing}", e);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            var messages = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{compiler} could not build the dokan2 stand-in (exit {process.ExitCode}); if headers are missing, {CompilerMissing}.\n{messages}{errors.Result}");
            }
        }
    }

    /// <summary>Every line the stand-in logged, split at tabs: kind, then its fields, the number last.</summary>
    public static IReadOnlyList<string[]> Log()
    {
        var lines = new List<string[]>();
        var buffer = stackalloc char[2048];
        for (uint i = 0; ; i++)
        {
            var length = standin_log_read(i, buffer, 2048);
            if (length < 0)
            {
                return lines;
            }

            lines.Add(new string(buffer, 0, length).Split('\t'));
        }
    }

    /// <summary>The stand-in's lines of one kind about one mount point (the field after the kind).</summary>
    public static IReadOnlyList<string[]> Log(string kind, string mountPoint) =>
        [.. Log().Where(l => l[0] == kind && l.Length > 1 && l[1] == mountPoint)];

    [LibraryImport(Library)]
    internal static partial int standin_log_read(uint index, char* buffer, uint capacity);

    [LibraryImport(Library)]
    internal static partial void standin_set_versions(uint library, uint driver);

    [LibraryImport(Library)]
    internal static partial int standin_init_count();

    [LibraryImport(Library)]
    internal static partial int standin_shutdown_calls();

    [LibraryImport(Library)]
    internal static partial int standin_outstanding_mount_point_lists();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial void standin_set_create_result(string mountPoint, int result);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_create(
        string mountPoint, string fileName, uint desiredAccess, uint fileAttributes, uint shareAccess, uint disposition, uint createOptions,
        uint processId, DOKAN_FILE_INFO** info);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_create_foreign(string mountPoint, string fileName, ulong globalContext);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_read_foreign(string mountPoint, ulong globalContext, void* buffer, uint length);

    [LibraryImport(Library)]
    internal static partial void standin_set_flags(DOKAN_FILE_INFO* info, uint flags);

    [LibraryImport(Library)]
    internal static partial ulong standin_context(DOKAN_FILE_INFO* info);

    [LibraryImport(Library)]
    internal static partial int standin_is_directory(DOKAN_FILE_INFO* info);

    [LibraryImport(Library)]
    internal static partial int standin_delete_pending(DOKAN_FILE_INFO* info);

    [LibraryImport(Library)]
    internal static partial ulong standin_address(DOKAN_FILE_INFO* info);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial void standin_cleanup(DOKAN_FILE_INFO* info, string fileName);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial void standin_close(DOKAN_FILE_INFO* info, string fileName);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_read(DOKAN_FILE_INFO* info, string fileName, void* buffer, uint length, uint* readLength, long offset);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_write(DOKAN_FILE_INFO* info, string fileName, void* buffer, uint length, uint* written, long offset);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_flush(DOKAN_FILE_INFO* info, string fileName);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_get_file_information(DOKAN_FILE_INFO* info, string fileName, BY_HANDLE_FILE_INFORMATION* information);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_find_files(
        DOKAN_FILE_INFO* info, string fileName, string? pattern, WIN32_FIND_DATAW* entries, uint capacity, uint* count, uint* refused);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_find_streams(DOKAN_FILE_INFO* info, string fileName, WIN32_FIND_STREAM_DATA* entries, uint capacity, uint* count);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_set_file_attributes(DOKAN_FILE_INFO* info, string fileName, uint attributes);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_set_file_time(DOKAN_FILE_INFO* info, string fileName, FILETIME* creation, FILETIME* lastAccess, FILETIME* lastWrite);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_delete(DOKAN_FILE_INFO* info, string fileName);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_move(DOKAN_FILE_INFO* info, string fileName, string newName, int replace);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_set_end_of_file(DOKAN_FILE_INFO* info, string fileName, long length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_set_allocation_size(DOKAN_FILE_INFO* info, string fileName, long length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_lock(DOKAN_FILE_INFO* info, string fileName, long offset, long length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_unlock(DOKAN_FILE_INFO* info, string fileName, long offset, long length);

    [LibraryImport(Library)]
    internal static partial int standin_get_disk_free_space(DOKAN_FILE_INFO* info, ulong* available, ulong* total, ulong* free);

    [LibraryImport(Library)]
    internal static partial int standin_get_volume_information(
        DOKAN_FILE_INFO* info, char* volumeName, uint* serial, uint* maximumComponentLength, uint* flags, char* fileSystemName);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_get_file_security(
        DOKAN_FILE_INFO* info, string fileName, uint securityInformation, void* descriptor, uint length, uint* lengthNeeded);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial int standin_set_file_security(DOKAN_FILE_INFO* info, string fileName, uint securityInformation, void* descriptor, uint length);
}
