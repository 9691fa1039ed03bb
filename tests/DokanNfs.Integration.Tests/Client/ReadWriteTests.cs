using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>READ and WRITE: transfers split into pieces with several in flight, UNSTABLE + COMMIT, FILE_SYNC, offsets past 4 GiB.</summary>
[TestClass]
public sealed class ReadWriteTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const int Piece = 128 * 1024;

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Large_write_and_read_go_out_in_pieces_of_the_negotiated_size_with_several_in_flight(NfsVersion version)
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version, new NfsClientOptions { MaxReadSize = Piece, MaxWriteSize = Piece, IoParallelism = 4 }));
        var data = RandomBytes(8 * 1024 * 1024 + 1000, seed: 1);

        await using (var file = await client.OpenAsync(Nfs("big.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
            await file.CommitAsync(Ct);

            var back = new byte[data.Length + 5000];
            var count = await file.ReadAsync(0, back, Ct);

            Assert.AreEqual(data.Length, count, "the read stops at end of file");
            Assert.IsTrue(back.AsSpan(0, count).SequenceEqual(data), "read back what was written");
        }

        Assert.IsTrue(File.ReadAllBytes(server.PathInExport("big.bin")).AsSpan().SequenceEqual(data), "the server has it");
        var writes = tap.CallsTagged("write");
        var reads = tap.CallsTagged("read");
        Assert.HasCount(65, writes, "8 MiB + 1000 bytes in 128 KiB WRITEs");
        Assert.IsGreaterThanOrEqualTo(65, reads.Count, "READs of at most 128 KiB");
        Assert.IsInRange(2, 4, tap.MaxInFlight("write"), "several WRITEs in flight, at most IoParallelism");
        Assert.IsInRange(2, 4, tap.MaxInFlight("read"), "several READs in flight, at most IoParallelism");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Unstable_write_is_kept_until_commit_and_then_is_on_the_server(NfsVersion version)
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version));
        var data = RandomBytes(3 * 1024 * 1024, seed: 2);
        await using var file = await client.OpenAsync(Nfs("u.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);

        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);

        Assert.AreEqual(data.Length, file.UncommittedBytes, "Ganesha answers UNSTABLE writes UNSTABLE: the client keeps the data");
        Assert.IsEmpty(tap.CallsTagged("commit"));

        await file.CommitAsync(Ct);

        Assert.AreEqual(0L, file.UncommittedBytes);
        Assert.HasCount(1, tap.CallsTagged("commit"));
        Assert.HasCount(3, tap.CallsTagged("write"), "1 MiB WRITEs, none sent again: the verifier did not change");
        Assert.IsTrue(File.ReadAllBytes(server.PathInExport("u.bin")).AsSpan().SequenceEqual(data));
    }

    [TestMethod]
    public async Task Close_commits_what_is_uncommitted()
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint);
        var file = await client.OpenAsync(Nfs("c.bin"), new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Guarded }, Ct);
        await file.WriteAsync(0, RandomBytes(1000, seed: 3), StableHow4.Unstable, Ct);

        await file.CloseAsync(Ct);

        // Committed in the CLOSE's COMPOUND, before the CLOSE (NfsOpenFile.CommitClose.cs).
        var tags = tap.Calls.Select(c => c.Tag).ToArray();
        Assert.AreEqual("commit_close", tags[^1], string.Join(",", tags));
        Assert.IsFalse(tags.Contains("commit") || tags.Contains("close"), string.Join(",", tags));
        Assert.AreEqual(1000L, new FileInfo(server.PathInExport("c.bin")).Length);
    }

    [TestMethod]
    public async Task File_sync_write_keeps_nothing_and_needs_no_commit()
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint);
        var data = RandomBytes(2 * 1024 * 1024, seed: 4);
        var file = await client.OpenAsync(Nfs("s.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);

        await file.WriteAsync(0, data, StableHow4.FileSync, Ct);

        Assert.AreEqual(0L, file.UncommittedBytes);
        Assert.IsTrue(File.ReadAllBytes(server.PathInExport("s.bin")).AsSpan().SequenceEqual(data));
        await file.CloseAsync(Ct);
        Assert.IsEmpty(tap.CallsTagged("commit"), "nothing to commit at close");
    }

    [TestMethod]
    public async Task Offsets_beyond_4_GiB_in_a_sparse_file_are_written_and_read_exactly()
    {
        var server = await StartServerAsync();
        var client = Connect(server);
        const long fourGiB = 4L * 1024 * 1024 * 1024;
        const long far = (5 * fourGiB / 4) + 123; // 5 GiB + 123
        var across = RandomBytes(64 * 1024, seed: 5); // straddles 4 GiB
        var beyond = RandomBytes(1024 * 1024, seed: 6);
        await using (var file = await client.OpenAsync(Nfs("sparse.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            await file.WriteAsync(fourGiB - 1000, across, StableHow4.Unstable, Ct);
            await file.WriteAsync(far, beyond, StableHow4.Unstable, Ct);
            await file.CommitAsync(Ct);

            var backAcross = new byte[across.Length];
            var backBeyond = new byte[beyond.Length + 100];
            var hole = new byte[4096];
            Assert.AreEqual(across.Length, await file.ReadAsync(fourGiB - 1000, backAcross, Ct));
            Assert.AreEqual(beyond.Length, await file.ReadAsync(far, backBeyond, Ct), "the read stops at end of file");
            Assert.AreEqual(hole.Length, await file.ReadAsync(fourGiB + (512L * 1024 * 1024), hole, Ct));
            Assert.AreEqual(0, await file.ReadAsync(far + beyond.Length, new byte[10], Ct), "nothing past the end");

            Assert.IsTrue(backAcross.AsSpan().SequenceEqual(across));
            Assert.IsTrue(backBeyond.AsSpan(0, beyond.Length).SequenceEqual(beyond));
            Assert.IsTrue(hole.All(b => b == 0), "a hole reads as zeros");
            Assert.AreEqual((ulong)(far + beyond.Length), (await file.GetAttrAsync(Ct)).Size);
        }

        var host = server.PathInExport("sparse.bin");
        Assert.AreEqual(far + beyond.Length, new FileInfo(host).Length);
        Assert.IsLessThan(64L * 1024 * 1024, HostAllocatedBytes(host), "the file stayed sparse");
        await using var stream = new FileStream(host, FileMode.Open, FileAccess.Read);
        var check = new byte[beyond.Length];
        stream.Position = far;
        stream.ReadExactly(check);
        Assert.IsTrue(check.AsSpan().SequenceEqual(beyond), "the bytes are at 5 GiB + 123 on the server");
    }

    [TestMethod]
    public async Task Write_past_the_end_leaves_zeros_and_short_reads_stop_at_end_of_file()
    {
        var server = await StartServerAsync();
        File.WriteAllBytes(server.PathInExport("gap.bin"), [1, 2, 3]);
        var client = Connect(server);
        await using var file = await client.OpenAsync(Nfs("gap.bin"), OpenRequest.ForReadWrite, Ct);

        await file.WriteAsync(10, new byte[] { 9, 9 }, StableHow4.FileSync, Ct);
        var buffer = new byte[100];
        var count = await file.ReadAsync(0, buffer, Ct);
        var tail = await file.ReadAsync(11, new byte[100], Ct);

        Assert.AreEqual(12, count);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9, 9 }, buffer[..12]);
        Assert.AreEqual(1, tail);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 9, 9 }, File.ReadAllBytes(server.PathInExport("gap.bin")));
    }
}
