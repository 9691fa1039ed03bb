using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// Calls run under per-user AUTH_SYS credentials (<see cref="NfsCallContext"/>) against Ganesha, which checks
/// permissions with them (the tests run as root, the export is no_root_squash): what a user creates is theirs,
/// another user is refused it, and an open file keeps acting as the user who opened it.
/// </summary>
[TestClass]
public sealed class CredentialTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const uint OwnerOnly = 0x180; // 0600
    private const uint Everyone = 0x1FF; // 0777

    private static readonly RpcCredential Alice = RpcCredential.Sys(1001, 1001);
    private static readonly RpcCredential Bob = RpcCredential.Sys(1002, 1002);

    [TestMethod]
    public async Task A_file_created_as_a_user_is_theirs_and_another_user_is_refused_it()
    {
        var server = await StartServerAsync();
        var client = Connect(server);
        await MakeSharedDirectoryAsync(server, client);

        using (NfsCallContext.Use(Alice))
        {
            await using var created = await client.OpenAsync(Nfs("shared/alice.txt"), CreateOwnerOnly, Ct);
            await created.WriteAsync(0, "alice's"u8.ToArray(), StableHow4.FileSync, Ct);
        }

        Assert.AreEqual((1001, 1001), HostOwner(server.PathInExport("shared/alice.txt")), "created as 1001, owned by 1001 on the server's disk");
        Assert.AreEqual((UnixFileMode)OwnerOnly, HostMode(server.PathInExport("shared/alice.txt")));

        using (NfsCallContext.Use(Bob))
        {
            var refused = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.OpenAsync(Nfs("shared/alice.txt"), OpenRequest.ForRead, Ct));
            Assert.AreEqual(NfsStat4.Access, refused.Status, refused.Message);
        }

        using (NfsCallContext.Use(Alice))
        {
            await using var mine = await client.OpenAsync(Nfs("shared/alice.txt"), OpenRequest.ForRead, Ct);
            var buffer = new byte[32];
            var count = await mine.ReadAsync(0, buffer, Ct);
            Assert.AreEqual("alice's", Encoding.ASCII.GetString(buffer, 0, count));
        }
    }

    [TestMethod]
    public async Task An_open_file_does_its_io_locks_and_close_as_its_opener_while_another_user_is_current()
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint);
        await MakeSharedDirectoryAsync(server, client);
        NfsOpenFile file;
        using (NfsCallContext.Use(Alice))
        {
            file = await client.OpenAsync(Nfs("shared/alice.bin"), CreateOwnerOnly, Ct);
        }

        var mark = tap.Calls.Count;
        var data = Encoding.ASCII.GetBytes(new string('a', 10_000));
        using (NfsCallContext.Use(Bob))
        {
            // Bob himself may not even open it: what follows works only because it goes as Alice.
            var refused = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.OpenAsync(Nfs("shared/alice.bin"), OpenRequest.ForRead, Ct));
            Assert.AreEqual(NfsStat4.Access, refused.Status);
            mark = tap.Calls.Count;

            await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
            await file.CommitAsync(Ct);
            Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));
            var back = new byte[data.Length];
            Assert.AreEqual(data.Length, await file.ReadAsync(0, back, Ct));
            CollectionAssert.AreEqual(data, back);
            await file.UnlockAsync(0, 100, Ct);
            await file.SetAttrAsync(new SetAttributes { Size = 5000 }, Ct);
            await file.CloseAsync(Ct);
        }

        var calls = tap.CallsWithUid.Skip(mark).ToList();
        CollectionAssert.IsSubsetOf(new[] { "write", "commit", "lock", "read", "locku", "setattr", "close" }, calls.Select(c => c.Call.Tag).Distinct().ToList());
        var strays = calls.Where(c => c.Call.Tag != "fsinfo" && c.Uid != 1001).ToList();
        Assert.IsEmpty(strays, "everything done with Alice's file went as Alice: " + string.Join(", ", strays));
        Assert.AreEqual(5000L, new FileInfo(server.PathInExport("shared/alice.bin")).Length);
        Assert.AreEqual((1001, 1001), HostOwner(server.PathInExport("shared/alice.bin")));
    }

    private static OpenRequest CreateOwnerOnly { get; } = new()
    {
        Access = OpenShareAccess.Both,
        Create = CreateMode4.Guarded,
        CreateAttributes = new SetAttributes { Mode = OwnerOnly },
    };

    /// <summary>A 0777 directory made as root (the client's own credential) where the users create their files.</summary>
    internal static async Task MakeSharedDirectoryAsync(TestSupport.Ganesha.GaneshaServer server, NfsClient client, CancellationToken cancellationToken = default)
    {
        await client.CreateDirectoryAsync(Nfs("shared"), new SetAttributes { Mode = Everyone }, cancellationToken);
        Assert.AreEqual((UnixFileMode)Everyone, HostMode(server.PathInExport("shared")), "every user may create in it");
        Assert.AreEqual((0, 0), HostOwner(server.PathInExport("shared")), "made as root");
    }
}
