using DokanNfs.Dokan.Mapping;

namespace DokanNfs.Dokan.Tests.Mapping;

[TestClass]
public sealed class WindowsNamesTests
{
    private const string Forbidden = "\\:*?\"<>|";

    [TestMethod]
    public void Every_forbidden_character_maps_to_U_F000_plus_itself_and_back()
    {
        var characters = Forbidden + string.Concat(Enumerable.Range(1, 0x1F).Select(c => (char)c));
        Assert.AreEqual(8 + 31, characters.Length);
        foreach (var c in characters)
        {
            var nfs = $"a{c}b";
            var windows = WindowsNames.ToWindows(nfs);
            Assert.AreEqual($"a{(char)(0xF000 + c)}b", windows, $"U+{(int)c:X4}");
            Assert.AreEqual(nfs, WindowsNames.ToNfs(windows), $"U+{(int)c:X4}");
            Assert.AreEqual(nfs, WindowsNames.ToNfs(windows.AsSpan()), $"U+{(int)c:X4}");
        }
    }

    [TestMethod]
    [DataRow("foo.", "foo\uF02E")]
    [DataRow("foo ", "foo\uF020")]
    [DataRow("foo. .", "foo\uF02E\uF020\uF02E")]
    [DataRow("a. b. ", "a. b\uF02E\uF020")]
    [DataRow("...", "\uF02E\uF02E\uF02E")]
    [DataRow(" ", "\uF020")]
    [DataRow(".. ", "\uF02E\uF02E\uF020")]
    [DataRow("a:b.", "a\uF03Ab\uF02E")]
    [DataRow("x?*. ", "x\uF03F\uF02A\uF02E\uF020")]
    [DataRow("\u0001.", "\uF001\uF02E")]
    public void Trailing_dots_and_spaces_map_only_in_the_trailing_run(string nfs, string windows)
    {
        Assert.AreEqual(windows, WindowsNames.ToWindows(nfs));
        Assert.AreEqual(nfs, WindowsNames.ToNfs(windows));
    }

    [TestMethod]
    [DataRow(".")]
    [DataRow("..")]
    [DataRow("plain.txt")]
    [DataRow(" leading space")]
    [DataRow(".bashrc")]
    [DataRow("a b.c d")]
    [DataRow("Ünïcødé 名前 🎉")]
    [DataRow("\uE000 private, never mapped")]
    public void Names_needing_nothing_come_back_as_the_same_instance(string name)
    {
        Assert.AreSame(name, WindowsNames.ToWindows(name));
        Assert.AreSame(name, WindowsNames.ToNfs(name));
    }

    [TestMethod]
    [DataRow("a\uF03Ab", "a:b")] // a forbidden character's private-use form goes back wherever it stands
    [DataRow("\uF03Cx\uF03E", "<x>")]
    [DataRow("a\uF02E\uF020", "a. ")]
    public void Mapped_private_use_characters_go_back(string windows, string nfs)
    {
        Assert.IsTrue(WindowsNames.NeedsNfsMapping(windows));
        Assert.AreEqual(nfs, WindowsNames.ToNfs(windows));
        Assert.IsTrue(WindowsNames.NeedsWindowsMapping(nfs));
    }

    [TestMethod]
    [DataRow("a\uF02Eb")] // a mapped dot not in the trailing run
    [DataRow("a\uF020b")]
    [DataRow("\uF02E")] // would become "."
    [DataRow("\uF02E\uF02E")] // would become ".."
    [DataRow(".\uF02E")] // after a plain dot: ToWindows would have mapped both
    [DataRow("a \uF02E")] // after a plain space
    [DataRow("a\uF000b")] // U+F000: NUL is never mapped
    [DataRow("a\uF041b")] // 'A' is not a mapped character
    [DataRow("a\uF02F")] // '/' is not a mapped character
    [DataRow("a\uF080")] // outside U+F001..U+F07F
    [DataRow("a\uE03A")]
    public void Other_private_use_characters_stay_as_they_are(string windows)
    {
        Assert.AreSame(windows, WindowsNames.ToNfs(windows));
        Assert.IsFalse(WindowsNames.NeedsNfsMapping(windows));
        Assert.AreEqual(windows, WindowsNames.ToWindows(windows), "and Windows sees them back unchanged");
    }

