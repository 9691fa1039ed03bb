using System.Text;
using DokanNfs.Dokan.Mapping;

namespace DokanNfs.Dokan.Tests.Mapping;

[TestClass]
public sealed class DosWildcardTests
{
    private static readonly string[] Directory =
    [
        "foo", "foo.txt", "foo.tar.gz", "foobar", "fo.txt", "README", "a.txt", "ab.txt", "abc.txt", ".bashrc", "x.y.txt",
    ];

    [TestMethod]
    [DataRow("foo.txt", "foo.txt", true)]
    [DataRow("foo.txt", "foo.txt.bak", false)]
    [DataRow("foo.txt", "foo.tx", false)]
    [DataRow("FOO.TXT", "foo.txt", false)] // case-sensitive here
    [DataRow("*", "anything.at.all", true)]
    [DataRow("*", ".", true)]
    [DataRow("*", "noext", true)]
    [DataRow("*.txt", "a.txt", true)]
    [DataRow("*.txt", ".txt", true)]
    [DataRow("*.txt", "a.b.txt", true)]
    [DataRow("*.txt", "a.txt.bak", false)]
    [DataRow("*.txt", "txt", false)]
    [DataRow("a*", "a", true)]
    [DataRow("a*c", "abbbc", true)]
    [DataRow("a*c", "abbbcd", false)]
    [DataRow("*b*", "abc", true)]
    [DataRow("*b*", "ac", false)]
    [DataRow("a?c", "abc", true)]
    [DataRow("a?c", "a.c", true)] // plain '?' takes a dot too
    [DataRow("a?c", "ac", false)]
    [DataRow("a?c", "abbc", false)]
    [DataRow("???", "ab", false)] // '?' is exactly one, even at the end
    public void Star_and_question_mark(string pattern, string name, bool expected) =>
        Assert.AreEqual(expected, DosWildcard.IsMatch(pattern, name, ignoreCase: false), $"\"{pattern}\" vs \"{name}\"");

    [TestMethod]
    [DataRow("<", "README", true)] // DOS_STAR: any run not taking the last '.'
    [DataRow("<", "a.txt", false)]
    [DataRow("<", "a.b.c", false)]
    [DataRow("<", ".bashrc", false)]
    [DataRow("<.txt", "a.txt", true)]
    [DataRow("<.txt", "a.b.txt", true)] // takes the first dot, not the last
    [DataRow("<.txt", "a.txt.bak", false)]
    [DataRow("<.tar.gz", "x.tar.gz", true)]
    [DataRow("<.<", "a.b.c", true)]
    [DataRow("<\"", "README", true)]
    [DataRow("<\"", "a.txt", false)]
    [DataRow("a>c", "abc", true)] // DOS_QM: one character ...
    [DataRow("a>c", "a.c", false)] // ... but not a dot
    [DataRow("a>c", "ac", false)]
    [DataRow(">>>", "a", true)] // ... and nothing at the end of the name
    [DataRow(">>>", "abc", true)]
    [DataRow(">>>", "abcd", false)]
    [DataRow(">>>", "a.b", false)]
    [DataRow(">>.txt", "a.txt", true)] // ... and nothing at a dot
    [DataRow(">>.txt", "ab.txt", true)]
    [DataRow(">>.txt", "abc.txt", false)]
    [DataRow("a\"", "a", true)] // DOS_DOT: a dot ...
    [DataRow("a\"", "a.", true)]
    [DataRow("a\"", "ab", false)]
    [DataRow("a\"b", "a.b", true)]
    [DataRow("a\"b", "ab", false)] // ... or nothing, but only at the end of the name
    [DataRow("foo\"*", "foo", true)]
    [DataRow("foo\"*", "foo.tar.gz", true)]
    [DataRow("foo\"*", "foobar", false)]
    public void DOS_wildcards_follow_MS_FSA(string pattern, string name, bool expected) =>
        Assert.AreEqual(expected, DosWildcard.IsMatch(pattern, name, ignoreCase: false), $"\"{pattern}\" vs \"{name}\"");

    [TestMethod]
    [DataRow("foo.*", "foo\"*", "foo,foo.txt,foo.tar.gz")]
    [DataRow("*.", "<", "foo,foobar,README")]
    [DataRow("*.txt", "*.txt", "foo.txt,fo.txt,a.txt,ab.txt,abc.txt,x.y.txt")]
    [DataRow("?.txt", ">.txt", "a.txt")]
    [DataRow("??.txt", ">>.txt", "fo.txt,a.txt,ab.txt")]
    [DataRow("foo.???", "foo\">>>", "foo,foo.txt")]
    [DataRow("???", ">>>", "foo")] // three characters at most, and no extension
    [DataRow("*.t*", "*.t*", "foo.txt,foo.tar.gz,fo.txt,a.txt,ab.txt,abc.txt,x.y.txt")]
    [DataRow("*.*", "*", "foo,foo.txt,foo.tar.gz,foobar,fo.txt,README,a.txt,ab.txt,abc.txt,.bashrc,x.y.txt")]
    public void Dir_patterns_as_Win32_translates_them_list_what_dir_lists(string typed, string translated, string listed)
    {
        Assert.AreEqual(translated, Win32Translate(typed));
        var names = Directory.Where(n => DosWildcard.IsMatch(translated, n, ignoreCase: true));
        Assert.AreEqual(listed, string.Join(',', names), $"dir {typed}");
    }

