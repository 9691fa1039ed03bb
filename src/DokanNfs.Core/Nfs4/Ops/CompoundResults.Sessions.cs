using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

// The results of the NFSv4.1 client id and session operations (RFC 8881 §18.34–18.37, §18.46, §18.50, §18.51).
// Like the NFSv4.0 ones: the opnum and status are checked, a failure throws NfsException, the resok body is decoded
// with every length bounded before anything is allocated.
public partial struct CompoundResults
{
    /// <summary>The most RPCSEC_GSS handles an SP4_SSV reply may carry; we ask SP4_NONE and expect none.</summary>
    private const int MaxSsvHandles = 64;

    /// <summary>RFC 8881 §18.35.4: EXCHANGE_ID4resok.</summary>
    public ExchangeIdResult ExchangeId(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.ExchangeId);
        var clientId = reader.ReadUInt64();
        var sequenceId = reader.ReadUInt32();
        var flags = (ExchangeIdFlags)reader.ReadUInt32();
        var protect = ReadStateProtect(ref reader);
        var owner = ServerOwner4.Decode(ref reader);
        var scope = reader.ReadOpaque(NfsLimits.MaxOpaque).ToArray();
        var impl = reader.ReadArrayCount(1, minElementSize: 20) == 1 ? NfsImplId4.Decode(ref reader) : null;
        return new ExchangeIdResult(clientId, sequenceId, flags, protect, owner, scope, impl);
    }

    /// <summary>RFC 8881 §18.36.4: CREATE_SESSION4resok.</summary>
    public CreateSessionResult CreateSession(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.CreateSession);
        var sessionId = SessionId4.Decode(ref reader);
        var sequence = reader.ReadUInt32();
        var flags = (CreateSessionFlags)reader.ReadUInt32();
        var fore = ChannelAttrs4.Decode(ref reader);
        var back = ChannelAttrs4.Decode(ref reader);
        return new CreateSessionResult(sessionId, sequence, flags, fore, back);
    }

    /// <summary>RFC 8881 §18.46.4: SEQUENCE4resok. A failed SEQUENCE throws with <see cref="NfsException.OpIndex"/> 0.</summary>
    public SequenceResult Sequence(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.Sequence);
        return new SequenceResult(
            SessionId4.Decode(ref reader),
            reader.ReadUInt32(),
            reader.ReadUInt32(),
            reader.ReadUInt32(),
            reader.ReadUInt32(),
            (SequenceStatusFlags)reader.ReadUInt32());
    }

    /// <summary>RFC 8881 §18.51: RECLAIM_COMPLETE, a status alone.</summary>
    public void ReclaimComplete(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.ReclaimComplete);

    /// <summary>RFC 8881 §18.37: DESTROY_SESSION, a status alone.</summary>
    public void DestroySession(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.DestroySession);

    /// <summary>RFC 8881 §18.50: DESTROY_CLIENTID, a status alone.</summary>
    public void DestroyClientId(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.DestroyClientId);

    /// <summary>
    /// RFC 8881 §18.48.4: TEST_STATEID4resok, one status per stateid sent (at most <paramref name="sent"/>; a server
    /// answering more is malformed).
    /// </summary>
    public NfsStat4[] TestStateId(ref XdrReader reader, int sent)
    {
        Expect(ref reader, NfsOpnum4.TestStateId);
        var count = reader.ReadArrayCount(sent);
        var codes = new NfsStat4[count];
        for (var i = 0; i < count; i++)
        {
            codes[i] = (NfsStat4)reader.ReadUInt32();
        }

        return codes;
    }

    /// <summary>RFC 8881 §18.38: FREE_STATEID, a status alone.</summary>
    public void FreeStateId(ref XdrReader reader) => Expect(ref reader, NfsOpnum4.FreeStateId);

    /// <summary>RFC 8881 §18.34.4: BIND_CONN_TO_SESSION4resok.</summary>
    public BindConnToSessionResult BindConnToSession(ref XdrReader reader)
    {
        Expect(ref reader, NfsOpnum4.BindConnToSession);
        var sessionId = SessionId4.Decode(ref reader);
        var direction = reader.ReadEnum<ChannelDirFromServer4>();
        return new BindConnToSessionResult(sessionId, direction, reader.ReadBool());
    }

    /// <summary>state_protect4_r: read whole whatever the server chose, so the rest of the reply stays in step.</summary>
    private static StateProtectHow4 ReadStateProtect(ref XdrReader reader)
    {
        var how = reader.ReadEnum<StateProtectHow4>();
        switch (how)
        {
            case StateProtectHow4.None:
                break;
            case StateProtectHow4.MachCred:
                // state_protect_ops4: spo_must_enforce, spo_must_allow.
                Bitmap4.Decode(ref reader);
                Bitmap4.Decode(ref reader);
                break;
            case StateProtectHow4.Ssv:
                // ssv_prot_info4: the ops, hash and encryption algorithms, SSV length, window, GSS handles.
                Bitmap4.Decode(ref reader);
                Bitmap4.Decode(ref reader);
                reader.ReadUInt32();
                reader.ReadUInt32();
                reader.ReadUInt32();
                reader.ReadUInt32();
                var handles = reader.ReadArrayCount(MaxSsvHandles);
                for (var i = 0; i < handles; i++)
                {
                    reader.ReadOpaque(NfsLimits.MaxOpaque);
                }

                break;
            default:
                throw new XdrException($"state_protect_how4 {(int)how} is unknown.") { Position = reader.Position };
        }

        return how;
    }
}

