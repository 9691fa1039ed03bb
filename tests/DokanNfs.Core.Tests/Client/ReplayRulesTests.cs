using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The decision table of version-carrying replay as pure functions (issue 8 §2): identity (fileid, filehandle),
/// change and the expected outcome together decide; change equality alone never does (NFS-Ganesha's change is a
/// timestamp, and ext4 reuses inode numbers).
/// </summary>
[TestClass]
public sealed class ReplayRulesTests
{
    private static readonly NfsFh DirFh = new([1, 1]);
    private static readonly ObjectVersion Dir = new(10, 500, NfsFtype4.Dir, DirFh);
    private static readonly ObjectVersion File = new(20, 700, NfsFtype4.Reg, new NfsFh([2, 0]));

    [TestMethod]
    public void Remove_decisions()
    {
        Assert.AreEqual(ReplayDecision.AlreadyApplied, ReplayRules.Remove(Dir, File, At(null)).Decision);
        Assert.AreEqual(ReplayDecision.SafeToReplay, ReplayRules.Remove(Dir, File, At(File)).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Remove(Dir, File, At(File with { Change = 701 })).Decision);
        Assert.AreEqual(ReplayDecision.Moot, ReplayRules.Remove(Dir, File, At(new ObjectVersion(21, 700, NfsFtype4.Reg, new NfsFh([2, 1])))).Decision);
        Assert.AreEqual(ReplayDecision.Moot, ReplayRules.Remove(Dir, File, new NameProbe(NfsStat4.Stale, null, null, null)).Decision, "the directory is gone");
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Remove(Dir, File, new NameProbe(NfsStat4.FhExpired, null, null, null)).Decision, "cannot be checked");
    }

    [TestMethod]
    public void A_reused_fileid_with_another_filehandle_is_another_object_even_with_an_equal_change()
    {
        // ext4 hands a freed inode number to the next file; the filehandle's generation tells them apart.
        var reused = File with { FileHandle = new NfsFh([2, 9]) };
        Assert.AreEqual(ReplayDecision.Moot, ReplayRules.Remove(Dir, File, At(reused)).Decision);
        Assert.IsFalse(File.IsSameObject(reused));
        Assert.IsTrue(File.IsSameObject(File with { FileHandle = null }), "an unknown handle does not decide");
        Assert.IsFalse(File.IsUnchanged(File with { Change = 1 }));
    }

    [TestMethod]
    public void Rename_decisions()
    {
        var destination = new ObjectVersion(30, 900, NfsFtype4.Reg, new NfsFh([3]));
        Assert.AreEqual(ReplayDecision.AlreadyApplied, ReplayRules.Rename(Dir, File, Dir, null, At(null), At(File)).Decision);
        Assert.AreEqual(ReplayDecision.AlreadyApplied, ReplayRules.Rename(Dir, File, Dir, null, At(destination), At(File)).Decision, "a new source name does not matter");
        Assert.AreEqual(ReplayDecision.SafeToReplay, ReplayRules.Rename(Dir, File, Dir, null, At(File), At(null)).Decision);
        Assert.AreEqual(ReplayDecision.SafeToReplay, ReplayRules.Rename(Dir, File, Dir, destination, At(File), At(destination)).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Rename(Dir, File, Dir, null, At(File), At(destination)).Decision, "someone created the destination");
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Rename(Dir, File, Dir, destination, At(File), At(destination with { Change = 901 })).Decision, "the destination file changed");
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Rename(Dir, File, Dir, null, At(null), At(null)).Decision, "gone from both names");
    }

    [TestMethod]
    public void Create_decisions()
    {
        var asked = new SetAttributes { Mode = 0x1ED };
        var made = new ObjectVersion(40, 1, NfsFtype4.Dir, new NfsFh([4]));
        Assert.AreEqual(ReplayDecision.SafeToReplay, ReplayRules.Create(Dir, NfsFtype4.Dir, null, asked, At(null), null).Decision);
        Assert.AreEqual(ReplayDecision.AlreadyApplied, ReplayRules.Create(Dir, NfsFtype4.Dir, null, asked, At(made, new NfsAttributes { Mode = 0x1ED }), null).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Create(Dir, NfsFtype4.Dir, null, asked, At(made, new NfsAttributes { Mode = 0x1FF }), null).Decision, "not the mode asked for");
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Create(Dir, NfsFtype4.Dir, null, asked, At(File, new NfsAttributes { Mode = 0x1ED }), null).Decision, "a file, not a directory");
        var link = made with { Type = NfsFtype4.Lnk };
        var none = new SetAttributes();
        Assert.AreEqual(ReplayDecision.AlreadyApplied, ReplayRules.Create(Dir, NfsFtype4.Lnk, "t", none, At(link), "t").Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Create(Dir, NfsFtype4.Lnk, "t", none, At(link), "other").Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Create(Dir, NfsFtype4.Dir, null, none, new NameProbe(NfsStat4.Stale, null, null, null), null).Decision);
    }

    [TestMethod]
    public void Link_decisions()
    {
        Assert.AreEqual(ReplayDecision.AlreadyApplied, ReplayRules.Link(Dir, File, At(File with { Change = 800 }), NfsStat4.Ok, File).Decision);
        Assert.AreEqual(ReplayDecision.SafeToReplay, ReplayRules.Link(Dir, File, At(null), NfsStat4.Ok, File with { Change = 800 }).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Link(Dir, File, At(null), NfsStat4.Stale, null).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.Link(Dir, File, At(new ObjectVersion(99, 1, NfsFtype4.Reg, new NfsFh([9]))), NfsStat4.Ok, File).Decision);
    }

    [TestMethod]
    public void Setattr_decisions()
    {
        var mode = new SetAttributes { Mode = 0x180 };
        Assert.AreEqual(ReplayDecision.AlreadyApplied, ReplayRules.SetAttr(File, mode, NfsStat4.Ok, Attrs(File with { Change = 701 }, 0x8180)).Decision, "file type bits are not mode bits");
        Assert.AreEqual(ReplayDecision.SafeToReplay, ReplayRules.SetAttr(File, mode, NfsStat4.Ok, Attrs(File, 0x1A4)).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.SetAttr(File, mode, NfsStat4.Ok, Attrs(File with { Change = 702 }, 0x1ED)).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.SetAttr(File, mode, NfsStat4.Stale, null).Decision);
        Assert.AreEqual(ReplayDecision.Conflict, ReplayRules.SetAttr(File, mode, NfsStat4.Ok, Attrs(new ObjectVersion(21, 700, NfsFtype4.Reg), 0x180)).Decision, "another object");

        var touch = new SetAttributes { TimeModify = SetTime.ServerTime };
        Assert.AreEqual(ReplayDecision.SafeToReplay, ReplayRules.SetAttr(File, touch, NfsStat4.Ok, Attrs(File, 0x1A4)).Decision);
        Assert.AreEqual(ReplayDecision.Moot, ReplayRules.SetAttr(File, touch, NfsStat4.Ok, Attrs(File with { Change = 703 }, 0x1A4)).Decision);
    }

    [TestMethod]
    public void Holds_compares_what_can_be_compared()
    {
        var now = new NfsAttributes { Mode = 0x1A4, Size = 5, Owner = "1000", TimeModify = new NfsTime4(7, 0) };
        Assert.IsTrue(ReplayRules.Holds(new SetAttributes { Mode = 0x1A4, Size = 5, Owner = "1000" }, now));
        Assert.IsFalse(ReplayRules.Holds(new SetAttributes { Mode = 0x1A4, Owner = "1001" }, now));
        Assert.IsTrue(ReplayRules.Holds(new SetAttributes { TimeModify = SetTime.ClientTime(new NfsTime4(7, 0)) }, now));
        Assert.IsFalse(ReplayRules.Holds(new SetAttributes { TimeModify = SetTime.ClientTime(new NfsTime4(8, 0)) }, now));
        Assert.IsNull(ReplayRules.Holds(new SetAttributes { TimeAccess = SetTime.ServerTime }, now), "the server's clock cannot be compared");
        Assert.IsFalse(ReplayRules.Holds(new SetAttributes { Hidden = true }, now), "not returned is not held");
    }

    private static NameProbe At(ObjectVersion? found, NfsAttributes? attributes = null) => new(NfsStat4.Ok, Dir, found, attributes);

    private static NfsAttributes Attrs(ObjectVersion v, uint mode) => new() { FileId = v.FileId, Change = v.Change, Type = v.Type, Mode = mode };
}
