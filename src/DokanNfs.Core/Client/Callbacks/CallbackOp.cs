using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client.Callbacks;

/// <summary>
/// One decoded nfs_cb_argop4 (RFC 8881 §20): the operation and the arguments of the ones we act on. Operations whose
/// arguments we do not decode end the decoding (<see cref="Decoded"/> false): they fail, and nothing after a failed
/// operation runs, so nothing after it needs to be found.
/// </summary>
internal readonly record struct CallbackOp
{
    public NfsCbOpnum4 Opnum { get; init; }

    /// <summary>The opnum its result carries: the one sent, OP_CB_ILLEGAL for one we do not know.</summary>
    public uint ResultOpnum { get; init; }

    /// <summary>False when the arguments were not read (an operation we do not implement or know).</summary>
    public bool Decoded { get; init; }

    public SessionId4 SessionId { get; init; }

    public uint SequenceId { get; init; }

    public uint SlotId { get; init; }

    public uint HighestSlotId { get; init; }

    public bool CacheThis { get; init; }

    public StateId4 StateId { get; init; }

    public bool Truncate { get; init; }

    public NfsFh? FileHandle { get; init; }

    public Bitmap4 Attributes { get; init; }

    public static CallbackOp Decode(ref XdrReader reader)
    {
        var opnum = reader.ReadUInt32();
        switch ((NfsCbOpnum4)opnum)
        {
            case NfsCbOpnum4.CbSequence:
            {
                // CB_SEQUENCE4args (§20.9.1); the referring call lists (§2.10.6.3) are read, bounded, and not used.
                var op = new CallbackOp
                {
                    Opnum = NfsCbOpnum4.CbSequence,
                    ResultOpnum = opnum,
                    Decoded = true,
                    SessionId = SessionId4.Decode(ref reader),
                    SequenceId = reader.ReadUInt32(),
                    SlotId = reader.ReadUInt32(),
                    HighestSlotId = reader.ReadUInt32(),
                    CacheThis = reader.ReadBool(),
                };
                var lists = reader.ReadArrayCount(64, minElementSize: SessionId4.Size + 4);
                for (var i = 0; i < lists; i++)
                {
                    reader.ReadFixedOpaque(SessionId4.Size);
                    var calls = reader.ReadArrayCount(1024, minElementSize: 8);
                    reader.Skip(calls * 8);
                }

                return op;
            }

            case NfsCbOpnum4.CbRecall:
                // CB_RECALL4args (§20.2.1).
                return new CallbackOp
                {
                    Opnum = NfsCbOpnum4.CbRecall,
                    ResultOpnum = opnum,
                    Decoded = true,
                    StateId = StateId4.Decode(ref reader),
                    Truncate = reader.ReadBool(),
                    FileHandle = NfsFh.Decode(ref reader),
                };
            case NfsCbOpnum4.CbGetAttr:
                // CB_GETATTR4args (§20.1.1).
                return new CallbackOp
                {
                    Opnum = NfsCbOpnum4.CbGetAttr,
                    ResultOpnum = opnum,
                    Decoded = true,
                    FileHandle = NfsFh.Decode(ref reader),
                    Attributes = Bitmap4.Decode(ref reader),
                };
            case >= NfsCbOpnum4.CbLayoutRecall and <= NfsCbOpnum4.CbOffload:
                return new CallbackOp { Opnum = (NfsCbOpnum4)opnum, ResultOpnum = opnum };
            default:
                return new CallbackOp { Opnum = NfsCbOpnum4.CbIllegal, ResultOpnum = (uint)NfsCbOpnum4.CbIllegal };
        }
    }
}
