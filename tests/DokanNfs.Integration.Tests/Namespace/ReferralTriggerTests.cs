using System.Net;
using System.Net.Sockets;
using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// The trigger rules of seeds/nfsv4.0-client-referrals.txt against two Ganesha servers: A (the drive
/// root) refers "ref" to B. Where a test must see whether B was contacted, the namespace reaches B
/// through a proxy on B's own address (ReferralPort = the proxy's port) that counts connections;
/// elsewhere it reaches B on 2049, as a real referral does.
/// </summary>
[TestClass]
public class ReferralTriggerTests(TestContext testContext) : ClientTestBase(testContext)
{
    /// <summary>The NFS minor version the drive root's client speaks (4.1 in the derived class of Namespace/V41Tests.cs).</summary>
    protected virtual NfsVersion Version => NfsVersion.V40;

    private const string FromB = "bytes that live on B";

    private const UnixFileMode TargetRootMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute; // 0751: unlike the synthesized 0555

    [TestMethod]
    public async Task Stat_of_a_trigger_point_is_synthesized_and_does_not_contact_the_target()
    {
        var (a, _, proxy, fs) = await StartAsync(throughProxy: true);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var first = await fs.GetAttributesAsync("/ref", Ct);
        var second = await fs.GetAttributesAsync("ref", Ct);

        Assert.AreEqual(NfsFtype4.Dir, first.Type);
        Assert.AreEqual(0x16Du, first.Mode, "mode 0555");
        Assert.AreEqual("0", first.Owner);
        Assert.AreEqual("0", first.OwnerGroup);
        Assert.AreEqual(HostInode(a.PathInExport("ref")), first.FileId, "fileid from mounted_on_fileid");
        Assert.AreEqual(first.FileId, second.FileId, "the fileid is stable");
        Assert.IsTrue(first.TimeModify!.Value.Seconds >= before - 1 && first.TimeModify.Value.Seconds <= DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1, "mtime = now");
        Assert.AreEqual(0, proxy!.ConnectionsAccepted, "stat must not contact the target");
        Assert.AreEqual(0, fs.GraftCount);
        Assert.HasCount(1, fs.Tree.Mounts);
    }

    [TestMethod]
    public async Task Listing_the_parent_shows_the_trigger_point_as_a_directory_without_mounting()
    {
        var (_, _, proxy, fs) = await StartAsync(throughProxy: true);

        var entries = await ListAsync(fs, "/");

        var names = entries.Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(new[] { "a.txt", "ref" }, names);
        var point = entries.Single(e => e.Name == "ref").Attributes;
        Assert.AreEqual(NfsFtype4.Dir, point.Type);
        Assert.AreEqual(0x16Du, point.Mode);
        Assert.AreEqual((await fs.GetAttributesAsync("/ref", Ct)).FileId, point.FileId, "listing and stat agree on the fileid");
        Assert.AreEqual(0, proxy!.ConnectionsAccepted, "listing the parent must not contact the target");
        Assert.AreEqual(0, fs.GraftCount);
    }

