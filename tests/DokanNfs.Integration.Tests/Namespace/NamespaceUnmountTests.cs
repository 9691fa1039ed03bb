using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.Namespace;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// Inherited mount properties (read-only, referral policy, client options) and the hierarchical unmount
/// (leaves first, state released on every server, idle expiry) against two Ganesha servers: A, the drive
/// root, refers "ref" to B, as in <see cref="ReferralTriggerTests"/>.
/// </summary>
[TestClass]
public sealed class NamespaceUnmountTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const string FromB = "bytes that live on B";

    private static readonly NamespaceOptions QuickExpiry = new() { IdleExpiry = TimeSpan.FromSeconds(1), HarvestInterval = TimeSpan.FromMilliseconds(200) };

    [TestMethod]
    public async Task Unmounting_the_drive_closes_opens_and_locks_on_every_server()
    {
        var (a, b, _, fs) = await StartAsync(throughProxy: false);
        var onB = await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForReadWrite, Ct);
        var onA = await fs.OpenAsync("/a.txt", OpenRequest.ForReadWrite, Ct);
        Assert.IsNull(await onB.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));
        Assert.IsNull(await onA.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct));
        Assert.AreEqual(1, fs.OpenHandleCount("/ref"));

        await fs.DisposeAsync();

        // At once, well inside the 5 s lease: only CLOSE and RELEASE_LOCKOWNER can have freed these.
        foreach (var (server, path) in new[] { (b, Nfs("hello.txt")), (a, Nfs("a.txt")) })
        {
            await using var other = await Connect(server).OpenAsync(path, OpenRequest.ForReadWrite with { Deny = OpenShareDeny.Both }, Ct);
            Assert.IsNull(await other.LockAsync(NfsLockType4.Write, 0, 100, wait: false, Ct), $"the lock on {server.EndPoint} was released");
        }

        await onB.DisposeAsync(); // closed already: a no-op
    }

    [TestMethod]
    public async Task Unmounting_the_drive_unmounts_nested_mounts_before_the_root()
    {
        var (_, _, _, fs) = await StartAsync(throughProxy: false);
        _ = await fs.GetAttributesAsync("/ref/hello.txt", Ct);
        var order = new List<(string DrivePath, UnmountReason Reason)>();
        fs.Unmounted += (_, e) => order.Add((e.Mount.DrivePath, e.Reason));

        await fs.DisposeAsync();

        CollectionAssert.AreEqual(new[] { ("/ref", UnmountReason.Drive), ("/", UnmountReason.Drive) }, order);
        Assert.HasCount(1, fs.Tree.Mounts, "only the root, which its owner's client still serves");
    }

    [TestMethod]
    public async Task An_idle_nested_mount_expires_and_the_next_access_grafts_it_again()
    {
        var (_, _, proxy, fs) = await StartAsync(throughProxy: true, QuickExpiry);
        var expired = new TaskCompletionSource<MountUnmountedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        fs.Unmounted += (_, e) => expired.TrySetResult(e);
        CollectionAssert.AreEqual(new[] { "hello.txt" }, (await ListAsync(fs, "/ref")).Select(e => e.Name).ToList());

        var gone = await expired.Task.WaitAsync(TimeSpan.FromSeconds(15), Ct);

        Assert.AreEqual("/ref", gone.Mount.DrivePath);
        Assert.AreEqual(UnmountReason.Idle, gone.Reason);
        Assert.HasCount(1, fs.Tree.Mounts);
        Assert.AreEqual(0x16Du, (await fs.GetAttributesAsync("/ref", Ct)).Mode, "an unmounted trigger point again");
        CollectionAssert.AreEqual(new[] { "hello.txt" }, (await ListAsync(fs, "/ref")).Select(e => e.Name).ToList());
        Assert.AreEqual(2, fs.GraftCount);
        Assert.AreEqual(2, proxy!.ConnectionsAccepted, "the expired mount's client was disposed; the new graft connects again");
    }

    [TestMethod]
    public async Task A_nested_mount_with_an_open_handle_never_expires()
    {
        var (_, _, _, fs) = await StartAsync(throughProxy: false, QuickExpiry);
        var file = await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForRead, Ct);

        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);

        Assert.AreEqual(0, await fs.HarvestAsync());
        Assert.HasCount(2, fs.Tree.Mounts);
        var buffer = new byte[100];
        Assert.AreEqual(FromB, Encoding.UTF8.GetString(buffer, 0, await file.ReadAsync(0, buffer, Ct)));

        await file.CloseAsync(Ct);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (fs.Tree.Mounts.Count > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
        }

        Assert.HasCount(1, fs.Tree.Mounts, "closed, it expires");
    }

    [TestMethod]
    public async Task A_read_only_drive_refuses_changes_with_RoFs_and_the_exports_stay_unchanged()
    {
        var (a, b, _, fs) = await StartAsync(throughProxy: false, new NamespaceOptions { ReadOnly = true });

        var refusals = new Func<Task>[]
        {
            async () => await fs.OpenAsync("/ref/new.txt", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct),
            async () => await fs.OpenAsync("/new.txt", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, Ct),
            async () => await fs.OpenAsync("/a.txt", OpenRequest.ForReadWrite, Ct),
            async () => await fs.CreateDirectoryAsync("/ref/newdir", null, Ct),
            async () => await fs.RemoveAsync("/a.txt", Ct),
            async () => await fs.RenameAsync("/a.txt", "/b.txt", Ct),
            async () => await fs.SetAttributesAsync("/a.txt", new SetAttributes { Size = 0 }, Ct),
        };
        foreach (var refusal in refusals)
        {
            var ex = await Assert.ThrowsExactlyAsync<NfsException>(refusal);
            Assert.AreEqual(NfsStat4.RoFs, ex.Status);
            Assert.Contains("read-only", ex.Message);
        }

        CollectionAssert.AreEquivalent(new[] { "hello.txt" }, Directory.GetFileSystemEntries(b.ExportPath).Select(Path.GetFileName).ToList());
        Assert.AreEqual("from A", File.ReadAllText(a.PathInExport("a.txt")));
        Assert.IsFalse(File.Exists(a.PathInExport("new.txt")));
        await using var reading = await fs.OpenAsync("/ref/hello.txt", OpenRequest.ForRead, Ct);
        var buffer = new byte[100];
        Assert.AreEqual(FromB, Encoding.UTF8.GetString(buffer, 0, await reading.ReadAsync(0, buffer, Ct)), "reading still works, across the referral too");
    }

    [TestMethod]
    [DataRow("none")]
    [DataRow("other")]
    public async Task A_referral_the_policy_refuses_names_server_and_policy_and_makes_no_connection(string policy)
    {
        var refusing = policy == "none" ? ReferralPolicy.None : ReferralPolicy.AllowList("198.51.100.7", "trusted.example");
        var (_, b, proxy, fs) = await StartAsync(throughProxy: true, new NamespaceOptions { ReferralPolicy = refusing });

        var ex = await Assert.ThrowsExactlyAsync<NfsReferralException>(async () => await ListAsync(fs, "/ref"));

        Assert.AreEqual("/ref", ex.DrivePath);
        Assert.Contains(b.Address.ToString(), ex.Message);
        Assert.Contains($"referral policy {refusing}", ex.Message);
        Assert.AreEqual(0, proxy!.ConnectionsAccepted, "a refused server is not contacted");
        Assert.AreEqual(0, fs.GraftCount);
        Assert.AreEqual(6ul, (await fs.GetAttributesAsync("/a.txt", Ct)).Size, "the rest of the drive keeps working");
    }

    [TestMethod]
    public async Task An_allow_list_naming_the_target_follows_the_referral()
    {
        var (_, _, proxy, fs) = await StartAsync(
            throughProxy: true, optionsFor: target => new NamespaceOptions { ReferralPolicy = ReferralPolicy.AllowList("198.51.100.7", target.Address.ToString()) });

        CollectionAssert.AreEqual(new[] { "hello.txt" }, (await ListAsync(fs, "/ref")).Select(e => e.Name).ToList());

        Assert.AreEqual(1, fs.GraftCount);
        Assert.AreEqual(1, proxy!.ConnectionsAccepted);
    }

    [TestMethod]
    public async Task A_nested_mount_inherits_the_root_client_options_and_identity()
    {
        var rootOptions = new NfsClientOptions
        {
            Identity = ClientIdentity.Create(),
            Credential = Core.Rpc.RpcCredential.Sys(0, 0),
            CallTimeout = TimeSpan.FromSeconds(17),
            Mount = NfsMountType.Soft,
            SoftTimeout = TimeSpan.FromSeconds(7),
            MaxReadSize = 64 * 1024,
            MaxWriteSize = 32 * 1024,
            ReadDirMaxCount = 96 * 1024,
        };
        var (_, _, _, fs) = await StartAsync(throughProxy: false, rootOptions: rootOptions);

        _ = await fs.GetAttributesAsync("/ref/hello.txt", Ct);

        var root = fs.Tree.Root.Client;
        var nested = fs.Tree.MountAt("/ref")!.Client;
        Assert.AreNotSame(root, nested);
        Assert.AreSame(root.Identity, nested.Identity, "one client identity towards every server");
        Assert.AreEqual(root.Options with { ServerName = null }, nested.Options with { ServerName = null });
        Assert.AreEqual(NfsMountType.Soft, nested.Options.Mount);
        Assert.AreEqual(64u * 1024, nested.Options.MaxReadSize);
    }

    private async Task<(GaneshaServer A, GaneshaServer B, FaultProxy? Proxy, NamespaceFileSystem Fs)> StartAsync(
        bool throughProxy, NamespaceOptions? options = null, NfsClientOptions? rootOptions = null, Func<GaneshaServer, NamespaceOptions>? optionsFor = null)
    {
        var b = await StartServerAsync(new GaneshaOptions { AddressMode = GaneshaAddressMode.OwnAddressPort2049 });
        var a = await StartServerAsync();
        File.WriteAllText(b.PathInExport("hello.txt"), FromB);
        File.WriteAllText(a.PathInExport("a.txt"), "from A");
        _ = a.MakeReferral("ref", b.FsLocation);

        FaultProxy? proxy = null;
        options = optionsFor?.Invoke(b) ?? options ?? new NamespaceOptions();
        if (throughProxy)
        {
            // On B's own address, so the referral's server name still leads there; only the port differs.
            proxy = Track(await FaultProxy.StartAsync(b.EndPoint, b.Address, 0, Ct));
            options = options with { ReferralPort = proxy.EndPoint.Port };
        }

        var fs = Track(await NamespaceFileSystem.MountAsync(Connect(a, rootOptions), a.EndPoint, Export, options, Ct));
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
}
