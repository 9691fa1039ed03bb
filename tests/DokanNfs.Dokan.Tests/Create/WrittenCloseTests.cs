using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Create;

/// <summary>
/// Closing a handle a program wrote through: the adapter sends no COMMIT of its own before the CLOSE; the close commits
/// in the CLOSE's COMPOUND (PUTFH COMMIT CLOSE), so a small file copied in costs OPEN, WRITE, COMMIT + CLOSE on the wire.
/// </summary>
[TestClass]
public class WrittenCloseTests(TestContext testContext) : WireCountingTestBase(testContext)
{
    private const uint Write = 0x120116;

    [TestMethod]
    public async Task A_written_handle_is_committed_and_closed_in_one_COMPOUND_and_its_data_is_on_the_server()
    {
        await MountRecordedAsync();
        var data = new byte[4096];
        new Random(7).NextBytes(data);

        var created = Recorded.Create(@"\copied.bin", Write, FileShareRead, FileCreate, FileNonDirectoryFile, FileAttributeNormal);
        Assert.IsNotNull(created.Handle, $"create: 0x{created.Status:X8}");
        Assert.AreEqual(NtStatus.Success, Recorded.Write(created.Handle, 0, data, out var written));
        Assert.AreEqual((uint)data.Length, written);
        Step("close", () => Recorded.Close(created.Handle));

        Assert.AreEqual(1, Wire.Replies.Count(r => r.Step == "close"), "one COMPOUND for the close");
        Assert.AreEqual(1, Count("close", NfsOpnum4.Commit), "the written data committed");
        Assert.AreEqual(1, Count("close", NfsOpnum4.Close));
        CollectionAssert.AreEqual(data, await File.ReadAllBytesAsync(OnDisk(@"\copied.bin"), Ct));
    }
}
