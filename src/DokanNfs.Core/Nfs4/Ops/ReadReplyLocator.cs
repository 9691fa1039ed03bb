using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// Where a READ's data starts in a successful COMPOUND reply of the shape a READ is sent in — [SEQUENCE,] PUTFH, READ
/// (RFC 7530 §16.2 / §16.23, RFC 8881 §18.46) — for <see cref="ReplyPlacement"/>. Anything else (an error, another
/// shape, a head too short to reach the data) is "not found", and the reply is received as any other.
/// </summary>
internal static class ReadReplyLocator
{
    public static ReplyDataLocator Instance { get; } = TryLocate;

    private static bool TryLocate(ReadOnlySpan<byte> head, out int dataOffset, out int dataLength)
    {
        dataOffset = 0;
        dataLength = 0;
        try
        {
            var reader = new XdrReader(head);
            RpcMessage.ReadReplyHeader(ref reader);
            if ((NfsStat4)reader.ReadUInt32() != NfsStat4.Ok)
            {
                return false;
            }

            reader.SkipOpaqueUncheckedPadding(NfsProgram.MaxTagLength);
            var count = reader.ReadUInt32();
            for (var i = 0u; i < count; i++)
            {
                var op = (NfsOpnum4)reader.ReadUInt32();
                if ((NfsStat4)reader.ReadUInt32() != NfsStat4.Ok)
                {
                    return false;
                }

                switch (op)
                {
                    case NfsOpnum4.Sequence:
                        // sessionid (16), sequenceid, slotid, highest_slotid, target_highest_slotid, status_flags.
                        reader.Skip(16 + (5 * 4));
                        break;
                    case NfsOpnum4.PutFh:
                        break;
                    case NfsOpnum4.Read:
                        _ = reader.ReadBool();
                        dataLength = (int)Math.Min(reader.ReadUInt32(), int.MaxValue);
                        dataOffset = reader.Position;
                        return true;
                    default:
                        return false;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is XdrException or RpcException)
        {
            return false;
        }
    }
}
