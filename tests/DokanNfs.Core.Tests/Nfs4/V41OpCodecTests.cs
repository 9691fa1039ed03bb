using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using static DokanNfs.Core.Tests.Nfs4.SessionCodecTests;

namespace DokanNfs.Core.Tests.Nfs4;

/// <summary>
/// NFSv4.1's per-operation differences (issue 10 §5): SECINFO_NO_NAME, OPEN with CLAIM_FH and EXCLUSIVE4_1, and the
/// current stateid that lets one COMPOUND chain OPEN → READ / LOCK — arguments byte for byte against RFC 5662's XDR,
/// results from hand-made replies, hostile lengths refused.
/// </summary>
[TestClass]
public sealed class V41OpCodecTests
{
    private static readonly StateOwner4 Owner = new(0xC1, "own"u8.ToArray());

    [TestMethod]
    [DataRow(SecInfoStyle4.CurrentFh, 0u)]
    [DataRow(SecInfoStyle4.Parent, 1u)]
    public void Secinfo_no_name_carries_its_style(SecInfoStyle4 style, uint wire)
    {
        var r = new XdrReader(EncodeOps((ref CompoundEncoder e) => e.SecInfoNoName(style)));

        Assert.AreEqual(52u, r.ReadUInt32(), "OP_SECINFO_NO_NAME");
        Assert.AreEqual(wire, r.ReadUInt32(), "secinfo_style4");
        r.ExpectEnd();
    }

    [TestMethod]
    public void Secinfo_no_name_result_lists_the_flavors_with_a_gss_entry_read_past()
    {
        var record = Reply(NfsStat4.Ok, 2, w =>
        {
            w.WriteEnum(NfsOpnum4.PutRootFh);
            w.WriteEnum(NfsStat4.Ok);
            w.WriteEnum(NfsOpnum4.SecInfoNoName);
            w.WriteEnum(NfsStat4.Ok);
            w.WriteArrayCount(3);
            w.WriteUInt32(6); // RPCSEC_GSS: oid, qop, service
            w.WriteOpaque([0x2A, 0x86, 0x48]);
            w.WriteUInt32(0);
            w.WriteUInt32(1);
            w.WriteUInt32(1); // AUTH_SYS
            w.WriteUInt32(0); // AUTH_NONE
        });

        var flavors = Decode(record, (ref CompoundResults results, ref XdrReader r) =>
        {
            results.PutRootFh(ref r);
            return results.SecInfoNoName(ref r);
        });

        CollectionAssert.AreEqual(new uint[] { 6, 1, 0 }, flavors);
        Assert.AreEqual("Ok: PutRootFh Ok, SecInfoNoName Ok", ReplyDecoding.DecodeRecord(record).ToString(), "the walker reads it too");
    }

    [TestMethod]
    public void Secinfo_no_name_with_more_flavors_than_any_server_has_is_refused()
    {
        var record = Reply(NfsStat4.Ok, 1, w =>
        {
            w.WriteEnum(NfsOpnum4.SecInfoNoName);
            w.WriteEnum(NfsStat4.Ok);
            w.WriteUInt32(1_000_000);
        });

        Assert.ThrowsExactly<RpcMalformedReplyException>(() => Decode(record, (ref CompoundResults results, ref XdrReader r) => results.SecInfoNoName(ref r)));
    }

    [TestMethod]
    public void Secinfo_no_name_wrongsec_is_the_operation_error()
    {
        var record = Reply(NfsStat4.Wrongsec, 2, w =>
        {
            w.WriteEnum(NfsOpnum4.PutRootFh);
            w.WriteEnum(NfsStat4.Ok);
            w.WriteEnum(NfsOpnum4.SecInfoNoName);
            w.WriteEnum(NfsStat4.Wrongsec);
        });

        var error = Assert.ThrowsExactly<NfsException>(() => Decode(record, (ref CompoundResults results, ref XdrReader r) =>
        {
            results.PutRootFh(ref r);
            return results.SecInfoNoName(ref r);
        }));
        Assert.AreEqual(NfsStat4.Wrongsec, error.Status);
        Assert.AreEqual(NfsOpnum4.SecInfoNoName, error.Operation);
    }

