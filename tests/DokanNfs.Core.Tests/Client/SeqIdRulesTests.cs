using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Tests.Client;

[TestClass]
public sealed class SeqIdRulesTests
{
    // RFC 7530 §9.1.7: the only statuses after which an owner's seqid does NOT advance.
    private static readonly HashSet<NfsStat4> NotAdvancing =
    [
        NfsStat4.StaleClientId, NfsStat4.StaleStateId, NfsStat4.BadStateId, NfsStat4.BadSeqId,
        NfsStat4.BadXdr, NfsStat4.Resource, NfsStat4.NoFileHandle, NfsStat4.Moved,
    ];

    [TestMethod]
    public void Every_status_advances_the_seqid_except_the_eight_of_rfc7530_9_1_7()
    {
        var checkedCount = 0;
        foreach (var status in Enum.GetValues<NfsStat4>())
        {
            Assert.AreEqual(!NotAdvancing.Contains(status), SeqIdRules.Advances(status), $"{status} ({(int)status})");
            checkedCount++;
        }

        Assert.IsGreaterThan(100, checkedCount, "the whole nfsstat4 table was checked");
    }

    [TestMethod]
    [DataRow(NfsStat4.Ok)]
    [DataRow(NfsStat4.Denied)]
    [DataRow(NfsStat4.ShareDenied)]
    [DataRow(NfsStat4.NoEnt)]
    [DataRow(NfsStat4.Delay)]
    [DataRow(NfsStat4.Grace)]
    [DataRow(NfsStat4.Expired)]
    [DataRow(NfsStat4.OldStateId)]
    public void Ordinary_replies_advance(NfsStat4 status) => Assert.IsTrue(SeqIdRules.Advances(status));

    [TestMethod]
    public void Seqid_wraps_to_zero() => Assert.AreEqual(0u, SeqIdRules.Next(uint.MaxValue));

    [TestMethod]
    public void Only_open_close_lock_ops_carry_a_seqid()
    {
        var carrying = Enum.GetValues<NfsOpnum4>().Where(SeqIdRules.CarriesSeqId).ToHashSet();

        CollectionAssert.AreEquivalent(
            new[] { NfsOpnum4.Open, NfsOpnum4.OpenConfirm, NfsOpnum4.OpenDowngrade, NfsOpnum4.Close, NfsOpnum4.Lock, NfsOpnum4.LockU },
            carrying.ToArray());
    }
}

[TestClass]
public sealed class NfsErrorPolicyTests
{
    [TestMethod]
    [DataRow(NfsStat4.Delay, NfsErrorAction.RetryAfterDelay)]
    [DataRow(NfsStat4.Grace, NfsErrorAction.RetryAfterDelay)]
    [DataRow(NfsStat4.Resource, NfsErrorAction.RetryAfterDelay)]
    [DataRow(NfsStat4.StaleClientId, NfsErrorAction.RecoverLease)]
    [DataRow(NfsStat4.StaleStateId, NfsErrorAction.RecoverLease)]
    [DataRow(NfsStat4.Expired, NfsErrorAction.RecoverLease)]
    [DataRow(NfsStat4.BadStateId, NfsErrorAction.RecoverStateId)]
    [DataRow(NfsStat4.OldStateId, NfsErrorAction.RecoverStateId)]
    [DataRow(NfsStat4.BadSeqId, NfsErrorAction.RetireOwner)]
    [DataRow(NfsStat4.FhExpired, NfsErrorAction.RefreshFileHandle)]
    [DataRow(NfsStat4.Moved, NfsErrorAction.Moved)]
    [DataRow(NfsStat4.NoEnt, NfsErrorAction.Fail)]
    [DataRow(NfsStat4.Access, NfsErrorAction.Fail)]
    [DataRow(NfsStat4.ShareDenied, NfsErrorAction.Fail)]
    public void Each_status_has_one_action(NfsStat4 status, NfsErrorAction expected) =>
        Assert.AreEqual(expected, NfsErrorPolicy.Classify(status));

    [TestMethod]
    public void Every_status_is_classified_without_throwing()
    {
        var actions = Enum.GetValues<NfsStat4>().Select(NfsErrorPolicy.Classify).ToList();

        Assert.AreEqual(Enum.GetValues<NfsStat4>().Length, actions.Count);
        Assert.IsGreaterThan(90, actions.Count(a => a == NfsErrorAction.Fail), "most errors simply go to the caller");
    }
}
