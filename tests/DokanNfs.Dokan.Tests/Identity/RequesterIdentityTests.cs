using System.Runtime.Versioning;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Security;
using DokanNfs.Dokan.Tests.Simulator;
using static DokanNfs.Dokan.Adapter.NtCreate;

namespace DokanNfs.Dokan.Tests.Identity;

/// <summary>
/// Issue 6 §15: the Windows user behind each request acts on the server with the uid/gid the mapping gives
/// that user, never another's; unmapped users get the anonymous ids or are refused, as configured.
/// </summary>
[TestClass]
[SupportedOSPlatform("linux")]
public class RequesterIdentityTests(TestContext testContext) : SimulatorTestBase(testContext)
{
    private const uint AliceProcess = 100;
    private const uint BobProcess = 200;
    private const uint StrangerProcess = 300;
    private static readonly Sid Alice = Sid.Parse("S-1-5-21-1000-2000-3000-1001");
    private static readonly Sid Bob = Sid.Parse("S-1-5-21-1000-2000-3000-1002");

    private async Task MountWithAsync(string unmapped)
    {
        var map = IdentityMap.Parse($"user {Alice} = 1001:1001\nuser {Bob} = 1002:1002:50\nanonymous = 65533:65533\nunmapped = {unmapped}\n");
        await MountAsync(new DokanAdapterOptions { MapRequesters = true, Identity = map });
        Host.ProcessSids[AliceProcess] = Alice.ToString();
        Host.ProcessSids[BobProcess] = Bob.ToString();
        Host.ProcessSids[StrangerProcess] = "S-1-5-21-9-9-9-4242";
        Directory.CreateDirectory(OnDisk(@"\shared"));
        File.SetUnixFileMode(OnDisk(@"\shared"), (UnixFileMode)0x1FF); // 0777: everyone may create
    }

    [TestMethod]
    public async Task Each_user_creates_as_their_own_uid_and_cannot_read_another_users_private_file()
    {
        await MountWithAsync("refuse");
        var alices = Sim.Create(@"\shared\alice.txt", GenericRead | GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile, processId: AliceProcess);
        Assert.AreEqual(NtStatus.Success, alices.Status);
        Assert.AreEqual(NtStatus.Success, Sim.Write(alices.Handle!, 0, "secret"u8.ToArray(), out _));

        var bobs = Sim.Create(@"\shared\bob.txt", GenericWrite, FileShareRead, FileCreate, FileNonDirectoryFile, processId: BobProcess);
        Assert.AreEqual(NtStatus.Success, bobs.Status);
        Sim.Close(bobs.Handle!);
        Sim.Close(alices.Handle!);

        Assert.AreEqual((1001u, 1001u), DiskStat.OwnerOf(OnDisk(@"\shared\alice.txt")));
        Assert.AreEqual((1002u, 1002u), DiskStat.OwnerOf(OnDisk(@"\shared\bob.txt")));

        File.SetUnixFileMode(OnDisk(@"\shared\alice.txt"), (UnixFileMode)0x180); // 0600
        Assert.AreEqual(NtStatus.AccessDenied, Sim.Create(@"\shared\alice.txt", GenericRead, FileShareRead, FileOpen, processId: BobProcess).Status);
        var again = Sim.Open(@"\shared\alice.txt", GenericRead, FileShareRead, FileOpen, processId: AliceProcess);
        var buffer = new byte[16];
        Assert.AreEqual(NtStatus.Success, Sim.Read(again, 0, buffer, out var read));
        Assert.AreEqual("secret", System.Text.Encoding.UTF8.GetString(buffer, 0, (int)read));
        Sim.Close(again);
    }

    [TestMethod]
    public async Task An_open_keeps_its_requesters_identity_whoever_the_later_calls_come_from()
    {
        await MountWithAsync("refuse");
        var handle = Sim.Open(@"\shared\kept.txt", GenericRead | GenericWrite, FileShareRead | FileShareWrite, FileCreate, processId: AliceProcess);

        // Bob's process writes through Alice's handle (a handle passed between processes): still Alice's open.
        var bobsView = Sim.Open(@"\shared\kept.txt", FileReadAttributes, FileShareRead | FileShareWrite, FileOpen, processId: BobProcess);
        Assert.AreEqual(NtStatus.Success, Sim.Write(handle, 0, "from alice"u8.ToArray(), out _));
        Assert.AreEqual(NtStatus.Success, Sim.SetFileAttributes(handle, FileAttributeReadOnly));
        Sim.Close(bobsView);
        Sim.Close(handle);
        Assert.AreEqual((1001u, 1001u), DiskStat.OwnerOf(OnDisk(@"\shared\kept.txt")));
        Assert.AreEqual((UnixFileMode)0x124, File.GetUnixFileMode(OnDisk(@"\shared\kept.txt")), "the owner (Alice) could clear the write bits");
    }

    [TestMethod]
    public async Task A_delete_the_server_would_refuse_is_refused_when_asked_not_lost_at_Cleanup()
    {
        await MountWithAsync("refuse");
        Directory.CreateDirectory(OnDisk(@"\locked"));
        File.WriteAllText(OnDisk(@"\locked\f.txt"), "root's");
        File.SetUnixFileMode(OnDisk(@"\locked\f.txt"), (UnixFileMode)0x1B6); // 0666: Bob may write it, not unlink it

        var handle = Sim.Open(@"\locked\f.txt", NtCreate.Delete | FileReadAttributes, FileShareRead | FileShareWrite | FileShareDelete, FileOpen, processId: BobProcess);
        Assert.AreEqual(NtStatus.AccessDenied, Sim.SetDeletePending(handle), "the directory is root's 0755: Bob may not remove names in it");
        Sim.Close(handle);
        Assert.IsTrue(File.Exists(OnDisk(@"\locked\f.txt")));

        var own = Sim.Open(@"\shared\mine.txt", GenericWrite | NtCreate.Delete, FileShareRead, FileCreate, processId: BobProcess);
        Sim.Close(own);
        var again = Sim.Open(@"\shared\mine.txt", NtCreate.Delete | FileReadAttributes, FileShareRead | FileShareDelete, FileOpen, processId: BobProcess);
        Assert.AreEqual(NtStatus.Success, Sim.SetDeletePending(again), "in the 0777 directory he may");
        Sim.Close(again);
        Assert.IsFalse(File.Exists(OnDisk(@"\shared\mine.txt")));
    }

    [TestMethod]
    public async Task Unmapped_users_are_refused_when_configured_so()
    {
        await MountWithAsync("refuse");
        Assert.AreEqual(NtStatus.AccessDenied, Sim.Create(@"\shared\x.txt", GenericWrite, FileShareRead, FileCreate, processId: StrangerProcess).Status);
        Assert.AreEqual(NtStatus.AccessDenied, Sim.Create(@"\", FileReadAttributes, FileShareRead, FileOpen, processId: 999).Status, "no SID at all is refused too");
        Assert.IsFalse(File.Exists(OnDisk(@"\shared\x.txt")));
    }

    [TestMethod]
    public async Task Unmapped_users_get_the_anonymous_ids_when_configured_so()
    {
        await MountWithAsync("anonymous");
        var created = Sim.Create(@"\shared\anon.txt", GenericWrite, FileShareRead, FileCreate, processId: StrangerProcess);
        Assert.AreEqual(NtStatus.Success, created.Status);
        Sim.Close(created.Handle!);
        Assert.AreEqual((65533u, 65533u), DiskStat.OwnerOf(OnDisk(@"\shared\anon.txt")));
    }
}
