using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Callbacks;

/// <summary>What CB_SEQUENCE decided about one call (RFC 8881 §2.10.6.1).</summary>
internal enum BackChannelSlotVerdict
{
    /// <summary>A new request: run it, then <see cref="BackChannelSlots.Complete"/> with its reply.</summary>
    New,

    /// <summary>A re-send of the slot's last request: answer it with the cached reply.</summary>
    Replay,

    /// <summary>Refused with the status given.</summary>
    Refused,
}

/// <summary>
/// The client's side of the back channel's slots: the server is the requester here, we are the replier (RFC 8881
/// §2.10.6.1). Per slot, the sequence id of the last request and its whole CB_COMPOUND reply, so a re-send after a
/// lost reply is answered from the cache rather than run twice. A new session starts every slot afresh (its first
/// request carries sequence id 1). Not thread-safe: the dispatcher holds its lock.
/// </summary>
internal sealed class BackChannelSlots
{
    /// <summary>The most slots we keep whatever the server granted: we asked for a few (NfsSessionOptions.BackChannel).</summary>
    public const int MaxSlots = 64;

    private SessionId4 _session;
    private bool _started;
    private uint[] _sequence = [];
    private byte[]?[] _replies = [];

    /// <summary>
    /// Checks one CB_SEQUENCE against the slot table of <paramref name="current"/>: the session it names, the slot,
    /// and the sequence id — the last one plus one is new, the last one is a re-send, anything else misordered.
    /// </summary>
    public BackChannelSlotVerdict Begin(BackChannelInfo current, SessionId4 sessionId, uint sequenceId, uint slotId, out NfsStat4 status, out byte[]? cachedReply)
    {
        cachedReply = null;
        if (sessionId != current.SessionId)
        {
            status = NfsStat4.BadSession;
            return BackChannelSlotVerdict.Refused;
        }

        if (!_started || _session != current.SessionId)
        {
            var slots = (int)Math.Clamp(current.Slots, 1, MaxSlots);
            _session = current.SessionId;
            _sequence = new uint[slots];
            _replies = new byte[slots][];
            _started = true;
        }

        if (slotId >= (uint)_sequence.Length)
        {
            status = NfsStat4.BadSlot;
            return BackChannelSlotVerdict.Refused;
        }

        var last = _sequence[slotId];
        if (sequenceId == unchecked(last + 1))
        {
            status = NfsStat4.Ok;
            _sequence[slotId] = sequenceId;
            _replies[slotId] = null;
            return BackChannelSlotVerdict.New;
        }

        if (sequenceId == last && last != 0)
        {
            cachedReply = _replies[slotId];
            if (cachedReply is null)
            {
                // The request ran (or is running) but left no reply to give (§2.10.6.1.2).
                status = NfsStat4.RetryUncachedRep;
                return BackChannelSlotVerdict.Refused;
            }

            status = NfsStat4.Ok;
            return BackChannelSlotVerdict.Replay;
        }

        status = NfsStat4.SeqMisordered;
        return BackChannelSlotVerdict.Refused;
    }

    /// <summary>The highest slot id we serve (csr_highest_slotid and csr_target_highest_slotid).</summary>
    public uint HighestSlotId => (uint)Math.Max(_sequence.Length - 1, 0);

    /// <summary>Keeps the reply of the slot's current request for a re-send.</summary>
    public void Complete(uint slotId, ReadOnlySpan<byte> reply)
    {
        if (slotId < (uint)_replies.Length)
        {
            _replies[slotId] = reply.ToArray();
        }
    }
}
