using DokanNfs.Dokan.Mapping;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>The simulator and the adapter's create path against a real server: the base the scenario tests stand on.</summary>
[TestClass]
public class CreateSmokeTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    [TestMethod]
    public async Task Creating_a_new_file_makes_it_in_the_export_and_opening_it_again_reports_a_collision_for_open_if()
    {
        await MountAsync();
        var created = Sim.Create(@"\new.txt", GenericRead | GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, created.Status);
        Sim.Close(created.Handle!);
        Assert.IsTrue(File.Exists(OnDisk(@"\new.txt")));

        var again = Sim.Create(@"\new.txt", GenericRead, FileShareRead, FileOpenIf);
        Assert.AreEqual(NtStatus.ObjectNameCollision, again.Status);
        Assert.IsFalse(again.Handle!.IsDirectory);
        Sim.Close(again.Handle);
        Assert.AreEqual(0, Operations.Handles.Count);
    }

    [TestMethod]
    public async Task Opening_a_directory_without_directory_file_sets_IsDirectory()
    {
        await MountAsync();
        Directory.CreateDirectory(OnDisk(@"\dir"));
        var opened = Sim.Create(@"\dir", FileReadAttributes | Synchronize, FileShareRead | FileShareWrite | FileShareDelete, FileOpen);
        Assert.AreEqual(NtStatus.Success, opened.Status);
        Assert.IsTrue(opened.Handle!.IsDirectory);
        Sim.Close(opened.Handle);
    }

    [TestMethod]
    public async Task The_drive_speaks_the_NFS_version_of_the_test_class()
    {
        await MountAsync();
        Sim.Close(Sim.Create(@"\probe", GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile).Handle!);
        var client = FileSystem.Tree.Mounts.Single().Client;

        Assert.AreEqual(Version == Core.Client.NfsVersion.V41 ? 1u : 0u, client.MinorVersion);
        Assert.AreEqual(Version == Core.Client.NfsVersion.V41, client.Session is not null, "a session exactly under 4.1");
    }
}
