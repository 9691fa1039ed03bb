using System.Globalization;
using System.Text;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Create;

/// <summary>
/// ZwCreateFile's full matrix against Ganesha: every CreateDisposition × what is at the name (nothing, a file, a
/// directory) × FILE_DIRECTORY_FILE / FILE_NON_DIRECTORY_FILE / neither. Each case runs in a directory of its own
/// and checks the NTSTATUS, whether Dokan gets a handle and its IsDirectory, and what is on disk afterwards. All
/// cases of one row run and every mismatch is reported, named by its case.
/// </summary>
[TestClass]
public class CreateDispositionMatrixTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    /// <summary>GENERIC_READ | GENERIC_WRITE as the I/O manager maps them for a file (windows-io.md §0).</summary>
    private const uint ReadWrite = 0x12019F;

    private const string Original = "original content";

    /// <summary>0640: unlike the 0644 a create gives, so a file that was recreated instead of kept shows.</summary>
    private const UnixFileMode ExistingFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private const UnixFileMode CreatedFileMode = HostFile.Mode0644;

    private const UnixFileMode CreatedDirectoryMode = HostFile.Mode0755;

    private const int Collision = NtStatus.ObjectNameCollision;

    public enum Existing
    {
        Nothing,
        File,
        Directory,
    }

    public enum Option
    {
        Neither,
        DirectoryFile,
        NonDirectoryFile,
    }

    public enum Effect
    {
        /// <summary>Nothing at the name.</summary>
        Absent,

        /// <summary>What was there is there as it was: the file with its content and mode, the directory with its entry.</summary>
        Unchanged,

        /// <summary>The same file (its mode kept), now empty.</summary>
        Truncated,

        /// <summary>A new empty file, mode 0644.</summary>
        CreatedFile,

        /// <summary>A new empty directory, mode 0755.</summary>
        CreatedDirectory,
    }

    /// <summary>One case: the expected status, whether a handle results (null: none) and its IsDirectory, the effect.</summary>
    private sealed record Case(uint Disposition, Existing Existing, Option Option, int Status, bool? IsDirectory, Effect Effect)
    {
        public override string ToString() =>
            $"{DispositionName(Disposition)} on {Existing} with {Option}";
    }

    // The table is written out, not computed, so it can be checked line by line against NTFS/FastFat and Dokan:
    // FILE_DIRECTORY_FILE only goes with CREATE/OPEN/OPEN_IF (else INVALID_PARAMETER); CREATE on anything existing
    // collides; then the type demanded (NOT_A_DIRECTORY / FILE_IS_A_DIRECTORY); OPEN_IF, OVERWRITE_IF and SUPERSEDE
    // on an existing object answer OBJECT_NAME_COLLISION, which Dokan turns into an open.
    private static readonly Case[] Cases =
    [
        new(FileSupersede, Existing.Nothing, Option.Neither, NtStatus.Success, false, Effect.CreatedFile),
        new(FileSupersede, Existing.Nothing, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Absent),
        new(FileSupersede, Existing.Nothing, Option.NonDirectoryFile, NtStatus.Success, false, Effect.CreatedFile),
        new(FileSupersede, Existing.File, Option.Neither, Collision, false, Effect.Truncated),
        new(FileSupersede, Existing.File, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Unchanged),
        new(FileSupersede, Existing.File, Option.NonDirectoryFile, Collision, false, Effect.Truncated),
        new(FileSupersede, Existing.Directory, Option.Neither, NtStatus.FileIsADirectory, null, Effect.Unchanged),
        new(FileSupersede, Existing.Directory, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Unchanged),
        new(FileSupersede, Existing.Directory, Option.NonDirectoryFile, NtStatus.FileIsADirectory, null, Effect.Unchanged),

        new(FileOpen, Existing.Nothing, Option.Neither, NtStatus.ObjectNameNotFound, null, Effect.Absent),
        new(FileOpen, Existing.Nothing, Option.DirectoryFile, NtStatus.ObjectNameNotFound, null, Effect.Absent),
        new(FileOpen, Existing.Nothing, Option.NonDirectoryFile, NtStatus.ObjectNameNotFound, null, Effect.Absent),
        new(FileOpen, Existing.File, Option.Neither, NtStatus.Success, false, Effect.Unchanged),
        new(FileOpen, Existing.File, Option.DirectoryFile, NtStatus.NotADirectory, null, Effect.Unchanged),
        new(FileOpen, Existing.File, Option.NonDirectoryFile, NtStatus.Success, false, Effect.Unchanged),
        new(FileOpen, Existing.Directory, Option.Neither, NtStatus.Success, true, Effect.Unchanged),
        new(FileOpen, Existing.Directory, Option.DirectoryFile, NtStatus.Success, true, Effect.Unchanged),
        new(FileOpen, Existing.Directory, Option.NonDirectoryFile, NtStatus.FileIsADirectory, null, Effect.Unchanged),

        new(FileCreate, Existing.Nothing, Option.Neither, NtStatus.Success, false, Effect.CreatedFile),
        new(FileCreate, Existing.Nothing, Option.DirectoryFile, NtStatus.Success, true, Effect.CreatedDirectory),
        new(FileCreate, Existing.Nothing, Option.NonDirectoryFile, NtStatus.Success, false, Effect.CreatedFile),
        new(FileCreate, Existing.File, Option.Neither, Collision, null, Effect.Unchanged),
        new(FileCreate, Existing.File, Option.DirectoryFile, Collision, null, Effect.Unchanged),
        new(FileCreate, Existing.File, Option.NonDirectoryFile, Collision, null, Effect.Unchanged),
        new(FileCreate, Existing.Directory, Option.Neither, Collision, null, Effect.Unchanged),
        new(FileCreate, Existing.Directory, Option.DirectoryFile, Collision, null, Effect.Unchanged),
        new(FileCreate, Existing.Directory, Option.NonDirectoryFile, Collision, null, Effect.Unchanged),

        new(FileOpenIf, Existing.Nothing, Option.Neither, NtStatus.Success, false, Effect.CreatedFile),
        new(FileOpenIf, Existing.Nothing, Option.DirectoryFile, NtStatus.Success, true, Effect.CreatedDirectory),
        new(FileOpenIf, Existing.Nothing, Option.NonDirectoryFile, NtStatus.Success, false, Effect.CreatedFile),
        new(FileOpenIf, Existing.File, Option.Neither, Collision, false, Effect.Unchanged),
        new(FileOpenIf, Existing.File, Option.DirectoryFile, NtStatus.NotADirectory, null, Effect.Unchanged),
        new(FileOpenIf, Existing.File, Option.NonDirectoryFile, Collision, false, Effect.Unchanged),
        new(FileOpenIf, Existing.Directory, Option.Neither, Collision, true, Effect.Unchanged),
        new(FileOpenIf, Existing.Directory, Option.DirectoryFile, Collision, true, Effect.Unchanged),
        new(FileOpenIf, Existing.Directory, Option.NonDirectoryFile, NtStatus.FileIsADirectory, null, Effect.Unchanged),

        new(FileOverwrite, Existing.Nothing, Option.Neither, NtStatus.ObjectNameNotFound, null, Effect.Absent),
        new(FileOverwrite, Existing.Nothing, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Absent),
        new(FileOverwrite, Existing.Nothing, Option.NonDirectoryFile, NtStatus.ObjectNameNotFound, null, Effect.Absent),
        new(FileOverwrite, Existing.File, Option.Neither, NtStatus.Success, false, Effect.Truncated),
        new(FileOverwrite, Existing.File, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Unchanged),
        new(FileOverwrite, Existing.File, Option.NonDirectoryFile, NtStatus.Success, false, Effect.Truncated),
        new(FileOverwrite, Existing.Directory, Option.Neither, NtStatus.FileIsADirectory, null, Effect.Unchanged),
        new(FileOverwrite, Existing.Directory, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Unchanged),
        new(FileOverwrite, Existing.Directory, Option.NonDirectoryFile, NtStatus.FileIsADirectory, null, Effect.Unchanged),

        new(FileOverwriteIf, Existing.Nothing, Option.Neither, NtStatus.Success, false, Effect.CreatedFile),
        new(FileOverwriteIf, Existing.Nothing, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Absent),
        new(FileOverwriteIf, Existing.Nothing, Option.NonDirectoryFile, NtStatus.Success, false, Effect.CreatedFile),
        new(FileOverwriteIf, Existing.File, Option.Neither, Collision, false, Effect.Truncated),
        new(FileOverwriteIf, Existing.File, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Unchanged),
        new(FileOverwriteIf, Existing.File, Option.NonDirectoryFile, Collision, false, Effect.Truncated),
        new(FileOverwriteIf, Existing.Directory, Option.Neither, NtStatus.FileIsADirectory, null, Effect.Unchanged),
        new(FileOverwriteIf, Existing.Directory, Option.DirectoryFile, NtStatus.InvalidParameter, null, Effect.Unchanged),
        new(FileOverwriteIf, Existing.Directory, Option.NonDirectoryFile, NtStatus.FileIsADirectory, null, Effect.Unchanged),
    ];

    [TestMethod]
    public void The_table_covers_every_disposition_existing_object_and_option_once()
    {
        var keys = Cases.Select(c => (c.Disposition, c.Existing, c.Option)).ToList();
        Assert.HasCount(6 * 3 * 3, keys);
        Assert.HasCount(keys.Count, keys.Distinct());
    }

    [TestMethod]
    [DataRow(Existing.Nothing)]
    [DataRow(Existing.File)]
    [DataRow(Existing.Directory)]
    public async Task Every_disposition_and_option_gives_the_right_status_handle_and_effect_on_disk(Existing existing)
    {
        await MountAsync();
        var failures = new StringBuilder();
        var cases = Cases.Where(c => c.Existing == existing).ToList();
        for (var i = 0; i < cases.Count; i++)
        {
            Run(cases[i], $@"\case{i}", failures);
        }

        Assert.AreEqual(0, Operations.Handles.Count, "every open was closed");
        Assert.AreEqual(string.Empty, failures.ToString(), $"mismatches among the {cases.Count} cases with {existing} at the name");
    }

    private void Run(Case c, string directory, StringBuilder failures)
    {
        Directory.CreateDirectory(OnDisk(directory));
        var target = directory + @"\target";
        var onDisk = OnDisk(target);
        switch (c.Existing)
        {
            case Existing.File:
                File.WriteAllText(onDisk, Original);
                HostFile.SetMode(onDisk, ExistingFileMode);
                break;
            case Existing.Directory:
                Directory.CreateDirectory(onDisk);
                File.WriteAllText(Path.Combine(onDisk, "inner.txt"), Original);
                break;
        }

        var options = c.Option switch
        {
            Option.DirectoryFile => FileDirectoryFile,
            Option.NonDirectoryFile => FileNonDirectoryFile,
            _ => 0u,
        } | FileSynchronousIoNonAlert;
        var openBefore = Operations.Handles.Count;
        var result = Sim.Create(target, ReadWrite, FileShareRead | FileShareWrite, c.Disposition, options, FileAttributeNormal);

        void Expect(bool condition, string what)
        {
            if (!condition)
            {
                failures.AppendLine(CultureInfo.InvariantCulture, $"{c}: {what}");
            }
        }

        Expect(result.Status == c.Status, $"status 0x{result.Status:X8}, expected 0x{c.Status:X8}");
        Expect(result.Succeeded == (c.IsDirectory is not null), result.Succeeded ? "Dokan got a handle; expected none" : "no handle; expected one");
        if (result.Handle is { } handle)
        {
            Expect(handle.IsDirectory == c.IsDirectory, $"IsDirectory {handle.IsDirectory}");
            Expect(Operations.Handles.Count == openBefore + 1, "one open recorded");
            Sim.Close(handle);
        }
        else
        {
            Expect(Operations.Handles.Count == openBefore, "a failed create left an open behind");
        }

        CheckEffect(c, onDisk, Expect);
    }

    private static void CheckEffect(Case c, string onDisk, Action<bool, string> expect)
    {
        var isFile = File.Exists(onDisk);
        var isDirectory = Directory.Exists(onDisk);
        switch (c.Effect)
        {
            case Effect.Absent:
                expect(!isFile && !isDirectory, "something was created");
                break;
            case Effect.Unchanged when c.Existing == Existing.File:
                expect(isFile && File.ReadAllText(onDisk) == Original, "the file's content changed");
                expect(isFile && HostFile.GetMode(onDisk) == ExistingFileMode, "the file's mode changed");
                break;
            case Effect.Unchanged:
                expect(isDirectory && File.Exists(Path.Combine(onDisk, "inner.txt")), "the directory or its entry went");
                break;
            case Effect.Truncated:
                expect(isFile && new FileInfo(onDisk).Length == 0, "the file was not emptied");
                expect(isFile && HostFile.GetMode(onDisk) == ExistingFileMode, "the file was recreated, not overwritten (mode changed)");
                break;
            case Effect.CreatedFile:
                expect(isFile && new FileInfo(onDisk).Length == 0, "no empty file");
                expect(isFile && HostFile.GetMode(onDisk) == CreatedFileMode, $"mode {(isFile ? HostFile.GetMode(onDisk) : 0)}, expected 0644");
                break;
            case Effect.CreatedDirectory:
                expect(isDirectory && !Directory.EnumerateFileSystemEntries(onDisk).Any(), "no empty directory");
                expect(isDirectory && HostFile.GetMode(onDisk) == CreatedDirectoryMode, $"mode {(isDirectory ? HostFile.GetMode(onDisk) : 0)}, expected 0755");
                break;
        }
    }

    private static string DispositionName(uint disposition) => disposition switch
    {
        FileSupersede => "SUPERSEDE",
        FileOpen => "OPEN",
        FileCreate => "CREATE",
        FileOpenIf => "OPEN_IF",
        FileOverwrite => "OVERWRITE",
        FileOverwriteIf => "OVERWRITE_IF",
        _ => disposition.ToString(CultureInfo.InvariantCulture),
    };
}
