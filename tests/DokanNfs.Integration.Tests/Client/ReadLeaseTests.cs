using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.Faults;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// Reads that lend the READs ahead's own buffers (NfsOpenFile.ReadLeasedAsync, what dokannfs cat and downloads use),
/// against Ganesha: the same bytes as a read into a caller's buffer, lent without a copy once the window is there,
/// and the usual way whenever lending would be wrong.
/// </summary>
[TestClass]
public sealed class ReadLeaseTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const int Piece = 64 * 1024;

    private static NfsClientOptions Small(NfsVersion version) =>
        Vers(version, new NfsClientOptions { MaxReadSize = Piece, MaxWriteSize = Piece, ReadAheadMaxChunks = 3, OpenReadSize = 0 });

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Leased_sequential_reads_are_the_file_and_every_one_after_the_first_is_lent(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes((10 * Piece) + 123, seed: 31);
        await File.WriteAllBytesAsync(server.PathInExport("lent.bin"), data, Ct);
        var client = Connect(server, Small(version));
        await using var file = await client.OpenAsync(Nfs("lent.bin"), OpenRequest.ForRead, Ct);

        var (back, leases, lastEof) = await ReadAllLeasedAsync(file, Piece);

        Assert.IsTrue(back.SequenceEqual(data), "the leases are the file, in order");
        Assert.AreEqual(11, leases, "ten whole pieces and the 123 bytes, the last one saying end of file");
        Assert.IsTrue(lastEof);

        // The first read starts the window (a buffer of its own); every later one is a READ ahead's reply buffer.
        Assert.AreEqual((long)data.Length - Piece, client.ReadBytesLent);
        Assert.AreEqual(0L, client.ReadBytesPlaced, "nothing was offered to be placed into");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Leases_smaller_than_a_read_ahead_and_plain_reads_mix_and_stay_in_order(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(6 * Piece, seed: 32);
        await File.WriteAllBytesAsync(server.PathInExport("mixed.bin"), data, Ct);
        var client = Connect(server, Small(version));
        await using var file = await client.OpenAsync(Nfs("mixed.bin"), OpenRequest.ForRead, Ct);

        var back = new List<byte>();
        using (var first = await file.ReadLeasedAsync(0, Piece, Ct))
        {
            back.AddRange(first.Memory.ToArray());
        }

        // 1000 bytes of a 64 KiB READ ahead: not lendable whole, so copied; the rest of it by a plain read.
        using (var part = await file.ReadLeasedAsync(Piece, 1000, Ct))
        {
            Assert.AreEqual(1000, part.Count);
            Assert.IsFalse(part.Eof);
            back.AddRange(part.Memory.ToArray());
        }

        var rest = new byte[Piece - 1000];
        Assert.AreEqual(rest.Length, await file.ReadAsync(Piece + 1000, rest, Ct));
        back.AddRange(rest);

        var (tail, _, eof) = await ReadAllLeasedAsync(file, Piece, from: 2 * Piece);
        back.AddRange(tail);

        Assert.IsTrue(eof);
        CollectionAssert.AreEqual(data, back.ToArray());
        Assert.IsGreaterThanOrEqualTo((long)Piece, client.ReadBytesLent, "whole READs ahead after the mixed part were lent");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_lease_after_a_write_through_the_handle_sees_the_write(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(4 * Piece, seed: 33);
        await File.WriteAllBytesAsync(server.PathInExport("written.bin"), data, Ct);
        var client = Connect(server, Small(version));
        await using var file = await client.OpenAsync(Nfs("written.bin"), OpenRequest.ForReadWrite, Ct);

        using (var first = await file.ReadLeasedAsync(0, Piece, Ct))
        {
            Assert.IsTrue(first.Memory.Span.SequenceEqual(data.AsSpan(0, Piece)));
        }

        // The window now holds the old second piece; the write (behind, maybe still in flight) must win.
        var written = RandomBytes(Piece, seed: 34);
        await file.WriteAsync(Piece, written, StableHow4.Unstable, Ct);
        using var lease = await file.ReadLeasedAsync(Piece, Piece, Ct);

        Assert.IsTrue(lease.Memory.Span.SequenceEqual(written), "the handle's own write, not the READ ahead from before it");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_cancelled_lease_gives_up_alone_and_the_next_one_gets_the_same_bytes(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(6 * Piece, seed: 35);
        await File.WriteAllBytesAsync(server.PathInExport("cancel.bin"), data, Ct);
        var proxy = Track(await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Ct));
        var client = Connect(proxy.EndPoint, Small(version));
        await using var file = await client.OpenAsync(Nfs("cancel.bin"), OpenRequest.ForRead, Ct);

        // 300 ms each way: the READ ahead of the second piece cannot be back before the caller gives up after 50 ms.
        proxy.Delay(TimeSpan.FromMilliseconds(300));
        using (var first = await file.ReadLeasedAsync(0, Piece, Ct))
        {
            Assert.AreEqual(Piece, first.Count);
        }

        using (var soon = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            soon.CancelAfter(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAsync<OperationCanceledException>(async () => (await file.ReadLeasedAsync(Piece, Piece, soon.Token)).Dispose());
        }

        proxy.Delay(TimeSpan.Zero);
        var (back, _, eof) = await ReadAllLeasedAsync(file, Piece, from: Piece);

        Assert.IsTrue(eof);
        Assert.IsTrue(back.SequenceEqual(data.AsSpan(Piece).ToArray()), "the pieces after the cancelled one, whole and in order");
    }

    /// <summary>Leases from <paramref name="from"/> until one says end of file (or is empty): the bytes, how many leases, the last Eof.</summary>
    private async Task<(byte[] Bytes, int Leases, bool Eof)> ReadAllLeasedAsync(NfsOpenFile file, int maxLength, long from = 0)
    {
        var back = new List<byte>();
        var leases = 0;
        var offset = from;
        while (true)
        {
            using var lease = await file.ReadLeasedAsync(offset, maxLength, Ct);
            leases++;
            back.AddRange(lease.Memory.ToArray());
            offset += lease.Count;
            if (lease.Eof || lease.Count == 0)
            {
                return ([.. back], leases, lease.Eof);
            }
        }
    }
}
