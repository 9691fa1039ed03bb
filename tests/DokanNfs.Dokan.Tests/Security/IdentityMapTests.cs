using DokanNfs.Core.Client;
using DokanNfs.Dokan.Security;

namespace DokanNfs.Dokan.Tests.Security;

[TestClass]
public sealed class IdentityMapTests
{
    private static readonly Sid Alice = Sid.Parse("S-1-5-21-1-2-3-1001");
    private static readonly Sid AliceAgain = Sid.Parse("S-1-5-21-9-9-9-1001");
    private static readonly Sid Bob = Sid.Parse("S-1-5-21-1-2-3-1002");
    private static readonly Sid DomainUsers = Sid.Parse("S-1-5-21-1-2-3-513");
    private static readonly Sid Stranger = Sid.Parse("S-1-5-21-1-2-3-4242");

    private const string Sample = """
        # Windows account = uid:gid[:supplementary gids]
        user S-1-5-21-1-2-3-1001 = 1001:1001:10,20
          USER   S-1-5-21-1-2-3-1002=1002:100   # no supplementary gids
        user S-1-5-21-9-9-9-1001 = 1001:1001
        group S-1-5-21-1-2-3-513 = 100

        anonymous = 99:98
        unmapped = Refuse
        """;

    [TestMethod]
    public void Parse_reads_users_groups_anonymous_and_policy()
    {
        var map = IdentityMap.Parse(Sample);

        Assert.HasCount(3, map.Users);
        Assert.AreEqual(new UserMapping(Alice, new NfsIdentity(1001, 1001, 10, 20)), map.Users[0]);
        Assert.AreEqual(new UserMapping(Bob, new NfsIdentity(1002, 100)), map.Users[1]);
        Assert.AreEqual(AliceAgain, map.Users[2].User);
        Assert.HasCount(1, map.Groups);
        Assert.AreEqual(new GroupMapping(DomainUsers, 100), map.Groups[0]);
        Assert.AreEqual(99u, map.AnonymousUid);
        Assert.AreEqual(98u, map.AnonymousGid);
        Assert.AreEqual(UnmappedUserPolicy.Refuse, map.UnmappedUserPolicy);
    }

    [TestMethod]
    public void An_empty_text_is_the_default_map()
    {
        var map = IdentityMap.Parse("\n# nothing\n   \n");
        Assert.AreEqual(IdentityMap.Empty, map);
        Assert.AreEqual(65534u, map.AnonymousUid);
        Assert.AreEqual(65534u, map.AnonymousGid);
        Assert.AreEqual(UnmappedUserPolicy.Anonymous, map.UnmappedUserPolicy);
        Assert.AreEqual(IdentityMap.Parse(Sample), IdentityMap.Parse(Sample));
        Assert.AreNotEqual(IdentityMap.Empty, IdentityMap.Parse(Sample));
    }

