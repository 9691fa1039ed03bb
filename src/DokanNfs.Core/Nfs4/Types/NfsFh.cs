using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Nfs4;

/// <summary>
/// nfs_fh4 (RFC 7530 §4): an opaque filehandle of at most 128 bytes. Immutable, compared by content, so it
/// can key caches.
/// </summary>
public sealed class NfsFh : IEquatable<NfsFh>
{
    private readonly byte[] _bytes;
    private readonly int _hash;

    public NfsFh(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > NfsProgram.MaxFileHandleSize)
        {
            throw new ArgumentException($"A filehandle holds at most {NfsProgram.MaxFileHandleSize} bytes, not {bytes.Length}.", nameof(bytes));
        }

        _bytes = bytes.ToArray();
        var hash = default(HashCode);
        hash.AddBytes(_bytes);
        _hash = hash.ToHashCode();
    }

    public ReadOnlySpan<byte> Bytes => _bytes;

    public int Length => _bytes.Length;

    public static NfsFh Decode(ref XdrReader reader) => new(reader.ReadOpaque(NfsProgram.MaxFileHandleSize));

    public void Encode(XdrWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteOpaque(_bytes, NfsProgram.MaxFileHandleSize);
    }

    public bool Equals(NfsFh? other) => other is not null && _hash == other._hash && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as NfsFh);

    public override int GetHashCode() => _hash;

    public override string ToString() => Convert.ToHexString(_bytes);

    public static bool operator ==(NfsFh? left, NfsFh? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(NfsFh? left, NfsFh? right) => !(left == right);
}