    [TestMethod]
    public async Task Listing_the_trigger_point_mounts_it_once_under_concurrent_first_accesses()
    {
        var (_, b, proxy, fs) = await StartAsync(throughProxy: true);

        var listings = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ListAsync(fs, "/ref"))));

        foreach (var listing in listings)
        {
            CollectionAssert.AreEqual(new[] { "hello.txt" }, listing.Select(e => e.Name).ToList());
        }

        Assert.AreEqual(1, fs.GraftCount, "one mount for eight first accesses");
        Assert.AreEqual(1, proxy!.ConnectionsAccepted, "one connection to the target");
        Assert.HasCount(2, fs.Tree.Mounts);
        Assert.AreEqual("/ref", fs.Tree.Mounts[1].DrivePath);

        // After mounting, the point shows the real attributes of the target's root (the seed's "Browsing").
        var mounted = await fs.GetAttributesAsync("/ref", Ct);
        Assert.AreEqual(HostInode(b.ExportPath), mounted.FileId);
        Assert.AreEqual((uint)TargetRootMode, mounted.Mode & 0x1FF);
        var listed = (await ListAsync(fs, "/")).Single(e => e.Name == "ref").Attributes;
        Assert.AreEqual(HostInode(b.ExportPath), listed.FileId);
    }

    [TestMethod]
    public async Task Stat_of_a_file_beneath_the_trigger_point_mounts_it_and_answers_from_the_target()
    {
        var (_, b, proxy, fs) = await StartAsync(throughProxy: true);

        var attrs = await fs.GetAttributesAsync("/ref/hello.txt", Ct);

        Assert.AreEqual((ulong)Encoding.UTF8.GetByteCount(FromB), attrs.Size);
        Assert.AreEqual(HostInode(b.PathInExport("hello.txt")), attrs.FileId);
        Assert.AreEqual(1, fs.GraftCount);
        Assert.AreEqual(1, proxy!.ConnectionsAccepted);
    }

    [TestMethod]
    public async Task Opening_a_file_beneath_the_trigger_point_reads_the_target_bytes_on_port_2049()
    {
        var (_, b, _, fs) = await StartAsync(throughProxy: false);

        await using var file = await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForRead, Ct);
        var buffer = new byte[100];
        var read = await file.ReadAsync(0, buffer, Ct);

        Assert.AreEqual(FromB, Encoding.UTF8.GetString(buffer, 0, read));
        Assert.AreEqual(1, fs.GraftCount);
        Assert.AreEqual(new IPEndPoint(b.Address, 2049), fs.Tree.MountAt("/ref")?.Server);
    }

    [TestMethod]
    public async Task Creating_beneath_the_trigger_point_creates_on_the_target()
    {
        var (a, b, _, fs) = await StartAsync(throughProxy: false);

        _ = await fs.CreateDirectoryAsync("/ref/newdir", null, Ct);
        await using (var file = await fs.OpenAsync("/ref/new.txt", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct))
        {
            await file.WriteAsync(0, Encoding.UTF8.GetBytes("written through A's drive"), Ct);
            await file.FlushAsync(Ct);
        }

        Assert.IsTrue(Directory.Exists(b.PathInExport("newdir")));
        Assert.AreEqual("written through A's drive", File.ReadAllText(b.PathInExport("new.txt")));
        Assert.IsFalse(Directory.Exists(a.PathInExport("ref/newdir")), "nothing was created in A's referral directory");
        Assert.AreEqual(1, fs.GraftCount);
    }

    [TestMethod]
    public async Task Renaming_into_the_trigger_point_mounts_it_and_fails_across_mounts()
    {
        var (a, _, proxy, fs) = await StartAsync(throughProxy: true);

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await fs.RenameAsync("/a.txt", "/ref/a.txt", Ct));

        Assert.AreEqual(NfsStat4.Xdev, ex.Status);
        Assert.AreEqual(1, fs.GraftCount, "renaming into the point mounts it");
        Assert.AreEqual(1, proxy!.ConnectionsAccepted);
        Assert.IsTrue(File.Exists(a.PathInExport("a.txt")));
    }

    [TestMethod]
    public async Task Renaming_out_of_the_trigger_point_mounts_it_and_renames_within_the_target()
    {
        var (a, b, proxy, fs) = await StartAsync(throughProxy: true);

        var ex = await Assert.ThrowsExactlyAsync<NfsException>(async () => await fs.RenameAsync("/ref/hello.txt", "/hello.txt", Ct));
        await fs.RenameAsync("/ref/hello.txt", "/ref/renamed.txt", Ct);

        Assert.AreEqual(NfsStat4.Xdev, ex.Status);
        Assert.AreEqual(1, fs.GraftCount);
        Assert.AreEqual(1, proxy!.ConnectionsAccepted);
        Assert.IsFalse(File.Exists(a.PathInExport("hello.txt")));
        Assert.AreEqual(FromB, File.ReadAllText(b.PathInExport("renamed.txt")));
    }

    [TestMethod]
    public async Task A_referral_to_a_dead_address_names_it_and_the_rest_of_the_drive_keeps_working()
    {
        var a = await StartServerAsync();
        File.WriteAllText(a.PathInExport("a.txt"), "from A");
        a.MakeReferral("dead", "127.0.0.1:/export");
        var deadPort = UnusedPort();
        var fs = Track(await NamespaceFileSystem.MountAsync(Connect(a, Vers(Version)), a.EndPoint, Export, new NamespaceOptions { ReferralPort = deadPort }, Ct));

        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await ListAsync(fs, "/dead"));

        Assert.AreEqual("/dead", ex.DrivePath);
        Assert.Contains($"127.0.0.1:{deadPort}", ex.Message);
        Assert.HasCount(1, ex.Attempts);
        Assert.AreEqual(0, fs.GraftCount);
        Assert.AreEqual(NfsFtype4.Dir, (await fs.GetAttributesAsync("/dead", Ct)).Type, "the point still shows synthesized attributes");
        Assert.AreEqual(6ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size);
        CollectionAssert.AreEquivalent(new[] { "a.txt", "dead" }, (await ListAsync(fs, "/")).Select(e => e.Name).ToList());
        _ = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await fs.OpenAsync("/dead/x", OpenRequest.ForRead, Ct));
    }

    private async Task<(GaneshaServer A, GaneshaServer B, FaultProxy? Proxy, NamespaceFileSystem Fs)> StartAsync(bool throughProxy)
    {
        var b = await StartServerAsync(new GaneshaOptions { AddressMode = GaneshaAddressMode.OwnAddressPort2049 });
        var a = await StartServerAsync();
        File.WriteAllText(b.PathInExport("hello.txt"), FromB);
        SetHostMode(b.ExportPath, TargetRootMode);
        File.WriteAllText(a.PathInExport("a.txt"), "from A");
        _ = a.MakeReferral("ref", b.FsLocation);

        FaultProxy? proxy = null;
        var options = new NamespaceOptions();
        if (throughProxy)
        {
            // On B's own address, so the referral's server name still leads there; only the port differs.
            proxy = Track(await FaultProxy.StartAsync(b.EndPoint, b.Address, 0, Ct));
            options = options with { ReferralPort = proxy.EndPoint.Port };
        }

        var fs = Track(await NamespaceFileSystem.MountAsync(Connect(a, Vers(Version)), a.EndPoint, Export, options, Ct));
        return (a, b, proxy, fs);
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

    /// <summary>A loopback port nothing listens on: bound, read and released.</summary>
    private static int UnusedPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
