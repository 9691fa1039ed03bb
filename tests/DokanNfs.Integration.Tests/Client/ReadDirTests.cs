using System.Globalization;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>READDIR: cookies across pages, attributes in the same call, and big directories.</summary>
[TestClass]
public sealed class ReadDirTests(TestContext testContext) : ClientTestBase(testContext)
{
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Thousand_entries_come_in_many_small_pages_each_once_with_their_attributes(NfsVersion version)
    {
        var server = await StartServerAsync();
        var dir = server.PathInExport("many");
        Directory.CreateDirectory(dir);
        var expected = new Dictionary<string, (NfsFtype4 Type, ulong Size)>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++)
        {
            var name = "file-" + i.ToString("D4", CultureInfo.InvariantCulture);
            File.WriteAllBytes(Path.Combine(dir, name), new byte[i % 97]);
            expected[name] = (NfsFtype4.Reg, (ulong)(i % 97));
        }

        for (var i = 0; i < 10; i++)
        {
            Directory.CreateDirectory(Path.Combine(dir, $"sub-{i}"));
            expected[$"sub-{i}"] = (NfsFtype4.Dir, 0);
        }

        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version, new NfsClientOptions { ReadDirMaxCount = 4096 }));

        var entries = await ListAsync(client, Nfs("many"));

        Assert.HasCount(expected.Count, entries);
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), entries.Select(e => e.Name).ToArray(), "every entry once; no '.' or '..'");
        foreach (var entry in entries)
        {
            var (type, size) = expected[entry.Name];
            Assert.AreEqual(type, entry.Attributes.Type, entry.Name);
            if (type == NfsFtype4.Reg)
            {
                Assert.AreEqual(size, entry.Attributes.Size, entry.Name);
            }

            Assert.AreEqual(NfsStat4.Ok, entry.RdattrError, entry.Name);
            Assert.IsNotNull(entry.Attributes.FileId, entry.Name);
            Assert.IsNotNull(entry.Attributes.Mode, entry.Name);
        }

        Assert.HasCount(entries.Count, entries.Select(e => e.Cookie).Distinct().ToList(), "cookies are distinct");
        var pages = tap.CallsTagged("readdir");

        // With Stat attributes an entry takes well over 100 bytes, so 4 KiB replies hold a few dozen.
        Assert.IsGreaterThanOrEqualTo(20, pages.Count, $"{pages.Count} READDIR pages");
        Assert.IsTrue(pages.All(p => p.OwnOpCount == 2 && p.OwnFirstOp == NfsOpnum4.PutFh), "PUTFH + READDIR, attributes in the same call");
        Assert.IsTrue(pages.All(p => p.MinorVersion == (version == NfsVersion.V40 ? 0u : 1u)), "the minor version asked for");
        Assert.IsTrue(pages.All(p => (p.FirstOp == NfsOpnum4.Sequence) == (version == NfsVersion.V41)), "SEQUENCE first under NFSv4.1");
        Assert.IsEmpty(tap.CallsTagged("getattr"), "no GETATTR per entry");
    }

    [TestMethod]
    public async Task Ten_thousand_entries_are_listed_completely()
    {
        var server = await StartServerAsync();
        var dir = server.PathInExport("huge");
        Directory.CreateDirectory(dir);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 10_000; i++)
        {
            // Long-ish names so the listing takes several default-sized (256 KiB) pages too.
            var name = $"entry-{i:D5}-{new string('x', 40)}";
            File.Create(Path.Combine(dir, name)).Dispose();
            expected.Add(name);
        }

        var tap = Tap(server);

        // Pages of 256 KiB: the default (3 MiB) would take these 10,000 long names in one or two, and the cookies
        // across many pages are what this checks.
        var client = Connect(tap.EndPoint, new NfsClientOptions { ReadDirMaxCount = 256 * 1024 });

        var names = new List<string>();
        await foreach (var entry in client.ReadDirAsync(Nfs("huge"), cancellationToken: Ct))
        {
            Assert.AreEqual(NfsFtype4.Reg, entry.Attributes.Type, entry.Name);
            Assert.AreEqual(0UL, entry.Attributes.Size, entry.Name);
            names.Add(entry.Name);
        }

        Assert.HasCount(10_000, names);
        Assert.IsTrue(expected.SetEquals(names), "exactly the names in the directory");
        Assert.IsGreaterThan(4, tap.CallsTagged("readdir").Count, "many pages");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Empty_directory_lists_nothing_and_a_file_is_not_a_directory(NfsVersion version)
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("empty"));
        File.WriteAllText(server.PathInExport("plain"), "x");
        var client = Connect(server, Vers(version));

        var entries = await ListAsync(client, Nfs("empty"));
        var notDir = await Assert.ThrowsExactlyAsync<NfsException>(async () => await ListAsync(client, Nfs("plain")));

        Assert.IsEmpty(entries);
        Assert.AreEqual(NfsStat4.NotDir, notDir.Status);
    }

    [TestMethod]
    public async Task Listing_shows_changes_made_through_the_client_at_once()
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("d"));
        File.WriteAllText(server.PathInExport("d/a"), "a");
        var client = Connect(server);
        Assert.AreEqual("a", (await ListAsync(client, Nfs("d"))).Single().Name);

        await client.CreateDirectoryAsync(Nfs("d/new-dir"), null, Ct);
        await client.RenameAsync(Nfs("d/a"), Nfs("d/b"), Ct);
        await (await client.OpenAsync(Nfs("d/c"), new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Guarded }, Ct)).CloseAsync(Ct);

        var entries = await ListAsync(client, Nfs("d"));

        CollectionAssert.AreEquivalent(new[] { "b", "c", "new-dir" }, entries.Select(e => e.Name).ToArray());
        Assert.AreEqual(NfsFtype4.Dir, entries.Single(e => e.Name == "new-dir").Attributes.Type);
    }
}
