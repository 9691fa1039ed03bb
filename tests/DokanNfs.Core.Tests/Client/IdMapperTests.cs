using DokanNfs.Core.Client;

namespace DokanNfs.Core.Tests.Client;

[TestClass]
public sealed class IdMapperTests
{
    private static readonly IdMappingOptions Configured = new()
    {
        Domain = "example.org",
        Users = new Dictionary<string, uint> { ["alice"] = 1000, ["bob@other.net"] = 2000 },
        Groups = new Dictionary<string, uint> { ["staff"] = 50 },
        NobodyId = 99,
    };

    [TestMethod]
    [DataRow("1000", 1000u)]
    [DataRow("0", 0u)]
    [DataRow("alice@example.org", 1000u)]
    [DataRow("alice@EXAMPLE.ORG", 1000u)]
    [DataRow("alice", 1000u)]
    [DataRow("bob@other.net", 2000u)]
    [DataRow("root@localdomain", 0u)]
    [DataRow("1234@example.org", 1234u)]
    [DataRow("alice@elsewhere.com", 99u)]
    [DataRow("mallory@example.org", 99u)]
    [DataRow("", 99u)]
    public void Owner_strings_map_to_uids(string owner, uint uid) => Assert.AreEqual(uid, new IdMapper(Configured).UidOf(owner));

    [TestMethod]
    public void Groups_use_their_own_table() =>
        Assert.AreEqual(50u, new IdMapper(Configured).GidOf("staff@example.org"));

    [TestMethod]
    public void Each_distinct_string_is_parsed_once()
    {
        var resolved = 0;
        var mapper = new IdMapper(Configured with { Resolve = (name, _) => { resolved++; return name == "carol" ? 3000u : null; } });

        for (var i = 0; i < 10_000; i++)
        {
            Assert.AreEqual(3000u, mapper.UidOf("carol@example.org"));
            Assert.AreEqual(1000u, mapper.UidOf("1000"));
        }

        Assert.AreEqual(2, mapper.Lookups, "10,000 entries by two owners cost two lookups");
        Assert.AreEqual(1, resolved, "the name service is asked once");
    }

    [TestMethod]
    public void Ids_are_sent_numeric_by_default_and_by_name_when_configured()
    {
        Assert.AreEqual("1000", new IdMapper(Configured).OwnerOf(1000));
        var named = new IdMapper(Configured with { SendNumericIds = false });
        Assert.AreEqual("alice@example.org", named.OwnerOf(1000));
        Assert.AreEqual("bob@other.net", named.OwnerOf(2000));
        Assert.AreEqual("staff@example.org", named.GroupOf(50));
        Assert.AreEqual("4242", named.OwnerOf(4242), "an id with no name goes numeric");
    }
}
