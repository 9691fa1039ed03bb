using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>
/// READ replies received straight into a waiting caller's buffer (<see cref="ReplyPlacement"/>, zero-copy READ): the
/// production <see cref="RecordReader"/> over a connected pair of TCP sockets, fed hand-made COMPOUND replies of the
/// shapes a READ is sent in under NFSv4.0 and 4.1.
/// </summary>
[TestClass]
public sealed class ReplyPlacementTests
{
    private const uint Xid = 0x1234_5678;

    [TestMethod]
    [DataRow(false, 100_000)]
    [DataRow(true, 100_000)]
    [DataRow(false, 99_999)]
    [DataRow(true, 65_537)]
    public void A_registered_destination_receives_the_data_and_the_record_keeps_the_rest_with_an_empty_data(bool sequence, int length)
    {
        var data = Pattern(length);
        using var pair = SocketPair.Open();
        var placement = new ReplyPlacement(ReadReplyLocator.Instance);
        var destination = new byte[length + 10];
        Assert.IsTrue(placement.TryRegister(destination));
        using var reader = new RecordReader(pair.Receiver, 4 * 1024 * 1024, placementFor: xid => xid == Xid ? placement : null);

        pair.Sender.Send(Framed(ReadReply(sequence, data, eof: true)));
        var record = reader.ReadRecord()!.Value;

        Assert.AreSame(placement, record.Placed);
        Assert.IsTrue(placement.IsPlaced);
        Assert.AreEqual(length, placement.PlacedCount);
        Assert.IsTrue(destination.AsSpan(0, length).SequenceEqual(data), "the data is in the caller's buffer");
        Assert.IsTrue(destination.AsSpan(length).IndexOfAnyExcept((byte)0) < 0, "and nothing past it");

        // The record still decodes as the same reply, with no data: eof and the trailing op are intact.
        var (eof, inRecord, trailer) = Decode(record.Span, sequence);
        Assert.IsTrue(eof);
        Assert.AreEqual(0, inRecord);
        Assert.AreEqual(0xC0FFEEu, trailer);
        record.Return();
    }

    [TestMethod]
    public void Without_a_registered_destination_the_reply_is_received_whole_and_the_placement_is_missed()
    {
        var data = Pattern(80_000);
        using var pair = SocketPair.Open();
        var placement = new ReplyPlacement(ReadReplyLocator.Instance);
        using var reader = new RecordReader(pair.Receiver, 4 * 1024 * 1024, placementFor: _ => placement);

        pair.Sender.Send(Framed(ReadReply(sequence: false, data, eof: false)));
        var record = reader.ReadRecord()!.Value;

        Assert.IsNull(record.Placed);
        Assert.IsFalse(placement.TryRegister(new byte[80_000]), "too late: the reply's first bytes were seen");
        var (eof, inRecord, _) = Decode(record.Span, sequence: false);
        Assert.IsFalse(eof);
        Assert.AreEqual(data.Length, inRecord);
        record.Return();
    }

