namespace DokanNfs.Core.Nfs4;

// The NFSv4.1 client id and session operations (RFC 8881 §18.34–18.37, §18.46, §18.50, §18.51).
public ref partial struct CompoundEncoder
{
    /// <summary>
    /// RFC 8881 §18.35: EXCHANGE_ID with SP4_NONE state protection. <paramref name="ownerId"/> (co_ownerid) names the
    /// client across its restarts; <paramref name="verifier"/> (co_verifier) changes with every restart, so the server
    /// drops what an earlier incarnation held. <paramref name="implementation"/>, when given, is eia_client_impl_id.
    /// </summary>
    public void ExchangeId(Verifier4 verifier, ReadOnlySpan<byte> ownerId, ExchangeIdFlags flags, NfsImplId4? implementation = null)
    {
        var w = BeginOp(NfsOpnum4.ExchangeId);
        verifier.Encode(w);
        w.WriteOpaque(ownerId, NfsLimits.MaxOpaque);
        w.WriteUInt32((uint)flags);
        w.WriteEnum(StateProtectHow4.None);
        if (implementation is null)
        {
            w.WriteArrayCount(0);
        }
        else
        {
            w.WriteArrayCount(1);
            implementation.Encode(w);
        }
    }

    /// <summary>
    /// RFC 8881 §18.36: CREATE_SESSION for <paramref name="clientId"/>. <paramref name="sequence"/> (csa_sequence) is
    /// EXCHANGE_ID's eir_sequenceid for the first session of a client id, then one more per CREATE_SESSION the
    /// server answered; a re-send with the same value is answered from the server's CREATE_SESSION reply cache.
    /// </summary>
    public void CreateSession(
        ulong clientId, uint sequence, CreateSessionFlags flags, ChannelAttrs4 foreChannel, ChannelAttrs4 backChannel, uint callbackProgram, CallbackSecParms4 callbackSecurity)
    {
        ArgumentNullException.ThrowIfNull(callbackSecurity);
        var w = BeginOp(NfsOpnum4.CreateSession);
        w.WriteUInt64(clientId);
        w.WriteUInt32(sequence);
        w.WriteUInt32((uint)flags);
        foreChannel.Encode(w);
        backChannel.Encode(w);
        w.WriteUInt32(callbackProgram);
        w.WriteArrayCount(1);
        callbackSecurity.Encode(w);
    }

    /// <summary>
    /// RFC 8881 §18.46: SEQUENCE, the first operation of every COMPOUND on a session. <paramref name="highestSlotId"/>
    /// is the highest slot the client has a request outstanding on; <paramref name="cacheThis"/> asks the server to
    /// keep the whole reply for a retry (non-idempotent requests).
    /// </summary>
    public void Sequence(SessionId4 sessionId, uint sequenceId, uint slotId, uint highestSlotId, bool cacheThis)
    {
        var w = BeginOp(NfsOpnum4.Sequence);
        sessionId.Encode(w);
        w.WriteUInt32(sequenceId);
        w.WriteUInt32(slotId);
        w.WriteUInt32(highestSlotId);
        w.WriteBool(cacheThis);
    }

    /// <summary>
    /// RFC 8881 §18.51: RECLAIM_COMPLETE. With <paramref name="oneFs"/> false it says the client has reclaimed
    /// everything it will (sent after every new client id, even with nothing to reclaim).
    /// </summary>
    public void ReclaimComplete(bool oneFs) => BeginOp(NfsOpnum4.ReclaimComplete).WriteBool(oneFs);

    /// <summary>RFC 8881 §18.48: TEST_STATEID — which of these stateids the server still honours.</summary>
    public void TestStateId(ReadOnlySpan<StateId4> stateIds)
    {
        var w = BeginOp(NfsOpnum4.TestStateId);
        w.WriteArrayCount(stateIds.Length);
        foreach (var stateId in stateIds)
        {
            stateId.Encode(w);
        }
    }

    /// <summary>RFC 8881 §18.38: FREE_STATEID — forget a stateid the server revoked (or one with no locks left).</summary>
    public void FreeStateId(StateId4 stateId) => stateId.Encode(BeginOp(NfsOpnum4.FreeStateId));

    /// <summary>RFC 8881 §18.37: DESTROY_SESSION.</summary>
    public void DestroySession(SessionId4 sessionId) => sessionId.Encode(BeginOp(NfsOpnum4.DestroySession));

    /// <summary>RFC 8881 §18.50: DESTROY_CLIENTID; the client id must hold no sessions and no state.</summary>
    public void DestroyClientId(ulong clientId) => BeginOp(NfsOpnum4.DestroyClientId).WriteUInt64(clientId);

    /// <summary>RFC 8881 §18.34: BIND_CONN_TO_SESSION, the only operation of its COMPOUND.</summary>
    public void BindConnToSession(SessionId4 sessionId, ChannelDirFromClient4 direction, bool useRdmaMode = false)
    {
        var w = BeginOp(NfsOpnum4.BindConnToSession);
        sessionId.Encode(w);
        w.WriteEnum(direction);
        w.WriteBool(useRdmaMode);
    }
}
