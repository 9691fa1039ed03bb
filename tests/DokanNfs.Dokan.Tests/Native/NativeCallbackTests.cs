using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>The trampolines' own duties: a full table, the exception barrier, unknown volumes, no allocation.</summary>
[TestClass]
public sealed class NativeCallbackTests(TestContext testContext) : NativeTestBase(testContext)
{
    [TestMethod]
    public unsafe void Every_DOKAN_OPERATIONS_field_points_at_its_own_trampoline()
    {
        var operations = DokanCallbacks.Create();
        var fields = (nint*)&operations;
        var count = sizeof(DOKAN_OPERATIONS) / sizeof(nint);
        Assert.AreEqual(25, count);
        var seen = new HashSet<nint>();
        for (var i = 0; i < count; i++)
        {
            Assert.AreNotEqual(0, fields[i], $"field {i} is NULL: Dokan would treat that callback as not implemented");
            Assert.IsTrue(seen.Add(fields[i]), $"field {i} shares its trampoline with another field");
        }
    }

    [TestMethod]
    public async Task A_callback_for_a_volume_this_process_does_not_know_is_refused_without_a_crash()
    {
        await MountNativeAsync();
        // ZwCreateFile, Cleanup, CloseFile and ReadFile with a forged GlobalContext, FlushFileBuffers with NULL
        // DokanOptions and with a NULL DOKAN_FILE_INFO: the stand-in answers only if all agree.
        Assert.AreEqual(NtStatus.InvalidDeviceState, StandIn.standin_create_foreign(Driver.MountPoint, @"\x", 0xDEAD_BEEF_0000_0001));
        Assert.AreEqual(NtStatus.InvalidDeviceState, StandIn.standin_create_foreign(Driver.MountPoint, @"\x", 0));
        Assert.AreEqual(0, NativeOperations.Handles.Count);

        // The volume still serves its own requests.
        var open = Driver.Open(@"\after.txt", GenericWrite, 0, FileCreate, FileNonDirectoryFile);
        Driver.Close(open);
        Assert.IsTrue(File.Exists(OnDisk(@"\after.txt")));
    }

    [TestMethod]
    public async Task The_ReadFile_trampoline_allocates_nothing_on_its_way_to_an_answer()
    {
        await MountNativeAsync();
        var buffer = new byte[4096];
        unsafe int ReadForeign()
        {
            fixed (byte* data = buffer)
            {
                return StandIn.standin_read_foreign(Driver.MountPoint, 0x0BAD_0BAD, data, (uint)buffer.Length);
            }
        }

        Assert.AreEqual(NtStatus.InvalidDeviceState, ReadForeign()); // first call: JIT and statics
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            ReadForeign();
        }

        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before, "bytes allocated by 1000 ReadFile calls (span, lookup, answer)");
    }

    [TestMethod]
    public async Task An_exception_inside_the_adapter_comes_back_as_STATUS_INTERNAL_ERROR_and_the_volume_keeps_serving()
    {
        await MountNativeAsync(faulty: true);

        var status = Driver.Create(@"\boom.txt", GenericWrite, 0, FileCreate, out var open, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.InternalError, status, Status.Of(status));
        Assert.IsNull(open);

        var second = Driver.Open(@"\second.txt", GenericWrite, 0, FileCreate, FileNonDirectoryFile);
        Driver.Close(second);
        Assert.IsTrue(File.Exists(OnDisk(@"\second.txt")));
        Assert.IsFalse(File.Exists(OnDisk(@"\boom.txt")));
    }

    [TestMethod]
    public async Task An_exception_that_escapes_the_adapter_is_caught_by_the_trampoline_logged_and_answered_STATUS_INTERNAL_ERROR()
    {
        // The adapter's own barrier logs through a logger that throws: the exception leaves the adapter and must
        // stop at the trampoline (an exception unwinding into dokan2.dll would end the process).
        await MountNativeAsync(adapterLogger: new ThrowingLogger(), faulty: true);

        var status = Driver.Create(@"\boom.txt", GenericWrite, 0, FileCreate, out var open, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.InternalError, status, Status.Of(status));
        Assert.IsNull(open);
        var logged = VolumeLog.WithId(610);
        Assert.AreEqual(1, logged.Count, string.Join("\n", VolumeLog.Events));
        Assert.AreEqual("ZwCreateFile", logged[0].Values["Callback"]);

        var second = Driver.Open(@"\second.txt", GenericWrite, 0, FileCreate, FileNonDirectoryFile);
        Driver.Close(second);
        Assert.IsTrue(File.Exists(OnDisk(@"\second.txt")));
    }
}
