using DokanNfs.Core.Client;

namespace DokanNfs.Core.Tests.Client;

[TestClass]
public sealed class NfsPathAndUrlTests
{
    [TestMethod]
    [DataRow("/export/a/b", "/export/a/b")]
    [DataRow("export//a/", "/export/a")]
    [DataRow("/export/./a/../b", "/export/b")]
    [DataRow("/../..", "/")]
    [DataRow("", "/")]
    public void Paths_normalize(string path, string expected) => Assert.AreEqual(expected, NfsPath.Normalize(path));

    [TestMethod]
    public void A_normal_path_is_its_own_normal_form_not_a_copy()
    {
        // Every call on the drive normalizes its path: one already normal must cost no allocation (issue 9).
        var path = string.Concat("/export/", "a");
        Assert.AreSame(path, NfsPath.Normalize(path));
        Assert.AreSame("/", NfsPath.Normalize("/"));
    }

    [TestMethod]
    public void The_root_has_no_parent() => Assert.ThrowsExactly<ArgumentException>(() => NfsPath.SplitLast("/"));

    [TestMethod]
    [DataRow("/a", "/", "a")]
    [DataRow("/export/a/b", "/export/a", "b")]
    [DataRow("export//a/", "/export", "a")]
    [DataRow("/export/./a/../b", "/export", "b")]
    public void The_last_component_splits_off(string path, string parent, string name) =>
        Assert.AreEqual((parent, name), NfsPath.SplitLast(path));

    [TestMethod]
    [DataRow("/d/x/y", "/d", "/export", "/export/x/y")]
    [DataRow("/d", "/d", "/export", "/export")]
    [DataRow("/x/y", "/", "/export", "/export/x/y")]
    [DataRow("/d/x", "/d", "/", "/x")]
    [DataRow("/x", "/", "/", "/x")]
    [DataRow("/", "/", "/export", "/export")]
    [DataRow("/", "/", "/", "/")]
    public void A_path_is_rebased_from_one_root_to_another(string path, string from, string to, string expected) =>
        Assert.AreEqual(expected, NfsPath.Rebase(path, from, to));

    [TestMethod]
    [DataRow("/dx/y", "/d")]
    [DataRow("/e/x", "/d")]
    [DataRow("/d//x", "/d")]
    [DataRow("/d/x", "/d/")]
    public void Only_a_normal_path_at_or_below_the_root_is_rebased(string path, string from) =>
        Assert.ThrowsExactly<ArgumentException>(() => NfsPath.Rebase(path, from, "/export"));

    [TestMethod]
    [DataRow("/export/a", "/export", true)]
    [DataRow("/export", "/export", true)]
    [DataRow("/exports", "/export", false)]
    [DataRow("/export", "/export/a", false)]
    [DataRow("/export/a", "/export/", true)]
    [DataRow("/ex", "/export", false)]
    [DataRow("/anything", "/", true)]
    public void At_or_below(string path, string prefix, bool expected) => Assert.AreEqual(expected, NfsPath.IsAtOrBelow(path, prefix));

    [TestMethod]
    [DataRow("nfs://server/export/a", "server", 2049, "/export/a")]
    [DataRow("nfs://server:20490/export", "server", 20490, "/export")]
    [DataRow("nfs://[::1]:2050/x", "::1", 2050, "/x")]
    [DataRow("nfs://h/e?port=3049", "h", 3049, "/e")]
    [DataRow("server:/export/a", "server", 2049, "/export/a")]
    [DataRow("[fe80::1]:/e", "fe80::1", 2049, "/e")]
    [DataRow(@"\\server\export\a", "server", 2049, "/export/a")]
    [DataRow(@"\\server", "server", 2049, "/")]
    public void Url_forms_parse(string text, string host, int port, string path)
    {
        var url = NfsUrl.Parse(text);

        Assert.AreEqual(host, url.Host);
        Assert.AreEqual(port, url.Port);
        Assert.AreEqual(path, url.Path);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("server")]
    [DataRow("http://server/x")]
    [DataRow("nfs://h/e?port=99999")]
    [DataRow("nfs://h/e?port=abc")]
    public void Bad_urls_are_refused_with_a_message(string text)
    {
        Assert.IsFalse(NfsUrl.TryParse(text, out _, out var error));
        Assert.IsFalse(string.IsNullOrWhiteSpace(error));
    }

    [TestMethod]
    public void Query_keys_are_kept() => Assert.AreEqual("1000", NfsUrl.Parse("nfs://h/e?uid=1000&vers=4.0").Query["uid"]);
}

[TestClass]
public sealed class ClientIdentityTests
{
    [TestMethod]
    public void The_uuid_persists_and_the_boot_verifier_does_not()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dokannfs-id-" + Guid.NewGuid().ToString("N"));
        try
        {
            ClientIdentity first;
            using (first = ClientIdentity.Acquire(dir))
            {
                Assert.IsTrue(first.IsHeld);
            }

            using var second = ClientIdentity.Acquire(dir);

            Assert.AreEqual(first.Uuid, second.Uuid);
            Assert.AreNotEqual(first.BootVerifier, second.BootVerifier);
            CollectionAssert.AreEqual(first.IdFor("srv"), second.IdFor("srv"));
            CollectionAssert.AreNotEqual(first.IdFor("srv"), first.IdFor("other"), "the id string is per server");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void A_second_live_taker_of_one_identity_is_refused_loudly_and_a_command_gets_a_throwaway_one()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dokannfs-id-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var mounted = ClientIdentity.Acquire(dir);

            var refused = Assert.ThrowsExactly<ClientIdentityInUseException>(() => ClientIdentity.Acquire(dir));
            StringAssert.Contains(refused.Message, "in use by another running process");
            using var command = ClientIdentity.AcquireOrCreateEphemeral(dir);
            Assert.AreNotEqual(mounted.Uuid, command.Uuid);
            Assert.IsFalse(command.IsHeld);

            mounted.Dispose();
            using var next = ClientIdentity.Acquire(dir);
            Assert.AreEqual(mounted.Uuid, next.Uuid, "once released, the identity is taken again");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void A_corrupt_identity_file_is_reported_not_replaced()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dokannfs-id-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "client-uuid"), "not a uuid");

            var error = Assert.ThrowsExactly<InvalidDataException>(() => ClientIdentity.Acquire(dir));

            StringAssert.Contains(error.Message, "client-uuid");
            Assert.AreEqual("not a uuid", File.ReadAllText(Path.Combine(dir, "client-uuid")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
