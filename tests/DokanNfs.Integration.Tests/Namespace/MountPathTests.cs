using System.Net;
using DokanNfs.Namespace;

namespace DokanNfs.Integration.Tests.Namespace;

/// <summary>
/// A mount's translation between drive paths and server paths: normal paths under the mount are re-rooted by slicing
/// (every call on the drive goes through it, issue 9), anything else component by component — with the same answers.
/// </summary>
[TestClass]
public sealed class MountPathTests
{
    private static Mount At(string drivePath, string exportPath) => new(drivePath, new IPEndPoint(IPAddress.Loopback, 2049), exportPath, null!, null);

    [TestMethod]
    [DataRow("/", "/export", "/a/b", "/export/a/b")]
    [DataRow("/", "/export", "/", "/export")]
    [DataRow("/", "/", "/a", "/a")]
    [DataRow("/ref", "/vol", "/ref/x", "/vol/x")]
    [DataRow("/ref", "/vol", "/ref", "/vol")]
    [DataRow("/ref", "/", "/ref/x/y", "/x/y")]
    [DataRow("/ref", "/vol", "/ref//x/./y/", "/vol/x/y")]
    [DataRow("/ref", "/vol", "ref/x", "/vol/x")]
    public void A_drive_path_becomes_its_server_path(string mountedAt, string export, string drivePath, string expected) =>
        Assert.AreEqual(expected, At(mountedAt, export).ToServerPath(drivePath));

    [TestMethod]
    [DataRow("/ref", "/vol", "/vol/x", "/ref/x")]
    [DataRow("/", "/export", "/export", "/")]
    [DataRow("/ref", "/vol", "/other/x", null)]
    [DataRow("/ref", "/vol", "/vol//x/./y/", "/ref/x/y")]
    [DataRow("/ref", "/", "/x", "/ref/x")]
    public void A_server_path_becomes_its_drive_path(string mountedAt, string export, string serverPath, string? expected) =>
        Assert.AreEqual(expected, At(mountedAt, export).ToDrivePath(serverPath));
}
