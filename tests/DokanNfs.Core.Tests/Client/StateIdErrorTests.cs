using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// NFS4ERR_OLD_STATEID and NFS4ERR_BAD_STATEID on READ and WRITE (RFC 7530 §9.1.4.4): an old stateid is
/// replaced by the current one if there is a newer one; a bad one reaches the caller (state recovery is
/// not this layer's).
/// </summary>
[TestClass]
public sealed class StateIdErrorTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [DataRow(NfsOpnum4.Read, NfsStat4.OldStateId)]
    [DataRow(NfsOpnum4.Write, NfsStat4.OldStateId)]
    public async Task Stateid_error_with_no_newer_stateid_reaches_the_caller_after_one_send(NfsOpnum4 op, NfsStat4 status)
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", "abc"u8);
        await using var client = Connect(server);
        await using var file = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        await client.GetFsInfoAsync(Ct);
        server.Intercept(op, FakeNfsFault.Error(status));
        var mark = server.RecordCount;

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
        {
            if (op == NfsOpnum4.Read)
            {
                await file.ReadAsync(0, new byte[3], Ct);
            }
            else
            {
                await file.WriteAsync(0, "xyz"u8.ToArray(), StableHow4.FileSync, Ct);
            }
        });

        Assert.AreEqual(status, ex.Status);
        Assert.AreEqual(op, ex.Operation);
        Assert.HasCount(1, server.RecordsSince(mark), "sent once, not retried");
        Assert.IsFalse(file.IsClosed);
    }

    [TestMethod]
    [DataRow(NfsOpnum4.Read)]
    [DataRow(NfsOpnum4.Write)]
    public async Task Bad_stateid_marks_the_open_lost_until_it_is_closed(NfsOpnum4 op)
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", "abc"u8);
        await using var client = Connect(server);
        var file = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        await client.GetFsInfoAsync(Ct);
        server.Intercept(op, FakeNfsFault.Error(NfsStat4.BadStateId));
        var mark = server.RecordCount;

        var first = await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await DoAsync(file, op));
        var second = await Assert.ThrowsExactlyAsync<NfsStateLostException>(async () => await DoAsync(file, op));

        Assert.AreEqual(NfsStat4.BadStateId, first.Status);
        Assert.AreEqual(op, first.Operation);
        StringAssert.Contains(first.Message, "close the file and open it again");
        Assert.AreSame(first, second, "the handle stays lost");
        Assert.HasCount(1, server.RecordsSince(mark), "sent once; the lost handle sends nothing more");
        await file.CloseAsync(Ct);
        Assert.HasCount(1, server.RecordsSince(mark), "closing a lost open sends no CLOSE: the server holds nothing of it");
        await using var reopened = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        Assert.AreEqual(3, await reopened.ReadAsync(0, new byte[3], Ct), "opened again, the file works");
    }

    private static async Task DoAsync(NfsOpenFile file, NfsOpnum4 op)
    {
        if (op == NfsOpnum4.Read)
        {
            await file.ReadAsync(0, new byte[3], CancellationToken.None);
        }
        else
        {
            await file.WriteAsync(0, "xyz"u8.ToArray(), StableHow4.FileSync, CancellationToken.None);
        }
    }

    [TestMethod]
    [DataRow(NfsOpnum4.Read)]
    [DataRow(NfsOpnum4.Write)]
    public async Task Old_stateid_after_the_stateid_moved_on_is_sent_again_with_the_current_one(NfsOpnum4 op)
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", Pattern(100, 30));
        await using var client = Connect(server);
        await using var file = await client.OpenAsync("/export/f", OpenRequest.ForReadWrite, Ct);
        await client.GetFsInfoAsync(Ct);
        var openStateId = file.IoStateId;

        // The I/O is answered OLD_STATEID only after the file took its first lock, which makes the lock
        // stateid the one I/O goes out with (RFC 7530 §9.1.4): as if the LOCK had overtaken the I/O.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Intercept(op, FakeNfsFault.Error(NfsStat4.OldStateId).HoldUntil(release.Task));
        var mark = server.RecordCount;
        var io = op == NfsOpnum4.Read
            ? file.ReadAsync(0, new byte[100], Ct).AsTask()
            : WriteAsync(file, "new"u8.ToArray());
        await WaitUntilAsync(() => server.RecordsSince(mark).Any(r => r.Request.Ops.Any(o => o.Op == op)));
        Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
        release.SetResult();
        await io.WaitAsync(Generous, Ct);

        var sent = server.RecordsSince(mark).Where(r => r.Request.Ops.Any(o => o.Op == op)).ToList();
        Assert.HasCount(2, sent);
        Assert.AreEqual(NfsStat4.OldStateId, sent[0].Status);
        Assert.AreEqual(NfsStat4.Ok, sent[1].Status);
        Assert.AreEqual(openStateId, StateIdOf(sent[0]));
        Assert.AreNotEqual(openStateId, file.IoStateId);
        Assert.AreEqual(file.IoStateId, StateIdOf(sent[1]), "the retry carries the lock stateid");
    }

    private static async Task<int> WriteAsync(NfsOpenFile file, byte[] data)
    {
        await file.WriteAsync(0, data, StableHow4.FileSync, CancellationToken.None);
        return data.Length;
    }

    private static StateId4 StateIdOf(FakeNfsRecord record) => record.Request.Ops.Single(o => o is ReadArgs or WriteArgs) switch
    {
        ReadArgs r => r.StateId,
        WriteArgs w => w.StateId,
        _ => default,
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "waited in vain");
            await Task.Delay(5);
        }
    }
}
