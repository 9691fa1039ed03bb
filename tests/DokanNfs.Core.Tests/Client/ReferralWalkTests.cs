using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// NFS4ERR_MOVED on a path walk (RFC 7530 §8.4): the client finds the referral point and its fs_locations
/// and throws <see cref="NfsMovedException"/>. The locations name two servers, the first unreachable, for the
/// referral-following work that builds on this.
/// </summary>
[TestClass]
public sealed class ReferralWalkTests
{
    private static readonly FsLocations4 TwoLocations = new(
        ["export", "ref"],
        [
            new FsLocation4(["unreachable.invalid"], ["vol", "ref"]),
            new FsLocation4(["127.0.0.1", "localhost"], ["export2"]),
        ]);

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    public async Task Walk_below_a_referral_throws_moved_with_the_referral_path_and_both_locations()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.AddReferral("/export/ref", TwoLocations);
        await using var client = Connect(server);
        await client.GetFsInfoAsync(Ct);
        var mark = server.RecordCount;

        var ex = await Assert.ThrowsExactlyAsync<NfsMovedException>(async () => await client.GetAttrAsync("/export/ref/sub/file", Ct));

        Assert.AreEqual(NfsStat4.Moved, ex.Status);
        Assert.AreEqual("/export/ref/sub/file", ex.Path);
        Assert.AreEqual("/export/ref", ex.ReferralPath);
        AssertLocations(ex.Locations);

        // The walk failed at the LOOKUP below the referral; then the client asked for the referral attributes.
        var records = server.RecordsSince(mark);
        var walk = records[0];
        CollectionAssert.AreEqual(new[] { "export", "ref", "sub", "file" }, walk.Request.OpsOf<LookupArgs>().Select(l => l.Name).ToArray());
        Assert.AreEqual(new CompoundOpStatus(NfsOpnum4.Lookup, NfsStat4.Moved), walk.Results[^1]);
        Assert.AreEqual(5, walk.Results.Count - 1, "LOOKUP export, GETFH, LOOKUP ref, GETFH succeeded first");
        var probes = records.Skip(1).Select(r => r.Request.Find<GetAttrArgs>()!).ToList();
        Assert.IsNotEmpty(probes);
        Assert.IsTrue(probes.All(p => p.Request == AttributeRequests.Referral));
        Assert.AreEqual(NfsStat4.Ok, records[^1].Status, "the last probe found the referral");
        CollectionAssert.AreEqual(new[] { "export", "ref" }, records[^1].Request.OpsOf<LookupArgs>().Select(l => l.Name).ToArray());
        AssertNoServerErrors(server);
    }

    [TestMethod]
    public async Task Walk_to_the_referral_itself_throws_moved_from_its_getattr()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.AddReferral("/export/ref", TwoLocations);
        await using var client = Connect(server);
        await client.GetFsInfoAsync(Ct);
        var mark = server.RecordCount;

        var ex = await Assert.ThrowsExactlyAsync<NfsMovedException>(async () => await client.GetAttrAsync("/export/ref", Ct));

        Assert.AreEqual("/export/ref", ex.ReferralPath);
        Assert.AreEqual(NfsOpnum4.GetAttr, ex.Operation);
        AssertLocations(ex.Locations);
        Assert.AreEqual(new CompoundOpStatus(NfsOpnum4.GetAttr, NfsStat4.Moved), server.RecordsSince(mark)[0].Results[^1]);
    }

    [TestMethod]
    public async Task Listing_the_parent_marks_the_referral_instead_of_failing()
    {
        await using var server = await FakeNfsServer.StartAsync();
        server.AddReferral("/export/ref", TwoLocations);
        server.CreateFile("/export/plain", "x"u8);
        await using var client = Connect(server);

        var entries = new List<NfsDirEntry>();
        await foreach (var entry in client.ReadDirAsync("/export", cancellationToken: Ct))
        {
            entries.Add(entry);
        }

        CollectionAssert.AreEqual(new[] { "plain", "ref" }, entries.Select(e => e.Name).ToArray());
        Assert.IsFalse(entries[0].IsReferral);
        Assert.IsTrue(entries[1].IsReferral);
        Assert.IsTrue(server.Sent<ReadDirArgs>().All(r => r.Request.Contains(FAttr4.RdAttrError)));
    }

    private static void AssertLocations(FsLocations4? locations)
    {
        Assert.IsNotNull(locations);
        Assert.AreEqual("/export/ref", locations.FsRootString);
        Assert.HasCount(2, locations.Locations);
        CollectionAssert.AreEqual(new[] { "unreachable.invalid" }, locations.Locations[0].Servers.ToArray());
        Assert.AreEqual("/vol/ref", locations.Locations[0].RootPathString);
        CollectionAssert.AreEqual(new[] { "127.0.0.1", "localhost" }, locations.Locations[1].Servers.ToArray());
        Assert.AreEqual("/export2", locations.Locations[1].RootPathString);
    }
}
