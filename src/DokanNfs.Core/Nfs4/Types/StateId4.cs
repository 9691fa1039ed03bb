using System.Buffers.Binary;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// stateid4 (RFC 7530 §9.1.4): a sequence number and 12 opaque bytes naming one piece of state
/// (an open, a lock set, a delegation). Held as three numbers so it is a value with no allocation.
/// </summary>
public readonly record struct StateId4(uint SeqId, ulong Other0, uint Other1)
{
    /// <summary>The anonymous stateid, all zeros: I/O with no open (RFC 7530 §9.1.4.3).</summary>
    public static StateId4 Anonymous => default;

    /// <summary>The READ bypass stateid, all ones: reads that bypass share locks (RFC 7530 §9.1.4.3).</summary>
    public static StateId4 ReadBypass => new(uint.MaxValue, ulong.MaxValue, uint.MaxValue);

    /// <summary>NFSv4.1 current stateid: seqid 1, other all zeros (RFC 8881 §8.2.3).</summary>
    public static StateId4 Current => new(1, 0, 0);

    /// <summary>True when both name the same state, whatever their sequence numbers.</summary>
    public bool SameState(StateId4 other) => Other0 == other.Other0 && Other1 == other.Other1;

    public static StateId4 Decode(ref XdrReader reader)
    {
        var seqid = reader.ReadUInt32();
        var other = reader.ReadFixedOpaque(12);
        return new StateId4(seqid, BinaryPrimitives.ReadUInt64BigEndian(other), BinaryPrimitives.ReadUInt32BigEndian(other[8..]));
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(SeqId);
        writer.WriteUInt64(Other0);
        writer.WriteUInt32(Other1);
    }

    public override string ToString() => $"{SeqId}:{Other0:x16}{Other1:x8}";
}
