using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>GetFileInformation and FindStreams against Ganesha (issue 6 §4).</summary>
[TestClass]
public class FileInformationTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    [TestMethod]
    public async Task A_file_reports_attributes_times_size_links_file_index_and_the_volume_serial()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\f.txt"), "twelve bytes");
        File.CreateSymbolicLink(OnDisk(@"\unused"), "nowhere"); // something else in the directory
        CreateHardLink(OnDisk(@"\f.txt"), OnDisk(@"\f-link.txt"));

        var information = Sim.ExplorerLooksAt(@"\f.txt");

        Assert.AreEqual(FileAttributeNormal, information.dwFileAttributes);
        Assert.AreEqual(12u, information.nFileSizeLow);
        Assert.AreEqual(0u, information.nFileSizeHigh);
        Assert.AreEqual(2u, information.nNumberOfLinks, "the hard link counts");
        var inode = HostFacts.Inode(OnDisk(@"\f.txt"));
        Assert.AreEqual(inode, ((ulong)information.nFileIndexHigh << 32) | information.nFileIndexLow, "file index = fileid = inode");
        Assert.AreEqual(File.GetLastWriteTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc(), WindowsInfo.ToTicks(information.ftLastWriteTime));
        Assert.AreEqual(File.GetLastAccessTimeUtc(OnDisk(@"\f.txt")).ToFileTimeUtc(), WindowsInfo.ToTicks(information.ftLastAccessTime));
        Assert.AreNotEqual(0L, WindowsInfo.ToTicks(information.ftCreationTime), "a creation time is always given (ctime when the server has none)");

        var root = Sim.Open(@"\", Synchronize, FileShareRead | FileShareWrite, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.GetVolumeInformation(root, out _, out var serial, out _, out _, out _));
        Sim.Close(root);
        Assert.AreNotEqual(0u, serial);
        Assert.AreEqual(serial, information.dwVolumeSerialNumber, "one file system: the volume's serial");
    }

    [TestMethod]
    public async Task A_directory_reports_the_directory_attribute_and_no_size()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\d"));
        File.WriteAllText(OnDisk(@"\d\inside"), "x");

        var information = Sim.ExplorerLooksAt(@"\d");
        var root = Sim.ExplorerOpensRoot();

        Assert.AreEqual(FileAttributeDirectory, information.dwFileAttributes);
        Assert.AreEqual(0u, information.nFileSizeLow);
        Assert.AreEqual(HostFacts.Inode(OnDisk(@"\d")), ((ulong)information.nFileIndexHigh << 32) | information.nFileIndexLow);
        Assert.AreEqual(FileAttributeDirectory, root.dwFileAttributes);
        Assert.AreEqual(HostFacts.Inode(ExportDirectory), ((ulong)root.nFileIndexHigh << 32) | root.nFileIndexLow);
    }

    [TestMethod]
    public async Task An_open_with_data_access_is_asked_through_its_NFS_open_so_it_sees_its_writes_and_survives_a_rename_behind_its_back()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\grow.txt"), "1234");
        var handle = Sim.Open(@"\grow.txt", GenericRead | GenericWrite, FileShareRead, FileOpen, FileNonDirectoryFile);
        var open = Operations.Handles.Find(handle.Info.Context)?.Handle;
        Assert.IsNotNull(open, "a data open has an NFS OPEN");

        await open.WriteAsync(4, Encoding.ASCII.GetBytes("5678"), Ct);
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out var information));
        Assert.AreEqual(8u, information.nFileSizeLow, "the size after this handle's write");

        File.Move(OnDisk(@"\grow.txt"), OnDisk(@"\moved.txt"));
        Assert.AreEqual(NtStatus.Success, Sim.GetFileInformation(handle, out information), "the OPEN still names the file");
        Assert.AreEqual(8u, information.nFileSizeLow);
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task An_attribute_only_open_asks_by_path_and_answers_not_found_once_the_file_is_gone()
    {
        // noac: the file is deleted behind the adapter's back and asked about at once (cached, it would be seen
        // gone after acregmin).
        await MountAsync(clientOptions: new NfsClientOptions().WithAttributeCacheTimeout(TimeSpan.Zero));
        File.WriteAllText(OnDisk(@"\gone.txt"), "x");
        var handle = Sim.Open(@"\gone.txt", FileReadAttributes, ShareAll, FileOpen);
        Assert.IsNull(Operations.Handles.Find(handle.Info.Context)?.Handle, "no NFS OPEN for an attribute-only open");

        File.Delete(OnDisk(@"\gone.txt"));

        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.GetFileInformation(handle, out _));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task A_file_has_one_unnamed_data_stream_with_its_size_and_a_directory_has_none()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\s.bin"), new string('s', 1000));
        Directory.CreateDirectory(OnDisk(@"\folder"));
        var file = Sim.Open(@"\s.bin", FileReadAttributes, ShareAll, FileOpen);
        var folder = Sim.Open(@"\folder", FileReadAttributes, ShareAll, FileOpen);

        Assert.AreEqual(NtStatus.Success, Sim.FindStreams(file, out var streams));
        CollectionAssert.AreEqual(new[] { ("::$DATA", 1000L) }, streams);
        Assert.AreEqual(NtStatus.Success, Sim.FindStreams(folder, out streams), "success with no streams, as NTFS answers");
        Assert.IsEmpty(streams);

        Sim.Close(file);
        Sim.Close(folder);
    }

    private static void CreateHardLink(string existing, string link)
    {
        using var process = System.Diagnostics.Process.Start("ln", [existing, link]);
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, "ln");
    }
}