    [TestMethod]
    public void The_DOS_STAR_of_a_leading_star_before_a_dot_lists_the_same()
    {
        // Some descriptions of the Win32 translation turn every "*." into DOS_STAR; the listing is the same.
        foreach (var name in Directory)
        {
            Assert.AreEqual(DosWildcard.IsMatch("*.txt", name, true), DosWildcard.IsMatch("<.txt", name, true), name);
            Assert.AreEqual(DosWildcard.IsMatch("<", name, true), DosWildcard.IsMatch("<\"", name, true), name);
        }
    }

    [TestMethod]
    [DataRow("FOO\"*", "foo.TXT")]
    [DataRow("*.TXT", "a.txt")]
    [DataRow("readme", "README")]
    [DataRow("ÉT>", "été")]
    [DataRow("σ*", "Σοφια")]
    public void Letters_match_in_any_case_when_asked(string pattern, string name)
    {
        Assert.IsTrue(DosWildcard.IsMatch(pattern, name, ignoreCase: true));
        Assert.IsFalse(DosWildcard.IsMatch(pattern, name, ignoreCase: false));
    }

    [TestMethod]
    public void Empty_pattern_and_empty_name()
    {
        // MS-FSA §2.1.4.4 Part 1: empty matches only empty, so "*" does not match "".
        Assert.IsTrue(DosWildcard.IsMatch("", "", false));
        Assert.IsFalse(DosWildcard.IsMatch("*", "", false));
        Assert.IsFalse(DosWildcard.IsMatch("<", "", false));
        Assert.IsFalse(DosWildcard.IsMatch("", "a", false));
    }

    [TestMethod]
    public void Star_dot_star_matches_names_without_a_dot()
    {
        // MS-FSA §2.1.4.4 Part 1: "*.*" matches every name, as Win32 users expect of it.
        Assert.IsTrue(DosWildcard.IsMatch("*.*", "README", false));
        Assert.IsTrue(DosWildcard.IsMatch("*.*", "a.b", false));
    }

    [TestMethod]
    public void Long_names_and_many_stars_stay_linear()
    {
        var name = new string('a', 255);
        // A backtracking matcher takes exponential time here; the automaton takes pattern × name steps.
        const string stars = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
        Assert.IsFalse(DosWildcard.IsMatch(stars, name, false));
        Assert.IsTrue(DosWildcard.IsMatch(stars, name[..^1] + "b", false));
        Assert.IsTrue(DosWildcard.IsMatch("<.txt", name + ".txt", false));
        Assert.IsTrue(DosWildcard.IsMatch("*.txt", name + ".txt", false));
        Assert.IsFalse(DosWildcard.IsMatch("<.txt", name + ".txt.x", false));
    }

    [TestMethod]
    public void Patterns_longer_than_the_stack_buffer_work()
    {
        var pattern = new string('?', 600) + "*";
        Assert.IsTrue(DosWildcard.IsMatch(pattern, new string('x', 600), false));
        Assert.IsTrue(DosWildcard.IsMatch(pattern, new string('x', 700), false));
        Assert.IsFalse(DosWildcard.IsMatch(pattern, new string('x', 599), false));
    }

    [TestMethod]
    [DataRow("plain.txt", false)]
    [DataRow("", false)]
    [DataRow("*", true)]
    [DataRow("a?", true)]
    [DataRow("<", true)]
    [DataRow("a>", true)]
    [DataRow("a\"*", true)]
    public void HasWildcards(string pattern, bool expected) => Assert.AreEqual(expected, DosWildcard.HasWildcards(pattern));

    [TestMethod]
    public void Matching_does_not_allocate()
    {
        _ = DosWildcard.IsMatch("foo\">>>", "foo.txt", true);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _ = DosWildcard.IsMatch("foo\">>>", "foo.txt", true);
            _ = DosWildcard.IsMatch("*a*b*<.txt", "aaaaaaaaaaaaaaaaaaaaaab.c.txt", false);
            _ = DosWildcard.IsMatch("*.txt", "report.TXT", true);
        }

        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    // What FindFirstFileEx does to a typed pattern before NtQueryDirectoryFile sees it (see DosWildcard's remarks).
    private static string Win32Translate(string typed)
    {
        if (typed is "" or "*" or "*.*")
        {
            return "*";
        }

        var translated = new StringBuilder(typed.Length);
        for (var i = 0; i < typed.Length; i++)
        {
            var c = typed[i];
            var last = i == typed.Length - 1;
            if (c == '?')
            {
                translated.Append(DosWildcard.DosQm);
            }
            else if (c == '.' && last && i > 0 && typed[i - 1] == '*')
            {
                translated[^1] = DosWildcard.DosStar;
            }
            else if (c == '.' && !last && typed[i + 1] is '?' or '*')
            {
                translated.Append(DosWildcard.DosDot);
            }
            else
            {
                translated.Append(c);
            }
        }

        return translated.ToString();
    }
}