/// <summary>EXCHANGE_ID4resok (RFC 8881 §18.35.4).</summary>
/// <param name="ClientId">eir_clientid: unconfirmed until the first CREATE_SESSION with it succeeds.</param>
/// <param name="SequenceId">eir_sequenceid: the csa_sequence of that first CREATE_SESSION.</param>
/// <param name="Flags">eir_flags: <see cref="ExchangeIdFlags.ConfirmedR"/> when the server already held this client id confirmed.</param>
/// <param name="StateProtect">What the server granted (we ask SP4_NONE).</param>
/// <param name="ServerOwner">eir_server_owner: equal owners mean one server (trunking, RFC 8881 §2.10.5).</param>
/// <param name="ServerScope">eir_server_scope: servers of one scope share client ids and state.</param>
/// <param name="ServerImplId">eir_server_impl_id, when sent.</param>
public sealed record ExchangeIdResult(
    ulong ClientId, uint SequenceId, ExchangeIdFlags Flags, StateProtectHow4 StateProtect, ServerOwner4 ServerOwner, ReadOnlyMemory<byte> ServerScope, NfsImplId4? ServerImplId);

/// <summary>CREATE_SESSION4resok (RFC 8881 §18.36.4): the session and the channel limits the server granted.</summary>
public sealed record CreateSessionResult(SessionId4 SessionId, uint SequenceId, CreateSessionFlags Flags, ChannelAttrs4 ForeChannel, ChannelAttrs4 BackChannel);

/// <summary>SEQUENCE4resok (RFC 8881 §18.46.4).</summary>
/// <param name="HighestSlotId">sr_highest_slotid: the highest slot the server accepts on the next request.</param>
/// <param name="TargetHighestSlotId">sr_target_highest_slotid: the highest slot the server would like the client to use.</param>
/// <param name="StatusFlags">sr_status_flags: what the client should act on (revoked state, callback path down...).</param>
public readonly record struct SequenceResult(
    SessionId4 SessionId, uint SequenceId, uint SlotId, uint HighestSlotId, uint TargetHighestSlotId, SequenceStatusFlags StatusFlags);

/// <summary>BIND_CONN_TO_SESSION4resok (RFC 8881 §18.34.4).</summary>
public readonly record struct BindConnToSessionResult(SessionId4 SessionId, ChannelDirFromServer4 Direction, bool UseRdmaMode);
