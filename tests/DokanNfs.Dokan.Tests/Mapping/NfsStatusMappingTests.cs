using System.Reflection;
using System.Net.Sockets;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Namespace;
using DokanNfs.Dokan.Mapping;

namespace DokanNfs.Dokan.Tests.Mapping;

/// <summary>
/// Issue 6 §10: the one NFS status → NTSTATUS table, one row per nfsstat4 (RFC 7530 §13, RFC 8881 §15).
/// The rows are the table's specification: a change to the table must change its row here.
/// </summary>
[TestClass]
public sealed class NfsStatusMappingTests
{
    [TestMethod]
    [DataRow(NfsStat4.Ok, nameof(NtStatus.Success))]
    [DataRow(NfsStat4.Perm, nameof(NtStatus.AccessDenied))]
    [DataRow(NfsStat4.NoEnt, nameof(NtStatus.ObjectNameNotFound))]
    [DataRow(NfsStat4.Io, nameof(NtStatus.IoDeviceError))]
    [DataRow(NfsStat4.NxIo, nameof(NtStatus.NoSuchDevice))]
    [DataRow(NfsStat4.Access, nameof(NtStatus.AccessDenied))]
    [DataRow(NfsStat4.Exist, nameof(NtStatus.ObjectNameCollision))]
    [DataRow(NfsStat4.Xdev, nameof(NtStatus.NotSameDevice))]
    [DataRow(NfsStat4.NotDir, nameof(NtStatus.NotADirectory))]
    [DataRow(NfsStat4.IsDir, nameof(NtStatus.FileIsADirectory))]
    [DataRow(NfsStat4.Inval, nameof(NtStatus.InvalidParameter))]
    [DataRow(NfsStat4.Fbig, nameof(NtStatus.FileTooLarge))]
    [DataRow(NfsStat4.NoSpc, nameof(NtStatus.DiskFull))]
    [DataRow(NfsStat4.RoFs, nameof(NtStatus.MediaWriteProtected))]
    [DataRow(NfsStat4.MLink, nameof(NtStatus.TooManyLinks))]
    [DataRow(NfsStat4.NameTooLong, nameof(NtStatus.ObjectNameInvalid))]
    [DataRow(NfsStat4.NotEmpty, nameof(NtStatus.DirectoryNotEmpty))]
    [DataRow(NfsStat4.DQuot, nameof(NtStatus.DiskQuotaExceeded))]
    [DataRow(NfsStat4.Stale, nameof(NtStatus.FileDeleted))]
    [DataRow(NfsStat4.BadHandle, nameof(NtStatus.InvalidHandle))]
    [DataRow(NfsStat4.BadCookie, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.NotSupp, nameof(NtStatus.NotSupported))]
    [DataRow(NfsStat4.TooSmall, nameof(NtStatus.BufferTooSmall))]
    [DataRow(NfsStat4.ServerFault, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BadType, nameof(NtStatus.NotSupported))]
    [DataRow(NfsStat4.Delay, nameof(NtStatus.NetworkBusy))]
    [DataRow(NfsStat4.Same, nameof(NtStatus.Unsuccessful))]
    [DataRow(NfsStat4.Denied, nameof(NtStatus.LockNotGranted))]
    [DataRow(NfsStat4.Expired, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.Locked, nameof(NtStatus.FileLockConflict))]
    [DataRow(NfsStat4.Grace, nameof(NtStatus.NetworkBusy))]
    [DataRow(NfsStat4.FhExpired, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.ShareDenied, nameof(NtStatus.SharingViolation))]
    [DataRow(NfsStat4.Wrongsec, nameof(NtStatus.AccessDenied))]
    [DataRow(NfsStat4.ClidInuse, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.Resource, nameof(NtStatus.InsufficientResources))]
    [DataRow(NfsStat4.Moved, nameof(NtStatus.BadNetworkPath))]
    [DataRow(NfsStat4.NoFileHandle, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.MinorVersMismatch, nameof(NtStatus.NotSupported))]
    [DataRow(NfsStat4.StaleClientId, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.StaleStateId, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.OldStateId, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.BadStateId, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.BadSeqId, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.NotSame, nameof(NtStatus.Unsuccessful))]
    [DataRow(NfsStat4.LockRange, nameof(NtStatus.LockNotGranted))]
    [DataRow(NfsStat4.Symlink, nameof(NtStatus.ObjectPathNotFound))]
    [DataRow(NfsStat4.RestoreFh, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.LeaseMoved, nameof(NtStatus.NetworkNameDeleted))]
    [DataRow(NfsStat4.AttrNotSupp, nameof(NtStatus.NotSupported))]
    [DataRow(NfsStat4.NoGrace, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.ReclaimBad, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.ReclaimConflict, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.BadXdr, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.LocksHeld, nameof(NtStatus.FileLockConflict))]
    [DataRow(NfsStat4.OpenMode, nameof(NtStatus.AccessDenied))]
    [DataRow(NfsStat4.BadOwner, nameof(NtStatus.InvalidOwner))]
    [DataRow(NfsStat4.BadChar, nameof(NtStatus.ObjectNameInvalid))]
    [DataRow(NfsStat4.BadName, nameof(NtStatus.ObjectNameInvalid))]
    [DataRow(NfsStat4.BadRange, nameof(NtStatus.InvalidParameter))]
    [DataRow(NfsStat4.LockNotSupp, nameof(NtStatus.NotSupported))]
    [DataRow(NfsStat4.OpIllegal, nameof(NtStatus.NotSupported))]
    [DataRow(NfsStat4.Deadlock, nameof(NtStatus.PossibleDeadlock))]
    [DataRow(NfsStat4.FileOpen, nameof(NtStatus.SharingViolation))]
    [DataRow(NfsStat4.AdminRevoked, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.CbPathDown, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BadIoMode, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BadLayout, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BadSessionDigest, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BadSession, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BadSlot, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.CompleteAlready, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.ConnNotBoundToSession, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.DelegAlreadyWanted, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BackChanBusy, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.LayoutTryLater, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.LayoutUnavailable, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.NoMatchingLayout, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.RecallConflict, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.UnknownLayoutType, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.SeqMisordered, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.SequencePos, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.ReqTooBig, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.RepTooBig, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.RepTooBigToCache, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.RetryUncachedRep, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.UnsafeCompound, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.TooManyOps, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.OpNotInSession, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.HashAlgUnsupp, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.ClientIdBusy, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.PnfsIoHole, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.SeqFalseRetry, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.BadHighSlot, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.DeadSession, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.EncrAlgUnsupp, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.PnfsNoLayout, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.NotOnlyOp, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.WrongCred, nameof(NtStatus.AccessDenied))]
    [DataRow(NfsStat4.WrongType, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.DirDelegUnavail, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.RejectDeleg, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.ReturnConflict, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.DelegRevoked, nameof(NtStatus.FileInvalid))]
    [DataRow(NfsStat4.PartnerNotSupp, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.PartnerNoAuth, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.UnionNotSupp, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.OffloadDenied, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.WrongLfs, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.Badlabel, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.OffloadNoReqs, nameof(NtStatus.UnexpectedNetworkError))]
    [DataRow(NfsStat4.Noxattr, nameof(NtStatus.ObjectNameNotFound))]
    [DataRow(NfsStat4.Xattr2big, nameof(NtStatus.FileTooLarge))]
    public void Each_NFS_status_maps_to_its_NTSTATUS(NfsStat4 status, string expected)
    {
        var value = (int)typeof(NtStatus).GetField(expected, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        Assert.AreEqual(value, NfsStatusMapping.ToNtStatus(status), $"{status} → expected {expected}");
    }

    [TestMethod]
    public void Every_NFS_status_has_a_row_and_only_NFS4_OK_is_a_success()
    {
        var rows = typeof(NfsStatusMappingTests).GetMethod(nameof(Each_NFS_status_maps_to_its_NTSTATUS))!
            .GetCustomAttributes<DataRowAttribute>()
            .Select(r => (NfsStat4)r.Data[0]!)
            .ToHashSet();
        foreach (var status in Enum.GetValues<NfsStat4>())
        {
            Assert.IsTrue(rows.Contains(status), $"{status} has no row in the table test");
            Assert.AreEqual(status == NfsStat4.Ok, NtStatus.IsSuccess(NfsStatusMapping.ToNtStatus(status)), $"{status}");
        }
    }

    [TestMethod]
    public void Failures_that_are_not_NFS_statuses_map_by_kind_and_anything_unexpected_is_an_internal_error()
    {
        Assert.AreEqual(NtStatus.ObjectNameCollision, NfsDokanOperations.ToNtStatus(new NfsException(NfsStat4.Exist, NfsOpnum4.Create, "/x")));
        Assert.AreEqual(NtStatus.BadNetworkPath, NfsDokanOperations.ToNtStatus(new NfsReferralException("/r", "no location answered")));
        Assert.AreEqual(NtStatus.FileInvalid, NfsDokanOperations.ToNtStatus(new NfsReplayConflictException(ReplayOperation.Remove, NfsOpnum4.Remove, "/f", "changed", "a", "b")));
        Assert.AreEqual(NtStatus.FileInvalid, NfsDokanOperations.ToNtStatus(new NfsWriteConflictException("/f", "/f (conflict)", copyIsLocal: false, "changed elsewhere", 10)));
        Assert.AreEqual(NtStatus.IoTimeout, NfsDokanOperations.ToNtStatus(new RpcTimeoutException("no reply")));
        Assert.AreEqual(NtStatus.ConnectionRefused, NfsDokanOperations.ToNtStatus(new RpcConnectException("refused", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.AreEqual(NtStatus.HostUnreachable, NfsDokanOperations.ToNtStatus(new RpcConnectException("unreachable", new SocketException((int)SocketError.HostUnreachable))));
        Assert.AreEqual(NtStatus.ConnectionDisconnected, NfsDokanOperations.ToNtStatus(new RpcConnectionLostException("reset")));
        Assert.AreEqual(NtStatus.UnexpectedNetworkError, NfsDokanOperations.ToNtStatus(new RpcMalformedReplyException("garbage")));
        Assert.AreEqual(NtStatus.UnexpectedNetworkError, NfsDokanOperations.ToNtStatus(new XdrException("short")));
        Assert.AreEqual(NtStatus.Cancelled, NfsDokanOperations.ToNtStatus(new OperationCanceledException()));
        Assert.AreEqual(NtStatus.VolumeDismounted, NfsDokanOperations.ToNtStatus(new ObjectDisposedException("client")));
        Assert.AreEqual(NtStatus.InternalError, NfsDokanOperations.ToNtStatus(new InvalidOperationException("a bug")));
    }
}
