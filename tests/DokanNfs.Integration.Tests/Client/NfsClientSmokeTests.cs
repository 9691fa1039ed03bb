using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Client;

[TestClass]
public sealed class NfsClientSmokeTests(TestContext testContext)
{
    private readonly GaneshaServerGroup _servers = new();

    private CancellationToken Ct => testContext.CancellationToken;

    [TestCleanup]
    public async Task CleanupAsync()
    {
        if (testContext.CurrentTestOutcome != UnitTestOutcome.Passed)
        {
            _servers.WriteLogs(testContext.WriteLine);
        }

        await _servers.DisposeAsync();
    }

    [TestMethod]
    public async Task Basic_file_lifecycle()
    {
        var server = await _servers.StartAsync(cancellationToken: Ct);
        File.WriteAllText(server.PathInExport("hello.txt"), "hello");
        await using var client = new NfsClient(server.EndPoint, new NfsClientOptions { Identity = ClientIdentity.Create() });

        var node = await client.GetAttrAsync("/export/hello.txt", Ct);
        Assert.AreEqual(5UL, node.Attributes.Size);

        await client.CreateDirectoryAsync("/export/dir", null, Ct);
        await using (var file = await client.OpenAsync("/export/dir/new.bin", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            await file.WriteAsync(0, Encoding.UTF8.GetBytes("payload"), cancellationToken: Ct);
            await file.CommitAsync(Ct);
            var buffer = new byte[100];
            var n = await file.ReadAsync(0, buffer, Ct);
            Assert.AreEqual("payload", Encoding.UTF8.GetString(buffer, 0, n));
            Assert.IsNull(await file.LockAsync(NfsLockType4.Write, 0, 10, wait: false, Ct));
        }

        Assert.AreEqual("payload", File.ReadAllText(server.PathInExport("dir/new.bin")));
        var names = new List<string>();
        await foreach (var entry in client.ReadDirAsync("/export", cancellationToken: Ct))
        {
            names.Add(entry.Name);
        }

        CollectionAssert.AreEquivalent(new[] { "hello.txt", "dir" }, names);
        await client.RenameAsync("/export/hello.txt", "/export/dir/moved.txt", Ct);
        await client.CreateSymlinkAsync("/export/link", "dir/moved.txt", null, Ct);
        Assert.AreEqual("dir/moved.txt", await client.ReadLinkAsync("/export/link", Ct));
        await client.RemoveAsync("/export/link", Ct);
        Assert.IsFalse(File.Exists(server.PathInExport("link")));
        var missing = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.GetAttrAsync("/export/nope", Ct));
        Assert.AreEqual(NfsStat4.NoEnt, missing.Status);
    }
}
