using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Rpc;

/// <summary>The arguments of a call, encoded straight into the outgoing record.</summary>
public interface IRpcArgs
{
    void Encode(XdrWriter writer);
}

/// <summary>Decodes a procedure's results from the reply body that follows the RPC reply header.</summary>
public delegate TResult RpcResultDecoder<out TResult>(ref XdrReader reader);

/// <summary>A procedure that takes no arguments (NULL, RFC 5531 §12).</summary>
public readonly struct RpcVoidArgs : IRpcArgs
{
    public void Encode(XdrWriter writer)
    {
    }
}

/// <summary>Encoding of call headers and decoding of reply headers (RFC 5531 §9).</summary>
public static class RpcMessage
{
    /// <summary>Writes rpc_msg up to and including the verifier; the procedure's arguments follow.</summary>
    public static void WriteCallHeader(XdrWriter writer, uint xid, uint program, uint version, uint procedure, RpcCredential credential)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(credential);
        writer.WriteUInt32(xid);
        writer.WriteEnum(RpcMsgType.Call);
        writer.WriteUInt32(RpcLimits.RpcVersion);
        writer.WriteUInt32(program);
        writer.WriteUInt32(version);
        writer.WriteUInt32(procedure);
        writer.WriteFixedOpaque(credential.CredentialAndVerifier);
    }

    /// <summary>The XID and message type at the start of any RPC message, or false if the record is too short.</summary>
    public static bool TryPeekXid(ReadOnlySpan<byte> record, out uint xid, out RpcMsgType type)
    {
        xid = 0;
        type = RpcMsgType.Call;
        if (record.Length < 8)
        {
            return false;
        }

        var reader = new XdrReader(record);
        xid = reader.ReadUInt32();
        type = (RpcMsgType)reader.ReadInt32();
        return true;
    }

    /// <summary>
    /// Reads a reply header. Returns normally only for MSG_ACCEPTED + SUCCESS, leaving the reader at the
    /// procedure's results; every other outcome is thrown as its typed <see cref="RpcException"/>.
    /// </summary>
    public static uint ReadReplyHeader(ref XdrReader reader)
    {
        try
        {
            var xid = reader.ReadUInt32();
            var type = reader.ReadEnum<RpcMsgType>();
            if (type != RpcMsgType.Reply)
            {
                throw new RpcMalformedReplyException($"Expected a REPLY, got msg_type {(int)type}.");
            }

            var replyStat = reader.ReadEnum<RpcReplyStat>();
            switch (replyStat)
            {
                case RpcReplyStat.MsgAccepted:
                    ReadOpaqueAuth(ref reader);
                    var acceptStat = reader.ReadEnum<RpcAcceptStat>();
                    switch (acceptStat)
                    {
                        case RpcAcceptStat.Success:
                            return xid;
                        case RpcAcceptStat.ProgMismatch:
                            var low = reader.ReadUInt32();
                            var high = reader.ReadUInt32();
                            throw new RpcAcceptedErrorException(acceptStat, low, high);
                        default:
                            throw new RpcAcceptedErrorException(acceptStat);
                    }

                case RpcReplyStat.MsgDenied:
                    var rejectStat = reader.ReadEnum<RpcRejectStat>();
                    switch (rejectStat)
                    {
                        case RpcRejectStat.RpcMismatch:
                            var low = reader.ReadUInt32();
                            var high = reader.ReadUInt32();
                            throw new RpcDeniedException(rejectStat, mismatchLow: low, mismatchHigh: high);
                        case RpcRejectStat.AuthError:
                            throw new RpcDeniedException(rejectStat, reader.ReadEnum<RpcAuthStat>());
                        default:
                            throw new RpcMalformedReplyException($"Unknown reject_stat {(int)rejectStat}.");
                    }

                default:
                    throw new RpcMalformedReplyException($"Unknown reply_stat {(int)replyStat}.");
            }
        }
        catch (XdrException ex)
        {
            throw new RpcMalformedReplyException("The RPC reply header is malformed: " + ex.Message, ex);
        }
    }

    /// <summary>
    /// Decodes a whole reply record: the header (<see cref="ReadReplyHeader"/>), then the results with
    /// <paramref name="decodeResults"/>. Malformed results surface as <see cref="RpcMalformedReplyException"/>,
    /// never as the bare <see cref="XdrException"/>, so a caller sees one typed error per way a reply can be bad.
    /// </summary>
    public static TResult DecodeReply<TResult>(ReadOnlySpan<byte> record, RpcResultDecoder<TResult> decodeResults)
    {
        ArgumentNullException.ThrowIfNull(decodeResults);
        var reader = new XdrReader(record);
        ReadReplyHeader(ref reader);
        try
        {
            return decodeResults(ref reader);
        }
        catch (XdrException ex)
        {
            throw new RpcMalformedReplyException("The reply's results are malformed: " + ex.Message, ex);
        }
    }

    private static void ReadOpaqueAuth(ref XdrReader reader)
    {
        // The verifier of AUTH_NONE / AUTH_SYS replies carries nothing we check; its length is still bounded.
        reader.ReadInt32();
        reader.ReadOpaque(RpcLimits.MaxAuthBytes);
    }
}
