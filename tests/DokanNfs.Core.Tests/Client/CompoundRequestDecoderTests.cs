using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The fake server's COMPOUND4args decoder against the client's own encoder: every operation and every
/// claim and create form <see cref="CompoundEncoder"/> writes decodes back to the values that went in.
/// </summary>
[TestClass]
public sealed class CompoundRequestDecoderTests
{
    private static readonly StateId4 Sid = new(7, 0x0102030405060708, 0x090A0B0C);
    private static readonly StateOwner4 Owner = new(0xABCD, "owner-1"u8.ToArray());
    private static readonly NfsFh Fh = new([1, 2, 3, 4, 5]);

    [TestMethod]
    public void Every_operation_the_client_encodes_decodes_to_its_fields()
    {
        var attrs = new SetAttributes { Size = 10, Mode = 0x1A4, Owner = "1000", TimeModify = SetTime.ServerTime, TimeAccess = SetTime.ClientTime(new NfsTime4(5, 6)) };
        var request = Encode("every-op", (ref CompoundEncoder e) =>
        {
            e.PutRootFh();
            e.PutFh(Fh);
            e.Lookup("dir");
            e.LookupP();
            e.GetFh();
            e.GetAttr(AttributeRequests.Stat);
            e.SaveFh();
            e.RestoreFh();
            e.Access(Access4.Read | Access4.Modify);
            e.OpenConfirm(Sid, 3);
            e.OpenDowngrade(Sid, 4, OpenShareAccess.Read, OpenShareDeny.None);
            e.Close(5, Sid);
            e.Read(Sid, 1UL << 33, 4096);
            e.Write(Sid, 12, StableHow4.DataSync, [9, 8, 7]);
            e.Commit(100, 200);
            e.ReadDir(3, new Verifier4(0x55), 1000, 2000, AttributeRequests.ReadDir);
            e.ReadLink();
            e.Create(NfsFtype4.Lnk, "target", "link", attrs);
            e.Create(NfsFtype4.Chr, null, "dev", new SetAttributes(), new SpecData4(4, 64));
            e.Remove("gone");
            e.Rename("old", "new");
            e.Link("other");
            e.SetAttr(Sid, attrs);
            e.Verify(NfsOpnum4.Verify, Bitmap4.Of(FAttr4.Size), [0, 0, 0, 0, 0, 0, 0, 10]);
            e.Verify(NfsOpnum4.NVerify, Bitmap4.Of(FAttr4.Mode), [0, 0, 1, 0xA4]);
            e.LockNewOwner(NfsLockType4.WriteW, false, 0, ulong.MaxValue, 6, Sid, 0, Owner);
            e.LockExistingOwner(NfsLockType4.Read, true, 10, 20, Sid with { SeqId = 2 }, 1);
            e.LockT(NfsLockType4.Write, 1, 2, Owner);
            e.LockU(NfsLockType4.Write, 2, Sid, 3, 4);
            e.ReleaseLockOwner(Owner);
            e.Renew(0xABCD);
            e.SetClientId(new Verifier4(0x77), "client-id"u8, 0x40000000, "tcp", "127.0.0.1.8.1", 9);
            e.SetClientIdConfirm(0xABCD, new Verifier4(0x88));
            e.DelegReturn(Sid);
            e.SecInfo("name");
        });

        Assert.AreEqual("every-op", request.Tag);
        Assert.AreEqual(0u, request.MinorVersion);
        var ops = request.Ops;
        Assert.HasCount(35, ops);
        Assert.IsInstanceOfType<PutRootFhArgs>(ops[0]);
        Assert.AreEqual(Fh, ((PutFhArgs)ops[1]).FileHandle);
        Assert.AreEqual(new LookupArgs("dir"), ops[2]);
        Assert.AreEqual(new LookupPArgs(), ops[3]);
        Assert.AreEqual(new GetFhArgs(), ops[4]);
        Assert.AreEqual(new GetAttrArgs(AttributeRequests.Stat), ops[5]);
        Assert.AreEqual(new SaveFhArgs(), ops[6]);
        Assert.AreEqual(new RestoreFhArgs(), ops[7]);
        Assert.AreEqual(new AccessArgs(Access4.Read | Access4.Modify), ops[8]);
        Assert.AreEqual(new OpenConfirmArgs(Sid, 3), ops[9]);
        Assert.AreEqual(new OpenDowngradeArgs(Sid, 4, OpenShareAccess.Read, OpenShareDeny.None), ops[10]);
        Assert.AreEqual(new CloseArgs(5, Sid), ops[11]);
        Assert.AreEqual(new ReadArgs(Sid, 1UL << 33, 4096), ops[12]);
        var write = (WriteArgs)ops[13];
        Assert.AreEqual((12UL, StableHow4.DataSync), (write.Offset, write.Stable));
        CollectionAssert.AreEqual(new byte[] { 9, 8, 7 }, write.Data);
        Assert.AreEqual(new CommitArgs(100, 200), ops[14]);
        Assert.AreEqual(new ReadDirArgs(3, new Verifier4(0x55), 1000, 2000, AttributeRequests.ReadDir), ops[15]);
        Assert.AreEqual(new ReadLinkArgs(), ops[16]);
        var symlink = (CreateArgs)ops[17];
        Assert.AreEqual((NfsFtype4.Lnk, "target", "link"), (symlink.Type, symlink.LinkData, symlink.Name));
        Assert.AreEqual(attrs, symlink.Attributes.Decoded);
        Assert.AreEqual(attrs.Mask, symlink.Attributes.Mask);
        var device = (CreateArgs)ops[18];
        Assert.AreEqual((NfsFtype4.Chr, new SpecData4(4, 64), "dev"), (device.Type, device.DevData, device.Name));
        Assert.AreEqual(new RemoveArgs("gone"), ops[19]);
        Assert.AreEqual(new RenameArgs("old", "new"), ops[20]);
        Assert.AreEqual(new LinkArgs("other"), ops[21]);
        var setattr = (SetAttrArgs)ops[22];
        Assert.AreEqual(Sid, setattr.StateId);
        Assert.AreEqual(attrs, setattr.Attributes.Decoded);
        var verify = (VerifyArgs)ops[23];
        Assert.AreEqual((NfsOpnum4.Verify, Bitmap4.Of(FAttr4.Size)), (verify.Op, verify.Mask));
        CollectionAssert.AreEqual(new byte[] { 0, 0, 0, 0, 0, 0, 0, 10 }, verify.Values);
        Assert.AreEqual(NfsOpnum4.NVerify, ops[24].Op);
        var newLock = (LockArgs)ops[25];
        Assert.IsTrue(newLock.NewLockOwner);
        Assert.AreEqual((NfsLockType4.WriteW, false, 0UL, ulong.MaxValue, 6u, Sid, 0u), (newLock.LockType, newLock.Reclaim, newLock.Offset, newLock.Length, newLock.OpenSeqId, newLock.OpenStateId, newLock.LockSeqId));
        Assert.AreEqual(Owner.ToString(), newLock.LockOwner!.ToString());
        Assert.AreEqual(6u, newLock.OwnerSeqId, "a new lock-owner's LOCK is sequenced by the open-owner");
        var existingLock = (LockArgs)ops[26];
        Assert.IsFalse(existingLock.NewLockOwner);
        Assert.AreEqual((NfsLockType4.Read, true, 10UL, 20UL, Sid with { SeqId = 2 }, 1u), (existingLock.LockType, existingLock.Reclaim, existingLock.Offset, existingLock.Length, existingLock.LockStateId, existingLock.LockSeqId));
        Assert.IsNull(existingLock.LockOwner);
        var lockt = (LockTArgs)ops[27];
        Assert.AreEqual((NfsLockType4.Write, 1UL, 2UL, Owner.ToString()), (lockt.LockType, lockt.Offset, lockt.Length, lockt.Owner.ToString()));
        Assert.AreEqual(new LockUArgs(NfsLockType4.Write, 2, Sid, 3, 4), ops[28]);
        Assert.AreEqual(Owner.ToString(), ((ReleaseLockOwnerArgs)ops[29]).LockOwner.ToString());
        Assert.AreEqual(new RenewArgs(0xABCD), ops[30]);
        var setClientId = (SetClientIdArgs)ops[31];
        Assert.AreEqual((new Verifier4(0x77), 0x40000000u, "tcp", "127.0.0.1.8.1", 9u), (setClientId.Verifier, setClientId.CallbackProgram, setClientId.NetId, setClientId.UniversalAddress, setClientId.CallbackIdent));
        CollectionAssert.AreEqual("client-id"u8.ToArray(), setClientId.Id);
        Assert.AreEqual(new SetClientIdConfirmArgs(0xABCD, new Verifier4(0x88)), ops[32]);
        Assert.AreEqual(new DelegReturnArgs(Sid), ops[33]);
        Assert.AreEqual(new SecInfoArgs("name"), ops[34]);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow(CreateMode4.Unchecked)]
    [DataRow(CreateMode4.Guarded)]
    [DataRow(CreateMode4.Exclusive)]
    [DataRow(CreateMode4.Exclusive41)]
    public void Open_decodes_every_create_form(CreateMode4? mode)
    {
        var attrs = new SetAttributes { Mode = 0x180 };
        var request = Encode("open", (ref CompoundEncoder e) => e.Open(9, OpenShareAccess.Both, OpenShareDeny.Write, Owner, mode, attrs, new Verifier4(0x1234), OpenClaim4.ByName("f")));

        var open = (OpenArgs)request.Ops.Single();
        Assert.AreEqual((9u, OpenShareAccess.Both, OpenShareDeny.Write, Owner.ToString()), (open.SeqId, open.ShareAccess, open.ShareDeny, open.Owner.ToString()));
        Assert.AreEqual(mode, open.CreateMode);
        Assert.AreEqual(mode is CreateMode4.Exclusive or CreateMode4.Exclusive41 ? new Verifier4(0x1234) : null, open.CreateVerifier);
        Assert.AreEqual(mode is CreateMode4.Unchecked or CreateMode4.Guarded or CreateMode4.Exclusive41 ? attrs : null, open.CreateAttributes?.Decoded);
        Assert.AreEqual(OpenClaim4.ByName("f"), open.Claim);
    }