    [TestMethod]
    [DataRow("user S-1-5-21-1 = 1:1\nbogus", 2, "expected '<keyword> ... = <value>', got 'bogus'")]
    [DataRow("\n\nfrobnicate = 1", 3, "unknown keyword 'frobnicate'")]
    [DataRow("user = 1:1", 1, "a SID is missing")]
    [DataRow("user S-1-5 = 1:1", 1, "'S-1-5' is not a SID: it has no sub-authority")]
    [DataRow("user S-1-5-21-7 = 1001", 1, "expected 'user <SID> = <uid>:<gid>")]
    [DataRow("user S-1-5-21-7 = x:1", 1, "the uid 'x' is not a number")]
    [DataRow("user S-1-5-21-7 = 1:-1", 1, "the gid '-1' is not a number")]
    [DataRow("user S-1-5-21-7 = 1:1:2,,3", 1, "the supplementary gid '' is not a number")]
    [DataRow("user S-1-5-21-7 = 1:1:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", 1, "more than 16 supplementary gids")]
    [DataRow("user S-1-5-21-7 = 1:1\n# c\nuser S-1-5-21-7 = 2:2", 3, "the user S-1-5-21-7 is already mapped on line 1")]
    [DataRow("group S-1-5-21-7 = 4294967296", 1, "the gid '4294967296' is not a number")]
    [DataRow("group S-1-5-21-7 = 1\ngroup S-1-5-21-7 = 2", 2, "the group S-1-5-21-7 is already mapped on line 1")]
    [DataRow("anonymous = 65534", 1, "expected 'anonymous = <uid>:<gid>'")]
    [DataRow("anonymous S-1-5-7 = 1:1", 1, "unexpected 'S-1-5-7' before '='")]
    [DataRow("anonymous = 1:1\nanonymous = 2:2", 2, "'anonymous' is already set on line 1")]
    [DataRow("unmapped = maybe", 1, "expected 'unmapped = refuse|anonymous', got 'maybe'")]
    [DataRow("unmapped = refuse\r\nunmapped = anonymous", 2, "'unmapped' is already set on line 1")]
    public void Parse_errors_name_the_line_and_the_problem(string text, int line, string problem)
    {
        var e = Assert.ThrowsExactly<FormatException>(() => IdentityMap.Parse(text));
        StringAssert.StartsWith(e.Message, $"identity map line {line}: ");
        StringAssert.Contains(e.Message, problem);
    }

    [TestMethod]
    public void A_mapped_requester_gets_its_identity()
    {
        var map = IdentityMap.Parse(Sample);
        Assert.IsTrue(map.TryMapRequester(Alice, out var identity));
        Assert.AreEqual(1001u, identity.Uid);
        Assert.AreEqual(1001u, identity.Gid);
        CollectionAssert.AreEqual(new uint[] { 10, 20 }, identity.SupplementaryGids.ToArray());
    }

    [TestMethod]
    public void An_unmapped_requester_is_refused_under_the_refuse_policy()
    {
        var map = IdentityMap.Parse(Sample);
        Assert.IsFalse(map.TryMapRequester(Stranger, out var identity));
        Assert.IsNull(identity);
        Assert.IsFalse(map.TryMapRequester(Sid.UnixUser(1001), out _));
    }

    [TestMethod]
    public void An_unmapped_requester_is_anonymous_under_the_anonymous_policy()
    {
        var map = IdentityMap.Parse(Sample) with { UnmappedUserPolicy = UnmappedUserPolicy.Anonymous };
        Assert.IsTrue(map.TryMapRequester(Stranger, out var identity));
        Assert.AreEqual(new NfsIdentity(99, 98), identity);
        Assert.AreSame(map.AnonymousIdentity, identity);
        Assert.IsTrue(IdentityMap.Empty.TryMapRequester(Sid.LocalSystem, out var nobody));
        Assert.AreEqual(new NfsIdentity(65534, 65534), nobody);
    }

    [TestMethod]
    public void With_keeps_the_anonymous_identity_and_indexes_consistent()
    {
        var map = IdentityMap.Empty with { AnonymousUid = 7 };
        Assert.AreEqual(new NfsIdentity(7, 65534), map.AnonymousIdentity);
        map = map with { AnonymousGid = 8 };
        Assert.AreEqual(new NfsIdentity(7, 8), map.AnonymousIdentity);

        var withAlice = map with { Users = [new UserMapping(Alice, new NfsIdentity(1001, 1001))] };
        Assert.AreEqual(Alice, withAlice.OwnerSid(1001));
        Assert.AreEqual(Sid.UnixUser(1001), map.OwnerSid(1001));
    }

    [TestMethod]
    public void Owner_and_group_sids_are_the_mapped_ones_else_the_unix_forms()
    {
        var map = IdentityMap.Parse(Sample);
        Assert.AreEqual(Alice, map.OwnerSid(1001), "the first user mapped to a uid is its owner SID");
        Assert.AreEqual(Bob, map.OwnerSid(1002));
        Assert.AreEqual(Sid.UnixUser(0), map.OwnerSid(0));
        Assert.AreEqual(DomainUsers, map.GroupSid(100));
        Assert.AreEqual(Sid.UnixGroup(1001), map.GroupSid(1001));
    }