    [TestMethod]
    public void A_destination_too_small_for_the_data_is_not_written_and_the_reply_is_received_whole()
    {
        var data = Pattern(100_000);
        using var pair = SocketPair.Open();
        var placement = new ReplyPlacement(ReadReplyLocator.Instance);
        var destination = new byte[99_999];
        Assert.IsTrue(placement.TryRegister(destination));
        using var reader = new RecordReader(pair.Receiver, 4 * 1024 * 1024, placementFor: _ => placement);

        pair.Sender.Send(Framed(ReadReply(sequence: true, data, eof: false)));
        var record = reader.ReadRecord()!.Value;

        Assert.IsNull(record.Placed);
        Assert.IsTrue(destination.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        Assert.AreEqual(data.Length, Decode(record.Span, sequence: true).InRecord);
        record.Return();
    }

    [TestMethod]
    public void An_error_reply_and_a_reply_of_another_shape_are_not_placed()
    {
        using var pair = SocketPair.Open();
        var placement = new ReplyPlacement(ReadReplyLocator.Instance);
        Assert.IsTrue(placement.TryRegister(new byte[200_000]));
        using var reader = new RecordReader(pair.Receiver, 4 * 1024 * 1024, placementFor: _ => placement);

        // A COMPOUND that failed (NFS4ERR_IO), padded to the placement threshold with an unread tail.
        var failed = new XdrWriter();
        WriteReplyHeader(failed);
        failed.WriteUInt32(5);
        failed.WriteOpaque([]);
        failed.WriteUInt32(0);
        failed.WriteFixedOpaque(new byte[RecordReader.PlacementMinimum]);
        pair.Sender.Send(Framed(failed.WrittenSpan.ToArray()));
        var record = reader.ReadRecord()!.Value;
        Assert.IsNull(record.Placed);
        Assert.IsFalse(placement.IsPlaced);
        record.Return();
    }

    [TestMethod]
    public void A_runt_head_or_a_lying_length_is_not_found_by_the_locator()
    {
        var reply = ReadReply(sequence: true, Pattern(70_000), eof: false);
        Assert.IsFalse(Locate(reply.AsSpan(0, 40)), "a head cut before READ's length");

        // READ declares more data than the record holds: found by the locator, refused by the placement.
        var lying = reply.ToArray();
        var lengthAt = FindReadLength(lying);
        BinaryPrimitives.WriteUInt32BigEndian(lying.AsSpan(lengthAt), 10_000_000);
        var placement = new ReplyPlacement(ReadReplyLocator.Instance);
        Assert.IsTrue(placement.TryRegister(new byte[20_000_000]));
        Assert.IsFalse(placement.TryBegin(lying.AsSpan(0, 512), lying.Length, out _, out _));
        Assert.IsFalse(placement.TryRegister(new byte[10]), "missed for good");
    }

    [TestMethod]
    public void Close_waits_for_a_placement_under_way_and_then_nothing_more_is_placed()
    {
        var reply = ReadReply(sequence: false, Pattern(70_000), eof: false);
        var placement = new ReplyPlacement(ReadReplyLocator.Instance);
        Assert.IsTrue(placement.TryRegister(new byte[70_000]));
        Assert.IsTrue(placement.TryBegin(reply.AsSpan(0, 512), reply.Length, out _, out _));
        Assert.IsFalse(placement.TryUnregister(), "under way: the caller must wait");

        var closed = Task.Run(placement.Close);
        Assert.IsFalse(closed.Wait(100), "Close waits while the data is being received");
        placement.End(70_000);
        Assert.IsTrue(closed.Wait(5_000));
        Assert.IsTrue(placement.IsPlaced);
    }

    [TestMethod]
    public void After_a_large_record_the_next_ones_head_is_received_alone_so_little_of_its_body_is_copied_twice()
    {
        // Found by a profile of a 512 MiB read: each record mark was read with a 64 KiB receive, whose 64 KiB of the
        // body ahead were then copied out of the receive buffer (3 % of the client's CPU).
        using var pair = SocketPair.Open();
        using var reader = new RecordReader(pair.Receiver, 4 * 1024 * 1024);
        var records = Enumerable.Range(0, 4).Select(i => Pattern(256 * 1024 + i)).ToArray();
        var small = Pattern(100);
        var stream = records.Select(Framed).Append(Framed(small)).SelectMany(f => f).ToArray();

        var sender = Task.Run(() => pair.Sender.Send(stream));
        foreach (var expected in records.Append(small))
        {
            var record = reader.ReadRecord()!.Value;
            Assert.IsTrue(record.Span.SequenceEqual(expected), $"record of {expected.Length} bytes intact");
            record.Return();
        }

        Assert.AreEqual(stream.Length, sender.Wait(TimeSpan.FromSeconds(10)) ? sender.Result : -1);
        Assert.IsLessThanOrEqualTo(
            (64 * 1024) + (4 * RecordReader.AfterLargeFragmentFill),
            reader.BufferedBytesCopied,
            "the first record's receive may buffer 64 KiB of it, each after a large one at most 4 KiB");
    }

    private static bool Locate(ReadOnlySpan<byte> head) => ReadReplyLocator.Instance(head, out _, out _);

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 7) + (i >> 9) + 1);
        }

        return bytes;
    }

    private static void WriteReplyHeader(XdrWriter w)
    {
        w.WriteUInt32(Xid);
        w.WriteUInt32(1); // REPLY
        w.WriteUInt32(0); // MSG_ACCEPTED
        w.WriteUInt32(0); // AUTH_NONE verifier
        w.WriteOpaque([]);
        w.WriteUInt32(0); // SUCCESS
    }

    /// <summary>[SEQUENCE,] PUTFH, READ(data), and a fourth op's worth of trailer (0xC0FFEE) after the data.</summary>
    private static byte[] ReadReply(bool sequence, byte[] data, bool eof)
    {
        var w = new XdrWriter(data.Length + 512);
        WriteReplyHeader(w);
        w.WriteUInt32(0); // NFS4_OK
        w.WriteOpaque("tag"u8);
        w.WriteUInt32(sequence ? 4u : 3u);
        if (sequence)
        {
            w.WriteUInt32((uint)NfsOpnum4.Sequence);
            w.WriteUInt32(0);
            w.WriteFixedOpaque(new byte[16]);
            for (var i = 0; i < 5; i++)
            {
                w.WriteUInt32((uint)i);
            }
        }

        w.WriteUInt32((uint)NfsOpnum4.PutFh);
        w.WriteUInt32(0);
        w.WriteUInt32((uint)NfsOpnum4.Read);
        w.WriteUInt32(0);
        w.WriteBool(eof);
        w.WriteOpaque(data);
        w.WriteUInt32(0xC0FFEE);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Where READ's data length stands in <paramref name="reply"/>: the four bytes before its data.</summary>
    private static int FindReadLength(byte[] reply)
    {
        Assert.IsTrue(ReadReplyLocator.Instance(reply, out var offset, out _));
        return offset - 4;
    }

    private static (bool Eof, int InRecord, uint Trailer) Decode(ReadOnlySpan<byte> record, bool sequence)
    {
        var r = new XdrReader(record);
        RpcMessage.ReadReplyHeader(ref r);
        Assert.AreEqual(0u, r.ReadUInt32());
        _ = r.ReadOpaque();
        _ = r.ReadUInt32();
        if (sequence)
        {
            r.Skip(8 + 16 + 20);
        }

        r.Skip(8 + 8);
        var eof = r.ReadBool();
        var data = r.ReadOpaque();
        var trailer = r.ReadUInt32();
        r.ExpectEnd();
        return (eof, data.Length, trailer);
    }

    private static byte[] Framed(byte[] record)
    {
        var framed = new byte[record.Length + 4];
        RecordMarking.WriteHeader(framed, record.Length, isLast: true);
        record.CopyTo(framed, 4);
        return framed;
    }

    private sealed class SocketPair : IDisposable
    {
        private SocketPair(Socket sender, Socket receiver)
        {
            Sender = sender;
            Receiver = receiver;
        }

        public Socket Sender { get; }

        public Socket Receiver { get; }

        public static SocketPair Open()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 1 << 20, SendTimeout = 10_000 };
            sender.Connect(listener.LocalEndPoint!);
            var receiver = listener.Accept();
            receiver.ReceiveTimeout = 10_000;
            return new SocketPair(sender, receiver);
        }

        public void Dispose()
        {
            Sender.Dispose();
            Receiver.Dispose();
        }
    }
}
