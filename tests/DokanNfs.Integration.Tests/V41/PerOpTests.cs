using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

using DokanNfs.Integration.Tests.Client;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// NFSv4.1's per-operation differences against Ganesha (issue 10 §5): a file opened again by its filehandle
/// (CLAIM_FH), SECINFO_NO_NAME where 4.0 asks SECINFO, suppattr_exclcreat read with the file system facts, and the
/// current stateid carrying an OPEN's stateid to a READ or LOCK in the same COMPOUND.
/// </summary>
[TestClass]
public sealed class PerOpTests(TestContext testContext) : ClientTestBase(testContext)
{
    /// <summary>
    /// A downgrade opens the file again. Another client renamed it meanwhile: 4.1 opens it by its filehandle and the
    /// downgrade goes through; 4.0 can only open it by its old name, which is gone.
    /// </summary>
    [TestMethod]
    [DataRow(NfsVersion.V40, OpenShareDeny.Write, DisplayName = "4.0, dropping deny (a new owner)")]
    [DataRow(NfsVersion.V40, OpenShareDeny.None, DisplayName = "4.0, access only (the same owner)")]
    [DataRow(NfsVersion.V41, OpenShareDeny.Write, DisplayName = "4.1, dropping deny (a new owner)")]
    [DataRow(NfsVersion.V41, OpenShareDeny.None, DisplayName = "4.1, access only (the same owner)")]
    public async Task A_downgrade_after_another_client_renamed_the_file_opens_it_by_filehandle_under_4_1(NfsVersion version, OpenShareDeny deny)
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("a.txt"), "DATA");
        var client = Connect(server, Vers(version));
        var other = Connect(server, Vers(version));
        await using var holder = await client.OpenAsync(Nfs("a.txt"), new OpenRequest { Access = OpenShareAccess.Both, Deny = deny }, Ct);
        await other.RenameAsync(Nfs("a.txt"), Nfs("b.txt"), Ct);

        if (version == NfsVersion.V40)
        {
            var error = await Assert.ThrowsExactlyAsync<NfsException>(async () => await holder.DowngradeAsync(OpenShareAccess.Read, OpenShareDeny.None, Ct));
            Assert.AreEqual(NfsStat4.NoEnt, error.Status, "4.0 opens by name, and a.txt is gone");
            return;
        }

        await holder.DowngradeAsync(OpenShareAccess.Read, OpenShareDeny.None, Ct);

        Assert.AreEqual(OpenShareAccess.Read, holder.Access);
        var buffer = new byte[4];
        Assert.AreEqual(4, await holder.ReadAsync(0, buffer, Ct));
        Assert.AreEqual("DATA", Encoding.ASCII.GetString(buffer));
        await using var writer = await other.OpenAsync(Nfs("b.txt"), new OpenRequest { Access = OpenShareAccess.Write, Deny = OpenShareDeny.Write }, Ct);
        await writer.WriteAsync(0, "WXYZ"u8.ToArray(), StableHow4.FileSync, Ct);
        Assert.AreEqual("WXYZ", File.ReadAllText(server.PathInExport("b.txt")), "the downgraded open denies nothing and writes no more");
        await holder.CloseAsync(Ct);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40, "secinfo")]
    [DataRow(NfsVersion.V41, "secinfo_no_name")]
    public async Task Security_flavors_are_asked_with_secinfo_under_4_0_and_secinfo_no_name_under_4_1(NfsVersion version, string tag)
    {
        var server = await StartServerAsync();
        Directory.CreateDirectory(server.PathInExport("dir"));
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version));

        var flavors = await client.GetSecurityFlavorsAsync(Nfs("dir"), Ct);

        CollectionAssert.Contains(flavors, 1u, $"AUTH_SYS among [{string.Join(", ", flavors)}]");
        Assert.HasCount(1, tap.CallsTagged(tag));
        if (version == NfsVersion.V41)
        {
            CollectionAssert.Contains(await client.GetSecurityFlavorsAsync("/", Ct), 1u, "SECINFO_NO_NAME answers for the pseudo root, which has no name");
        }
        else
        {
            await Assert.ThrowsExactlyAsync<ArgumentException>(async () => await client.GetSecurityFlavorsAsync("/", Ct));
        }
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task The_attributes_an_exclusive_create_may_set_are_known_under_4_1_only(NfsVersion version)
    {
        var server = await StartServerAsync();
        var client = Connect(server, Vers(version));

        var exclusive = await client.GetExclusiveCreateAttributesAsync(Ct);

        if (version == NfsVersion.V40)
        {
            Assert.IsNull(exclusive, "EXCLUSIVE4_1 does not exist in 4.0");
            return;
        }

        Assert.IsNotNull(exclusive);
        TestContext.WriteLine($"suppattr_exclcreat: {exclusive}");
        Assert.IsFalse(exclusive.Value.IsEmpty, "Ganesha names the attributes it stores with the verifier");
        Assert.IsTrue(exclusive.Value.Contains(FAttr4.Mode), "the mode is one of them");
    }

    [TestMethod]
    public async Task The_current_stateid_carries_an_opens_stateid_to_a_read_and_a_lock_in_the_same_compound()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("c.txt"), "chained");
        var client = Connect(server, Vers(NfsVersion.V41));
        var directory = (await client.GetAttrAsync(Export, Ct)).FileHandle;
        var session = client.Session!;
        var openOwner = new StateOwner4(session.ClientId, "v41-chain-open"u8.ToArray());
        var lockOwner = new StateOwner4(session.ClientId, "v41-chain-lock"u8.ToArray());

        var (open, file, data, lockResult) = await session.RunAsync(
            "open",
            (directory, openOwner, lockOwner),
            static (ref CompoundEncoder e, (NfsFh Directory, StateOwner4 Open, StateOwner4 Lock) c) =>
            {
                e.PutFh(c.Directory);
                e.Open(0, OpenShareAccess.Both, OpenShareDeny.None, c.Open, null, null, default, OpenClaim4.ByName("c.txt"));
                e.GetFh();
                e.Read(StateId4.Current, 0, 100);
                e.LockNewOwner(NfsLockType4.Write, false, 0, 10, 0, StateId4.Current, 0, c.Lock);
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutFh(ref r);
                var open = results.Open(ref r);
                var file = results.GetFh(ref r);
                var data = Encoding.ASCII.GetString(results.Read(ref r, out _));
                return (open, file, data, results.Lock(ref r));
            },
            Ct,
            cacheThis: true);

        Assert.AreEqual("chained", data, "READ used the OPEN's stateid");
        Assert.IsNull(lockResult.Denied);
        Assert.IsFalse(open.StateId.SameState(lockResult.LockStateId), "LOCK made a lock stateid of its own from the open's");
        var other = Connect(server, Vers(NfsVersion.V41));
        await using var contender = await other.OpenAsync(Nfs("c.txt"), OpenRequest.ForReadWrite, Ct);
        Assert.IsNotNull(await contender.TestLockAsync(NfsLockType4.Write, 0, 10, Ct), "the lock taken through the current stateid holds");

        await session.RunAsync(
            "locku",
            (file, lockResult.LockStateId, open.StateId),
            static (ref CompoundEncoder e, (NfsFh File, StateId4 Lock, StateId4 Open) c) =>
            {
                e.PutFh(c.File);
                e.LockU(NfsLockType4.Write, 0, c.Lock, 0, 10);
                e.Close(0, c.Open);
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutFh(ref r);
                results.LockU(ref r);
                return results.Close(ref r);
            },
            Ct,
            cacheThis: true);
        Assert.IsNull(await contender.TestLockAsync(NfsLockType4.Write, 0, 10, Ct), "unlocked and closed");
    }
}
