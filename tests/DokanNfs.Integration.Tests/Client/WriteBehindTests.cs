using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// Write-behind (issue 9 §2): UNSTABLE writes return once queued, land byte-identical in the caller's order, are
/// seen by reads and GETATTR at once, and are committed once, at close — against Ganesha through an <see cref="RpcTap"/>.
/// </summary>
[TestClass]
public sealed class WriteBehindTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const int Piece = 64 * 1024;

    private static NfsClientOptions Behind(NfsVersion version) =>
        Vers(version, new NfsClientOptions { MaxReadSize = Piece, MaxWriteSize = Piece, WriteBehindBytes = 4 * Piece });

    /// <summary>A window of 64 WRITEs: no write of these tests waits for room, so every one goes behind.</summary>
    private static NfsClientOptions Wide(NfsVersion version) =>
        Vers(version, new NfsClientOptions { MaxWriteSize = Piece, WriteBehindBytes = 64 * Piece });

    /// <summary>
    /// Buffers given back to the pool while still kept for replay would be handed out again: this rents every pooled
    /// buffer of <paramref name="size"/> it can get, scribbles on it and gives it back, so kept data read afterwards shows it.
    /// </summary>
    private static void ScribbleOnPooledBuffers(int size)
    {
        var scribbled = Enumerable.Range(0, 16).Select(_ => System.Buffers.ArrayPool<byte>.Shared.Rent(size)).ToList();
        scribbled.ForEach(b => b.AsSpan().Fill(0xEE));
        scribbled.ForEach(b => System.Buffers.ArrayPool<byte>.Shared.Return(b));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Writes_behind_land_byte_identical_in_order_with_one_commit_at_close(NfsVersion version)
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Behind(version));
        var expected = new byte[(20 * Piece) + 777];

        await using (var file = await client.OpenAsync(Nfs("behind.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            // Pieces of sizes that do not divide the WRITEs, then overlapping rewrites right behind them: the later
            // bytes must win although the earlier WRITEs may still be in flight.
            var random = new Random(31);
            var offset = 0;
            while (offset < expected.Length)
            {
                var piece = new byte[Math.Min(random.Next(1, 3 * Piece), expected.Length - offset)];
                random.NextBytes(piece);
                await file.WriteAsync(offset, piece, StableHow4.Unstable, Ct);
                piece.CopyTo(expected, offset);
                offset += piece.Length;
            }

            for (var i = 0; i < 10; i++)
            {
                var at = random.Next(0, expected.Length - 5000);
                var piece = new byte[random.Next(1, 5000)];
                random.NextBytes(piece);
                await file.WriteAsync(at, piece, StableHow4.Unstable, Ct);
                piece.CopyTo(expected, at);
            }

            Assert.IsEmpty(tap.CallsTagged("commit"), "no COMMIT while writing");
        }

        Assert.IsTrue(File.ReadAllBytes(server.PathInExport("behind.bin")).AsSpan().SequenceEqual(expected), "the server has every byte, the later writes on top");
        Assert.HasCount(1, tap.CallsTagged("commit_close"), "one COMMIT, at close, in the CLOSE's COMPOUND");
        Assert.IsEmpty(tap.CallsTagged("commit"));
        Assert.IsLessThanOrEqualTo(4, tap.MaxInFlight("write"), "at most the window (4 × 64 KiB) in flight");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Uncommitted_writes_behind_keep_their_own_buffers_and_the_right_bytes(NfsVersion version)
    {
        var server = await StartServerAsync();
        var client = Connect(server, Wide(version));
        var data = RandomBytes(6 * Piece, seed: 41);

        await using var file = await client.OpenAsync(Nfs("kept.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
        Assert.AreEqual(data.Length, await file.ReadAsync(0, new byte[data.Length], Ct), "the read waits for the WRITEs behind");

        ScribbleOnPooledBuffers(Piece);

        Assert.AreEqual((long)data.Length, file.UncommittedBytesAdopted, "each WRITE's buffer kept, not copied");
        var kept = file.CopyUncommitted().OrderBy(w => w.Offset).SelectMany(w => w.Data).ToArray();
        CollectionAssert.AreEqual(data, kept, "what a restart would write again is what was written");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Buffers_handed_over_are_sent_and_kept_as_they_are(NfsVersion version)
    {
        var server = await StartServerAsync();
        var client = Connect(server, Wide(version));
        var data = RandomBytes((6 * Piece) + 100, seed: 43);

        await using (var file = await client.OpenAsync(Nfs("given.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            for (var offset = 0; offset < data.Length; offset += Piece)
            {
                var count = Math.Min(Piece, data.Length - offset);
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(count);
                data.AsSpan(offset, count).CopyTo(buffer);
                Assert.IsTrue(await file.TryWritePooledAsync(offset, buffer, count, Ct), $"a piece of maxwrite or less at {offset} is taken");
            }

            await file.DrainWritesAsync(Ct);

            ScribbleOnPooledBuffers(Piece);

            Assert.AreEqual((long)data.Length, client.WriteBytesTakenOver, "every piece sent from the caller's buffer");
            Assert.AreEqual((long)data.Length, file.UncommittedBytesAdopted, "and kept as it is until COMMIT");
            CollectionAssert.AreEqual(data, file.CopyUncommitted().OrderBy(w => w.Offset).SelectMany(w => w.Data).ToArray());
        }

        CollectionAssert.AreEqual(data, File.ReadAllBytes(server.PathInExport("given.bin")), "the server has every byte after the close");
    }

    [TestMethod]
    public async Task A_buffer_write_behind_cannot_take_whole_stays_with_the_caller()
    {
        var server = await StartServerAsync();
        var behind = Connect(server, new NfsClientOptions { MaxWriteSize = Piece, WriteBehindBytes = 4 * Piece });
        var synchronous = Connect(server, new NfsClientOptions { MaxWriteSize = Piece, WriteBehindBytes = 0 });
        var data = RandomBytes(Piece + 1, seed: 44);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer, 0);

        await using (var file = await behind.OpenAsync(Nfs("kept.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct))
        {
            Assert.IsFalse(await file.TryWritePooledAsync(0, buffer, data.Length, Ct), "more than maxwrite: not taken");
            Assert.IsFalse(await file.TryWritePooledAsync(0, buffer, 0, Ct), "nothing to write: not taken");
            await file.WriteAsync(0, buffer.AsMemory(0, data.Length), StableHow4.Unstable, Ct);
        }

        await using (var file = await synchronous.OpenAsync(Nfs("kept.bin"), new OpenRequest { Access = OpenShareAccess.Both }, Ct))
        {
            Assert.IsFalse(await file.TryWritePooledAsync(0, buffer, Piece, Ct), "no write-behind: not taken");
        }

        Assert.AreEqual(0L, behind.WriteBytesTakenOver + synchronous.WriteBytesTakenOver);
        CollectionAssert.AreEqual(data, File.ReadAllBytes(server.PathInExport("kept.bin")), "the caller wrote it itself, and still had it");
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Reads_and_getattr_right_after_a_write_behind_see_it(NfsVersion version)
    {
        var server = await StartServerAsync();
        var client = Connect(server, Behind(version));
        await using var file = await client.OpenAsync(Nfs("see.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        var data = new byte[(5 * Piece) + 3];
        new Random(32).NextBytes(data);

        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
        var attributes = await file.GetAttrAsync(Ct);
        Assert.AreEqual((ulong)data.Length, attributes.Size, "GETATTR waits for the WRITEs");

        await file.WriteAsync(Piece, new byte[] { 1, 2, 3 }, StableHow4.Unstable, Ct);
        var back = new byte[data.Length];
        Assert.AreEqual(data.Length, await file.ReadAsync(0, back, Ct));
        new byte[] { 1, 2, 3 }.CopyTo(data, Piece);
        Assert.IsTrue(back.AsSpan().SequenceEqual(data), "the read waits for the WRITEs");

        await file.CommitAsync(Ct);
        Assert.AreEqual(0, file.UncommittedBytes, "flushed: every WRITE answered and committed");
        Assert.IsTrue(File.ReadAllBytes(server.PathInExport("see.bin")).AsSpan().SequenceEqual(data));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40, false, DisplayName = "v4.0, noac")]
    [DataRow(NfsVersion.V40, true, DisplayName = "v4.0, default caches")]
    [DataRow(NfsVersion.V41, true, DisplayName = "v4.1, default caches")]
    public async Task A_stat_by_path_right_after_a_write_behind_sees_its_size(NfsVersion version, bool caches)
    {
        var server = await StartServerAsync();
        var options = new NfsClientOptions { MaxWriteSize = Piece, WriteBehindBytes = NfsClientOptions.DefaultWriteBehindBytes };
        var client = Connect(server, Vers(version, caches ? options : options.WithAttributeCacheTimeout(TimeSpan.Zero)));
        const int Size = 3 * 1024 * 1024;
        var data = new byte[Size];
        new Random(33).NextBytes(data);
        await using var file = await client.OpenAsync(Nfs("stat.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);
        Assert.AreEqual(0ul, (await client.GetAttrAsync(Nfs("stat.bin"), Ct)).Attributes.Size, "empty before the writes");

        // 48 WRITEs of 64 KiB: all of them fit the 8 MiB window, so the write returns while they are in flight.
        await file.WriteAsync(0, data, StableHow4.Unstable, Ct);
        var byPath = await client.GetAttrAsync(Nfs("stat.bin"), Ct);

        Assert.AreEqual((ulong)Size, byPath.Attributes.Size, "a stat by path waits for our WRITEs in flight");
        Assert.IsFalse(file.HasWritesInFlight);
        await file.WriteAsync(Size, data.AsMemory(0, Piece * 4), StableHow4.Unstable, Ct);
        Assert.AreEqual((ulong)(Size + (Piece * 4)), (await client.ResolveAsync(Nfs("stat.bin"), AttributeRequests.Stat, Ct)).Attributes.Size, "and so does a resolve");
    }
}
