using DokanNfs.Dokan.Adapter;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>The change tracker's memory bounds and its bookkeeping of the adapter's own changes (no server).</summary>
[TestClass]
public sealed class ChangeTrackerTests
{
    [TestMethod]
    public void At_most_the_directory_capacity_is_remembered_and_the_least_recently_used_goes_first()
    {
        var tracker = new ChangeTracker(directoryCapacity: 2, fileCapacity: 2);
        List("/a", "x");
        List("/b", "x");
        _ = tracker.ObserveDirectory("/a", 1, canRelist: true); // /a is now the most recently used
        List("/c", "x");

        Assert.AreEqual(2, tracker.DirectoryCount);
        CollectionAssert.AreEqual(new[] { "y" }, List("/a", "y").Created, "/a was kept: the new name is announced");
        Assert.IsEmpty(List("/b", "y").Created, "/b was forgotten: this listing is a first listing again");

        (List<string> Created, List<string> Deleted) List(string directory, params string[] names) => ListInto(tracker, directory, names);
    }

    [TestMethod]
    public void At_most_the_file_capacity_of_change_values_is_remembered()
    {
        var tracker = new ChangeTracker(fileCapacity: 3);
        for (var i = 0; i < 10; i++)
        {
            Assert.IsFalse(tracker.ObserveFile($"/f{i}", 1, own: false), "first sight records");
        }

        Assert.AreEqual(3, tracker.FileCount);
        Assert.IsTrue(tracker.ObserveFile("/f9", 2, own: false), "a remembered file whose change moved");
        Assert.IsFalse(tracker.ObserveFile("/f0", 2, own: false), "a forgotten file is only recorded");
    }

    [TestMethod]
    public void A_directory_with_more_names_than_the_limit_is_not_tracked()
    {
        var tracker = new ChangeTracker(maxNames: 3);
        _ = ListInto(tracker, "/big", "a", "b", "c", "d");

        Assert.AreEqual(0, tracker.DirectoryCount);
        Assert.IsEmpty(ListInto(tracker, "/big", "e", "f", "g", "h").Deleted, "nothing remembered, nothing announced");

        _ = ListInto(tracker, "/small", "a", "b", "c");
        Assert.AreEqual(1, tracker.DirectoryCount);
    }

    [TestMethod]
    public void Names_appear_and_vanish_only_against_a_complete_listing()
    {
        var tracker = new ChangeTracker();
        Assert.IsEmpty(ListInto(tracker, "/d", "a", "b").Created, "the first listing records");

        var result = ListInto(tracker, "/d", "b", "c");
        CollectionAssert.AreEqual(new[] { "c" }, result.Created);
        CollectionAssert.AreEqual(new[] { "a" }, result.Deleted);

        var partial = tracker.BeginListing("/d");
        Assert.IsFalse(tracker.Listed(ref partial, "b", isDirectory: false));
        Assert.IsNull(tracker.EndListing(ref partial, complete: false), "an incomplete listing forgets nothing");
        CollectionAssert.AreEqual(Array.Empty<string>(), ListInto(tracker, "/d", "b", "c").Deleted);
    }

    [TestMethod]
    public void The_adapters_own_creates_removes_and_renames_are_never_announced()
    {
        var tracker = new ChangeTracker();
        _ = ListInto(tracker, "/", "keep", "old", "dir");
        _ = ListInto(tracker, "/dir", "inner");
        _ = tracker.ObserveDirectory("/", 5, canRelist: true);
        _ = tracker.ObserveFile("/keep", 9, own: false);

        tracker.Created("/new", isDirectory: false);
        tracker.Removed("/old");
        tracker.Renamed("/dir/inner", "/moved", isDirectory: true);
        tracker.Forget("/keep");

        Assert.IsFalse(tracker.ObserveDirectory("/", 6, canRelist: true), "the root's change moved by our own hand: recorded, not relisted");
        Assert.IsFalse(tracker.ObserveFile("/keep", 10, own: false), "our own write: recorded");
        var root = ListInto(tracker, "/", "keep", "new", "dir", "moved");
        Assert.IsEmpty(root.Created);
        Assert.IsEmpty(root.Deleted);
        var dir = ListInto(tracker, "/dir");
        Assert.IsEmpty(dir.Deleted);
    }

    [TestMethod]
    public void A_directory_whose_change_moved_is_relisted_once_and_the_relisting_settles_it()
    {
        var tracker = new ChangeTracker();
        _ = ListInto(tracker, "/d", "a");
        Assert.IsFalse(tracker.ObserveDirectory("/d", 1, canRelist: true), "first change value: recorded");
        Assert.IsFalse(tracker.ObserveDirectory("/d", 2, canRelist: false), "a create's lookup does not relist");
        Assert.IsTrue(tracker.ObserveDirectory("/d", 2, canRelist: true));

        CollectionAssert.AreEqual(new[] { "b" }, ListInto(tracker, "/d", "a", "b").Created);
        Assert.IsFalse(tracker.ObserveDirectory("/d", 2, canRelist: true), "the relisting is as new as change 2");
    }

    private static (List<string> Created, List<string> Deleted) ListInto(ChangeTracker tracker, string directory, params string[] names)
    {
        var created = new List<string>();
        var listing = tracker.BeginListing(directory);
        foreach (var name in names)
        {
            if (tracker.Listed(ref listing, name, isDirectory: false))
            {
                created.Add(name);
            }
        }

        var deleted = tracker.EndListing(ref listing, complete: true)?.Select(v => v.Name).ToList() ?? [];
        return (created, deleted);
    }
}
