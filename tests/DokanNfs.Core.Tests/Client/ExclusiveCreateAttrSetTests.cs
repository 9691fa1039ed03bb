using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The SETATTR after an exclusive create comes from the OPEN's attrset (RFC 7530 §16.16.5, RFC 8881 §18.16.4):
/// the times the server keeps the verifier in, and what the create could not carry; nothing when nothing is left.
/// </summary>
[TestClass]
public sealed class ExclusiveCreateAttrSetTests
{
    private static readonly OpenRequest WithMode = new() { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded, CreateAttributes = new SetAttributes { Mode = 0x180 } };

    [TestMethod]
    public void Exclusive41_that_carried_everything_with_an_empty_attrset_needs_no_setattr()
    {
        Assert.IsNull(NfsClient.AfterExclusiveCreate(WithMode, CreateMode4.Exclusive41, Bitmap4.Of(FAttr4.Mode)));
        Assert.IsNull(NfsClient.AfterExclusiveCreate(WithMode with { CreateAttributes = null }, CreateMode4.Exclusive41, default));
    }

    [TestMethod]
    public void Exclusive4_with_nothing_asked_and_an_empty_attrset_needs_no_setattr() =>
        Assert.IsNull(NfsClient.AfterExclusiveCreate(WithMode with { CreateAttributes = null }, CreateMode4.Exclusive, default));

    [TestMethod]
    [DataRow(FAttr4.TimeAccess, FAttr4.TimeModify)]
    [DataRow(FAttr4.TimeAccessSet, FAttr4.TimeModifySet)]
    public void Times_the_server_kept_the_verifier_in_are_set_to_the_server_time(int access, int modify)
    {
        // NFS-Ganesha 4.3 answers both EXCLUSIVE4 and EXCLUSIVE4_1 with time_access and time_modify (plus mode for 4.1).
        var after = NfsClient.AfterExclusiveCreate(WithMode, CreateMode4.Exclusive41, Bitmap4.Of(FAttr4.Mode, access, modify));

        Assert.IsNotNull(after);
        Assert.IsNull(after.Mode, "the create set the mode");
        Assert.AreEqual(SetTime.ServerTime, after.TimeAccess);
        Assert.AreEqual(SetTime.ServerTime, after.TimeModify);
    }

    [TestMethod]
    public void Exclusive4_sets_everything_asked_and_only_the_verifier_times_reported()
    {
        var after = NfsClient.AfterExclusiveCreate(WithMode, CreateMode4.Exclusive, Bitmap4.Of(FAttr4.TimeModify));

        Assert.IsNotNull(after);
        Assert.AreEqual(0x180u, after.Mode);
        Assert.AreEqual(SetTime.ServerTime, after.TimeModify);
        Assert.IsNull(after.TimeAccess, "the server did not use time_access");
    }

    [TestMethod]
    public void Exclusive41_sets_what_its_attrset_does_not_report_and_guarded_or_unchecked_need_nothing()
    {
        var after = NfsClient.AfterExclusiveCreate(WithMode, CreateMode4.Exclusive41, default);

        Assert.AreEqual(0x180u, after?.Mode);
        Assert.IsNull(NfsClient.AfterExclusiveCreate(WithMode, CreateMode4.Guarded, Bitmap4.Of(FAttr4.TimeModify)));
        Assert.IsNull(NfsClient.AfterExclusiveCreate(WithMode, CreateMode4.Unchecked, Bitmap4.Of(FAttr4.TimeModify)));
    }
}
