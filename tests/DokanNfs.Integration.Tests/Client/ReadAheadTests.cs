using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.Faults;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// Read-ahead on sequential reads, READs clipped to the size OPEN's GETATTR returned, prefetched bytes handed
/// to a handle, and reads that lend the READs ahead's own buffers (NfsOpenFile.ReadLeasedAsync, what dokannfs cat and
/// downloads use) (issue 9 §2/§3), against Ganesha through an <see cref="RpcTap"/> that counts the READs.
/// </summary>
[TestClass]
public sealed class ReadAheadTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const int Piece = 64 * 1024;

    // No READ inside the OPEN (OpenReadSize = 0): these tests count the READs of the read path itself, and a file's
    // first bytes read with its OPEN are as of the open (close-to-open), which is not what they are about.
    private static NfsClientOptions Small(NfsVersion version) =>
        Vers(version, new NfsClientOptions { MaxReadSize = Piece, MaxWriteSize = Piece, ReadAheadMaxChunks = 3, OpenReadSize = 0 });

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_small_file_read_with_a_large_buffer_is_one_read(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(4096, seed: 11);
        await File.WriteAllBytesAsync(server.PathInExport("small.bin"), data, Ct);
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version, new NfsClientOptions { OpenReadSize = 0 }));

        await using var file = await client.OpenAsync(Nfs("small.bin"), OpenRequest.ForRead, Ct);
        var back = new byte[4 * 1024 * 1024];
        var count = await file.ReadAsync(0, back, Ct);

        Assert.AreEqual(data.Length, count);
        Assert.IsTrue(back.AsSpan(0, count).SequenceEqual(data));
        Assert.HasCount(1, tap.CallsTagged("read"), "clipped to the 4 KiB OPEN's GETATTR reported, not one READ per MiB of the buffer");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_file_longer_than_its_known_size_is_still_read_to_its_end(NfsVersion version)
    {
        var server = await StartServerAsync();
        await File.WriteAllBytesAsync(server.PathInExport("grows.bin"), RandomBytes(1000, seed: 12), Ct);
        var client = Connect(server, Small(version));
        await using var file = await client.OpenAsync(Nfs("grows.bin"), OpenRequest.ForRead, Ct);

        // Another writer makes it longer after our OPEN: the size we know is a hint, the server's eof decides.
        var grown = RandomBytes((3 * Piece) + 500, seed: 13);
        await File.WriteAllBytesAsync(server.PathInExport("grows.bin"), grown, Ct);
        var back = new byte[4 * Piece];
        var count = await file.ReadAsync(0, back, Ct);

        Assert.AreEqual(grown.Length, count);
        Assert.IsTrue(back.AsSpan(0, count).SequenceEqual(grown));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Sequential_reads_are_read_ahead_and_come_back_byte_identical(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes((10 * Piece) + 123, seed: 14);
        await File.WriteAllBytesAsync(server.PathInExport("seq.bin"), data, Ct);
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Small(version));
        await using var file = await client.OpenAsync(Nfs("seq.bin"), OpenRequest.ForRead, Ct);

        var back = new byte[data.Length];
        var first = await file.ReadAsync(0, back.AsMemory(0, Piece), Ct);
        Assert.AreEqual(Piece, first);

        // The first read at offset 0 is sequential: READs of the next pieces went out before the caller asked.
        await WaitUntilAsync(() => tap.CallsTagged("read").Count >= 3, "read-ahead READs on the wire");

        // Pieces of a size that does not divide the READs: parts of a read-ahead buffer are served too.
        var offset = await ReadToEndAsync(file, back, first, Piece - 1000);

        Assert.AreEqual(data.Length, offset);
        Assert.IsTrue(back.AsSpan().SequenceEqual(data), "what read-ahead served is the file");
        Assert.AreEqual(0, await file.ReadAsync(data.Length, new byte[100], Ct), "at end of file: nothing");
        Assert.AreEqual(0, await file.ReadAsync(data.Length + 5000, new byte[100], Ct), "past end of file: nothing");
        var reads = tap.CallsTagged("read").Count;
        Assert.IsInRange(11, 13, reads, "each piece read once (11), plus at most the two READs at and past end of file asked for last");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Random_reads_send_no_read_ahead(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(10 * Piece, seed: 15);
        await File.WriteAllBytesAsync(server.PathInExport("random.bin"), data, Ct);
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Small(version));
        await using var file = await client.OpenAsync(Nfs("random.bin"), OpenRequest.ForRead, Ct);

        var buffer = new byte[Piece];
        foreach (var piece in new[] { 5, 2, 8, 1, 7 })
        {
            var count = await file.ReadAsync(piece * Piece, buffer, Ct);
            Assert.AreEqual(Piece, count);
            Assert.IsTrue(buffer.AsSpan().SequenceEqual(data.AsSpan(piece * Piece, Piece)), $"piece {piece}");
        }

        Assert.HasCount(5, tap.CallsTagged("read"), "one READ per read, none ahead of a reader that jumps around");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Writes_through_any_handle_drop_the_window_and_are_read_back(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(8 * Piece, seed: 16);
        await File.WriteAllBytesAsync(server.PathInExport("rw.bin"), data, Ct);
        var client = Connect(server, Small(version));
        var both = new OpenRequest { Access = OpenShareAccess.Both };
        await using var reader = await client.OpenAsync(Nfs("rw.bin"), both, Ct);
        await using var writer = await client.OpenAsync(Nfs("rw.bin"), both, Ct);

        var buffer = new byte[Piece];
        await reader.ReadAsync(0, buffer, Ct);

        // The next pieces are being read ahead; new bytes go to pieces 1 and 2 through the other handle and this one.
        var other = RandomBytes(Piece, seed: 17);
        await writer.WriteAsync(Piece, other, StableHow4.Unstable, Ct);
        Assert.AreEqual(Piece, await reader.ReadAsync(Piece, buffer, Ct));
        Assert.IsTrue(buffer.AsSpan().SequenceEqual(other), "another handle's write is seen, not the window's older bytes");

        var own = RandomBytes(Piece, seed: 18);
        await reader.WriteAsync(2 * Piece, own, StableHow4.Unstable, Ct);
        Assert.AreEqual(Piece, await reader.ReadAsync(2 * Piece, buffer, Ct));
        Assert.IsTrue(buffer.AsSpan().SequenceEqual(own), "the handle's own write is seen");

        Assert.AreEqual(Piece, await reader.ReadAsync(3 * Piece, buffer, Ct));
        Assert.IsTrue(buffer.AsSpan().SequenceEqual(data.AsSpan(3 * Piece, Piece)), "and the rest is the file's");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_file_changed_by_another_client_is_seen_when_opened_again(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(6 * Piece, seed: 19);
        await File.WriteAllBytesAsync(server.PathInExport("changed.bin"), data, Ct);
        var client = Connect(server, Small(version));
        var otherClient = Connect(server, Vers(version));

        var buffer = new byte[Piece];
        await using (var file = await client.OpenAsync(Nfs("changed.bin"), OpenRequest.ForRead, Ct))
        {
            await file.ReadAsync(0, buffer, Ct);
            await file.ReadAsync(Piece, buffer, Ct);
        }

        var changed = RandomBytes(6 * Piece, seed: 20);
        await using (var file = await otherClient.OpenAsync(Nfs("changed.bin"), new OpenRequest { Access = OpenShareAccess.Write }, Ct))
        {
            await file.WriteAsync(0, changed, StableHow4.FileSync, Ct);
        }

        var back = new byte[changed.Length];
        await using (var file = await client.OpenAsync(Nfs("changed.bin"), OpenRequest.ForRead, Ct))
        {
            var offset = 0;
            while (offset < back.Length)
            {
                var count = await file.ReadAsync(offset, back.AsMemory(offset, Math.Min(Piece, back.Length - offset)), Ct);
                Assert.IsGreaterThan(0, count);
                offset += count;
            }
        }

        Assert.IsTrue(back.AsSpan().SequenceEqual(changed), "close-to-open: the new open reads the other client's data");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Prefetched_bytes_serve_the_first_read_without_a_round_trip(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(3000, seed: 21);
        await File.WriteAllBytesAsync(server.PathInExport("pre.bin"), data, Ct);
        var tap = Tap(server);
        var client = Connect(tap.EndPoint, Vers(version));
        await using var file = await client.OpenAsync(Nfs("pre.bin"), OpenRequest.ForRead, Ct);

        file.AcceptPrefetched(0, data, eof: true);
        var back = new byte[1024 * 1024];
        var count = await file.ReadAsync(0, back, Ct);

        Assert.AreEqual(data.Length, count);
        Assert.IsTrue(back.AsSpan(0, count).SequenceEqual(data));
        Assert.IsEmpty(tap.CallsTagged("read"), "served from the bytes handed over");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_read_waiting_for_a_read_ahead_gets_its_data_straight_into_its_buffer(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes((12 * Piece) + 77, seed: 17);
        await File.WriteAllBytesAsync(server.PathInExport("placed.bin"), data, Ct);

        // 20 ms each way: every READ ahead is still on its way when the caller asks for its piece, so the caller waits,
        // and offers its buffer for the reply (ReplyPlacement) before the reply's first byte comes. Replies run the
        // caller's continuation on the receive thread (as the commands do), so the caller has offered its buffer for the
        // next piece before that piece's reply, right behind, is looked at; with continuations on the thread pool the
        // two race, and a reply the receive thread meets first is received into a pooled buffer and copied, as before.
        var proxy = Track(await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Ct));
        var client = Connect(proxy.EndPoint, Small(version) with { InlineReplyContinuations = true });
        await using var file = await client.OpenAsync(Nfs("placed.bin"), OpenRequest.ForRead, Ct);
        proxy.Delay(TimeSpan.FromMilliseconds(20));

        var back = new byte[data.Length];
        var offset = await ReadToEndAsync(file, back, 0, Piece);

        Assert.AreEqual(data.Length, offset);
        Assert.IsTrue(back.AsSpan().SequenceEqual(data), "what was placed is the file, in order");
        TestContext.WriteLine($"placed {client.ReadBytesPlaced} of {data.Length} bytes");
        // How many depends on timing (under 4.1 a reply's continuation can still meet a hop in the session layer, and the
        // reader then races the receive thread): 7 to 11 of the 11 pieces read ahead were placed in runs here; without placement, none.
        Assert.IsGreaterThanOrEqualTo((long)Piece, client.ReadBytesPlaced, "pieces received straight into the caller's buffer");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task A_read_cancelled_while_its_buffer_is_offered_leaves_the_buffer_alone_and_the_next_read_is_whole(NfsVersion version)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(8 * Piece, seed: 18);
        await File.WriteAllBytesAsync(server.PathInExport("cancel.bin"), data, Ct);
        var proxy = Track(await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Ct));
        var client = Connect(proxy.EndPoint, Small(version));
        await using var file = await client.OpenAsync(Nfs("cancel.bin"), OpenRequest.ForRead, Ct);

        // 300 ms each way from the start: the READs ahead that the first read sends cannot be answered before the caller
        // gives up on the second piece (with the delay set after the first read they could already have come back).
        proxy.Delay(TimeSpan.FromMilliseconds(300));
        var back = new byte[data.Length];
        Assert.AreEqual(Piece, await file.ReadAsync(0, back.AsMemory(0, Piece), Ct));

        // The READ ahead of the second piece is on its way; the caller gives up after 50 ms.
        var abandoned = new byte[Piece];
        using (var soon = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            soon.CancelAfter(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAsync<OperationCanceledException>(async () => await file.ReadAsync(Piece, abandoned, soon.Token));
        }

        // Its reply comes later (about 600 ms after it was sent) and is not written into the buffer it no longer offers.
        await Task.Delay(1000, Ct);
        Assert.IsTrue(abandoned.AsSpan().IndexOfAnyExcept((byte)0) < 0, "the abandoned buffer stayed untouched");

        proxy.Delay(TimeSpan.Zero);
        var offset = Piece;
        while (offset < data.Length)
        {
            var count = await file.ReadAsync(offset, back.AsMemory(offset, Math.Min(Piece, data.Length - offset)), Ct);
            Assert.IsGreaterThan(0, count);
            offset += count;
        }

        Assert.IsTrue(back.AsSpan().SequenceEqual(data));
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41)]
    public async Task Over_a_link_with_latency_the_window_grows_to_the_most_allowed(NfsVersion version)
    {
        // The window starts at 2 and grows only when one READ more brings the reader more bytes per second
        // (ReadAheadPacer): 60 ms round trips make every READ more in flight pay, whatever else the machine is doing (at
        // 20 ms, with the other version's case beside it on two cores, one READ more once brought only 4 %). A measurement
        // of 8 waits can still fall short by a quarter; the probe is then tried again after its hold-off, which the
        // 192 pieces leave room for.
        var (data, proxy, client, file) = await OpenThroughProxyAsync(
            "far.bin", 192 * Piece, seed: 41, Small(version) with { ReadAheadMaxChunks = 4, ReadConnections = 1 });
        await using var _ = file;
        proxy.Delay(TimeSpan.FromMilliseconds(30));

        var (back, _, _) = await ReadAllLeasedAsync(file, Piece);

        Assert.IsTrue(back.SequenceEqual(data), "what was read ahead is the file, in order");
        Assert.IsGreaterThanOrEqualTo(4, client.Rpc.Connection!.PeakInFlight, "four READs ahead were in flight together");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40, DisplayName = "NFSv4.0: a stateid is the client's on every connection")]
    [DataRow(NfsVersion.V41, DisplayName = "NFSv4.1: the first SEQUENCE on the extra connection binds it to the session (SP4_NONE)")]
    public async Task Reads_ahead_take_turns_over_two_connections_and_come_back_byte_identical(NfsVersion version)
    {
        var (data, proxy, client, file) = await OpenThroughProxyAsync("two.bin", (16 * Piece) + 77, seed: 43, Small(version) with { ReadConnections = 2 });
        await using var _ = file;

        var (back, _, eof) = await ReadAllLeasedAsync(file, Piece);

        Assert.IsTrue(back.SequenceEqual(data), "READs ahead from both connections, lent in the file's order");
        Assert.IsTrue(eof);
        Assert.AreEqual(2, proxy.ConnectionsAccepted, "the client's own connection and one for READs ahead");
        Assert.IsGreaterThanOrEqualTo(6L, client.ReadsOnExtraConnections, "every other READ ahead of the 16");
    }

    [TestMethod]
    [DataRow(NfsVersion.V40, 1, DisplayName = "NFSv4.0 with nconnect=1")]
    [DataRow(NfsVersion.V41, 1, DisplayName = "NFSv4.1 with nconnect=1")]
    [DataRow(NfsVersion.V41, null, DisplayName = "NFSv4.1 by default")]
    public async Task Reads_ahead_stay_on_the_clients_own_connection(NfsVersion version, int? readConnections)
    {
        var (data, proxy, client, file) = await OpenThroughProxyAsync(
            "one.bin", 12 * Piece, seed: 44, Small(version) with { ReadConnections = readConnections });
        await using var _ = file;

        var (back, _, _) = await ReadAllLeasedAsync(file, Piece);

        Assert.IsTrue(back.SequenceEqual(data));
        Assert.AreEqual(1, proxy.ConnectionsAccepted);
        Assert.AreEqual(0L, client.ReadsOnExtraConnections);
    }

    [TestMethod]
    [DataRow(NfsVersion.V40)]
    [DataRow(NfsVersion.V41, DisplayName = "NFSv4.1: the READ on the extra connection goes again on its slot over the session's own")]
    public async Task Both_connections_cut_in_the_middle_of_a_read_and_it_still_reads_back_byte_identical(NfsVersion version)
    {
        var (data, proxy, _, file) = await OpenThroughProxyAsync("cut.bin", 24 * Piece, seed: 45, Small(version) with { ReadConnections = 2 });
        await using var _ = file;
        var back = new List<byte>();
        long offset = 0;
        while (offset < data.Length)
        {
            if (offset == 8 * Piece)
            {
                // READs ahead are in flight on both connections: the one on the extra connection goes again over the
                // client's own, which reconnects (a hard mount).
                Assert.AreEqual(2, proxy.ConnectionsAccepted);
                proxy.CutAll();
            }

            using var lease = await file.ReadLeasedAsync(offset, Piece, Ct);
            Assert.IsGreaterThan(0, lease.Count);
            back.AddRange(lease.Memory.ToArray());
            offset += lease.Count;
        }

        Assert.IsTrue(back.SequenceEqual(data), "nothing lost, nothing twice, in order");
        Assert.IsGreaterThanOrEqualTo(3, proxy.ConnectionsAccepted, "the client's own connection was made again");
    }

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

    /// <summary>A file of random bytes on a new server, opened for reading by a client that reaches the server through a proxy.</summary>
    private async Task<(byte[] Data, FaultProxy Proxy, NfsClient Client, NfsOpenFile File)> OpenThroughProxyAsync(
        string name, int length, int seed, NfsClientOptions options)
    {
        var server = await StartServerAsync();
        var data = RandomBytes(length, seed);
        await File.WriteAllBytesAsync(server.PathInExport(name), data, Ct);
        var proxy = Track(await FaultProxy.StartAsync(server.EndPoint, cancellationToken: Ct));
        var client = Connect(proxy.EndPoint, options);
        return (data, proxy, client, await client.OpenAsync(Nfs(name), OpenRequest.ForRead, Ct));
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

    /// <summary>Reads <paramref name="file"/> into <paramref name="back"/> from <paramref name="offset"/> in pieces until a read returns 0; the end offset.</summary>
    private async Task<int> ReadToEndAsync(NfsOpenFile file, byte[] back, int offset, int piece)
    {
        while (true)
        {
            var count = await file.ReadAsync(offset, back.AsMemory(offset, Math.Min(piece, back.Length - offset)), Ct);
            if (count == 0)
            {
                return offset;
            }

            offset += count;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }
}
