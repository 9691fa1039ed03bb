using DokanNfs.Core.Client;
using DokanNfs.Core.Client.Cache;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Client;

/// <summary>The attribute cache and the directory-entry cache on their own: timeouts, generations, bounds, no server.</summary>
[TestClass]
public sealed class MetadataCacheUnitTests
{
    private static readonly RpcCredential Root = RpcCredential.Sys(0, 0);
    private static readonly RpcCredential User = RpcCredential.Sys(1000, 1000);
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    [TestMethod]
    public void Noac_serves_nothing()
    {
        var cache = new AttributeCache(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        cache.Put(Node("/f", 1, NfsFtype4.Reg, change: 5));

        Assert.IsFalse(cache.Enabled);
        Assert.IsFalse(cache.TryGet(Fh(1), out _));
    }

    [TestMethod]
    public void A_fresh_entry_is_served_and_an_expired_one_is_not()
    {
        var cache = new AttributeCache(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50), Long, Long);
        cache.Put(Node("/f", 1, NfsFtype4.Reg, change: 5));

        Assert.IsTrue(cache.TryGet(Fh(1), out var node));
        Assert.AreEqual(5UL, node.Attributes.Change);
        Thread.Sleep(120);
        Assert.IsFalse(cache.TryGet(Fh(1), out _), "past acregmax");
    }

    [TestMethod]
    public void Attributes_without_a_change_attribute_are_not_cached()
    {
        var cache = new AttributeCache(Long, Long, Long, Long);
        cache.Put(new NfsNode("/f", Fh(1), new NfsAttributes { Type = NfsFtype4.Reg }));

        Assert.IsFalse(cache.TryGet(Fh(1), out _));
    }

    [TestMethod]
    public void A_directorys_generation_stays_while_its_change_does_or_our_own_atomic_change_explains_it()
    {
        var cache = new AttributeCache(Long, Long, Long, Long);
        cache.Put(Node("/d", 1, NfsFtype4.Dir, change: 10));
        Assert.IsTrue(cache.TryGetGeneration(Fh(1), out var first, out var fresh) && fresh);

        cache.Put(Node("/d", 1, NfsFtype4.Dir, change: 10));
        Assert.IsTrue(cache.TryGetGeneration(Fh(1), out var same, out _));
        Assert.AreEqual(first, same, "fetched again, unchanged");

        cache.OwnChange(Fh(1), new ChangeInfo4(true, 10, 11));
        Assert.IsTrue(cache.TryGetGeneration(Fh(1), out var own, out fresh));
        Assert.AreEqual(first, own, "our own atomic change");
        Assert.IsFalse(fresh, "but the directory's other attributes moved: it is fetched again");
        cache.Put(Node("/d", 1, NfsFtype4.Dir, change: 11));
        Assert.IsTrue(cache.TryGetGeneration(Fh(1), out var after, out _));
        Assert.AreEqual(first, after, "fetched at the change our call left it at");

        cache.OwnChange(Fh(1), new ChangeInfo4(false, 11, 12));
        Assert.IsTrue(cache.TryGetGeneration(Fh(1), out var nonAtomic, out _));
        Assert.AreNotEqual(first, nonAtomic, "not atomic: another change may hide in it");

        cache.Put(Node("/d", 1, NfsFtype4.Dir, change: 99));
        Assert.IsTrue(cache.TryGetGeneration(Fh(1), out var other, out _));
        Assert.AreNotEqual(nonAtomic, other, "changed by someone else");
    }

