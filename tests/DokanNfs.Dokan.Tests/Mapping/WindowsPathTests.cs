using DokanNfs.Dokan.Mapping;

namespace DokanNfs.Dokan.Tests.Mapping;

[TestClass]
public sealed class WindowsPathTests
{
    [TestMethod]
    [DataRow("\\", "/")]
    [DataRow("\\f.txt", "/f.txt")]
    [DataRow("\\dir\\f.txt", "/dir/f.txt")]
    [DataRow("\\dir\\", "/dir")] // Dokan sends directories with a trailing separator at times
    [DataRow("\\a\\b\\c\\", "/a/b/c")]
    [DataRow("\\a\uF03Ab\\c\uF02E", "/a:b/c.")]
    [DataRow("\\x\uF02A\\y\uF03F\uF020", "/x*/y? ")]
    [DataRow("\\\uF02E", "/\uF02E")] // would be ".": stays private-use
    [DataRow("\\.bashrc\\..x", "/.bashrc/..x")]
    [DataRow("\\name.\\b", "/name./b")] // a trailing dot that reached us through "\\?\" is taken as it is
    [DataRow("\\名前\\🎉", "/名前/🎉")]
    public void Dokan_paths_become_drive_paths(string dokan, string nfs)
    {
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath(dokan, 255, out var path));
        Assert.AreEqual(nfs, path);
    }

    [TestMethod]
    [DataRow("\\a\\\\b")]
    [DataRow("\\\\")]
    [DataRow("\\a\\\\")]
    [DataRow("\\.")]
    [DataRow("\\..")]
    [DataRow("\\a\\.\\b")]
    [DataRow("\\a\\..\\b")]
    [DataRow("\\a\\..")]
    [DataRow("\\f.txt:stream")] // named streams are not supported
    [DataRow("\\f.txt::$DATA")]
    [DataRow("\\a/b")]
    [DataRow("\\a\0b")]
    [DataRow("\\*.txt")]
    [DataRow("\\a?")]
    [DataRow("\\a<b")]
    [DataRow("\\a>b")]
    [DataRow("\\a\"b")]
    [DataRow("\\a|b")]
    [DataRow("\\a\tb")]
    [DataRow("\\a\u001Fb")]
    public void Invalid_names_are_ObjectNameInvalid(string dokan)
    {
        Assert.AreEqual(NtStatus.ObjectNameInvalid, WindowsPath.TryToNfsPath(dokan, 255, out var path));
        Assert.AreEqual(string.Empty, path);
    }

    [TestMethod]
    public void Unpaired_surrogates_are_ObjectNameInvalid()
    {
        // Not DataRows: attribute strings are stored as UTF-8, which cannot hold a lone surrogate.
        foreach (var dokan in new[] { "\\bad\uD800surrogate", "\\bad\uDC00surrogate", "\\ends\uD83D", "\\\uDE89\uD83D" })
        {
            Assert.AreEqual(NtStatus.ObjectNameInvalid, WindowsPath.TryToNfsPath(dokan, 255, out var path), dokan);
            Assert.AreEqual(string.Empty, path);
        }

        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath("\\\uD83D\uDE89", 255, out var paired));
        Assert.AreEqual("/\uD83D\uDE89", paired);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("f.txt")]
    [DataRow("/dir/f.txt")]
    public void Paths_that_are_not_volume_relative_are_a_bad_syntax(string dokan)
    {
        Assert.AreEqual(NtStatus.ObjectPathSyntaxBad, WindowsPath.TryToNfsPath(dokan, 255, out var path));
        Assert.AreEqual(string.Empty, path);
    }

    [TestMethod]
    public void Component_length_is_counted_in_UTF8_bytes_after_mapping()
    {
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath("\\" + new string('a', 255), 255, out _));
        Assert.AreEqual(NtStatus.ObjectNameInvalid, WindowsPath.TryToNfsPath("\\" + new string('a', 256), 255, out _));

        // 'é' is two bytes: 127 of them are 254 bytes, 128 are 256.
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath("\\d\\" + new string('é', 127), 255, out _));
        Assert.AreEqual(NtStatus.ObjectNameInvalid, WindowsPath.TryToNfsPath("\\d\\" + new string('é', 128), 255, out _));

        // '名' is three bytes (85 × 3 = 255); an emoji, a surrogate pair, is four.
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath("\\" + new string('名', 85), 255, out _));
        Assert.AreEqual(NtStatus.ObjectNameInvalid, WindowsPath.TryToNfsPath("\\" + new string('名', 86), 255, out _));
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath("\\🎉🎉", 8, out _));
        Assert.AreEqual(NtStatus.ObjectNameInvalid, WindowsPath.TryToNfsPath("\\🎉🎉", 7, out _));

        // U+F03A is three bytes as UTF-8 but goes to the server as ':', one byte.
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath("\\" + new string('\uF03A', 255), 255, out var mapped));
        Assert.AreEqual("/" + new string(':', 255), mapped);

        // 0: the server's maxname is not known.
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath("\\" + new string('a', 4000), 0, out _));
    }

    [TestMethod]
    public void Paths_longer_than_32767_units_are_NameTooLong()
    {
        var longest = "\\" + string.Join('\\', Enumerable.Repeat(new string('a', 99), 327)) + new string('b', 67);
        Assert.AreEqual(WindowsPath.MaxPathLength, longest.Length);
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath(longest, 255, out var path));
        Assert.AreEqual(longest.Length, path.Length);
        Assert.AreEqual(NtStatus.NameTooLong, WindowsPath.TryToNfsPath(longest + "c", 255, out path));
        Assert.AreEqual(string.Empty, path);
    }

    [TestMethod]
    [DataRow("/", "\\")]
    [DataRow("/f.txt", "\\f.txt")]
    [DataRow("/dir/f.txt", "\\dir\\f.txt")]
    [DataRow("/dir/", "\\dir")]
    [DataRow("/a:b/c.", "\\a\uF03Ab\\c\uF02E")]
    [DataRow("/a\\b/tab\there", "\\a\uF05Cb\\tab\uF009here")]
    [DataRow("/./..", "\\.\\..")]
    public void Drive_paths_become_Dokan_paths(string nfs, string dokan)
    {
        Assert.AreEqual(dokan, WindowsPath.ToDokanPath(nfs));
    }

    [TestMethod]
    [DataRow("/a:b/c.")]
    [DataRow("/x*/y? /z")]
    [DataRow("/Report <draft>|final/v2. ")]
    public void Drive_paths_round_trip(string nfs)
    {
        Assert.AreEqual(NtStatus.Success, WindowsPath.TryToNfsPath(WindowsPath.ToDokanPath(nfs), 255, out var back));
        Assert.AreEqual(nfs, back);
    }

    [TestMethod]
    public void ToDokanPath_refuses_what_is_not_a_drive_path()
    {
        Assert.ThrowsExactly<ArgumentException>(() => WindowsPath.ToDokanPath(""));
        Assert.ThrowsExactly<ArgumentException>(() => WindowsPath.ToDokanPath("dir/f"));
        Assert.ThrowsExactly<ArgumentNullException>(() => WindowsPath.ToDokanPath(null!));
    }

    [TestMethod]
    [DataRow("/a/b", "/a", "b")]
    [DataRow("/a", "/", "a")]
    [DataRow("/a/b/c.txt", "/a/b", "c.txt")]
    public void ParentOf_and_NameOf_split_the_last_component(string path, string parent, string name)
    {
        Assert.AreEqual(parent, WindowsPath.ParentOf(path));
        Assert.AreEqual(name, WindowsPath.NameOf(path));
        Assert.AreEqual(path, WindowsPath.Combine(parent, name));
    }

    [TestMethod]
    public void The_root_has_no_parent_and_no_name()
    {
        Assert.ThrowsExactly<ArgumentException>(() => WindowsPath.ParentOf("/"));
        Assert.ThrowsExactly<ArgumentException>(() => WindowsPath.NameOf("/"));
        Assert.ThrowsExactly<ArgumentException>(() => WindowsPath.ParentOf("a/b"));
        Assert.ThrowsExactly<ArgumentNullException>(() => WindowsPath.NameOf(null!));
    }
}
