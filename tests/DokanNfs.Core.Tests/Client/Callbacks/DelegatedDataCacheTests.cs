using DokanNfs.Core.Client.Cache;
using DokanNfs.Core.Client.Delegations;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Tests.Client.Callbacks;

/// <summary>The data kept under read delegations (issue 10 §6): whole pages and the end of file, bounded, dropped with the delegation.</summary>
[TestClass]
public sealed class DelegatedDataCacheTests
{
    private const int Page = DelegatedDataCache.PageSize;
    private static readonly NfsFh File = new([1, 2, 3]);

    [TestMethod]
    public void A_read_to_the_end_of_file_is_served_again_whole_and_past_the_end_as_empty()
    {
        var cache = new DelegatedDataCache(1 << 20, 1 << 20);
        var data = Pattern((2 * Page) + 100);
        cache.Fill(NewDelegation(), 0, data, eof: true);

        var buffer = new byte[4 * Page];
        Assert.IsTrue(cache.TryRead(File, 0, buffer, out var count));
        Assert.AreEqual(data.Length, count);
        CollectionAssert.AreEqual(data, buffer[..count]);

        Assert.IsTrue(cache.TryRead(File, Page + 10, buffer.AsSpan(0, 50), out count));
        Assert.AreEqual(50, count);
        CollectionAssert.AreEqual(data[(Page + 10)..(Page + 60)], buffer[..50]);

        Assert.IsTrue(cache.TryRead(File, data.Length + 5, buffer, out count), "past the known end: empty, as a READ would be");
        Assert.AreEqual(0, count);
        Assert.AreEqual(3L * Page, cache.Bytes);
    }

    [TestMethod]
    public void Data_not_covering_a_whole_block_is_not_kept_and_a_gap_is_a_miss()
    {
        var cache = new DelegatedDataCache(1 << 20, 1 << 20);
        var delegation = NewDelegation();
        cache.Fill(delegation, 10, Pattern(2 * Page), eof: false);
        var buffer = new byte[Page];
        Assert.IsFalse(cache.TryRead(File, 10, buffer.AsSpan(0, 10), out _), "[0, 4 KiB) was not covered whole");
        Assert.IsTrue(cache.TryRead(File, Page, buffer.AsSpan(0, 20), out var count), "page 1 was covered");
        Assert.AreEqual(20, count);
        Assert.IsFalse(cache.TryRead(File, Page, new byte[2 * Page], out _), "page 2 is missing and no end of file is known");
    }

    [TestMethod]
    public void Reads_smaller_than_a_page_fill_it_in_any_order()
    {
        var cache = new DelegatedDataCache(1 << 20, 1 << 20);
        var delegation = NewDelegation();
        var data = Pattern(Page + 5000);
        const int Read = 32 * 1024;
        foreach (var offset in new[] { Read, 2 * Read, 0 })
        {
            var n = Math.Min(Read, data.Length - offset);
            cache.Fill(delegation, offset, data.AsSpan(offset, n), eof: offset + n == data.Length);
        }

        var buffer = new byte[2 * Page];
        Assert.IsTrue(cache.TryRead(File, 0, buffer, out var count));
        Assert.AreEqual(data.Length, count);
        CollectionAssert.AreEqual(data, buffer[..count]);
        Assert.AreEqual(2L * Page, cache.Bytes);
    }

    [TestMethod]
    public void Data_goes_with_its_delegation_and_nothing_is_kept_once_the_return_began()
    {
        var cache = new DelegatedDataCache(1 << 20, 1 << 20);
        var delegation = NewDelegation();
        cache.Fill(delegation, 0, Pattern(100), eof: true);
        cache.Drop(File);
        Assert.IsFalse(cache.TryRead(File, 0, new byte[10], out _));
        Assert.AreEqual(0L, cache.Bytes);

        Assert.IsTrue(delegation.BeginReturn());
        cache.Fill(delegation, 0, Pattern(100), eof: true);
        Assert.IsFalse(cache.TryRead(File, 0, new byte[10], out _), "read under a delegation being returned: not kept");
        Assert.AreEqual(0, cache.Files);
    }

    [TestMethod]
    public void The_per_file_and_global_bounds_hold()
    {
        var cache = new DelegatedDataCache(2 * Page, 3 * Page);
        cache.Fill(NewDelegation(), 0, Pattern(4 * Page), eof: false);
        Assert.AreEqual(2L * Page, cache.Bytes, "two pages per file");
        cache.Fill(NewDelegation(new NfsFh([9])), 0, Pattern(4 * Page), eof: false);
        Assert.AreEqual(3L * Page, cache.Bytes, "three in all");
        Assert.IsFalse(cache.TryRead(File, 2 * Page, new byte[10], out _));
        cache.Clear();
        Assert.AreEqual(0L, cache.Bytes);
    }

    [TestMethod]
    public void Write_delegations_keep_nothing()
    {
        var cache = new DelegatedDataCache(1 << 20, 1 << 20);
        cache.Fill(NewDelegation(type: OpenDelegationType4.Write), 0, Pattern(100), eof: true);
        Assert.AreEqual(0, cache.Files);
    }

    private static Delegation NewDelegation(NfsFh? fileHandle = null, OpenDelegationType4 type = OpenDelegationType4.Read) =>
        new(fileHandle ?? File, "/f", type, new StateId4(1, 2, 3), RpcCredential.Sys(0, 0), new NfsAttributes());

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)(i * 7 % 251);
        }

        return data;
    }
}
