using DokanNfs.Dokan.Host;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Tests.Native;

/// <summary>Mount point and UNC name syntax, and the messages of the mount errors (no Dokan needed).</summary>
[TestClass]
public sealed class DokanMountPathTests
{
    [TestMethod]
    [DataRow("n", @"N:\")]
    [DataRow("N:", @"N:\")]
    [DataRow(@"n:\", @"N:\")]
    [DataRow(@"c:\mnt\nfs", @"C:\mnt\nfs")]
    [DataRow(@"C:\mnt\nfs\", @"C:\mnt\nfs")]
    [DataRow(@"D:\Données\nfs", @"D:\Données\nfs")]
    public void Mount_points_are_normalized_to_the_form_dokan_documents(string given, string expected) =>
        Assert.AreEqual(expected, DokanMountPath.NormalizeMountPoint(given));

    [TestMethod]
    [DataRow("")]
    [DataRow("  ")]
    [DataRow("NN")]
    [DataRow("1:")]
    [DataRow("N:x")]
    [DataRow(@"mnt\nfs")]
    [DataRow(@"\\server\share\dir")]
    [DataRow(@"C:\mnt\a*b")]
    [DataRow(@"C:\mnt\a:b")]
    [DataRow(@"C:\mnt\\nfs")]
    [DataRow("C:/mnt/nfs")]
    public void Anything_else_is_refused_naming_what_is_accepted(string given)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => DokanMountPath.NormalizeMountPoint(given));
        StringAssert.Contains(error.Message, "Give a drive letter (N, N: or N:\\) or an empty folder on an NTFS volume");
    }

    [TestMethod]
    public void A_folder_longer_than_dokans_buffer_is_refused()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => DokanMountPath.NormalizeMountPoint(@"C:\" + new string('a', 257)));
        StringAssert.Contains(error.Message, "longer than Dokan's 259 characters");
        Assert.AreEqual(@"C:\" + new string('a', 256), DokanMountPath.NormalizeMountPoint(@"C:\" + new string('a', 256)));
    }

    [TestMethod]
    [DataRow(@"\\server\export", @"\server\export")]
    [DataRow(@"\server\export", @"\server\export")]
    [DataRow(@"\\server\export\deeper", @"\server\export\deeper")]
    public void UNC_names_are_given_to_dokan_with_one_leading_backslash(string given, string expected)
    {
        Assert.AreEqual(expected, DokanMountPath.ToDokanUncName(given));
        Assert.AreEqual(@"\" + expected, DokanMountPath.FromDokanUncName(expected));
    }

    [TestMethod]
    [DataRow("server")]
    [DataRow(@"\\server")]
    [DataRow(@"\\server\")]
    [DataRow(@"\\\server\export")]
    [DataRow(@"\\server\ex*port")]
    public void A_UNC_name_that_is_not_one_is_refused(string given) =>
        Assert.ThrowsExactly<ArgumentException>(() => DokanMountPath.ToDokanUncName(given));

    [TestMethod]
    public void A_UNC_name_longer_than_dokans_buffer_is_refused()
    {
        Assert.AreEqual(@"\s\" + new string('e', 60), DokanMountPath.ToDokanUncName(@"\\s\" + new string('e', 60)));
        Assert.ThrowsExactly<ArgumentException>(() => DokanMountPath.ToDokanUncName(@"\\s\" + new string('e', 61)));
    }

    [TestMethod]
    [DataRow(@"\DosDevices\N:", @"N:\")]
    [DataRow(@"\??\C:\mnt\nfs", @"C:\mnt\nfs")]
    [DataRow(@"N:\", @"N:\")]
    [DataRow(@"\Device\Something", @"\Device\Something")]
    public void Driver_mount_point_names_read_back_as_mount_points(string driverName, string expected) =>
        Assert.AreEqual(expected, DokanMountPath.FromDriverMountPoint(driverName));

    [TestMethod]
    [DataRow(@"N:\", "N:")]
    [DataRow(@"C:\mnt\nfs", "C:")]
    public void Notification_paths_start_with_the_two_characters_dokan_strips(string mountPoint, string prefix) =>
        Assert.AreEqual(prefix, DokanMountPath.NotificationPrefix(mountPoint));

    [TestMethod]
    public void Every_DokanMainResult_has_its_own_message_naming_the_mount_point()
    {
        var messages = new HashSet<string>();
        foreach (var result in Enum.GetValues<DokanMainResult>().Where(r => r != DokanMainResult.Success))
        {
            var message = DokanMountException.Describe(result, @"Z:\");
            Assert.IsTrue(messages.Add(message), $"{result} shares its message");
            StringAssert.Contains(message, @"Z:\");
        }
    }

    [TestMethod]
    public void A_missing_dokan2_dll_says_how_to_install_dokan()
    {
        var error = DokanNotInstalledException.LibraryMissing(new DllNotFoundException("Unable to load DLL 'dokan2'."));
        StringAssert.StartsWith(error.Message, "Dokan 2.x is not installed: dokan2.dll could not be loaded (Unable to load DLL 'dokan2'). Install Dokan 2.x");
        StringAssert.Contains(error.Message, "https://github.com/dokan-dev/dokany/releases");
        Assert.IsInstanceOfType<DllNotFoundException>(error.InnerException);
    }

    [TestMethod]
    [DataRow(200u, "2.0.0")]
    [DataRow(231u, "2.3.1")]
    [DataRow(190u, "1.9.0")]
    public void Library_versions_read_as_releases(uint version, string text) =>
        Assert.AreEqual(text, DokanVersionException.LibraryVersionText(version));

    [TestMethod]
    public void Without_a_C_compiler_the_stand_in_tests_fail_saying_how_to_install_one()
    {
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
            StandIn.Compile("dokan2_standin.c", Path.Combine(Path.GetTempPath(), "never.so"), compiler: "dokannfs-no-such-cc"));
        StringAssert.Contains(error.Message, "install a C compiler: apt-get install gcc libc6-dev");
    }
}