    [TestMethod]
    public void Sids_map_back_to_ids_through_entries_and_unix_forms()
    {
        var map = IdentityMap.Parse(Sample);
        Assert.IsTrue(map.TryGetUid(AliceAgain, out var uid));
        Assert.AreEqual(1001u, uid);
        Assert.IsTrue(map.TryGetUid(Sid.UnixUser(4242), out uid));
        Assert.AreEqual(4242u, uid);
        Assert.IsFalse(map.TryGetUid(Stranger, out _));
        Assert.IsFalse(map.TryGetUid(Sid.UnixGroup(5), out _));
        Assert.IsFalse(map.TryGetUid(DomainUsers, out _));

        Assert.IsTrue(map.TryGetGid(DomainUsers, out var gid));
        Assert.AreEqual(100u, gid);
        Assert.IsTrue(map.TryGetGid(Sid.UnixGroup(5), out gid));
        Assert.AreEqual(5u, gid);
        Assert.IsFalse(map.TryGetGid(Sid.UnixUser(5), out _));
        Assert.IsFalse(map.TryGetGid(Alice, out _));
    }

    [TestMethod]
    public void Nfs_owner_strings_go_through_the_client_id_mapper()
    {
        var map = IdentityMap.Parse(Sample);
        var ids = new IdMapper(new IdMappingOptions { Users = new Dictionary<string, uint> { ["alice"] = 1001 } });

        Assert.AreEqual(Alice, map.OwnerSid("alice@localdomain", ids));
        Assert.AreEqual(Sid.UnixUser(1000), map.OwnerSid("1000", ids));
        Assert.AreEqual(DomainUsers, map.GroupSid("100", ids));
        Assert.IsTrue(map.TryGetOwnerString(Bob, ids, out var owner));
        Assert.AreEqual("1002", owner);
        Assert.IsTrue(map.TryGetGroupString(Sid.UnixGroup(7), ids, out var group));
        Assert.AreEqual("7", group);
        Assert.IsFalse(map.TryGetOwnerString(Stranger, ids, out _));
        Assert.IsFalse(map.TryGetGroupString(Stranger, ids, out _));
    }

    [TestMethod]
    public void Building_in_code_refuses_a_sid_mapped_twice_and_too_many_gids()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new IdentityMap
        {
            Users = [new UserMapping(Alice, new NfsIdentity(1, 1)), new UserMapping(Alice, new NfsIdentity(2, 2))],
        });
        Assert.ThrowsExactly<ArgumentException>(() => new IdentityMap
        {
            Groups = [new GroupMapping(DomainUsers, 1), new GroupMapping(DomainUsers, 2)],
        });
        Assert.ThrowsExactly<ArgumentException>(() => new NfsIdentity(1, 1, new uint[17]));
        Assert.HasCount(16, new NfsIdentity(1, 1, new uint[16]).SupplementaryGids);
    }

    [TestMethod]
    public void Lookups_allocate_nothing()
    {
        var map = IdentityMap.Parse(Sample);
        var hits = 0;
        for (var round = 0; round < 2; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (uint i = 0; i < 1000; i++)
            {
                hits += map.TryMapRequester(Alice, out _) ? 1 : 0;
                hits += map.OwnerSid(1000 + (i % 4)) == Alice ? 1 : 0;
                hits += map.TryGetUid(map.OwnerSid(i), out _) ? 1 : 0;
                hits += map.TryGetGid(map.GroupSid(i), out _) ? 1 : 0;
            }

            if (round == 1)
            {
                Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }

        Assert.AreEqual(2 * (1000 + 250 + 1000 + 1000), hits);
    }
}
