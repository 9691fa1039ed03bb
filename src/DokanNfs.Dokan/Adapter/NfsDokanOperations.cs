using System.Net.Sockets;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// The Dokan callbacks (dokan.h DOKAN_OPERATIONS) over the trigger layer's <see cref="INfsFileSystem"/>:
/// every Windows rule lives here, none below. Each method has the callback's name and arguments, with
/// managed spans for its buffers, so the native trampolines (DokanCallbacks) and the
/// tests' Windows I/O simulator drive the same code. Dokan calls from many threads; each method blocks its
/// thread until the NFS work is done, keeping the request alive (<see cref="IDokanHost.ResetTimeout"/>)
/// while it waits. Every method returns an NTSTATUS and lets no exception out.
/// </summary>
public sealed partial class NfsDokanOperations : IAsyncDisposable
{
    private readonly INfsFileSystem _fs;
    private readonly IDokanHost _host;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _unmount = new();
    private readonly uint _timeoutMs;
    private readonly TimeSpan _keepAliveInterval;

    public NfsDokanOperations(INfsFileSystem fileSystem, IDokanHost host, DokanAdapterOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(host);
        _fs = fileSystem;
        _host = host;
        Options = options ?? new DokanAdapterOptions();
        _logger = logger ?? NullLogger.Instance;
        _timeoutMs = (uint)Math.Clamp(Options.RequestTimeout.TotalMilliseconds, 1000, uint.MaxValue);
        _keepAliveInterval = TimeSpan.FromMilliseconds(_timeoutMs / 3.0);
    }

    public DokanAdapterOptions Options { get; }

    /// <summary>The live opens.</summary>
    public HandleTable Handles { get; } = new();

    private CancellationToken Ct => _unmount.Token;

    /// <summary>Releases the NFS state of every open Dokan did not close (the volume went away under them).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var context in Handles.Snapshot())
        {
            Handles.Remove(context.Id);
            if (context.TryBeginCleanup())
            {
                await ReleaseAsync(context, removeIfPending: false).ConfigureAwait(false);
            }

            if (context.LateHandle is { } late)
            {
                context.LateHandle = null;
                await CloseQuietlyAsync(late, nameof(DisposeAsync)).ConfigureAwait(false);
            }
        }

        await _unmount.CancelAsync().ConfigureAwait(false);
        _unmount.Dispose();
    }

    /// <summary>
    /// Blocks until <paramref name="pending"/> completes, telling Dokan every third of its timeout that the
    /// request is still being served, so a server reboot or a long grace period never unmounts the drive.
    /// </summary>
    private T Wait<T>(ValueTask<T> pending, ref DOKAN_FILE_INFO info)
    {
        if (pending.IsCompleted)
        {
            return pending.GetAwaiter().GetResult();
        }

        var task = pending.AsTask();
        KeepAliveUntilDone(task, ref info);
        return task.GetAwaiter().GetResult();
    }

    private void Wait(ValueTask pending, ref DOKAN_FILE_INFO info)
    {
        if (pending.IsCompleted)
        {
            pending.GetAwaiter().GetResult();
            return;
        }

        var task = pending.AsTask();
        KeepAliveUntilDone(task, ref info);
        task.GetAwaiter().GetResult();
    }

    private void KeepAliveUntilDone(Task task, ref DOKAN_FILE_INFO info)
    {
        try
        {
            while (!task.Wait(_keepAliveInterval, CancellationToken.None))
            {
                _host.ResetTimeout(_timeoutMs, ref info);
            }
        }
        catch (AggregateException)
        {
            // The task failed; GetResult() rethrows its own exception unwrapped.
        }
    }

    /// <summary>The open <paramref name="info"/> refers to, or null (Context 0 or not ours).</summary>
    private FileContext? ContextOf(ref DOKAN_FILE_INFO info) => Handles.Find(info.Context);

    /// <summary>
    /// The NTSTATUS for a failure: NFS statuses through <see cref="NfsStatusMapping"/>, transport failures by
    /// kind; anything unexpected is logged with the callback and path and answered STATUS_INTERNAL_ERROR.
    /// </summary>
    internal int Fail(Exception exception, string callback, string? path)
    {
        var status = ToNtStatus(exception);
        if (status == NtStatus.InternalError)
        {
            AdapterLog.CallbackFailed(_logger, callback, path, exception);
        }
        else
        {
            AdapterLog.CallbackError(_logger, callback, path, status, exception.Message);
        }

        return status;
    }

    internal static int ToNtStatus(Exception exception) => exception switch
    {
        // Our unwritten data could not go back over another client's change and was saved as a conflict copy:
        // the open file is no longer the one the program wrote (issue 8 §3).
        NfsWriteConflictException => NtStatus.FileInvalid,
        // An update re-sent after a lost connection found the object changed by someone else: not applied.
        NfsReplayConflictException => NtStatus.FileInvalid,
        NfsException nfs => NfsStatusMapping.ToNtStatus(nfs.Status),
        NfsReferralException => NtStatus.BadNetworkPath,
        RpcTimeoutException => NtStatus.IoTimeout,
        RpcConnectException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => NtStatus.ConnectionRefused,
        RpcConnectException => NtStatus.HostUnreachable,
        RpcConnectionLostException => NtStatus.ConnectionDisconnected,
        RpcException or XdrException => NtStatus.UnexpectedNetworkError,
        OperationCanceledException => NtStatus.Cancelled,
        ObjectDisposedException => NtStatus.VolumeDismounted,
        _ => NtStatus.InternalError,
    };
}
