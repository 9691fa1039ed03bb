using System.Runtime.Versioning;
using DokanNfs.Core.Client;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Scenarios;

/// <summary>
/// Memory-mapped files (../shared/windows-io.md §0 "I/O flags", §5.12): the memory manager reads and writes pages by
/// paging I/O through the file object behind the section, also after the program closed its handle — so after
/// Cleanup, until CloseFile.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class MappedFileScenarioTests(TestContext testContext) : ScenarioTestBase(testContext)
{
    [TestMethod]
    public async Task A_program_started_from_the_drive_is_paged_in_after_its_handle_is_closed_and_holds_no_one_up()
    {
        await MountDriveAsync();
        Directory.CreateDirectory(OnDisk(@"\tools"));
        var bytes = new byte[10_000];
        new PseudoRandomStream(seed: 11, bytes.Length).ReadExactly(bytes);
        File.WriteAllBytes(OnDisk(@"\tools\app.exe"), bytes);
        File.SetUnixFileMode(OnDisk(@"\tools\app.exe"), (UnixFileMode)0x1ED);

        var process = Sim.LoaderRunsImage(@"\tools\app.exe", out var image);

        CollectionAssert.AreEqual(bytes, image, "every page read after Cleanup");
        // While it runs, its pages come through an OPEN that denies nothing: another machine may open it for writing.
        var otherMachine = Track(new NfsClient(Server.EndPoint, ClientOptions()));
        await using (var writer = await otherMachine.OpenAsync(Export + "/tools/app.exe", OpenRequest.ForReadWrite with { Deny = Core.Nfs4.OpenShareDeny.None }, Ct))
        {
            await writer.CloseAsync(Ct);
        }

        Assert.AreEqual(1, Operations.Handles.Count, "the cleaned-up open lives until the process ends");
        Sim.CloseFile(process);
        AssertOnlyTheseDidNotSucceed();
        AssertQuietEnd();
        CollectionAssert.AreEqual(bytes, File.ReadAllBytes(OnDisk(@"\tools\app.exe")), "reading changed nothing");
    }

    [TestMethod]
    public async Task A_file_written_through_a_mapped_view_gets_its_pages_after_the_handle_is_closed_and_no_byte_past_its_end()
    {
        await MountDriveAsync();
        const int Size = 10_000;
        var pages = new byte[3 * 4096];
        new PseudoRandomStream(seed: 12, pages.Length).ReadExactly(pages);

        // The program creates the file, sizes it for the section, maps it and closes its handle (Cleanup).
        var created = Sim.Create(@"\data.db", WindowsIoSimulator.MappedGenericReadWrite, FileShareRead, FileCreate, FileSynchronousIoNonAlert | FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, created.Status);
        var handle = created.Handle!;
        Assert.AreEqual(NtStatus.Success, Sim.SetEndOfFile(handle, Size));
        Sim.Cleanup(handle);

        // The modified page writer writes whole pages later; the last one crosses the end of file, one lies past it.
        for (var offset = 0; offset < pages.Length; offset += 4096)
        {
            Assert.AreEqual(NtStatus.Success, Sim.Write(handle, offset, pages.AsMemory(offset, 4096), out var written, pagingIo: true), $"page @{offset}");
            Assert.AreEqual((uint)Math.Clamp(Size - offset, 0, 4096), written, $"page @{offset}, clipped at the end of file");
        }

        Assert.AreEqual(NtStatus.Success, Sim.Write(handle, 12_288, pages.AsMemory(0, 4096), out var beyond, pagingIo: true));
        Assert.AreEqual(0u, beyond, "a page wholly past the end writes nothing");
        Sim.CloseFile(handle);

        CollectionAssert.AreEqual(pages[..Size], File.ReadAllBytes(OnDisk(@"\data.db")), "the pages' bytes up to the size set, and no further");
        AssertOnlyTheseDidNotSucceed();
        AssertQuietEnd();
    }
}
