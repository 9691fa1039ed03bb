namespace DokanNfs.TestSupport.Faults;

/// <summary>What happens to the bytes a <see cref="FaultProxy"/> held back when a blackhole ends.</summary>
public enum BlackholeEnd
{
    /// <summary>
    /// Deliver everything held, in order, as if it had been in flight all along. Models a partition
    /// shorter than TCP's retransmission give-up time: the segments were lost but TCP retransmitted
    /// them, so the connection survives and the peer merely sees a long stall.
    /// </summary>
    Deliver,

    /// <summary>
    /// Discard everything held and cut (RST) every connection open when the blackhole ends. Models a
    /// partition longer than TCP's give-up time: the stream cannot resume once bytes are gone, so the
    /// only coherent outcome is a dead connection and a reconnect.
    /// </summary>
    DropAndCut,
}