    [TestMethod]
    public void Mixed_name_round_trips()
    {
        const string nfs = "Report: Q1 <draft> | \"final\"?*\t\\x. .";
        var windows = WindowsNames.ToWindows(nfs);
        Assert.AreEqual(nfs.Length, windows.Length);
        Assert.IsFalse(windows.AsSpan().ContainsAny(Forbidden), windows);
        Assert.IsFalse(windows.EndsWith('.') || windows.EndsWith(' '), windows);
        Assert.AreEqual(nfs, WindowsNames.ToNfs(windows));
    }

    [TestMethod]
    public void Span_forms_write_into_a_destination_of_the_same_length()
    {
        Span<char> buffer = stackalloc char[16];
        buffer.Fill('#');
        WindowsNames.ToWindows("a:b.", buffer);
        Assert.AreEqual("a\uF03Ab\uF02E############", buffer.ToString());
        WindowsNames.ToNfs("a\uF03Ab\uF02E", buffer);
        Assert.AreEqual("a:b.", buffer[..4].ToString());
        Assert.ThrowsExactly<ArgumentException>(() => WindowsNames.ToWindows("abc", new char[2]));
        Assert.ThrowsExactly<ArgumentException>(() => WindowsNames.ToNfs("abc", new char[2]));
    }

    [TestMethod]
    public void Null_is_refused_with_a_clear_error()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => WindowsNames.ToWindows(null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => WindowsNames.ToNfs((string)null!));
    }

    [TestMethod]
    [DataRow("plain", true)]
    [DataRow("a:b.", true)]
    [DataRow("a\uF02Eb", true)] // stays private-use both ways
    [DataRow("\uF02E", true)]
    [DataRow("a\uF02Ex.", true)]
    [DataRow("a\uF03Ab", false)] // Windows opens "a\uF03Ab" as "a:b"
    [DataRow("a\uF02E", false)] // Windows opens it as "a."
    [DataRow("a\uF020.", false)] // shown as "a\uF020\uF02E", opened as "a ."
    public void IsUnambiguous_finds_names_Windows_cannot_reach(string nfs, bool expected)
    {
        Assert.AreEqual(expected, WindowsNames.IsUnambiguous(nfs));
        Assert.AreEqual(expected, WindowsNames.ToNfs(WindowsNames.ToWindows(nfs)) == nfs, "the definition: a round trip");
    }

    [TestMethod]
    public void Random_names_round_trip_both_ways()
    {
        // Alphabet weighted towards the characters with rules: forbidden ones, dots, spaces, their private-use forms.
        const string alphabet = "ab.. .  :*?\"<>|\\\u0001\u001F\uF02E\uF020\uF03A\uF001\uF07C\uF041é";
        var random = new Random(7530);
        Span<char> chars = stackalloc char[8];
        for (var n = 0; n < 20_000; n++)
        {
            var length = random.Next(1, chars.Length + 1);
            for (var i = 0; i < length; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }

            var name = chars[..length].ToString();
            var windows = WindowsNames.ToWindows(name);
            Assert.AreEqual(name.Length, windows.Length);
            Assert.IsFalse(windows.AsSpan().ContainsAny(Forbidden), $"\"{name}\" → \"{windows}\"");
            if (name is not ("." or ".."))
            {
                Assert.IsFalse(windows.EndsWith('.') || windows.EndsWith(' '), $"\"{name}\" → \"{windows}\"");
            }

            if (!name.AsSpan().ContainsAnyInRange('\uF001', '\uF07F'))
            {
                Assert.AreEqual(name, WindowsNames.ToNfs(windows), $"NFS \"{name}\" → \"{windows}\"");
                Assert.IsTrue(WindowsNames.IsUnambiguous(name));
            }

            // Read as a Windows name: with no forbidden character and no trailing dot or space it round-trips.
            if (!name.AsSpan().ContainsAny(Forbidden) && !name.AsSpan().ContainsAnyInRange('\u0001', '\u001F')
                && !name.EndsWith('.') && !name.EndsWith(' '))
            {
                Assert.AreEqual(name, WindowsNames.ToWindows(WindowsNames.ToNfs(name)), $"Windows \"{name}\"");
            }
        }
    }

    [TestMethod]
    public void The_common_path_does_not_allocate()
    {
        const string name = "a perfectly ordinary file name.txt";
        _ = WindowsNames.ToWindows(name);
        _ = WindowsNames.ToNfs(name);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _ = WindowsNames.ToWindows(name);
            _ = WindowsNames.ToNfs(name);
            _ = WindowsNames.IsUnambiguous(name);
        }

        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
