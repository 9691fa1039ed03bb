using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// Volatile filehandles (RFC 7530 §4.2.3, fh_expire_type VOLATILE_ANY) that expire under the client: a walk
/// from a cached directory handle starts again from the root, and an open file's I/O re-resolves the path.
/// </summary>
[TestClass]
public sealed class FileHandleExpiryTests
{
    private static readonly FakeNfsServerOptions Volatile = new() { FhExpireType = FhExpireType.VolatileAny };

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task Walk_from_an_expired_cached_directory_handle_starts_again_from_putrootfh()
    {
        await using var server = await FakeNfsServer.StartAsync(Volatile);
        server.CreateDirectory("/export/dir");
        server.CreateFile("/export/dir/f", "abc"u8);
        await using var client = Connect(server);
        Assert.AreEqual(FhExpireType.VolatileAny, (await client.GetFsInfoAsync(Ct)).FhExpireType);
        await client.GetAttrAsync("/export/dir/f", Ct);
        var oldDir = server.FileHandleOf("/export/dir");

        server.ExpireFileHandle("/export/dir");
        var mark = server.RecordCount;
        var node = await client.GetAttrAsync("/export/dir/f", Ct);
        await client.GetAttrAsync("/export/dir/f", Ct);

        Assert.AreEqual(3UL, node.Attributes.Size);
        var walks = server.RecordsSince(mark);
        Assert.HasCount(3, walks);
        Assert.AreEqual(oldDir, ((PutFhArgs)walks[0].Request.Ops[0]).FileHandle, "the walk started from the cached handle");
        Assert.AreEqual(NfsStat4.FhExpired, walks[0].Status);
        Assert.IsInstanceOfType<PutRootFhArgs>(walks[1].Request.Ops[0], "then from the root");
        CollectionAssert.AreEqual(new[] { "export", "dir", "f" }, walks[1].Request.OpsOf<LookupArgs>().Select(l => l.Name).ToArray());
        Assert.AreEqual(server.FileHandleOf("/export/dir"), ((PutFhArgs)walks[2].Request.Ops[0]).FileHandle, "and the new handle is cached");
        Assert.AreEqual(NfsStat4.Ok, walks[2].Status);
    }

    [TestMethod]
    public async Task Read_and_write_of_an_open_file_whose_handle_expired_re_resolve_the_path_and_go_on()
    {
        await using var server = await FakeNfsServer.StartAsync(Volatile);
        var data = Pattern(5000, 20);
        server.CreateFile("/export/f", data);
        await using var client = Connect(server);
        await using var file = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        var stateId = file.StateId;

        server.ExpireFileHandle("/export/f");
        var mark = server.RecordCount;
        var buffer = new byte[5000];
        Assert.AreEqual(5000, await file.ReadAsync(0, buffer, Ct));
        CollectionAssert.AreEqual(data, buffer);

        var newHandle = server.FileHandleOf("/export/f");
        Assert.AreEqual(newHandle, file.FileHandle);
        var reads = server.RecordsSince(mark).Where(r => r.Request.Find<ReadArgs>() is not null).ToList();
        Assert.HasCount(2, reads);
        Assert.AreEqual(NfsStat4.FhExpired, reads[0].Status);
        Assert.AreEqual(newHandle, reads[1].Request.Find<PutFhArgs>()!.FileHandle);
        Assert.AreEqual(stateId, reads[1].Request.Find<ReadArgs>()!.StateId, "the open state belongs to the file, not the handle");
        Assert.IsTrue(server.Sent<LookupArgs>(mark).Any(l => l.Name == "f"), "the path was walked again");

        // The same for WRITE, and CLOSE then goes to the newest handle.
        server.ExpireFileHandle("/export/f");
        await file.WriteAsync(0, "XY"u8.ToArray(), StableHow4.FileSync, Ct);
        await file.CloseAsync(Ct);

        Assert.AreEqual((byte)'X', server.ReadFile("/export/f")[0]);
        var close = server.Records.Last(r => r.Request.Find<CloseArgs>() is not null);
        Assert.AreEqual(server.FileHandleOf("/export/f"), close.Request.Find<PutFhArgs>()!.FileHandle);
        Assert.AreEqual(NfsStat4.Ok, close.Status);
        Assert.AreEqual(0, server.OpenStateCount);
    }

    [TestMethod]
    public async Task Close_of_an_open_file_whose_handle_expired_re_resolves_the_path_too()
    {
        await using var server = await FakeNfsServer.StartAsync(Volatile);
        server.CreateFile("/export/f", "abc"u8);
        await using var client = Connect(server);
        var file = await client.OpenAsync("/export/f", OpenRequest.ForRead, Ct);
        server.ExpireFileHandle("/export/f");
        var mark = server.RecordCount;

        await file.CloseAsync(Ct);

        CollectionAssert.AreEqual(new[] { "Close 2", "Close 2" }, SeqIds(server, mark), "PUTFH failed before CLOSE ran: the same seqid");
        var closes = server.RecordsSince(mark).Where(r => r.Request.Find<CloseArgs>() is not null).ToList();
        Assert.AreEqual(NfsStat4.FhExpired, closes[0].Status);
        Assert.AreEqual(server.FileHandleOf("/export/f"), closes[1].Request.Find<PutFhArgs>()!.FileHandle);
        Assert.AreEqual(NfsStat4.Ok, closes[1].Status);
        Assert.AreEqual(0, server.OpenStateCount);
    }

    [TestMethod]
    public async Task Fhexpired_twice_in_a_row_reaches_the_caller_after_one_re_resolution()
    {
        await using var server = await FakeNfsServer.StartAsync(Volatile);
        server.CreateFile("/export/f", "abc"u8);
        await using var client = Connect(server);
        await using var file = await client.OpenAsync("/export/f", OpenRequest.ForRead, Ct);
        server.InterceptEvery(NfsOpnum4.Read, FakeNfsFault.Error(NfsStat4.FhExpired), times: 2);
        var mark = server.RecordCount;

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await file.ReadAsync(0, new byte[3], Ct));

        Assert.AreEqual(NfsStat4.FhExpired, ex.Status);
        Assert.HasCount(2, server.Sent<ReadArgs>(mark));
    }

    [TestMethod]
    public async Task Expired_handle_is_not_replaced_by_another_file_now_at_the_path()
    {
        await using var server = await FakeNfsServer.StartAsync(Volatile);
        server.CreateFile("/export/f", "old"u8);
        await using var client = Connect(server);
        await using var other = Connect(server);
        var file = await client.OpenAsync("/export/f", OpenRequest.ForRead, Ct);

        // Someone else renames the file away and puts a new one at its name; then the old handle expires.
        await other.RenameAsync("/export/f", "/export/g", Ct);
        await using (await other.OpenAsync("/export/f", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
        }

        server.ExpireFileHandle("/export/g");
        var mark = server.RecordCount;
        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await file.ReadAsync(0, new byte[3], Ct));

        Assert.AreEqual(NfsStat4.FhExpired, ex.Status);
        Assert.HasCount(1, server.Sent<ReadArgs>(mark), "no READ went to the new file");

        // Nor a CLOSE: the open has no handle left to close it by, and is released on our side.
        var closeError = await Assert.ThrowsExactlyAsync<NfsException>(async () => await file.CloseAsync(Ct));
        Assert.AreEqual(NfsStat4.FhExpired, closeError.Status);
        Assert.IsTrue(file.IsClosed);
        Assert.IsTrue(server.Sent<CloseArgs>(mark).All(c => c.StateId.SameState(file.StateId)));
    }
}
