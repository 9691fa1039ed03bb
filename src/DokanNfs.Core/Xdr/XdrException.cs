namespace DokanNfs.Core.Xdr;

/// <summary>
/// The one exception for malformed XDR input (RFC 4506): a length beyond the bytes remaining or beyond the
/// field's maximum, non-zero padding, a boolean that is neither 0 nor 1, invalid UTF-8 in a string.
/// Misuse of the API (writing an over-long string, say) raises the ordinary argument exceptions instead,
/// so that "the peer sent garbage" and "our code is wrong" are never confused.
/// </summary>
public sealed class XdrException : Exception
{
    public XdrException()
    {
    }

    public XdrException(string message)
        : base(message)
    {
    }

    public XdrException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Where in the buffer the offending field starts.</summary>
    public int Position { get; init; } = -1;
}
