using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>SETATTR (mode, owners, times, size through an open file) and ACCESS, checked against the server's file system.</summary>
[TestClass]
public sealed class AttributeTests(TestContext testContext) : ClientTestBase(testContext)
{
    private static readonly Access4 AllFileAccess = Access4.Read | Access4.Modify | Access4.Extend | Access4.Execute;

    [TestMethod]
    public async Task Mode_is_set_and_read_back()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("m"), "m");
        Directory.CreateDirectory(server.PathInExport("d"));
        var client = Connect(server);

        var file = await client.SetAttrAsync(Nfs("m"), new SetAttributes { Mode = 0x1E8 }, Ct); // 0750
        var dir = await client.SetAttrAsync(Nfs("d"), new SetAttributes { Mode = 0x3FF }, Ct); // 01777

        Assert.AreEqual(0x1E8u, file.Mode);
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, HostMode(server.PathInExport("m")));
        Assert.AreEqual(0x3FFu, dir.Mode, "the sticky bit too");
        Assert.IsTrue(HostMode(server.PathInExport("d")).HasFlag(UnixFileMode.StickyBit));
        Assert.AreEqual(0x1E8u, (await client.GetAttrAsync(Nfs("m"), Ct)).Attributes.Mode);
    }

    [TestMethod]
    public async Task Numeric_owner_and_group_are_set_on_the_server_file()
    {
        var server = await StartServerAsync(new() { OnlyNumericOwners = true });
        File.WriteAllText(server.PathInExport("owned"), "o");
        var client = Connect(server);
        Assert.AreEqual("0", (await client.GetAttrAsync(Nfs("owned"), Ct)).Attributes.Owner, "numeric owners: root is \"0\"");

        var attributes = await client.SetAttrAsync(Nfs("owned"), new SetAttributes { Owner = "1234", OwnerGroup = "5678" }, Ct);

        Assert.AreEqual("1234", attributes.Owner);
        Assert.AreEqual("5678", attributes.OwnerGroup);
        Assert.AreEqual((1234, 5678), HostOwner(server.PathInExport("owned")));

        await client.SetAttrAsync(Nfs("owned"), new SetAttributes { OwnerGroup = "42" }, Ct);
        Assert.AreEqual((1234, 42), HostOwner(server.PathInExport("owned")), "only the group changed");
    }

    [TestMethod]
    public async Task Times_set_by_the_client_are_kept_to_the_nanosecond()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("t"), "t");
        var client = Connect(server);
        var modify = new NfsTime4(981_173_106, 123_456_789); // 2001-02-03T04:05:06.123456789Z
        var access = new NfsTime4(1_000_000_000, 5);

        var attributes = await client.SetAttrAsync(Nfs("t"), new SetAttributes { TimeModify = SetTime.ClientTime(modify), TimeAccess = SetTime.ClientTime(access) }, Ct);

        Assert.AreEqual(modify, attributes.TimeModify);
        Assert.AreEqual(access, attributes.TimeAccess);
        Assert.AreEqual(new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc).AddTicks(1_234_567), File.GetLastWriteTimeUtc(server.PathInExport("t")));
        Assert.AreEqual(DateTimeOffset.FromUnixTimeSeconds(1_000_000_000).UtcDateTime, File.GetLastAccessTimeUtc(server.PathInExport("t")));
    }

    [TestMethod]
    public async Task Times_set_to_server_time_are_now()
    {
        var server = await StartServerAsync();
        var host = server.PathInExport("s");
        File.WriteAllText(host, "s");
        File.SetLastWriteTimeUtc(host, new DateTime(1999, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.SetLastAccessTimeUtc(host, new DateTime(1999, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var client = Connect(server);
        var before = DateTime.UtcNow.AddSeconds(-5);

        var attributes = await client.SetAttrAsync(Nfs("s"), new SetAttributes { TimeModify = SetTime.ServerTime, TimeAccess = SetTime.ServerTime }, Ct);

        var after = DateTime.UtcNow.AddSeconds(5);
        Assert.IsInRange(before, after, attributes.TimeModify!.Value.ToDateTimeOffset().UtcDateTime);
        Assert.IsInRange(before, after, File.GetLastWriteTimeUtc(host));
        Assert.IsInRange(before, after, File.GetLastAccessTimeUtc(host));
    }

    [TestMethod]
    public async Task Size_through_an_open_file_truncates_and_extends_with_zeros()
    {
        var server = await StartServerAsync();
        var host = server.PathInExport("sized");
        File.WriteAllBytes(host, [.. Enumerable.Range(1, 100).Select(i => (byte)i)]);
        var client = Connect(server);
        await using var file = await client.OpenAsync(Nfs("sized"), OpenRequest.ForReadWrite, Ct);

        var truncated = await file.SetAttrAsync(new SetAttributes { Size = 10 }, Ct);

        Assert.AreEqual(10UL, truncated.Size);
        CollectionAssert.AreEqual(Enumerable.Range(1, 10).Select(i => (byte)i).ToArray(), File.ReadAllBytes(host));

        var extended = await file.SetAttrAsync(new SetAttributes { Size = 1024 * 1024 }, Ct);

        Assert.AreEqual(1024UL * 1024, extended.Size);
        var bytes = File.ReadAllBytes(host);
        Assert.HasCount(1024 * 1024, bytes);
        Assert.IsTrue(bytes.AsSpan(0, 10).SequenceEqual(Enumerable.Range(1, 10).Select(i => (byte)i).ToArray()));
        Assert.IsTrue(bytes.AsSpan(10).IndexOfAnyExcept((byte)0) < 0, "the extension reads as zeros");
        var back = new byte[20];
        Assert.AreEqual(20, await file.ReadAsync(0, back, Ct));
        Assert.IsTrue(back.AsSpan(10).IndexOfAnyExcept((byte)0) < 0);
        Assert.AreEqual(1024UL * 1024, (await file.GetAttrAsync(Ct)).Size);
    }

    [TestMethod]
    public async Task Size_change_of_a_file_opened_for_read_only_is_refused()
    {
        var server = await StartServerAsync();
        File.WriteAllText(server.PathInExport("ro"), "read only");
        var client = Connect(server);
        await using var file = await client.OpenAsync(Nfs("ro"), OpenRequest.ForRead, Ct);

        var error = await Assert.ThrowsExactlyAsync<NfsException>(async () => await file.SetAttrAsync(new SetAttributes { Size = 0 }, Ct));

        Assert.AreEqual(NfsStat4.OpenMode, error.Status, "RFC 7530 §16.32: a size change needs an open with write access");
        Assert.AreEqual("read only", File.ReadAllText(server.PathInExport("ro")));
    }

    [TestMethod]
    public async Task Access_of_root_and_of_uid_1000_on_a_root_owned_0700_file()
    {
        var server = await StartServerAsync();
        var host = server.PathInExport("secret");
        File.WriteAllText(host, "secret");
        SetHostMode(host, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var root = Connect(server);
        var user = Connect(server, new NfsClientOptions { Credential = RpcCredential.Sys(1000, 1000) });

        var asRoot = await root.AccessAsync(Nfs("secret"), AllFileAccess, Ct);
        var asUser = await user.AccessAsync(Nfs("secret"), AllFileAccess, Ct);

        Assert.AreEqual(AllFileAccess, asRoot & AllFileAccess, $"root (no root squash) may do everything: {asRoot}");
        Assert.AreEqual(Access4.None, asUser & AllFileAccess, $"uid 1000 may do nothing: {asUser}");
        var refused = await Assert.ThrowsExactlyAsync<NfsException>(async () => await user.OpenAsync(Nfs("secret"), OpenRequest.ForRead, Ct));
        Assert.AreEqual(NfsStat4.Access, refused.Status);
    }

    [TestMethod]
    public async Task Access_of_uid_1000_on_a_0644_file_and_in_a_0755_directory()
    {
        var server = await StartServerAsync();
        var dir = server.PathInExport("dir");
        Directory.CreateDirectory(dir);
        SetHostMode(dir, (UnixFileMode)0x1ED); // 0755
        File.WriteAllText(Path.Combine(dir, "public"), "p");
        SetHostMode(Path.Combine(dir, "public"), (UnixFileMode)0x1A4); // 0644
        var user = Connect(server, new NfsClientOptions { Credential = RpcCredential.Sys(1000, 1000) });

        var onFile = await user.AccessAsync(Nfs("dir/public"), AllFileAccess, Ct);
        var onDir = await user.AccessAsync(Nfs("dir"), Access4.Read | Access4.Lookup | Access4.Modify | Access4.Extend | Access4.Delete, Ct);

        Assert.AreEqual(Access4.Read, onFile & AllFileAccess, onFile.ToString());
        Assert.AreEqual(Access4.Read | Access4.Lookup, onDir, "may list and look up, not add or remove");
    }

    [TestMethod]
    public async Task Fs_info_reports_the_limits_and_lease_time_of_the_server()
    {
        var server = await StartServerAsync(new() { LeaseLifetimeSeconds = 7 });
        var client = Connect(server);

        Assert.IsTrue(await client.NullAsync(Ct));
        var info = await client.GetFsInfoAsync(Ct);

        // Read from the server's root, which on Ganesha is its pseudo file system, not the export.
        Assert.AreEqual(7u, info.LeaseTime);
        Assert.AreEqual(255u, info.MaxName);
        Assert.IsGreaterThanOrEqualTo(64UL * 1024, info.MaxRead!.Value);
        Assert.IsGreaterThanOrEqualTo(64UL * 1024, info.MaxWrite!.Value);
        Assert.IsNotNull(info.FhExpireType);
        Assert.IsTrue(info.SupportedAttrs!.Value.Contains(FAttr4.TimeModifySet), "time_modify_set is settable");
        Assert.AreSame(info, await client.GetFsInfoAsync(Ct), "read once and kept");
    }
}
