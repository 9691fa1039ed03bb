using System.Buffers;
using System.Buffers.Binary;

namespace DokanNfs.TestSupport.Faults;

/// <summary>What the proxy does with one whole record.</summary>
internal enum RecordVerdict
{
    Forward,

    /// <summary>Discard every byte of the record, then cut the connection once the record has ended.</summary>
    DropAndCut,
}

/// <summary>
/// The start of one record as far as the proxy cares: the XID and msg_type that open every ONC RPC
/// message (RFC 5531 §9). Either may be missing when the record ended before it was complete, which
/// a real RPC peer never does.
/// </summary>
internal readonly record struct RecordStart(uint? Xid, int? MessageType);

/// <summary>
/// Incremental parser of one direction of an ONC RPC over TCP byte stream (RFC 5531 §11 record
/// marking). Bytes arrive in arbitrary pieces: a piece may end inside a fragment header, a record may
/// span many fragments and pieces, and one piece may hold many records. The scanner never buffers a
/// whole record: it holds back only the raw bytes of a record until the first 8 body bytes (XID and
/// msg_type) are known, asks its classifier for a verdict, and from then on streams the rest
/// of the record straight through (or discards it).
/// </summary>
internal sealed class RecordMarkingScanner
{
    private const int HeaderLength = 4;

    // RFC 5531 §9: xid (4 bytes) then msg_type (4 bytes) open every rpc_msg.
    private const int ClassifyLength = 8;

    // RFC 5531 §11: the top bit of a fragment header marks the last fragment of the record.
    private const uint LastFragmentBit = 0x8000_0000;

    private readonly Func<RecordStart, RecordVerdict> _classify;
    private readonly byte[] _header = new byte[HeaderLength];
    private readonly byte[] _prefix = new byte[ClassifyLength];
    private readonly ArrayBufferWriter<byte> _held = new();
    private int _headerCount;
    private bool _inBody;
    private bool _lastFragment;
    private uint _fragmentRemaining;
    private int _prefixCount;
    private RecordVerdict? _verdict;
    private bool _finished;

    public RecordMarkingScanner(Func<RecordStart, RecordVerdict> classify)
    {
        _classify = classify;
    }

    /// <summary>
    /// Consumes <paramref name="data"/> and writes to <paramref name="forward"/> the bytes that may be
    /// forwarded now. Returns true when a dropped record has just ended, so the connection must be cut
    /// after what was written; everything after that record is ignored, now and in later calls.
    /// </summary>
    public bool Feed(ReadOnlySpan<byte> data, IBufferWriter<byte> forward)
    {
        while (!data.IsEmpty && !_finished)
        {
            if (!_inBody)
            {
                var count = Math.Min(HeaderLength - _headerCount, data.Length);
                data[..count].CopyTo(_header.AsSpan(_headerCount));
                Emit(data[..count], forward);
                data = data[count..];
                _headerCount += count;
                if (_headerCount < HeaderLength)
                {
                    break;
                }

                _headerCount = 0;
                var header = BinaryPrimitives.ReadUInt32BigEndian(_header);
                _lastFragment = (header & LastFragmentBit) != 0;
                _fragmentRemaining = header & ~LastFragmentBit;
                _inBody = true;
                if (_fragmentRemaining == 0 && EndFragment(forward))
                {
                    return true;
                }

                continue;
            }

            var take = (int)Math.Min(_fragmentRemaining, (uint)data.Length);
            if (_verdict is null)
            {
                // Stop at the classification boundary so the verdict applies to exactly the right bytes.
                take = Math.Min(take, ClassifyLength - _prefixCount);
                data[..take].CopyTo(_prefix.AsSpan(_prefixCount));
                _prefixCount += take;
            }

            Emit(data[..take], forward);
            data = data[take..];
            _fragmentRemaining -= (uint)take;
            if (_verdict is null && _prefixCount == ClassifyLength)
            {
                Classify(forward);
            }

            if (_fragmentRemaining == 0 && EndFragment(forward))
            {
                return true;
            }
        }

        return false;
    }

    private bool EndFragment(IBufferWriter<byte> forward)
    {
        _inBody = false;
        if (!_lastFragment)
        {
            return false;
        }

        if (_verdict is null)
        {
            // A record shorter than an RPC header: classify what there is so its bytes are released.
            Classify(forward);
        }

        var cut = _verdict == RecordVerdict.DropAndCut;
        _verdict = null;
        _prefixCount = 0;
        _finished = cut;
        return cut;
    }

    private void Classify(IBufferWriter<byte> forward)
    {
        uint? xid = _prefixCount >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(_prefix) : null;
        int? messageType = _prefixCount >= ClassifyLength ? BinaryPrimitives.ReadInt32BigEndian(_prefix.AsSpan(4)) : null;
        _verdict = _classify(new RecordStart(xid, messageType));
        if (_verdict == RecordVerdict.Forward)
        {
            forward.Write(_held.WrittenSpan);
        }

        _held.ResetWrittenCount();
    }

    private void Emit(ReadOnlySpan<byte> raw, IBufferWriter<byte> forward)
    {
        switch (_verdict)
        {
            case null:
                _held.Write(raw);
                break;
            case RecordVerdict.Forward:
                forward.Write(raw);
                break;
            default:
                break;
        }
    }
}