    [TestMethod]
    public void Open_by_filehandle_is_claim_fh_with_nothing_after_it()
    {
        var r = new XdrReader(EncodeOps((ref CompoundEncoder e) =>
            e.Open(0, OpenShareAccess.Read, OpenShareDeny.None, Owner, null, null, default, OpenClaim4.ByFileHandle())));

        Assert.AreEqual((uint)NfsOpnum4.Open, r.ReadUInt32());
        Assert.AreEqual(0u, r.ReadUInt32(), "seqid 0 under 4.1");
        Assert.AreEqual(1u, r.ReadUInt32(), "share_access READ");
        Assert.AreEqual(0u, r.ReadUInt32(), "share_deny NONE");
        Assert.AreEqual(Owner.ClientId, r.ReadUInt64());
        CollectionAssert.AreEqual("own"u8.ToArray(), r.ReadOpaque().ToArray());
        Assert.AreEqual(0u, r.ReadUInt32(), "OPEN4_NOCREATE");
        Assert.AreEqual(4u, r.ReadUInt32(), "CLAIM_FH: the current filehandle is the file");
        r.ExpectEnd();
    }

    [TestMethod]
    public void Exclusive4_1_sends_the_verifier_and_then_the_attributes()
    {
        var r = new XdrReader(EncodeOps((ref CompoundEncoder e) =>
            e.Open(0, OpenShareAccess.Both, OpenShareDeny.None, Owner, CreateMode4.Exclusive41, new SetAttributes { Mode = 0x1A4 }, new Verifier4(0x0102030405060708), OpenClaim4.ByName("f"))));

        r.Skip(4 + 4 + 4 + 4 + 8 + 4 + 4); // opnum, seqid, access, deny, owner (client id, "own" padded)
        Assert.AreEqual(1u, r.ReadUInt32(), "OPEN4_CREATE");
        Assert.AreEqual(3u, r.ReadUInt32(), "EXCLUSIVE4_1");
        Assert.AreEqual(0x0102030405060708UL, r.ReadUInt64(), "cva_verf");
        var mask = Bitmap4.Decode(ref r);
        Assert.IsTrue(mask.Contains(FAttr4.Mode), "cva_attrs carries the mode");
        Assert.AreEqual(4, r.ReadArrayCount(64), "one uint32 of values");
        Assert.AreEqual(0x1A4u, r.ReadUInt32());
        Assert.AreEqual(0u, r.ReadUInt32(), "CLAIM_NULL");
        Assert.AreEqual("f", r.ReadString());
        r.ExpectEnd();
    }

    [TestMethod]
    public void The_current_stateid_is_seqid_1_and_other_zero_and_chains_open_to_read_and_lock()
    {
        var r = new XdrReader(EncodeOps((ref CompoundEncoder e) =>
        {
            e.Read(StateId4.Current, 10, 20);
            e.LockNewOwner(NfsLockType4.Write, false, 0, 1, 0, StateId4.Current, 0, Owner);
        }));

        Assert.AreEqual((uint)NfsOpnum4.Read, r.ReadUInt32());
        Assert.AreEqual(new StateId4(1, 0, 0), StateId4.Decode(ref r), "RFC 8881 §8.2.3: seqid 1, other all zeros");
        Assert.AreEqual(10UL, r.ReadUInt64());
        Assert.AreEqual(20u, r.ReadUInt32());
        Assert.AreEqual((uint)NfsOpnum4.Lock, r.ReadUInt32());
        r.Skip(4 + 4 + 8 + 8 + 4 + 4); // locktype, reclaim, offset, length, new_lock_owner, open_seqid
        Assert.AreEqual(StateId4.Current, StateId4.Decode(ref r), "open_stateid: the OPEN's, from earlier in the COMPOUND");
    }
}
