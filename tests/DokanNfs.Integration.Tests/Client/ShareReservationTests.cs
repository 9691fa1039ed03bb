using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>Share reservations (RFC 7530 §9.9): share_access / share_deny between clients and between opens of one client, OPEN_DOWNGRADE.</summary>
[TestClass]
public sealed class ShareReservationTests(TestContext testContext) : ClientTestBase(testContext)
{
    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Second_client_is_refused_what_the_first_denies_and_gets_it_after_close(NfsVersion version)
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("shared.txt"), "shared");
        var first = Connect(server, Vers(version));
        var second = Connect(server, Vers(version));

        var holder = await first.OpenAsync(Nfs("shared.txt"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write }, Ct);

        var forWrite = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
            await second.OpenAsync(Nfs("shared.txt"), new OpenRequest { Access = OpenShareAccess.Write }, Ct));
        var forBoth = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
            await second.OpenAsync(Nfs("shared.txt"), OpenRequest.ForReadWrite, Ct));
        Assert.AreEqual(NfsStat4.ShareDenied, forWrite.Status);
        Assert.AreEqual(NfsStat4.ShareDenied, forBoth.Status);

        // Reading is not denied.
        await using (var reader = await second.OpenAsync(Nfs("shared.txt"), OpenRequest.ForRead, Ct))
        {
            var buffer = new byte[6];
            Assert.AreEqual(6, await reader.ReadAsync(0, buffer, Ct));
        }

        await holder.CloseAsync(Ct);
        await using var writer = await second.OpenAsync(Nfs("shared.txt"), new OpenRequest { Access = OpenShareAccess.Write }, Ct);
        await writer.WriteAsync(0, "SHARED"u8.ToArray(), StableHow4.FileSync, Ct);
        Assert.AreEqual("SHARED", File.ReadAllText(server.PathInExport("shared.txt")));
    }

    [TestMethod]
    public async Task Deny_is_refused_when_another_client_already_has_that_access()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("f"), "f");
        var first = Connect(server);
        var second = Connect(server);
        await using var writer = await first.OpenAsync(Nfs("f"), new OpenRequest { Access = OpenShareAccess.Write }, Ct);

        var denyWrite = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
            await second.OpenAsync(Nfs("f"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write }, Ct));
        await using var denyRead = await second.OpenAsync(Nfs("f"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Read }, Ct);

        Assert.AreEqual(NfsStat4.ShareDenied, denyWrite.Status);
        Assert.AreEqual(OpenShareDeny.Read, denyRead.Deny);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Two_opens_of_one_file_by_one_client_get_distinct_owners_and_conflict_like_two_clients(NfsVersion version)
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("one.txt"), "one");
        var client = Connect(server, Vers(version));

        await using var exclusive = await client.OpenAsync(Nfs("one.txt"), new OpenRequest { Access = OpenShareAccess.Both, Deny = OpenShareDeny.Both }, Ct);
        var refused = await Assert.ThrowsExactlyAsync<NfsException>(async () => await client.OpenAsync(Nfs("one.txt"), OpenRequest.ForRead, Ct));

        Assert.AreEqual(NfsStat4.ShareDenied, refused.Status);
        await exclusive.CloseAsync(Ct);

        await using var a = await client.OpenAsync(Nfs("one.txt"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write }, Ct);
        await using var b = await client.OpenAsync(Nfs("one.txt"), new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write }, Ct);
        var writeRefused = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
            await client.OpenAsync(Nfs("one.txt"), new OpenRequest { Access = OpenShareAccess.Write }, Ct));

        Assert.AreNotSame(a.Owner, b.Owner, "each open of one file has its own open-owner");
        Assert.IsFalse(a.StateId.SameState(b.StateId), "two open stateids");
        Assert.AreEqual(NfsStat4.ShareDenied, writeRefused.Status);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Open_downgrade_from_both_to_read_lets_another_opener_deny_write(NfsVersion version)
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("d.txt"), "data");
        var first = Connect(server, Vers(version));
        var second = Connect(server, Vers(version));
        var readDenyWrite = new OpenRequest { Access = OpenShareAccess.Read, Deny = OpenShareDeny.Write };
        await using var holder = await first.OpenAsync(Nfs("d.txt"), OpenRequest.ForReadWrite, Ct);
        await holder.WriteAsync(0, "DATA"u8.ToArray(), StableHow4.FileSync, Ct);

        // While the holder may write, nobody may deny writing.
        var before = await Assert.ThrowsExactlyAsync<NfsException>(async () => await second.OpenAsync(Nfs("d.txt"), readDenyWrite, Ct));
        Assert.AreEqual(NfsStat4.ShareDenied, before.Status);

        await holder.DowngradeAsync(OpenShareAccess.Read, OpenShareDeny.None, Ct);

        // The downgraded open still reads. (Ganesha 4.3 would still let it WRITE: it does not check the
        // open's access on WRITE, so that is not asserted here.)
        Assert.AreEqual(OpenShareAccess.Read, holder.Access);
        var buffer = new byte[4];
        Assert.AreEqual(4, await holder.ReadAsync(0, buffer, Ct));
        Assert.AreEqual("DATA", System.Text.Encoding.ASCII.GetString(buffer));

        await using var denier = await second.OpenAsync(Nfs("d.txt"), readDenyWrite, Ct);
        Assert.AreEqual(OpenShareDeny.Write, denier.Deny);

        // Its owner's seqid stayed in step with the server through all of it: CLOSE works.
        await holder.CloseAsync(Ct);
        Assert.IsFalse(holder.Owner.Retired);
    }

    [TestMethod]
    public async Task Open_downgrade_to_read_lets_a_second_opener_write()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("w.txt"), "w");
        var first = Connect(server);
        var second = Connect(server);
        await using var holder = await first.OpenAsync(Nfs("w.txt"), OpenRequest.ForReadWrite, Ct);

        await holder.DowngradeAsync(OpenShareAccess.Read, OpenShareDeny.None, Ct);
        await using var writer = await second.OpenAsync(Nfs("w.txt"), new OpenRequest { Access = OpenShareAccess.Write }, Ct);
        await writer.WriteAsync(0, "W"u8.ToArray(), StableHow4.FileSync, Ct);

        Assert.AreEqual("W", File.ReadAllText(server.PathInExport("w.txt")));
        Assert.AreEqual(OpenShareAccess.Read, holder.Access);
    }

    [TestMethod]
    public async Task Open_downgrade_that_drops_deny_write_lets_a_second_opener_write()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("d.txt"), "data");
        var first = Connect(server);
        var second = Connect(server);
        await using var holder = await first.OpenAsync(Nfs("d.txt"), new OpenRequest { Access = OpenShareAccess.Both, Deny = OpenShareDeny.Write }, Ct);
        var before = await Assert.ThrowsExactlyAsync<NfsException>(async () =>
            await second.OpenAsync(Nfs("d.txt"), new OpenRequest { Access = OpenShareAccess.Write }, Ct));
        Assert.AreEqual(NfsStat4.ShareDenied, before.Status);

        await holder.DowngradeAsync(OpenShareAccess.Read, OpenShareDeny.None, Ct);

        await using var writer = await second.OpenAsync(Nfs("d.txt"), new OpenRequest { Access = OpenShareAccess.Write }, Ct);
        await writer.WriteAsync(0, "DATA"u8.ToArray(), StableHow4.FileSync, Ct);
        Assert.AreEqual("DATA", File.ReadAllText(server.PathInExport("d.txt")));
    }
}