    [TestMethod]
    [DataRow(3600.0, true, DisplayName = "modified an hour ago: trusted for acregmax at once")]
    [DataRow(1.0, false, DisplayName = "modified a second ago: a tenth of that is acregmin")]
    [DataRow(-3600.0, false, DisplayName = "modified in the future (the server's clock ahead): acregmin")]
    public void A_file_is_first_trusted_for_a_tenth_of_the_time_since_it_was_modified(double ageSeconds, bool stillFresh)
    {
        // acregmin 100 ms, acregmax 10 min: after 300 ms only the age can have kept the entry.
        var cache = new AttributeCache(TimeSpan.FromMilliseconds(100), Long, Long, Long);
        var modified = NfsTime4.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-ageSeconds));
        cache.Put(new NfsNode("/f", Fh(1), new NfsAttributes { Type = NfsFtype4.Reg, Change = 5, TimeModify = modified }));

        Thread.Sleep(300);

        Assert.AreEqual(stillFresh, cache.TryGet(Fh(1), out _));
    }

    [TestMethod]
    public void A_directory_is_not_trusted_longer_for_its_age_nor_a_file_for_a_broken_modify_time()
    {
        var cache = new AttributeCache(TimeSpan.FromMilliseconds(100), Long, TimeSpan.FromMilliseconds(100), Long);
        var hourAgo = NfsTime4.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1));
        cache.Put(new NfsNode("/d", Fh(1), new NfsAttributes { Type = NfsFtype4.Dir, Change = 5, TimeModify = hourAgo }));
        cache.Put(new NfsNode("/f", Fh(2), new NfsAttributes { Type = NfsFtype4.Reg, Change = 5, TimeModify = new NfsTime4(long.MaxValue, 0) }));
        cache.Put(new NfsNode("/g", Fh(3), new NfsAttributes { Type = NfsFtype4.Reg, Change = 5, TimeModify = new NfsTime4(long.MinValue, 0) }));

        Thread.Sleep(300);

        Assert.IsFalse(cache.TryGet(Fh(1), out _), "a directory's names go stale with it: acdirmin as before");
        Assert.IsFalse(cache.TryGet(Fh(2), out _), "a modify time far in the future: acregmin");
        Assert.IsTrue(cache.TryGet(Fh(3), out _), "the earliest time there is: acregmax, without overflowing");
    }

    [TestMethod]
    public void A_held_entry_outlives_its_timeout_until_released()
    {
        var cache = new AttributeCache(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20), Long, Long);
        cache.Put(Node("/f", 1, NfsFtype4.Reg, change: 5));
        cache.Hold(Fh(1));
        Thread.Sleep(60);

        Assert.IsTrue(cache.TryGet(Fh(1), out _), "a delegation is held");
        cache.Release(Fh(1));
        Assert.IsFalse(cache.TryGet(Fh(1), out _));
    }

    [TestMethod]
    public void The_cache_stays_bounded()
    {
        var cache = new AttributeCache(Long, Long, Long, Long, capacity: 100);
        for (var i = 0; i < 1000; i++)
        {
            cache.Put(Node("/f" + i, i, NfsFtype4.Reg, change: 1));
        }

        Assert.IsLessThanOrEqualTo(100, cache.Count);
        Assert.IsTrue(cache.TryGet(Fh(999), out _), "the newest stays");
    }

    [TestMethod]
    public void A_path_resolves_while_every_directory_on_it_is_fresh_and_unchanged()
    {
        var attributes = new AttributeCache(Long, Long, Long, Long);
        var names = new NameCache();
        attributes.Put(Node("/", 1, NfsFtype4.Dir, change: 1));
        attributes.Put(Node("/d", 2, NfsFtype4.Dir, change: 1));
        names.Add(Root, "/d", Fh(2), Fh(1), attributes);
        names.Add(Root, "/d/f", Fh(3), Fh(2), attributes);
        names.Add(Root, "/d/gone", null, Fh(2), attributes);

        Assert.IsTrue(names.TryResolve(Root, "/d/f", attributes, out var fh));
        Assert.AreEqual(Fh(3), fh);
        Assert.IsTrue(names.TryResolve(Root, "/d/gone", attributes, out var absent));
        Assert.IsNull(absent, "a negative entry");
        Assert.IsTrue(names.TryResolve(Root, "/d/gone/below", attributes, out absent));
        Assert.IsNull(absent, "nothing below an absent name");
        Assert.IsFalse(names.TryResolve(User, "/d/f", attributes, out _), "another principal looks up for itself");
        Assert.IsFalse(names.TryResolve(Root, "/d/other", attributes, out _));

        attributes.Put(Node("/d", 2, NfsFtype4.Dir, change: 2));
        Assert.IsFalse(names.TryResolve(Root, "/d/f", attributes, out _), "the directory changed behind our back");
        Assert.IsTrue(names.TryResolve(Root, "/d", attributes, out _), "its own name, in the unchanged root, holds");

        names.Remove("/d");
        Assert.IsFalse(names.TryResolve(Root, "/d", attributes, out _));
    }

    private static NfsFh Fh(int n) => new(BitConverter.GetBytes(n));

    private static NfsNode Node(string path, int fh, NfsFtype4 type, ulong change) =>
        new(path, Fh(fh), new NfsAttributes { Type = type, Change = change });
}
