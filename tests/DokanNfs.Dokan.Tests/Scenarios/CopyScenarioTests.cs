using System.Diagnostics;
using System.Runtime.Versioning;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Scenarios;

/// <summary>
/// Copies onto the drive (../shared/windows-io.md §2 "Copy in", §3): Explorer's CopyFileEx with pre-sizing, robocopy's
/// placeholder time, cmd's copy over an existing file. The times a copy sets are checked to the 100 ns tick: Ganesha's
/// VFS back end passes SETATTR time_modify / time_access to utimensat with their nanoseconds and the export is on
/// ext4, which keeps nanoseconds, so a FILETIME survives the round trip exactly.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class CopyScenarioTests(TestContext testContext) : ScenarioTestBase(testContext)
{
    private const long SixtyFourMiB = 64L << 20;

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Explorer_copies_a_64_MiB_file_in_with_pre_sizing_and_the_copy_has_the_sources_bytes_size_and_times()
    {
        await MountDriveAsync();
        var times = new SimFileTimes(
            Creation: Ticks(2020, 2, 3, 4, 5, 6, 7_890_123),
            LastAccess: Ticks(2024, 5, 6, 7, 8, 9, 1_234_567),
            LastWrite: Ticks(2023, 6, 7, 8, 9, 10, 1_112_131));
        var expectedHash = Sha256Of(new PseudoRandomStream(seed: 64, SixtyFourMiB));

        var copying = Stopwatch.StartNew();
        Sim.CopyFileIn(new PseudoRandomStream(seed: 64, SixtyFourMiB), @"\big.bin", times);
        copying.Stop();
        TestContext.WriteLine($"64 MiB copied through the adapter in {copying.Elapsed.TotalSeconds:0.00} s");

        // atime first: reading the file to hash it moves it (relatime: it is more than a day old).
        Assert.AreEqual(times.LastAccess, File.GetLastAccessTimeUtc(OnDisk(@"\big.bin")).ToFileTimeUtc(), "atime = the source's LastAccessTime");
        Assert.AreEqual(SixtyFourMiB, new FileInfo(OnDisk(@"\big.bin")).Length);
        Assert.AreEqual(expectedHash, Sha256OnDisk(@"\big.bin"), "the same bytes");
        Assert.AreEqual(times.LastWrite, MtimeOnDisk(@"\big.bin"), "mtime = the source's LastWriteTime, to the 100 ns tick");
        Assert.AreEqual((UnixFileMode)0x1A4, ModeOnDisk(@"\big.bin"));

        var information = Sim.ExplorerLooksAt(@"\big.bin");
        Assert.AreEqual(SixtyFourMiB, SizeOf(information));
        Assert.AreEqual(times.LastWrite, LastWriteOf(information), "GetFileInformation afterwards agrees");
        Assert.AreEqual(FileAttributeNormal, information.dwFileAttributes, "ARCHIVE is not kept: NFS has nowhere to put it");
        AssertOnlyTheseDidNotSucceed(
            @"ZwCreateFile \big.bin = ObjectNameNotFound",
            @"ZwCreateFile \big.bin = ObjectNameNotFound",
            @"ZwCreateFile \big.bin = ObjectNameNotFound",
            @"GetFileSecurity \big.bin = BufferOverflow");
        Assert.AreEqual(64, Sim.Calls.Count(c => c.Request.StartsWith(@"WriteFile \big.bin@", StringComparison.Ordinal)), "1 MiB writes");
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task Robocopy_sets_a_placeholder_time_first_and_the_real_times_and_attributes_last_so_the_next_run_finds_nothing_to_copy()
    {
        await MountDriveAsync();
        const long Length = (3L << 20) + 12_345;
        var times = new SimFileTimes(Ticks(2019, 1, 1, 0, 0, 0), Ticks(2022, 2, 2, 2, 2, 2, 2), Ticks(2021, 12, 31, 23, 59, 59, 9_999_999));
        var folderTimes = new SimFileTimes(Ticks(2017, 7, 7, 7, 7, 7), Ticks(2017, 8, 8, 8, 8, 8), Ticks(2017, 9, 9, 9, 9, 9, 900));

        // §3: the folder, the file (placeholder time, data, the source's READONLY | ARCHIVE and real times), then the
        // folder's own times once its content is there.
        Sim.RobocopyMakesFolder(@"\backup");
        Sim.RobocopyCopiesFile(new PseudoRandomStream(seed: 7, Length), @"\backup\data.bin", times, FileAttributeReadOnly | FileAttributeArchive);
        Sim.RobocopySetsFolderTimes(@"\backup", folderTimes);

        Assert.AreEqual(Sha256Of(new PseudoRandomStream(seed: 7, Length)), Sha256OnDisk(@"\backup\data.bin"));
        Assert.AreEqual(times.LastWrite, MtimeOnDisk(@"\backup\data.bin"), "the real time, not the 1980 placeholder nor the time of the last write");
        Assert.AreEqual((UnixFileMode)0x124, ModeOnDisk(@"\backup\data.bin"), "READONLY: no write bits (0444)");
        Assert.AreEqual(folderTimes.LastWrite, Directory.GetLastWriteTimeUtc(OnDisk(@"\backup")).ToFileTimeUtc(), "the folder's time, set after its content");

        // robocopy's next run compares size and LastWriteTime from a listing (Get-ChildItem's kind: no per-entry opens, §3).
        var copied = Sim.ExplorerLists(@"\backup").Single();
        Assert.AreEqual((ulong)Length, copied.Size);
        Assert.AreEqual(times.LastWrite, copied.LastWriteTime, "same size and time as the source: nothing to copy again");
        Assert.AreEqual(FileAttributeReadOnly, copied.Attributes);
        var folder = Sim.ExplorerLists(@"\").Single();
        Assert.AreEqual(folderTimes.LastWrite, folder.LastWriteTime);
        var calls = Sim.Calls.ToList();
        static bool IsSetTime(SimCall c) => c.Request.StartsWith(@"SetFileTime \backup\data.bin", StringComparison.Ordinal);
        static bool IsWrite(SimCall c) => c.Request.StartsWith("WriteFile", StringComparison.Ordinal);
        Assert.AreEqual(2, calls.Count(IsSetTime), "the placeholder before the data, the real times after it");
        Assert.IsLessThan(calls.FindIndex(IsWrite), calls.FindIndex(IsSetTime));
        Assert.IsGreaterThan(calls.FindLastIndex(IsWrite), calls.FindLastIndex(IsSetTime));
        AssertOnlyTheseDidNotSucceed();
        AssertQuietEnd();
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Robocopy_with_eight_threads_copies_sixteen_files_at_once_while_Explorer_lists_the_folder()
    {
        await MountDriveAsync();
        Sim.RobocopyMakesFolder(@"\mt");
        const int Files = 16;
        static long LengthOf(int i) => (1L << 20) + (i * 4099);
        SimFileTimes TimesOf(int i) => new(Ticks(2016, 1, 1 + i, 0, 0, 0), Ticks(2016, 2, 1 + i, 0, 0, 0), Ticks(2016, 3, 1 + i, 1, 2, 3, i * 1000 + 7));

        // robocopy /MT:8 (§3): eight copies in flight, each the whole single-file sequence on its own handle.
        using var gate = new SemaphoreSlim(8);
        var copies = Enumerable.Range(0, Files).Select(i => Task.Run(
            async () =>
            {
                await gate.WaitAsync(Ct);
                try
                {
                    Sim.RobocopyCopiesFile(new PseudoRandomStream((ulong)(100 + i), LengthOf(i)), $@"\mt\file{i:D2}.bin", TimesOf(i), FileAttributeArchive);
                }
                finally
                {
                    gate.Release();
                }
            },
            Ct)).ToList();
        while (!copies.TrueForAll(t => t.IsCompleted))
        {
            Assert.IsLessThanOrEqualTo(Files, Sim.ExplorerLists(@"\mt").Count, "Explorer refreshing the folder meanwhile");
        }

        await Task.WhenAll(copies);

        var listing = Sim.ExplorerLists(@"\mt").ToDictionary(e => e.Name, StringComparer.Ordinal);
        Assert.HasCount(Files, listing);
        for (var i = 0; i < Files; i++)
        {
            var path = $@"\mt\file{i:D2}.bin";
            Assert.AreEqual(Sha256Of(new PseudoRandomStream((ulong)(100 + i), LengthOf(i))), Sha256OnDisk(path), path);
            Assert.AreEqual(TimesOf(i).LastWrite, MtimeOnDisk(path), path);
            Assert.AreEqual((ulong)LengthOf(i), listing[$"file{i:D2}.bin"].Size, path);
            Assert.AreEqual(TimesOf(i).LastWrite, listing[$"file{i:D2}.bin"].LastWriteTime, path);
        }

        AssertOnlyTheseDidNotSucceed();
        AssertQuietEnd();
    }

    [TestMethod]
    public async Task Cmd_copy_over_an_existing_longer_file_opens_it_with_open_if_and_leaves_exactly_the_new_content()
    {
        await MountDriveAsync();
        Directory.CreateDirectory(OnDisk(@"\d"));
        File.WriteAllBytes(OnDisk(@"\d\a"), new byte[200_000]);
        const long Length = 150_000;
        var times = new SimFileTimes(Ticks(2018, 3, 3, 3, 3, 3), Ticks(2018, 4, 4, 4, 4, 4), Ticks(2018, 5, 5, 5, 5, 5, 5));

        // `copy a X:\d\` (§3): probes "\d\*" and "\d\a" with FILE_READ_ATTRIBUTES, the volume, then the copy-in pattern
        // with OPEN_IF and share 0 on the file that is there.
        var wildcard = Sim.Create(@"\d\*", FileReadAttributes, WindowsIoSimulator.ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.ObjectNameInvalid, wildcard.Status, "a wildcard is no file name (NTFS answers the same)");
        var existing = Sim.Open(@"\d\a", FileReadAttributes, WindowsIoSimulator.ShareAll, FileOpen);
        Assert.IsFalse(existing.IsDirectory, "a file, so the copy goes onto it");
        Sim.Close(existing);
        var directory = Sim.Open(@"\d", FileReadAttributes, WindowsIoSimulator.ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.GetVolumeInformation(directory, out _, out _, out _, out _, out _));
        Sim.Close(directory);
        Sim.CopyFileIn(new PseudoRandomStream(seed: 3, Length), @"\d\a", times, FileOpenIf, chunkSize: 64 << 10, probe: false, destinationExists: true);

        Assert.AreEqual(Length, new FileInfo(OnDisk(@"\d\a")).Length, "the 50,000 bytes past the new end are gone");
        Assert.AreEqual(Sha256Of(new PseudoRandomStream(seed: 3, Length)), Sha256OnDisk(@"\d\a"));
        Assert.AreEqual(times.LastWrite, MtimeOnDisk(@"\d\a"));
        AssertOnlyTheseDidNotSucceed(
            @"ZwCreateFile \d\* = ObjectNameInvalid",
            @"ZwCreateFile \d\a = ObjectNameCollision"); // OPEN_IF on the existing file: "opened"
        AssertQuietEnd();
    }
}
