using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.Namespace;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// Mirror mounts against Ganesha: the drive mounted at the server's pseudo root "/", whose fsid is not
/// the export's, so walking into "/export" crosses a file system boundary on the same server.
/// </summary>
[TestClass]
public sealed class MirrorMountTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const string Content = "inside the export";

    [TestMethod]
    public async Task Walking_from_the_pseudo_root_into_the_export_grafts_a_mirror_mount_on_the_same_client()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("a.txt"), Content);
        _ = Directory.CreateDirectory(server.PathInExport("sub"));
        var client = Connect(server);
        var export = await client.GetAttrAsync(Export, Ct);
        var fs = Track(await NamespaceFileSystem.MountAsync(client, server.EndPoint, "/", null, Ct));
        Assert.AreNotEqual(export.Attributes.Fsid, fs.Tree.Root.Fsid, "the pseudo root and the export are two file systems");

        var root = await ListAsync(fs, "/");
        Assert.IsTrue(root.Any(e => e.Name == "export"), "the pseudo root lists the export");
        Assert.AreEqual(0, fs.MirrorCount, "listing the parent does not graft");

        var attrs = await fs.GetAttributesAsync("/export", Ct);
        var listing = await ListAsync(fs, "/export");

        Assert.AreEqual(export.Attributes.Fsid, attrs.Fsid);
        var mirror = fs.Tree.MountAt("/export");
        Assert.IsNotNull(mirror, "a nested mount at /export");
        Assert.AreEqual(export.Attributes.Fsid, mirror.Fsid, "it records the export's fsid");
        Assert.AreEqual("/export", mirror.ExportPath);
        Assert.AreSame(client, mirror.Client, "the same NfsClient: one client (and client id) per server");
        Assert.AreEqual(server.EndPoint, mirror.Server);
        Assert.HasCount(2, fs.Tree.Mounts);
        Assert.AreEqual(1, fs.MirrorCount);
        Assert.AreEqual(0, fs.GraftCount, "no referral was followed");
        CollectionAssert.AreEquivalent(new[] { "a.txt", "sub" }, listing.Select(e => e.Name).ToList());

        await using var file = await fs.OpenAsync("/export/a.txt", OpenRequest.ForRead, Ct);
        var buffer = new byte[100];
        var read = await file.ReadAsync(0, buffer, Ct);
        Assert.AreEqual(Content, Encoding.UTF8.GetString(buffer, 0, read));
        Assert.AreEqual(1, fs.MirrorCount, "still one mirror mount");
    }

    [TestMethod]
    public async Task Stat_of_a_file_beneath_the_boundary_grafts_the_mirror_at_the_directory_where_the_fsid_changes()
    {
        var server = await StartServerAsync();
        _ = Directory.CreateDirectory(server.PathInExport("sub"));
        File.WriteAllText(server.PathInExport("sub/deep.txt"), Content);
        var client = Connect(server);
        var fs = Track(await NamespaceFileSystem.MountAsync(client, server.EndPoint, "/", null, Ct));

        var attrs = await fs.GetAttributesAsync("/export/sub/deep.txt", Ct);

        Assert.AreEqual((ulong)Encoding.UTF8.GetByteCount(Content), attrs.Size);
        Assert.AreEqual("/export", fs.Tree.MountAt("/export")?.DrivePath);
        Assert.IsNull(fs.Tree.MountAt("/export/sub"), "same fsid below the export: no further mount");
        Assert.AreEqual(1, fs.MirrorCount);

        // A boundary is a file system boundary: renaming across it is XDEV, and the point cannot be removed.
        var xdev = await Assert.ThrowsExactlyAsync<NfsException>(async () => await fs.RenameAsync("/export/sub/deep.txt", "/deep.txt", Ct));
        Assert.AreEqual(NfsStat4.Xdev, xdev.Status);
        _ = await Assert.ThrowsExactlyAsync<NfsException>(async () => await fs.RemoveAsync("/export", Ct));
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
