using System.Buffers;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>The pool of large reply buffers: the one given back last is the next one filled, whoever gave it back.</summary>
[TestClass]
public sealed class ReplyBufferPoolTests
{
    private const int ReadReply = 2 * 1024 * 1024;

    [TestMethod]
    public async Task Large_buffers_come_back_last_in_first_out_whichever_thread_gave_them_back()
    {
        var pool = new ReplyBufferPool();
        var first = new byte[ReadReply];
        var second = new byte[ReadReply];

        // As in a read: the reader gives a buffer back on its thread, the receive thread rents on its own.
        await Task.Run(() => pool.Return(first));
        await Task.Run(() => pool.Return(second));

        Assert.AreSame(second, pool.Rent((1024 * 1024) + 68));
        Assert.AreSame(first, pool.Rent(ReadReply));
        Assert.AreEqual(0, pool.Retained);
    }

    [TestMethod]
    public void What_is_kept_is_bounded_in_bytes()
    {
        var pool = new ReplyBufferPool(retainedMax: 3L * ReadReply);
        var buffers = Enumerable.Range(0, 5).Select(_ => new byte[ReadReply]).ToArray();

        foreach (var buffer in buffers)
        {
            pool.Return(buffer);
        }

        Assert.AreEqual(3L * ReadReply, pool.Retained, "three kept, two handed to the shared pool");
        Assert.AreSame(buffers[2], pool.Rent(ReadReply));
        Assert.AreSame(buffers[1], pool.Rent(ReadReply));
        Assert.AreSame(buffers[0], pool.Rent(ReadReply));
        Assert.AreEqual(0, pool.Retained);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(4096)]
    [DataRow(ReplyBufferPool.MinLength / 2)]
    [DataRow((ReplyBufferPool.MinLength / 2) + 1)]
    [DataRow((1024 * 1024) + 68)]
    [DataRow(ReplyBufferPool.MaxLength)]
    [DataRow(ReplyBufferPool.MaxLength + 1)]
    public void A_buffer_holds_at_least_what_was_asked_and_goes_back_to_either_pool(int length)
    {
        var pool = new ReplyBufferPool();
        var buffer = pool.Rent(length);

        Assert.IsGreaterThanOrEqualTo(length, buffer.Length);
        pool.Return(buffer);
        pool.Return(ArrayPool<byte>.Shared.Rent(length));
        Assert.IsLessThanOrEqualTo(ReplyBufferPool.DefaultRetainedMax, pool.Retained);
    }
}
