using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// An open-owner out of step with the server (NFS4ERR_BAD_SEQID, RFC 7530 §9.1.7), and a seqid-bearing
/// request whose connection died (RFC 7530 §9.1.8: sent again with the same seqid, for the replay cache).
/// </summary>
[TestClass]
public sealed class OwnerRecoveryTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task Bad_seqid_on_open_retires_the_owner_and_retries_with_a_new_one()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await WarmUpOwnerAsync(client, "/export/a", Ct);
        server.Intercept(NfsOpnum4.Open, FakeNfsFault.Error(NfsStat4.BadSeqId));
        var mark = server.RecordCount;

        var file = await client.OpenAsync("/export/b", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct);
        await file.WriteAsync(0, "data"u8.ToArray(), StableHow4.FileSync, Ct);
        await file.CloseAsync(Ct);

        // The refused OPEN carried the old owner's seqid 3; the retry a new owner's 0, and OPEN_CONFIRM follows.
        CollectionAssert.AreEqual(new[] { "Open 3", "Open 0", "OpenConfirm 1", "Close 2" }, SeqIds(server, mark));
        var opens = server.Sent<OpenArgs>(mark);
        var retired = opens[0].Owner.ToString();
        Assert.AreNotEqual(retired, opens[1].Owner.ToString());
        Assert.AreEqual("b", opens[1].Claim.Name);
        Assert.AreEqual(CreateMode4.Unchecked, opens[1].CreateMode);

        // The retired owner is never used again.
        await WarmUpOwnerAsync(client, "/export/c", Ct);
        await WarmUpOwnerAsync(client, "/export/d", Ct);
        Assert.IsTrue(server.Sent<OpenArgs>(mark).Skip(1).All(o => o.Owner.ToString() != retired));
        Assert.HasCount(1, server.Sent<OpenConfirmArgs>(mark), "the new owner is reused once confirmed");
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Bad_seqid_every_time_reaches_the_caller_after_two_new_owners()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await WarmUpOwnerAsync(client, "/export/a", Ct);
        server.InterceptEvery(NfsOpnum4.Open, FakeNfsFault.Error(NfsStat4.BadSeqId));
        var mark = server.RecordCount;

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.OpenAsync("/export/b", new OpenRequest { Create = CreateMode4.Unchecked }, Ct));

        Assert.AreEqual(NfsStat4.BadSeqId, ex.Status);
        var opens = server.Sent<OpenArgs>(mark);
        Assert.HasCount(3, opens);
        Assert.HasCount(3, opens.Select(o => o.Owner.ToString()).Distinct().ToList(), "a new owner each time");
        CollectionAssert.AreEqual(new uint[] { 3, 0, 0 }, opens.Select(o => o.SeqId).ToArray());
    }

    [TestMethod]
    [DataRow(true, false, new[] { "Open 3", "Open 3", "Close 4" })]
    [DataRow(true, true, new[] { "Open 3", "Open 3", "Close 4" })]
    [DataRow(false, false, new[] { "Open 0", "Open 0", "OpenConfirm 1", "Close 2" })]
    [DataRow(false, true, new[] { "Open 0", "Open 0", "OpenConfirm 1", "Close 2" })]
    public async Task Open_whose_connection_died_is_sent_again_with_the_same_seqid(bool confirmedOwner, bool serverExecutedIt, string[] expected)
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        if (confirmedOwner)
        {
            await WarmUpOwnerAsync(client, "/export/a", Ct);
        }
        else
        {
            await client.GetFsInfoAsync(Ct);
        }

        server.Intercept(NfsOpnum4.Open, FakeNfsFault.CloseConnection(afterExecuting: serverExecutedIt));
        var mark = server.RecordCount;

        var file = await client.OpenAsync("/export/b", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct);
        await file.CloseAsync(Ct);

        CollectionAssert.AreEqual(expected, SeqIds(server, mark), string.Join(Environment.NewLine, server.RecordsSince(mark)));
        var records = server.RecordsSince(mark).Where(r => r.Request.Find<OpenArgs>() is not null).ToList();
        Assert.IsTrue(records[0].Unanswered);
        Assert.AreEqual(records[0].ConnectionId + 1, records[1].ConnectionId, "sent again on the next connection");
        Assert.AreEqual(records[0].Request.Find<OpenArgs>()!.Owner.ToString(), records[1].Request.Find<OpenArgs>()!.Owner.ToString());

        // Executed the first time: the second is a replay, answered from the owner's replay cache.
        Assert.AreEqual(serverExecutedIt, records[1].Replayed);
        Assert.AreEqual(0, server.OpenStateCount);
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Open_left_unanswered_until_the_connection_drops_is_replayed_with_the_same_seqid()
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await WarmUpOwnerAsync(client, "/export/a", Ct);

        // The server runs the OPEN but its reply never leaves; later the connection drops.
        server.Intercept(NfsOpnum4.Open, FakeNfsFault.NoReply(afterExecuting: true));
        var mark = server.RecordCount;
        var opening = client.OpenAsync("/export/b", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct).AsTask();
        while (server.Sent<OpenArgs>(mark).Count == 0)
        {
            await Task.Delay(5, Ct);
        }

        server.Rpc.CloseAllConnections();
        var file = await opening.WaitAsync(Generous, Ct);
        await file.CloseAsync(Ct);

        CollectionAssert.AreEqual(new[] { "Open 3", "Open 3", "Close 4" }, SeqIds(server, mark));
        var opens = server.RecordsSince(mark).Where(r => r.Request.Find<OpenArgs>() is not null).ToList();
        Assert.IsTrue(opens[0].Unanswered);
        Assert.IsTrue(opens[1].Replayed);
        Assert.AreEqual(0, server.OpenStateCount);
    }
}
