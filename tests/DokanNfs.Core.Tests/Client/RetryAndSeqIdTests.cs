using System.Diagnostics;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The retry loop (NFS4ERR_DELAY, GRACE, RESOURCE with backoff: RetryBackoff) and what a failure does to an
/// owner's seqid (RFC 7530 §9.1.7), checked against the seqids the fake recorded.
/// </summary>
[TestClass]
public sealed class RetryAndSeqIdTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [DataRow(NfsStat4.Delay)]
    [DataRow(NfsStat4.Grace)]
    public async Task Getattr_refused_with_delay_or_grace_is_sent_again_with_backoff_until_it_succeeds(NfsStat4 status)
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", "x"u8);
        await using var client = Connect(server);
        await client.GetFsInfoAsync(Ct);
        server.InterceptEvery(NfsOpnum4.GetAttr, FakeNfsFault.Error(status), times: 3);
        var mark = server.RecordCount;

        var node = await client.GetAttrAsync("/export/f", Ct);

        Assert.AreEqual(1UL, node.Attributes.Size);
        var sent = server.RecordsSince(mark);
        CollectionAssert.AreEqual(new NfsStat4?[] { status, status, status, NfsStat4.Ok }, sent.Select(r => r.Status).ToArray());
        Assert.IsTrue(sent.All(r => r.Request.ToString() == sent[0].Request.ToString()), "the same walk each time");

        // RetryDelayMin 10 ms doubling: at least 10, 20 and 40 ms between the sends (timers never fire early).
        var gaps = sent.Zip(sent.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp)).ToArray();
        for (var i = 0; i < gaps.Length; i++)
        {
            // 80% of the delay: timers and the fake's receive timestamps jitter by a few ms (a 40 ms wait once
            // measured 37.96 ms), and the doubling still shows: 8, 16, 32, 64 ms lower bounds.
            Assert.IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds((10 << i) * 0.8), gaps[i], $"gap {i}");
        }
    }

    [TestMethod]
    public async Task Resource_is_retried_three_times_then_reaches_the_caller()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.CreateFile("/export/f", "x"u8);
        await using var client = Connect(server);
        await client.GetFsInfoAsync(Ct);
        server.InterceptEvery(NfsOpnum4.GetAttr, FakeNfsFault.Error(NfsStat4.Resource));
        var mark = server.RecordCount;

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.GetAttrAsync("/export/f", Ct));

        Assert.AreEqual(NfsStat4.Resource, ex.Status);
        Assert.HasCount(4, server.RecordsSince(mark), "one send and three retries");
    }

    [TestMethod]
    [DataRow(NfsStat4.Delay)]
    [DataRow(NfsStat4.Grace)]
    public async Task Open_retried_after_delay_or_grace_carries_the_next_seqid(NfsStat4 status)
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await WarmUpOwnerAsync(client, "/export/a", Ct);
        server.Intercept(NfsOpnum4.Open, FakeNfsFault.Error(status));
        var mark = server.RecordCount;

        await using (await client.OpenAsync("/export/b", new OpenRequest { Create = CreateMode4.Unchecked }, Ct))
        {
        }

        // RFC 7530 §9.1.7: DELAY and GRACE are not among the errors that leave the seqid alone.
        CollectionAssert.AreEqual(new[] { "Open 3", "Open 4", "Close 5" }, SeqIds(server, mark));
        var opens = server.Sent<OpenArgs>(mark);
        Assert.AreEqual(opens[0].Owner.ToString(), opens[1].Owner.ToString());
        AssertNoServerErrors(server);
    }

    [TestMethod]
    [DataRow(NfsOpnum4.Open, NfsStat4.Resource, false, new[] { "Open 3", "Open 3", "Close 4", "Open 5", "Close 6" })]
    [DataRow(NfsOpnum4.Close, NfsStat4.Resource, false, new[] { "Open 3", "Close 4", "Close 4", "Open 5", "Close 6" })]
    [DataRow(NfsOpnum4.Close, NfsStat4.BadStateId, true, new[] { "Open 3", "Close 4", "Open 4", "Close 5" })]
    [DataRow(NfsOpnum4.Close, NfsStat4.Delay, false, new[] { "Open 3", "Close 4", "Close 5", "Open 6", "Close 7" })]
    public async Task A_failed_seqid_request_advances_the_seqid_only_for_the_errors_rfc7530_does_not_exempt(NfsOpnum4 op, NfsStat4 status, bool reachesCaller, string[] expected)
    {
        await using var server = await FakeNfsServer.StartAsync();
        await using var client = Connect(server);
        await WarmUpOwnerAsync(client, "/export/a", Ct);
        server.Intercept(op, FakeNfsFault.Error(status));
        var mark = server.RecordCount;

        // Open b and close it, then open c and close it: the same (confirmed) owner all along.
        var failures = new List<NfsStat4>();
        foreach (var name in new[] { "/export/b", "/export/c" })
        {
            try
            {
                var file = await client.OpenAsync(name, new OpenRequest { Create = CreateMode4.Unchecked }, Ct);
                await file.CloseAsync(Ct);
            }
            catch (NfsException ex)
            {
                failures.Add(ex.Status);
            }
        }

        CollectionAssert.AreEqual(reachesCaller ? new[] { status } : Array.Empty<NfsStat4>(), failures.ToArray());
        CollectionAssert.AreEqual(expected, SeqIds(server, mark), string.Join(Environment.NewLine, server.RecordsSince(mark)));
        Assert.AreEqual(1, server.Sent<OpenArgs>(mark).Select(o => o.Owner.ToString()).Distinct().Count(), "one owner");
        Assert.IsEmpty(server.RecordsSince(mark).Where(r => r.Status == NfsStat4.BadSeqId), "the fake agreed with every seqid");
    }
}
