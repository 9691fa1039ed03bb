using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// bitmap4 (RFC 7530 §3.2): attribute n is bit n % 32 of word n / 32. Three words cover every attribute
/// defined up to NFSv4.2; a server may send more words, and bits set there are kept as "unknown".
/// </summary>
public readonly record struct Bitmap4(uint Word0, uint Word1, uint Word2)
{
    /// <summary>The most words we accept from a peer; any more is hostile, not a future minor version.</summary>
    public const int MaxWords = 8;

    public bool HasUnknownBits { get; init; }

    public bool IsEmpty => (Word0 | Word1 | Word2) == 0 && !HasUnknownBits;

    public static Bitmap4 Of(params ReadOnlySpan<int> attributes)
    {
        var bitmap = default(Bitmap4);
        foreach (var a in attributes)
        {
            bitmap = bitmap.With(a);
        }

        return bitmap;
    }

    public bool Contains(int attribute) => attribute switch
    {
        < 0 => false,
        < 32 => (Word0 & (1u << attribute)) != 0,
        < 64 => (Word1 & (1u << (attribute - 32))) != 0,
        < 96 => (Word2 & (1u << (attribute - 64))) != 0,
        _ => false,
    };

    public Bitmap4 With(int attribute) => attribute switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(attribute)),
        < 32 => this with { Word0 = Word0 | (1u << attribute) },
        < 64 => this with { Word1 = Word1 | (1u << (attribute - 32)) },
        < 96 => this with { Word2 = Word2 | (1u << (attribute - 64)) },
        _ => throw new ArgumentOutOfRangeException(nameof(attribute), "Attributes above 95 are not defined."),
    };

    public Bitmap4 Intersect(Bitmap4 other) => new(Word0 & other.Word0, Word1 & other.Word1, Word2 & other.Word2);

    /// <summary>The attribute numbers set, lowest first.</summary>
    public IEnumerable<int> Attributes()
    {
        for (var i = 0; i < 96; i++)
        {
            if (Contains(i))
            {
                yield return i;
            }
        }
    }

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var words = Word2 != 0 ? 3 : Word1 != 0 ? 2 : Word0 != 0 ? 1 : 0;
        writer.WriteArrayCount(words);
        if (words > 0)
        {
            writer.WriteUInt32(Word0);
        }

        if (words > 1)
        {
            writer.WriteUInt32(Word1);
        }

        if (words > 2)
        {
            writer.WriteUInt32(Word2);
        }
    }

    public static Bitmap4 Decode(ref XdrReader reader)
    {
        var count = reader.ReadArrayCount(MaxWords);
        uint w0 = 0, w1 = 0, w2 = 0;
        var unknown = false;
        for (var i = 0; i < count; i++)
        {
            var word = reader.ReadUInt32();
            switch (i)
            {
                case 0: w0 = word; break;
                case 1: w1 = word; break;
                case 2: w2 = word; break;
                default: unknown |= word != 0; break;
            }
        }

        return new Bitmap4(w0, w1, w2) { HasUnknownBits = unknown };
    }

    public override string ToString() => "{" + string.Join(',', Attributes()) + (HasUnknownBits ? ",…" : string.Empty) + "}";
}
