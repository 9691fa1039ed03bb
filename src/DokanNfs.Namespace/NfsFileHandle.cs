using System.Buffers;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Namespace;

/// <summary>
/// <see cref="INfsFileHandle"/> over one <see cref="NfsOpenFile"/> of the mount the path lies in;
/// <paramref name="closed"/> tells the namespace it no longer holds the mount open. When an operation
/// answers NFS4ERR_MOVED, <paramref name="moved"/> (the namespace's migration, NamespaceFileSystem.Migration.cs)
/// gives the file opened again on the mount's new server, and the operation goes again there once.
/// </summary>
internal sealed class NfsFileHandle(
    string path,
    NfsOpenFile file,
    Action<NfsFileHandle>? closed = null,
    Func<NfsFileHandle, NfsOpenFile, CancellationToken, ValueTask<NfsOpenFile>>? moved = null) : INfsFileHandle
{
    private readonly Lock _moveGate = new();
    private NfsOpenFile _file = file;
    private Task<NfsOpenFile>? _moving;
    private NfsOpenFile? _movingFrom;

    public string Path { get; } = path;

    /// <summary>The open the handle works through now (another one after a migration).</summary>
    public NfsOpenFile File => Volatile.Read(ref _file);

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        RunAsync((f, ct) => f.ReadAsync(offset, buffer, ct), cancellationToken);

    public ValueTask<ReadLease> ReadLeasedAsync(long offset, int maxLength, CancellationToken cancellationToken) =>
        RunAsync((f, ct) => f.ReadLeasedAsync(offset, maxLength, ct), cancellationToken);

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _ = await RunAsync(async (f, ct) => { await f.WriteAsync(offset, data, StableHow4.Unstable, ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    public async ValueTask WritePooledAsync(long offset, byte[] pooledBuffer, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pooledBuffer);
        var taken = false;
        try
        {
            // Through RunAsync like every write: nothing is taken when TryWritePooledAsync throws, so going again on a
            // moved file system's new server is safe.
            taken = await RunAsync((f, ct) => f.TryWritePooledAsync(offset, pooledBuffer, count, ct), cancellationToken).ConfigureAwait(false);
            if (!taken)
            {
                await WriteAsync(offset, pooledBuffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!taken)
            {
                ArrayPool<byte>.Shared.Return(pooledBuffer);
            }
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken) =>
        _ = await RunAsync(async (f, ct) => { await f.CommitAsync(ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    public ValueTask<NfsAttributes> GetAttributesAsync(CancellationToken cancellationToken) =>
        RunAsync((f, ct) => f.GetAttrAsync(ct), cancellationToken);

    public async ValueTask SetSizeAsync(ulong size, CancellationToken cancellationToken) =>
        _ = await RunAsync((f, ct) => f.SetAttrAsync(new SetAttributes { Size = size }, ct), cancellationToken).ConfigureAwait(false);

    public ValueTask<LockDenied?> LockAsync(NfsLockType4 type, ulong offset, ulong length, bool wait, CancellationToken cancellationToken) =>
        RunAsync((f, ct) => f.LockAsync(type, offset, length, wait, ct), cancellationToken);

    public async ValueTask UnlockAsync(ulong offset, ulong length, CancellationToken cancellationToken) =>
        _ = await RunAsync(async (f, ct) => { await f.UnlockAsync(offset, length, ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    public async ValueTask CloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Through RunAsync: a close after the file system moved commits the data on the new server.
            _ = await RunAsync(async (f, ct) => { await f.CloseAsync(ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Released on our side even when the server refused the CLOSE (as NfsOpenFile does).
            closed?.Invoke(this);
        }
    }

    public ValueTask DisposeAsync() => CloseAsync(CancellationToken.None);

    private async ValueTask<T> RunAsync<T>(Func<NfsOpenFile, CancellationToken, ValueTask<T>> operation, CancellationToken cancellationToken)
    {
        var current = File;
        try
        {
            return await operation(current, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Moved && moved is not null)
        {
            return await operation(await MoveAsync(current, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One migration per open: concurrent operations that met MOVED on the same open share its result.</summary>
    private Task<NfsOpenFile> MoveAsync(NfsOpenFile stale, CancellationToken cancellationToken)
    {
        lock (_moveGate)
        {
            if (!ReferenceEquals(File, stale))
            {
                return Task.FromResult(File);
            }

            if (!ReferenceEquals(_movingFrom, stale) || _moving is null)
            {
                _movingFrom = stale;
                _moving = MoveCoreAsync(stale, cancellationToken);
            }

            return _moving;
        }
    }

    private async Task<NfsOpenFile> MoveCoreAsync(NfsOpenFile stale, CancellationToken cancellationToken)
    {
        try
        {
            var reopened = await moved!(this, stale, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _file, reopened);
            return reopened;
        }
        catch
        {
            lock (_moveGate)
            {
                // Failed (target unreachable): the next operation tries again.
                _moving = null;
                _movingFrom = null;
            }

            throw;
        }
    }
}
