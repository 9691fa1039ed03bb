using System.Diagnostics;
using System.Runtime.CompilerServices;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// The drive's file system with every request counted and timed against the server that served it
/// (<see cref="IServerAttribution"/>), for <c>dokannfs stats</c>. A request is one call of the file system API,
/// named by the NFS operation it stands for; it may be more than one operation on the wire (a path walk
/// and a GETATTR in one COMPOUND, a large READ split into several). Failed requests count too.
/// The async wrappers use pooled builders: a request that waits on the network allocates nothing here.
/// </summary>
internal sealed class CountingFileSystem(INfsFileSystem inner, IServerAttribution attribution) : INfsFileSystem
{
    public IServerAttribution Attribution { get; } = attribution;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<NfsAttributes> GetAttributesAsync(string path, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.GetAttributesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.GETATTR, start);
        }
    }

    public async ValueTask<NfsAttributes> GetFileSystemAttributesAsync(string path, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.GetFileSystemAttributesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.GETATTR, start);
        }
    }

    public async IAsyncEnumerable<NfsFsEntry> ListAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await foreach (var entry in inner.ListAsync(path, cancellationToken).ConfigureAwait(false))
            {
                yield return entry;
            }
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.READDIR, start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<INfsFileHandle> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var counters = Attribution.For(path);
        try
        {
            var handle = await inner.OpenAsync(path, request, cancellationToken).ConfigureAwait(false);

            // The handle's requests go to the server it was opened on, whatever the tree does later.
            return new CountingFileHandle(handle, counters);
        }
        finally
        {
            counters.Record(FsOperation.OPEN, start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<NfsAttributes> CreateDirectoryAsync(string path, SetAttributes? attributes, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.CreateDirectoryAsync(path, attributes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.CREATE, start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<NfsAttributes> CreateSymlinkAsync(string path, string target, SetAttributes? attributes, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.CreateSymlinkAsync(path, target, attributes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.CREATE, start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.ReadLinkAsync(path, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.READLINK, start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RemoveAsync(string path, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await inner.RemoveAsync(path, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.REMOVE, start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RenameAsync(string from, string to, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await inner.RenameAsync(from, to, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(from).Record(FsOperation.RENAME, start);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<NfsAttributes> SetAttributesAsync(string path, SetAttributes attributes, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await inner.SetAttributesAsync(path, attributes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Attribution.For(path).Record(FsOperation.SETATTR, start);
        }
    }

    /// <summary>An open file whose requests count against the server it was opened on.</summary>
    private sealed class CountingFileHandle(INfsFileHandle inner, ServerCounters counters) : INfsFileHandle
    {
        public string Path => inner.Path;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await inner.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.READ, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<ReadLease> ReadLeasedAsync(long offset, int maxLength, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await inner.ReadLeasedAsync(offset, maxLength, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.READ, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await inner.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.WRITE, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask WritePooledAsync(long offset, byte[] pooledBuffer, int count, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await inner.WritePooledAsync(offset, pooledBuffer, count, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.WRITE, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.COMMIT, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<NfsAttributes> GetAttributesAsync(CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await inner.GetAttributesAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.GETATTR, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask SetSizeAsync(ulong size, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await inner.SetSizeAsync(size, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.SETATTR, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<LockDenied?> LockAsync(NfsLockType4 type, ulong offset, ulong length, bool wait, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                return await inner.LockAsync(type, offset, length, wait, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.LOCK, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask UnlockAsync(ulong offset, ulong length, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await inner.UnlockAsync(offset, length, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.LOCKU, start);
            }
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask CloseAsync(CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await inner.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                counters.Record(FsOperation.CLOSE, start);
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
