using DokanNfs.Dokan.Mapping;

namespace DokanNfs.Dokan.Tests.Mapping;

[TestClass]
public sealed class NameMatchTests
{
    [TestMethod]
    public void An_exact_name_wins_over_names_differing_in_case()
    {
        string[] names = ["README", "readme", "Readme"];
        Assert.AreEqual(NameMatchResult.Exact, NameMatch.Resolve(names, "Readme", out var match));
        Assert.AreSame(names[2], match);
    }

    [TestMethod]
    public void One_name_differing_in_case_is_found()
    {
        string[] names = ["a.txt", "README.TXT", "b"];
        Assert.AreEqual(NameMatchResult.CaseInsensitive, NameMatch.Resolve(names, "readme.txt", out var match));
        Assert.AreEqual("README.TXT", match);
    }

    [TestMethod]
    public void Several_names_differing_in_case_are_ambiguous()
    {
        string[] names = ["README", "Readme", "other"];
        Assert.AreEqual(NameMatchResult.Ambiguous, NameMatch.Resolve(names, "readme", out var match));
        Assert.IsNull(match);
    }

    [TestMethod]
    public void No_name_in_any_case_is_not_found()
    {
        Assert.AreEqual(NameMatchResult.NotFound, NameMatch.Resolve(["a", "b"], "c", out var match));
        Assert.IsNull(match);
        Assert.AreEqual(NameMatchResult.NotFound, NameMatch.Resolve([], "c", out match));
        Assert.IsNull(match);
    }

    [TestMethod]
    public void Case_folds_beyond_ASCII()
    {
        Assert.AreEqual(NameMatchResult.CaseInsensitive, NameMatch.Resolve(["ÉTÉ.txt"], "été.TXT", out var match));
        Assert.AreEqual("ÉTÉ.txt", match);
        Assert.AreEqual(NameMatchResult.CaseInsensitive, NameMatch.Resolve(["ΣΟΦΙΑ"], "σοφια", out _));
    }

    [TestMethod]
    public void An_exact_name_after_a_caseless_one_still_wins()
    {
        Assert.AreEqual(NameMatchResult.Exact, NameMatch.Resolve(["FILE", "File", "file"], "file", out var match));
        Assert.AreEqual("file", match);
    }

    [TestMethod]
    public void Null_arguments_are_refused()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => NameMatch.Resolve(null!, "a", out _));
        Assert.ThrowsExactly<ArgumentNullException>(() => NameMatch.Resolve(["a"], null!, out _));
    }
}
