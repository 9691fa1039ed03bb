using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The fake NFSv4.0 server on its own: an <see cref="NfsClient"/> mounts it and does ordinary work, every
/// reply decodes with the client's own decoders, and the requests come back decoded field by field.
/// </summary>
[TestClass]
public sealed class FakeNfsServerTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task A_client_mounts_and_does_ordinary_work()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/existing", "hello"u8);
        await using var client = Connect(server);

        var info = await client.GetFsInfoAsync(Ct);
        Assert.AreEqual(1024UL * 1024, info.MaxWrite);
        Assert.AreEqual(90u, info.LeaseTime);
        var root = await client.GetAttrAsync("/export", Ct);
        Assert.IsTrue(root.IsDirectory);
        Assert.AreEqual(new Fsid4(2, 2), root.Attributes.Fsid);

        await client.CreateDirectoryAsync("/export/dir", null, Ct);
        var data = Pattern(300_000, 1);
        await using (var file = await client.OpenAsync("/export/dir/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
            Assert.AreEqual(data.Length, file.UncommittedBytes);
            var back = new byte[data.Length + 10];
            Assert.AreEqual(data.Length, await file.ReadAsync(0, back, Ct));
            CollectionAssert.AreEqual(data, back[..data.Length]);
            Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
            await file.SetAttrAsync(new SetAttributes { Mode = 0x180 }, Ct);
            await file.CloseAsync(Ct);
            Assert.AreEqual(0, file.UncommittedBytes);
        }

        CollectionAssert.AreEqual(data, server.ReadFile("/export/dir/f"));
        await client.RenameAsync("/export/dir/f", "/export/dir/g", Ct);
        await client.LinkAsync("/export/dir/g", "/export/h", Ct);
        await client.CreateSymlinkAsync("/export/link", "dir/g", null, Ct);
        Assert.AreEqual("dir/g", await client.ReadLinkAsync("/export/link", Ct));
        Assert.AreEqual(Access4.Read | Access4.Modify, await client.AccessAsync("/export/h", Access4.Read | Access4.Modify, Ct));

        var names = new List<string>();
        await foreach (var entry in client.ReadDirAsync("/export", cancellationToken: Ct))
        {
            names.Add(entry.Name);
        }

        CollectionAssert.AreEqual(new[] { "dir", "existing", "h", "link" }, names);
        await client.RemoveAsync("/export/h", Ct);
        Assert.IsFalse(server.Exists("/export/h"));
        Assert.AreEqual(0, server.OpenStateCount);
        AssertNoServerErrors(server);

        // Every reply the fake made is well formed by the client's own decoders, and says what the record says.
        foreach (var record in server.Records)
        {
            var reader = new XdrReader(record.Reply.Span);
            var summary = CompoundReplyWalker.Walk(ref reader);
            Assert.AreEqual(record.Status, summary.Status, record.ToString());
            CollectionAssert.AreEqual(record.Results.ToArray(), summary.Results.ToArray(), record.ToString());
        }
    }

    [TestMethod]
    public async Task A_new_open_owner_is_confirmed_and_its_seqids_run_on()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);

        await WarmUpOwnerAsync(client, "/export/a", Ct);
        await WarmUpOwnerAsync(client, "/export/b", Ct);

        // One owner: OPEN 0 needs OPEN_CONFIRM 1, CLOSE 2; then the confirmed owner is reused: OPEN 3, CLOSE 4.
        CollectionAssert.AreEqual(new[] { "Open 0", "OpenConfirm 1", "Close 2", "Open 3", "Close 4" }, SeqIds(server));
        var opens = server.Sent<OpenArgs>();
        Assert.AreEqual(opens[0].Owner.ToString(), opens[1].Owner.ToString());
        Assert.AreEqual(CreateMode4.Unchecked, opens[0].CreateMode);
        Assert.AreEqual(OpenClaimType4.Null, opens[0].Claim.Type);
        Assert.AreEqual("a", opens[0].Claim.Name);
        Assert.AreEqual(OpenShareAccess.Both, opens[0].ShareAccess);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Locks_conflict_between_clients_and_the_denial_names_the_holder()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", new byte[100]);
        await using var first = Connect(server);
        await using var second = Connect(server);
        await using var a = await first.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        await using var b = await second.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);

        Assert.IsNull(await a.LockAsync(NfsLockType4.Write, 10, 20, wait: false, Ct));
        var denied = await b.LockAsync(NfsLockType4.Read, 0, 15, wait: false, Ct);
        var tested = await b.TestLockAsync(NfsLockType4.Write, 25, 1, Ct);
        await a.UnlockAsync(10, 20, Ct);
        var granted = await b.LockAsync(NfsLockType4.Read, 0, 15, wait: false, Ct);

        Assert.IsNotNull(denied);
        Assert.AreEqual((10UL, 20UL, NfsLockType4.Write), (denied.Offset, denied.Length, denied.LockType));
        Assert.AreEqual(first.ClientId, denied.Owner.ClientId);
        Assert.IsNotNull(tested);
        Assert.IsNull(granted);
        var newOwnerLocks = server.Sent<LockArgs>().Where(l => l.NewLockOwner).ToList();
        Assert.IsTrue(newOwnerLocks.All(l => l.LockSeqId == 0), "a new lock-owner starts at seqid 0");
        Assert.IsTrue(server.Sent<LockArgs>().Where(l => !l.NewLockOwner).All(l => l.LockSeqId > 0));
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task The_fake_refuses_a_seqid_out_of_step_and_the_client_moves_to_a_new_owner()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await WarmUpOwnerAsync(client, "/export/a", Ct);
        var owner = client.Owners.AcquireOpenOwner("/export/b", client.Options.Credential);
        client.Owners.ReleaseOpenOwner(owner, "/export/b");

        // Put the client's idea of the seqid out of step with the server's.
        owner.SeqId += 5;
        var mark = server.RecordCount;
        await using (await client.OpenAsync("/export/b", new OpenRequest { Create = CreateMode4.Unchecked }, Ct))
        {
        }

        var open = server.RecordsSince(mark).First(r => r.Request.Find<OpenArgs>() is not null);
        Assert.AreEqual(new CompoundOpStatus(NfsOpnum4.Open, NfsStat4.BadSeqId), open.Results[^1]);
        CollectionAssert.AreEqual(new[] { "Open 8", "Open 0", "OpenConfirm 1", "Close 2" }, SeqIds(server, mark));
        Assert.IsTrue(owner.Retired);
    }

    [TestMethod]
    public async Task Reboot_brings_a_new_write_verifier_and_the_client_recovers_its_client_id()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await WarmUpOwnerAsync(client, "/export/a", Ct);
        var verifier = server.WriteVerifier;
        var mark = server.RecordCount;

        server.Reboot();
        await using (await client.OpenAsync("/export/a", OpenRequest.ForRead, Ct))
        {
        }

        Assert.AreNotEqual(verifier, server.WriteVerifier);
        Assert.AreEqual(2u, server.Boot);
        Assert.IsTrue(server.Exists("/export/a"), "the tree survives");
        Assert.AreEqual(2, client.ClientIdGeneration, "a second client id, from recovery");
        Assert.HasCount(1, client.RecoveryEvents);
        Assert.IsTrue(server.RecordsSince(mark).Any(r => r.Request.Ops.Any(o => o.Op == NfsOpnum4.SetClientId)), "SETCLIENTID went out again");
    }
}
