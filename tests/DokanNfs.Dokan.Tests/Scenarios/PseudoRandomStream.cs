namespace DokanNfs.Dokan.Tests.Scenarios;

/// <summary>
/// A forward-only stream of <see cref="Length"/> deterministic pseudo-random bytes (xorshift64*, one seed, one
/// sequence): a large copy source that needs no memory of its own and can be produced again to hash it.
/// </summary>
public sealed class PseudoRandomStream(ulong seed, long length) : Stream
{
    private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
    private ulong _word;
    private int _wordBytesLeft;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>Known up front, as a copy program knows its source's size.</summary>
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < n; i++)
        {
            if (_wordBytesLeft == 0)
            {
                _state ^= _state >> 12;
                _state ^= _state << 25;
                _state ^= _state >> 27;
                _word = _state * 0x2545F4914F6CDD1DUL;
                _wordBytesLeft = 8;
            }

            buffer[i] = (byte)_word;
            _word >>= 8;
            _wordBytesLeft--;
        }

        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
