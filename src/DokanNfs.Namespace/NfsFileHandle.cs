using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Namespace;

/// <summary>
/// <see cref="INfsFileHandle"/> over one <see cref="NfsOpenFile"/> of the mount the path lies in;
/// <paramref name="closed"/> tells the namespace it no longer holds the mount open.
/// </summary>
internal sealed class NfsFileHandle(string path, NfsOpenFile file, Action<NfsFileHandle>? closed = null) : INfsFileHandle
{
    public string Path { get; } = path;

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        file.ReadAsync(offset, buffer, cancellationToken);

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        file.WriteAsync(offset, data, StableHow4.Unstable, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken) => file.CommitAsync(cancellationToken);

    public ValueTask<NfsAttributes> GetAttributesAsync(CancellationToken cancellationToken) => file.GetAttrAsync(cancellationToken);

    public async ValueTask SetSizeAsync(ulong size, CancellationToken cancellationToken) =>
        _ = await file.SetAttrAsync(new SetAttributes { Size = size }, cancellationToken).ConfigureAwait(false);

    public ValueTask<LockDenied?> LockAsync(NfsLockType4 type, ulong offset, ulong length, bool wait, CancellationToken cancellationToken) =>
        file.LockAsync(type, offset, length, wait, cancellationToken);

    public ValueTask UnlockAsync(ulong offset, ulong length, CancellationToken cancellationToken) =>
        file.UnlockAsync(offset, length, cancellationToken);

    public async ValueTask CloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            await file.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Released on our side even when the server refused the CLOSE (as NfsOpenFile does).
            closed?.Invoke(this);
        }
    }

    public ValueTask DisposeAsync() => CloseAsync(CancellationToken.None);
}