    [TestMethod]
    public void Open_decodes_every_claim_form()
    {
        var claims = new[]
        {
            OpenClaim4.ByName("a"),
            OpenClaim4.Previous(OpenDelegationType4.Read),
            new OpenClaim4(OpenClaimType4.DelegateCur, "b", DelegateStateId: Sid),
            new OpenClaim4(OpenClaimType4.DelegatePrev, "c"),
            OpenClaim4.ByFileHandle(),
            new OpenClaim4(OpenClaimType4.DelegCurFh, DelegateStateId: Sid),
            new OpenClaim4(OpenClaimType4.DelegPrevFh),
        };
        var request = Encode("claims", (ref CompoundEncoder e) =>
        {
            foreach (var claim in claims)
            {
                e.Open(1, OpenShareAccess.Read, OpenShareDeny.None, Owner, null, null, default, claim);
            }
        });

        CollectionAssert.AreEqual(claims, request.OpsOf<OpenArgs>().Select(o => o.Claim).ToArray());
    }

    [TestMethod]
    public void An_operation_the_decoder_does_not_know_ends_the_list_as_illegal()
    {
        using var writer = new XdrWriter();
        writer.WriteString("t");
        writer.WriteUInt32(0);
        writer.WriteUInt32(3);
        writer.WriteEnum(NfsOpnum4.PutRootFh);
        writer.WriteEnum(NfsOpnum4.LayoutGet);
        writer.WriteUInt32(0xDEAD);

        var request = CompoundRequest.Decode(writer.WrittenSpan);

        CollectionAssert.AreEqual(new[] { NfsOpnum4.PutRootFh, NfsOpnum4.LayoutGet }, request.Ops.Select(o => o.Op).ToArray());
        Assert.IsInstanceOfType<IllegalArgs>(request.Ops[1]);
    }

    [TestMethod]
    public void Truncated_arguments_are_malformed()
    {
        var bytes = EncodeBytes("t", (ref CompoundEncoder e) => e.Write(Sid, 0, StableHow4.Unstable, new byte[100]));

        Assert.ThrowsExactly<XdrException>(() => CompoundRequest.Decode(bytes.AsSpan(0, bytes.Length - 8)));
    }

    private delegate void EncodeOps(ref CompoundEncoder encoder);

    private static CompoundRequest Encode(string tag, EncodeOps ops) => CompoundRequest.Decode(EncodeBytes(tag, ops));

    /// <summary>COMPOUND4args exactly as the client writes them.</summary>
    private static byte[] EncodeBytes(string tag, EncodeOps ops)
    {
        using var writer = new XdrWriter();
        new CompoundArgs<EncodeOps>(tag, 0, ops, static (ref CompoundEncoder e, EncodeOps encode) => encode(ref e)).Encode(writer);
        return writer.WrittenSpan.ToArray();
    }
}
