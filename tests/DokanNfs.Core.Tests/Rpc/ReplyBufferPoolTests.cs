using System.Buffers;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>The pool of large reply buffers: the one given back last is the next one filled, whoever gave it back.</summary>
[TestClass]
public sealed class ReplyBufferPoolTests
{
    // Tests run in parallel and READ replies of other tests rent 2 MiB buffers: these use the largest size, which no
    // record of the default 4 MiB maximum needs.
    private const int Size = ReplyBufferPool.MaxLength;

    [TestMethod]
    public async Task Large_buffers_come_back_last_in_first_out_whichever_thread_gave_them_back()
    {
        var first = new byte[Size];
        var second = new byte[Size];

        // As in a read: the reader gives a buffer back on its thread, the receive thread rents on its own.
        await Task.Run(() => ReplyBufferPool.Return(first));
        await Task.Run(() => ReplyBufferPool.Return(second));

        Assert.AreSame(second, ReplyBufferPool.Rent(Size - 100));
        Assert.AreSame(first, ReplyBufferPool.Rent(Size / 2 + 1));
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(4096)]
    [DataRow(ReplyBufferPool.MinLength / 2)]
    [DataRow((ReplyBufferPool.MinLength / 2) + 1)]
    [DataRow((1024 * 1024) + 68)]
    [DataRow(Size + 1)]
    public void A_buffer_holds_at_least_what_was_asked_and_goes_back_to_either_pool(int length)
    {
        var buffer = ReplyBufferPool.Rent(length);

        Assert.IsGreaterThanOrEqualTo(length, buffer.Length);
        ReplyBufferPool.Return(buffer);
        ReplyBufferPool.Return(ArrayPool<byte>.Shared.Rent(length));
    }
}
