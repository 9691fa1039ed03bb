using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Create;

/// <summary>
/// On NTFS a delete (FILE_DELETE_ON_CLOSE, or a delete disposition) takes effect when the object's LAST open is
/// cleaned up; until then the name stays and new opens get STATUS_DELETE_PENDING. Fix: the adapter used to
/// remove the file at the deleting handle's own Cleanup, under another program's open handle.
/// </summary>
[TestClass]
public class DeleteOnLastCleanupTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint ShareAll = FileShareRead | FileShareWrite | FileShareDelete;

    [TestMethod]
    public async Task Delete_on_close_waits_for_the_last_open_and_refuses_new_opens_meanwhile()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\shared.txt"), "in use");
        var reader = Sim.Open(@"\shared.txt", GenericRead, ShareAll, FileOpen, FileNonDirectoryFile);
        var deleter = Sim.Open(@"\shared.txt", Delete | Synchronize, ShareAll, FileOpen, FileNonDirectoryFile | FileDeleteOnClose);

        Sim.Close(deleter);
        Assert.IsTrue(File.Exists(OnDisk(@"\shared.txt")), "another open is live: the file stays");
        Assert.AreEqual(NtStatus.DeletePending, Sim.Create(@"\shared.txt", GenericRead, ShareAll, FileOpen).Status);

        var buffer = new byte[16];
        Assert.AreEqual(NtStatus.Success, Sim.Read(reader, 0, buffer, out var read), "the live open still reads");
        Assert.AreEqual(6u, read);
        Sim.Close(reader);
        Assert.IsFalse(File.Exists(OnDisk(@"\shared.txt")), "gone with the last open's Cleanup");
        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.Create(@"\shared.txt", GenericRead, ShareAll, FileOpen).Status);
    }

    [TestMethod]
    public async Task A_delete_disposition_with_another_open_live_is_done_by_the_last_Cleanup()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\doc.txt"), "x");
        var viewer = Sim.Open(@"\doc.txt", FileReadAttributes | Synchronize, ShareAll, FileOpen);
        var deleter = Sim.Open(@"\doc.txt", Delete | FileReadAttributes, ShareAll, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(deleter));
        Sim.Close(deleter);
        Assert.IsTrue(File.Exists(OnDisk(@"\doc.txt")));

        Sim.Cleanup(viewer);
        Assert.IsFalse(File.Exists(OnDisk(@"\doc.txt")));
        Sim.CloseFile(viewer);
        Assert.AreEqual(0, Operations.Handles.Count);
    }
}
