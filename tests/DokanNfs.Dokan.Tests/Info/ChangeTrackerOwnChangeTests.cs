using DokanNfs.Dokan.Adapter;

namespace DokanNfs.Dokan.Tests.Info;

/// <summary>
/// A listing that runs while the adapter creates, removes or renames a name of the directory announces nothing
/// about that name (the race Scenarios/CopyScenarioTests' robocopy /MT scenario met against a server).
/// </summary>
[TestClass]
public sealed class ChangeTrackerOwnChangeTests
{
    [TestMethod]
    public void A_name_being_created_that_a_listing_sees_first_is_not_announced_and_others_still_are()
    {
        var tracker = new ChangeTracker();
        _ = ListInto(tracker, "/d", "a");

        using (tracker.BeginOwnChange("/d/mine"))
        {
            var created = ListInto(tracker, "/d", "a", "mine", "theirs").Created;
            CollectionAssert.AreEqual(new[] { "theirs" }, created, "only the name made elsewhere");
            tracker.Created("/d/mine", isDirectory: false);
        }

        Assert.IsEmpty(ListInto(tracker, "/d", "a", "mine", "theirs").Created);
    }

    [TestMethod]
    public void A_name_being_removed_or_renamed_away_that_a_listing_misses_is_not_announced()
    {
        var tracker = new ChangeTracker();
        _ = ListInto(tracker, "/d", "gone", "old", "kept", "other");

        using (tracker.BeginOwnChange("/d/gone"))
        using (tracker.BeginOwnChange("/d/old"))
        using (tracker.BeginOwnChange("/d/new"))
        {
            var result = ListInto(tracker, "/d", "new", "kept");
            Assert.IsEmpty(result.Created, "the rename's new name");
            CollectionAssert.AreEqual(new[] { "other" }, result.Deleted, "only the name removed elsewhere");
            tracker.Removed("/d/gone");
            tracker.Renamed("/d/old", "/d/new", isDirectory: false);
        }

        var after = ListInto(tracker, "/d", "new", "kept");
        Assert.IsEmpty(after.Created);
        Assert.IsEmpty(after.Deleted);
    }

    [TestMethod]
    public void Once_the_own_change_is_over_the_name_is_tracked_as_any_other()
    {
        var tracker = new ChangeTracker();
        _ = ListInto(tracker, "/d", "a");
        using (tracker.BeginOwnChange("/d/x"))
        using (tracker.BeginOwnChange("/d/x"))
        {
        }

        CollectionAssert.AreEqual(new[] { "x" }, ListInto(tracker, "/d", "a", "x").Created, "made elsewhere after the adapter's attempt");
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
