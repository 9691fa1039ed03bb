using System.Diagnostics;
using System.Runtime.CompilerServices;
using DokanNfs.Cli.Mounting;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>Request counting and latency percentiles, on a file system that answers at once. No server.</summary>
[TestClass]
public sealed class MountStatisticsTests
{
    [TestMethod]
    public void Buckets_cover_every_latency_in_order_and_within_a_quarter_octave()
    {
        var previous = -1;
        foreach (var micros in new long[] { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 100, 999, 1000, 1_000_000, 60_000_000, long.MaxValue / 2 })
        {
            var bucket = ServerCounters.Bucket(micros);
            var (low, high) = ServerCounters.Bounds(bucket);
            Assert.IsGreaterThanOrEqualTo(previous, bucket, $"{micros} µs");
            previous = bucket;
            if (micros < (1L << 40))
            {
                Assert.IsTrue(low <= micros && micros < high, $"{micros} µs in [{low}, {high})");
                Assert.IsLessThanOrEqualTo(Math.Max(1, low / 4), high - low, "a bucket is at most a quarter of its lower bound wide");
            }
        }
    }

    [TestMethod]
    public void Percentiles_come_from_the_recorded_latencies()
    {
        var counters = new ServerCounters("s");
        Assert.IsNull(counters.Percentile(0.5), "no requests yet");

        // 90 requests of 1 ms, 9 of 10 ms, 1 of 100 ms.
        Record(counters, FsOperation.READ, 90, 1_000);
        Record(counters, FsOperation.WRITE, 9, 10_000);
        Record(counters, FsOperation.GETATTR, 1, 100_000);

        Assert.AreEqual(1.0, counters.Percentile(0.5)!.Value, 0.15);
        Assert.AreEqual(1.0, counters.Percentile(0.9)!.Value, 0.15);
        Assert.AreEqual(10.0, counters.Percentile(0.99)!.Value, 1.5);
        Assert.AreEqual(100.0, counters.Percentile(1.0)!.Value, 15);
        Assert.AreEqual(100, counters.TotalCalls);
        CollectionAssert.AreEqual(
            new[] { KeyValuePair.Create("GETATTR", 1L), KeyValuePair.Create("READ", 90L), KeyValuePair.Create("WRITE", 9L) },
            counters.Calls().ToArray());
    }

    [TestMethod]
    public async Task Every_request_counts_against_its_operation_failed_ones_too()
    {
        var attribution = new SingleServerAttribution("server");
        var fs = new CountingFileSystem(new InstantFileSystem(), attribution);

        await fs.GetAttributesAsync("/a", default);
        await foreach (var _ in fs.ListAsync("/", default))
        {
        }

        await fs.CreateDirectoryAsync("/d", null, default);
        await fs.CreateSymlinkAsync("/l", "t", null, default);
        await fs.ReadLinkAsync("/l", default);
        await fs.RemoveAsync("/d", default);
        await Assert.ThrowsAsync<NfsException>(async () => await fs.RenameAsync("/x", "/y", default));
        await fs.SetAttributesAsync("/a", new SetAttributes(), default);
        var handle = await fs.OpenAsync("/a", OpenRequest.ForReadWrite, default);
        await handle.ReadAsync(0, new byte[10], default);
        await handle.WriteAsync(0, new byte[10], default);
        await handle.FlushAsync(default);
        await handle.GetAttributesAsync(default);
        await handle.SetSizeAsync(5, default);
        await handle.LockAsync(NfsLockType4.Write, 0, 1, wait: false, default);
        await handle.UnlockAsync(0, 1, default);
        await handle.CloseAsync(default);

        var calls = attribution.Servers.Single().Calls().ToDictionary();
        Assert.AreEqual(2, calls["GETATTR"]);
        Assert.AreEqual(1, calls["READDIR"]);
        Assert.AreEqual(2, calls["CREATE"]);
        Assert.AreEqual(1, calls["READLINK"]);
        Assert.AreEqual(1, calls["REMOVE"]);
        Assert.AreEqual(1, calls["RENAME"], "a failed request counts");
        Assert.AreEqual(2, calls["SETATTR"]);
        Assert.AreEqual(1, calls["OPEN"]);
        Assert.AreEqual(1, calls["READ"]);
        Assert.AreEqual(1, calls["WRITE"]);
        Assert.AreEqual(1, calls["COMMIT"]);
        Assert.AreEqual(1, calls["LOCK"]);
        Assert.AreEqual(1, calls["LOCKU"]);
        Assert.AreEqual(1, calls["CLOSE"]);
        Assert.AreEqual("/a", handle.Path);
    }

    [TestMethod]
    public async Task Reads_and_writes_through_the_counting_handle_allocate_nothing()
    {
        var fs = new CountingFileSystem(new InstantFileSystem(), new SingleServerAttribution("server"));
        var handle = await fs.OpenAsync("/a", OpenRequest.ForReadWrite, default);
        var buffer = new byte[4096];
        for (var i = 0; i < 100; i++)
        {
            await handle.ReadAsync(0, buffer, default);
            await handle.WriteAsync(0, buffer, default);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            await handle.ReadAsync(0, buffer, default);
            await handle.WriteAsync(0, buffer, default);
            await fs.GetAttributesAsync("/a", default);
        }

        // Less than a byte per request: one allocation per request would be at least 24 bytes × 3000. What is
        // left is the runtime's own (tiered compilation replacing this loop's code).
        Assert.IsLessThan(3000, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void A_request_is_timed_from_its_start()
    {
        var counters = new ServerCounters("s");

        counters.Record(FsOperation.READ, Stopwatch.GetTimestamp() - (Stopwatch.Frequency / 20));

        Assert.AreEqual(50.0, counters.Percentile(0.5)!.Value, 15, "50 ms ago, to within a bucket and the test's own time");
    }

    private static void Record(ServerCounters counters, FsOperation operation, int times, long micros)
    {
        for (var i = 0; i < times; i++)
        {
            counters.RecordMicroseconds(operation, micros);
        }
    }

    /// <summary>A file system whose every request completes at once (RENAME fails), allocating nothing per request.</summary>
    private sealed class InstantFileSystem : INfsFileSystem, INfsFileHandle
    {
        private static readonly NfsAttributes Attributes = new();

        public string Path => "/a";

        public ValueTask<NfsAttributes> GetAttributesAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult(Attributes);

        public ValueTask<NfsAttributes> GetFileSystemAttributesAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult(Attributes);

        public async IAsyncEnumerable<NfsFsEntry> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new NfsFsEntry("a", Attributes);
        }

        public ValueTask<INfsFileHandle> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken) => ValueTask.FromResult<INfsFileHandle>(this);

        public ValueTask<NfsAttributes> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken) => ValueTask.FromResult(Attributes);

        public ValueTask<NfsAttributes> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken) => ValueTask.FromResult(Attributes);

        public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult("t");

        public ValueTask RemoveAsync(string path, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken) =>
            ValueTask.FromException(new NfsException(NfsStat4.Xdev, NfsOpnum4.Rename, from));

        public ValueTask<NfsAttributes> SetAttributesAsync(string path, SetAttributes attributes, CancellationToken cancellationToken) => ValueTask.FromResult(Attributes);

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) => ValueTask.FromResult(buffer.Length);

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<NfsAttributes> GetAttributesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Attributes);

        public ValueTask SetSizeAsync(ulong size, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<LockDenied?> LockAsync(NfsLockType4 type, ulong offset, ulong length, bool wait, CancellationToken cancellationToken) => ValueTask.FromResult<LockDenied?>(null);

        public ValueTask UnlockAsync(ulong offset, ulong length, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask CloseAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
