using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// Nested referrals against three Ganesha servers on 127.0.0.N:2049 (so every referral, including one
/// back to A, reaches its target on the NFS port): followed through, and loops or chains deeper than
/// <see cref="NamespaceOptions.MaxReferralDepth"/> stop at once with "too many levels of referral".
/// </summary>
[TestClass]
public class NestedReferralTests(TestContext testContext) : ClientTestBase(testContext)
{
    /// <summary>The NFS minor version the drive root's client speaks (4.1 in the derived class of Namespace/V41Tests.cs).</summary>
    protected virtual NfsVersion Version => NfsVersion.V40;

    private const string FromC = "bytes that live on C";

    private static GaneshaOptions On2049 => new() { AddressMode = GaneshaAddressMode.OwnAddressPort2049 };

    [TestMethod]
    public async Task A_referral_inside_a_referred_to_file_system_is_followed()
    {
        var (a, b, c) = await StartThreeAsync();
        a.MakeReferral("ref", b.FsLocation);
        b.MakeReferral("ref2", c.FsLocation);
        var fs = await MountAsync(a, null);

        var listing = await ListAsync(fs, "/ref/ref2");

        CollectionAssert.AreEqual(new[] { "c.txt" }, listing.Select(e => e.Name).ToList());
        Assert.AreEqual(2, fs.GraftCount);
        Assert.AreEqual(c.EndPoint, fs.Tree.MountAt("/ref/ref2")?.Server);
        Assert.AreEqual(FromC, await ReadAsync(fs, "/ref/ref2/c.txt"));
    }

    [TestMethod]
    public async Task A_referral_whose_target_is_itself_a_referral_is_followed_to_the_end()
    {
        var (a, b, c) = await StartThreeAsync();
        b.MakeReferral("ref", c.FsLocation);
        a.MakeReferral("ref", $"{b.Address}:/export/ref");
        var fs = await MountAsync(a, null);

        var listing = await ListAsync(fs, "/ref");

        CollectionAssert.AreEqual(new[] { "c.txt" }, listing.Select(e => e.Name).ToList());
        Assert.AreEqual(c.EndPoint, fs.Tree.MountAt("/ref")?.Server, "grafted at C, B was only a hop");
        Assert.AreEqual(FromC, await ReadAsync(fs, "/ref/c.txt"));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_referral_loop_stops_with_too_many_levels_naming_the_chain()
    {
        var (a, b, _) = await StartThreeAsync();
        a.MakeReferral("ref", $"{b.Address}:/export/ref");
        b.MakeReferral("ref", $"{a.Address}:/export/ref");
        var fs = await MountAsync(a, null);

        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await ListAsync(fs, "/ref"));

        StringAssert.Contains(ex.Message, "too many levels of referral");
        StringAssert.Contains(ex.Message, $"{a.EndPoint}:/export/ref -> {b.EndPoint}:/export/ref -> {a.EndPoint}:/export/ref");
        Assert.AreEqual("/ref", ex.DrivePath);
        Assert.AreEqual(0, fs.GraftCount);
        Assert.HasCount(1, fs.Tree.Mounts);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Nested_referrals_that_come_back_to_a_point_already_followed_stop_as_a_loop()
    {
        var (a, b, _) = await StartThreeAsync();
        a.MakeReferral("ref", b.FsLocation);
        b.MakeReferral("ref", a.FsLocation);
        var fs = await MountAsync(a, null);

        CollectionAssert.AreEqual(new[] { "ref" }, (await ListAsync(fs, "/ref/ref")).Select(e => e.Name).ToList(), "A's root again, through B");
        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await ListAsync(fs, "/ref/ref/ref"));

        StringAssert.Contains(ex.Message, "too many levels of referral (a loop)");
        StringAssert.Contains(ex.Message, $"{a.EndPoint}:/export/ref -> {b.EndPoint}:/export/ref -> {a.EndPoint}:/export/ref");
        Assert.AreEqual("/ref/ref/ref", ex.DrivePath);
        Assert.AreEqual(2, fs.GraftCount);
    }

    [TestMethod]
    public async Task A_chain_deeper_than_the_limit_stops_naming_the_chain()
    {
        var (a, b, _) = await StartThreeAsync();
        a.MakeReferral("ref", b.FsLocation);
        var c = await StartServerAsync(On2049);
        b.MakeReferral("ref2", c.FsLocation);
        var fs = await MountAsync(a, new NamespaceOptions { MaxReferralDepth = 1 });

        CollectionAssert.AreEqual(new[] { "ref2" }, (await ListAsync(fs, "/ref")).Select(e => e.Name).ToList(), "one level is allowed");
        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await ListAsync(fs, "/ref/ref2"));

        StringAssert.Contains(ex.Message, "too many levels of referral (more than 1)");
        StringAssert.Contains(ex.Message, $"{a.EndPoint}:/export/ref -> {b.EndPoint}:/export/ref2");
        Assert.AreEqual("/ref/ref2", ex.DrivePath);
        Assert.AreEqual(1, fs.GraftCount);
    }

    /// <summary>Three servers on their own addresses, port 2049; C holds c.txt.</summary>
    private async Task<(GaneshaServer A, GaneshaServer B, GaneshaServer C)> StartThreeAsync()
    {
        var c = await StartServerAsync(On2049);
        var b = await StartServerAsync(On2049);
        var a = await StartServerAsync(On2049);
        File.WriteAllText(c.PathInExport("c.txt"), FromC);
        return (a, b, c);
    }

    private async Task<NamespaceFileSystem> MountAsync(GaneshaServer a, NamespaceOptions? options) =>
        Track(await NamespaceFileSystem.MountAsync(Connect(a, Vers(Version)), a.EndPoint, Export, options, Ct));

    private async Task<string> ReadAsync(NamespaceFileSystem fs, string path)
    {
        await using var file = await fs.OpenAsync(path, OpenRequest.ForRead, Ct);
        var buffer = new byte[100];
        var read = await file.ReadAsync(0, buffer, Ct);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private async Task<List<NfsFsEntry>> ListAsync(NamespaceFileSystem fs, string path)
    {
        var entries = new List<NfsFsEntry>();
        await foreach (var entry in fs.ListAsync(path, Ct))
        {
            entries.Add(entry);
        }

        return entries;
    }
}
