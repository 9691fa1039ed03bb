using DokanNfs.Core.Client.Delegations;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Client.Callbacks;

/// <summary><see cref="DelegationTable"/>: delegations by handle and by path, recalls that come early, and what ends one.</summary>
[TestClass]
public sealed class DelegationTableTests
{
    private static readonly NfsFh File = new([1]);
    private static readonly StateId4 Deleg = new(1, 42, 42);
    private static readonly OpenDelegation Read = new(OpenDelegationType4.Read, Deleg, false);

    private readonly DelegationTable _table = new();

    [TestMethod]
    public void A_delegation_is_found_by_handle_and_by_path_until_our_own_rename_below_forgets_the_path()
    {
        Assert.IsNull(Add());

        Assert.IsTrue(_table.TryGetDelegation(File, out var type));
        Assert.AreEqual(OpenDelegationType4.Read, type);
        Assert.IsTrue(_table.TryGetByPath("/export/dir/f", out _));

        _table.ForgetPathsAtOrBelow("/export/dir");

        Assert.IsFalse(_table.TryGetByPath("/export/dir/f", out _));
        Assert.IsTrue(_table.TryGetDelegation(File, out _), "still held; only no longer found by that name");

        // An OPEN by that name that got the same delegation again makes it findable again.
        Assert.IsNull(Add());
        Assert.IsTrue(_table.TryGetByPath("/export/dir/f", out _));
    }

    [TestMethod]
    public void A_read_delegation_gives_the_attributes_of_its_grant_by_path_until_it_is_recalled()
    {
        _table.Add(File, "/export/dir/f", Read, RpcCredential.Sys(0, 0), new NfsAttributes { Size = 9 }, out _);

        Assert.IsTrue(_table.TryGetDelegatedAttributes("/export//dir/f", out var node));
        Assert.AreEqual(9UL, node.Attributes.Size);
        Assert.AreEqual(File, node.FileHandle);

        _table.BeginRecall(File, Deleg);
        Assert.IsFalse(_table.TryGetDelegatedAttributes("/export/dir/f", out _));
    }

    [TestMethod]
    public void A_write_delegation_gives_no_attributes_our_own_writes_may_have_changed()
    {
        _table.Add(File, "/export/dir/f", Read with { Type = OpenDelegationType4.Write }, RpcCredential.Sys(0, 0), new NfsAttributes { Size = 9 }, out _);

        Assert.IsFalse(_table.TryGetDelegatedAttributes("/export/dir/f", out _));
        Assert.IsTrue(_table.TryGetDelegation(File, out var type));
        Assert.AreEqual(OpenDelegationType4.Write, type);
    }

    [TestMethod]
    public void A_recall_before_the_grant_is_remembered_and_the_grant_comes_back_for_return()
    {
        Assert.IsNull(_table.BeginRecall(File, Deleg));

        var toReturn = Add();

        Assert.IsNotNull(toReturn);
        Assert.AreEqual(Deleg, toReturn.StateId);
    }

    [TestMethod]
    public void A_recall_marks_it_returning_once_and_raises_Ended_once()
    {
        Add();
        var ended = new List<DelegationEndReason>();
        _table.Ended += (_, e) => ended.Add(e.Reason);

        var first = _table.BeginRecall(File, Deleg);
        var second = _table.BeginRecall(File, Deleg with { SeqId = 2 });

        Assert.IsNotNull(first);
        Assert.IsNull(second, "its return already started");
        Assert.IsFalse(_table.TryGetDelegation(File, out _), "a delegation being returned vouches for nothing");
        CollectionAssert.AreEqual(new[] { DelegationEndReason.Recalled }, ended);
    }

    [TestMethod]
    public void The_same_delegation_granted_again_only_moves_its_seqid_and_DropAll_forgets_everything()
    {
        Add();
        Assert.IsNull(_table.Add(File, "/export/dir/f", Read with { StateId = Deleg with { SeqId = 5 } }, RpcCredential.Sys(0, 0), new NfsAttributes(), out var replaced));
        Assert.IsNull(replaced);
        Assert.IsTrue(_table.TryGet(File, out var held));
        Assert.AreEqual(5u, held.StateId.SeqId);

        _table.DropAll();

        Assert.AreEqual(0, _table.Count);
        Assert.IsFalse(_table.TryGetByPath("/export/dir/f", out _));
    }

    [TestMethod]
    public void The_same_delegation_granted_again_while_being_returned_is_not_kept()
    {
        Add();
        Assert.IsNotNull(_table.BeginRecall(File, Deleg));

        Assert.IsNull(Add());

        Assert.IsFalse(_table.TryGetDelegation(File, out _), "the DELEGRETURN under way ends it");
        Assert.IsTrue(_table.TryGet(File, out var held) && held.Returning);
    }

    private Delegation? Add() => _table.Add(File, "/export/dir/f", Read, RpcCredential.Sys(0, 0), new NfsAttributes(), out _);
}
