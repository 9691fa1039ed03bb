using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DokanNfs.Core.Rpc;

/// <summary>
/// Lets a result decoder keep the pooled buffer its reply was received into, instead of copying bytes out of it:
/// a READ read ahead keeps its data where the socket put it (NfsOpenFile.ReadAhead.cs), saving a copy of every
/// MiB. Valid only inside a decoder that <see cref="RpcClient.CallAsync"/> runs — it runs synchronously on the
/// thread that received the reply, which is what the thread-static state relies on.
/// </summary>
internal static class RpcReplyBuffer
{
    [ThreadStatic]
    private static byte[]? t_decoding;

    [ThreadStatic]
    private static bool t_taken;

    [ThreadStatic]
    private static ReplyPlacement? t_placed;

    /// <summary>
    /// The placement the reply being decoded was placed by (its data is in the placement's destination, and its length
    /// in the record reads 0), or null.
    /// </summary>
    internal static ReplyPlacement? Placed => t_placed;

    /// <summary>Set by RpcClient around a decoder.</summary>
    internal static void BeginDecoding(ReceivedRecord record)
    {
        t_decoding = record.Buffer;
        t_placed = record.Placed;
        t_taken = false;
    }

    /// <summary>Ends a decoder's run: true when the decoder took the buffer (then RpcClient must not return it).</summary>
    internal static bool EndDecoding()
    {
        var taken = t_taken;
        t_decoding = null;
        t_placed = null;
        t_taken = false;
        return taken;
    }

    /// <summary>
    /// Takes the reply's buffer if <paramref name="data"/> lies in it: the caller then owns the buffer (it goes back to
    /// <see cref="ArrayPool{T}.Shared"/>, once) and finds the bytes at <paramref name="start"/>. False outside a
    /// decoder, or when the buffer was taken already.
    /// </summary>
    public static bool TryTake(ReadOnlySpan<byte> data, out byte[] buffer, out int start)
    {
        buffer = t_decoding!;
        start = 0;
        if (buffer is null || t_taken)
        {
            return false;
        }

        var offset = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(buffer), ref MemoryMarshal.GetReference(data));
        if (offset < 0 || offset + data.Length > buffer.Length)
        {
            return false;
        }

        start = (int)offset;
        t_taken = true;
        return true;
    }
}
