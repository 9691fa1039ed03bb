using System.Buffers.Binary;

namespace DokanNfs.TestSupport.Faults;

/// <summary>
/// Just enough ONC RPC framing for tests that need a peer without NFS: RFC 5531 §11 record marking
/// and the XID / msg_type pair that opens every rpc_msg (RFC 5531 §9). The message body after those
/// 8 bytes is opaque here, so a "call" is any record whose msg_type is CALL.
/// </summary>
public static class RpcRecordMarking
{
    /// <summary>msg_type CALL (RFC 5531 §9).</summary>
    public const int CallMessageType = 0;

    /// <summary>msg_type REPLY (RFC 5531 §9).</summary>
    public const int ReplyMessageType = 1;

    /// <summary>The low 31 bits of a fragment header hold the length (RFC 5531 §11).</summary>
    public const int MaxFragmentLength = int.MaxValue;

    /// <summary>Records longer than this are refused by <see cref="ReadRecordAsync"/> (a test peer needs no more).</summary>
    public const int DefaultMaxRecordLength = 16 * 1024 * 1024;

    private const uint LastFragmentBit = 0x8000_0000;

    /// <summary>A message body: XID, msg_type, then <paramref name="payload"/> verbatim.</summary>
    public static byte[] BuildMessage(uint xid, int messageType, ReadOnlySpan<byte> payload)
    {
        var body = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, xid);
        BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), messageType);
        payload.CopyTo(body.AsSpan(8));
        return body;
    }

    /// <summary>The XID and msg_type at the start of a message body.</summary>
    public static (uint Xid, int MessageType) ReadMessageHeader(ReadOnlySpan<byte> body)
    {
        if (body.Length < 8)
        {
            throw new ArgumentException($"An RPC message is at least 8 bytes; got {body.Length}.", nameof(body));
        }

        return (BinaryPrimitives.ReadUInt32BigEndian(body), BinaryPrimitives.ReadInt32BigEndian(body[4..]));
    }

    /// <summary>
    /// Frames <paramref name="body"/> as one record of fragments no longer than
    /// <paramref name="maxFragmentLength"/> (an empty body is one empty last fragment).
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> body, int maxFragmentLength = MaxFragmentLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFragmentLength);
        var fragments = Math.Max(1, (body.Length + (long)maxFragmentLength - 1) / maxFragmentLength);
        var output = new byte[checked(body.Length + (4 * (int)fragments))];
        var position = 0;
        do
        {
            var length = Math.Min(maxFragmentLength, body.Length);
            var header = (uint)length | (length == body.Length ? LastFragmentBit : 0);
            BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(position), header);
            body[..length].CopyTo(output.AsSpan(position + 4));
            position += 4 + length;
            body = body[length..];
        }
        while (!body.IsEmpty);

        return output;
    }

    /// <summary>
    /// Reads one record and returns its body with the fragments joined, or null if the stream ended
    /// cleanly between records. A stream that ends inside a record throws <see cref="EndOfStreamException"/>.
    /// </summary>
    public static async Task<byte[]?> ReadRecordAsync(
        Stream stream,
        int maxRecordLength = DefaultMaxRecordLength,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new byte[4];
        using var body = new MemoryStream();
        var first = true;
        while (true)
        {
            var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken)
                .ConfigureAwait(false);
            if (read == 0 && first)
            {
                return null;
            }

            if (read < header.Length)
            {
                throw new EndOfStreamException("The stream ended inside a record.");
            }

            first = false;
            var value = BinaryPrimitives.ReadUInt32BigEndian(header);
            var length = (int)(value & ~LastFragmentBit);
            if (body.Length + length > maxRecordLength)
            {
                throw new InvalidDataException($"Record longer than {maxRecordLength} bytes.");
            }

            var fragment = new byte[length];
            await stream.ReadExactlyAsync(fragment, cancellationToken).ConfigureAwait(false);
            body.Write(fragment);
            if ((value & LastFragmentBit) != 0)
            {
                return body.ToArray();
            }
        }
    }
}
