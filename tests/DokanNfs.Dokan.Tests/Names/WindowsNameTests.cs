using System.Runtime.Versioning;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Names;

/// <summary>Issue 6 §8 through the adapter against a real server: forbidden characters, case, long names.</summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class WindowsNameTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    [TestMethod]
    public async Task A_name_with_characters_Windows_forbids_is_listed_mapped_and_opens_the_server_file()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\a:b?c.txt"), "colon and question mark");
        File.WriteAllText(OnDisk(@"\ends with dot."), "dot");

        var root = Sim.Open(@"\", FileListDirectory | Synchronize, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, FileDirectoryFile);
        Assert.AreEqual(NtStatus.Success, Sim.FindFiles(root, "*", out var entries));
        Sim.Close(root);
        var names = entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        Assert.IsTrue(names.Contains("a\uF03Ab\uF03Fc.txt"), string.Join(", ", names));
        Assert.IsTrue(names.Contains("ends with dot\uF02E"), string.Join(", ", names));

        var handle = Sim.Open("\\a\uF03Ab\uF03Fc.txt", GenericRead, FileShareRead, FileOpen, FileNonDirectoryFile);
        var buffer = new byte[64];
        Assert.AreEqual(NtStatus.Success, Sim.Read(handle, 0, buffer, out var read));
        Assert.AreEqual("colon and question mark", System.Text.Encoding.UTF8.GetString(buffer, 0, (int)read));
        Sim.Close(handle);
    }

    [TestMethod]
    public async Task A_name_made_on_Windows_with_private_use_characters_is_stored_with_the_real_characters()
    {
        await MountAsync();
        var created = Sim.Create("\\x\uF03Cy\uF07C.txt", GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile);
        Assert.AreEqual(NtStatus.Success, created.Status);
        Sim.Close(created.Handle!);
        Assert.IsTrue(File.Exists(OnDisk(@"\x<y|.txt")));
    }

    [TestMethod]
    public async Task Case_sensitive_by_default_and_case_insensitive_on_request_with_exact_match_winning_and_ambiguity_refused()
    {
        await MountAsync();
        File.WriteAllText(OnDisk(@"\readme.txt"), "r");
        Directory.CreateDirectory(OnDisk(@"\Docs"));
        File.WriteAllText(OnDisk(@"\Docs\Foo"), "upper");
        File.WriteAllText(OnDisk(@"\Docs\foo"), "lower");
        Assert.AreEqual(NtStatus.ObjectNameNotFound, Sim.Create(@"\README.TXT", FileReadAttributes, FileShareRead, FileOpen).Status);

        await MountAsync(new DokanAdapterOptions { CaseInsensitive = true }, server: Server);
        var found = Sim.Open(@"\README.TXT", GenericRead, FileShareRead, FileOpen);
        var buffer = new byte[8];
        Assert.AreEqual(NtStatus.Success, Sim.Read(found, 0, buffer, out var read));
        Assert.AreEqual("r", System.Text.Encoding.UTF8.GetString(buffer, 0, (int)read));
        Sim.Close(found);

        var exact = Sim.Open(@"\docs\foo", GenericRead, FileShareRead, FileOpen);
        Assert.AreEqual(NtStatus.Success, Sim.Read(exact, 0, buffer, out read));
        Assert.AreEqual("lower", System.Text.Encoding.UTF8.GetString(buffer, 0, (int)read), "the exact spelling of the last component wins");
        Sim.Close(exact);

        Assert.AreEqual(NtStatus.ObjectNameCollision, Sim.Create(@"\Docs\FOO", FileReadAttributes, FileShareRead, FileOpen).Status, "two names differ only in case");

        // A create of a differently-cased existing name collides instead of making a second file.
        Assert.AreEqual(NtStatus.ObjectNameCollision, Sim.Create(@"\ReadMe.txt", GenericWrite, FileShareRead, FileCreate).Status);
        Assert.IsFalse(File.Exists(OnDisk(@"\ReadMe.txt")));
    }

    [TestMethod]
    public async Task Over_long_names_and_paths_get_the_NTSTATUS_Windows_gives()
    {
        await MountAsync();
        var longName = "\\" + new string('n', 300);
        Assert.AreEqual(NtStatus.ObjectNameInvalid, Sim.Create(longName, GenericWrite, FileShareRead, FileCreate).Status);
        Assert.AreEqual(NtStatus.ObjectNameInvalid, Sim.Create(longName, FileReadAttributes, FileShareRead, FileOpen).Status);

        var longPath = string.Concat(Enumerable.Repeat(@"\" + new string('d', 200), 170));
        Assert.AreEqual(NtStatus.NameTooLong, Sim.Create(longPath, FileReadAttributes, FileShareRead, FileOpen).Status);
        Assert.AreEqual(NtStatus.ObjectNameInvalid, Sim.Create(@"\a\\b", FileReadAttributes, FileShareRead, FileOpen).Status);
        Assert.AreEqual(0, Operations.Handles.Count);
    }
}
