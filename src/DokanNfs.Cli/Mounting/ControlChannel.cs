using System.IO.Pipes;
using System.Text;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// The local control pipe of a running mount, <c>dokannfs-&lt;id&gt;</c>: a client writes one request line
/// ("status", "stats" or "unmount") and reads one JSON line back. The pipe admits only the user who runs
/// the mount (PipeOptions.CurrentUserOnly: Windows pipe ACL, or the Unix socket's peer credentials).
/// </summary>
internal static class ControlChannel
{
    public const string Status = "status";
    public const string Stats = "stats";
    public const string Unmount = "unmount";

    /// <summary>Longer lines are not requests.</summary>
    public const int MaxRequestLength = 64;

    public static string PipeName(string id) => "dokannfs-" + id;

    /// <summary>Sends <paramref name="request"/> and returns the reply line; throws <see cref="TimeoutException"/> or <see cref="IOException"/>.</summary>
    public static async Task<string> SendAsync(string pipeName, string request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await using var pipe = new NamedPipeClientStream(".", pipeName, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
            await pipe.ConnectAsync(deadline.Token).ConfigureAwait(false);
            await pipe.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"), deadline.Token).ConfigureAwait(false);
            await pipe.FlushAsync(deadline.Token).ConfigureAwait(false);
            using var reader = new StreamReader(pipe, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            return await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false)
                ?? throw new IOException($"the mount's control pipe {pipeName} closed without answering.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the mount's control pipe {pipeName} did not answer within {timeout.TotalSeconds:0} s.");
        }
    }
}

/// <summary>Serves a mount's control pipe until disposed; each connection gets one request and one reply.</summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly string _pipeName;
    private readonly Func<string, CancellationToken, ValueTask<string>> _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <summary>Starts listening at once, so a client that reads the registry entry finds the pipe.</summary>
    public ControlServer(string pipeName, Func<string, CancellationToken, ValueTask<string>> handler, ILogger logger)
    {
        _pipeName = pipeName;
        _handler = handler;
        _logger = logger;
        var first = Listen();
        _loop = Task.Run(() => AcceptLoopAsync(first, _stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private NamedPipeServerStream Listen() => new(
        _pipeName,
        PipeDirection.InOut,
        NamedPipeServerStream.MaxAllowedServerInstances,
        PipeTransmissionMode.Byte,
        PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);

    private async Task AcceptLoopAsync(NamedPipeServerStream next, CancellationToken cancellationToken)
    {
        var handlers = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var pipe = next;
                try
                {
                    await pipe.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await pipe.DisposeAsync().ConfigureAwait(false);
                    break;
                }
                catch (IOException ex)
                {
                    MountLog.ControlFailed(_logger, _pipeName, ex.Message);
                    await pipe.DisposeAsync().ConfigureAwait(false);
                    next = Listen();
                    continue;
                }

                // Listen again before serving, so the next client never finds no pipe.
                next = Listen();
                handlers.RemoveAll(t => t.IsCompleted);
                handlers.Add(ServeAsync(pipe, cancellationToken));
            }
        }
        finally
        {
            await Task.WhenAll(handlers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ServeAsync(NamedPipeServerStream pipe, CancellationToken cancellationToken)
    {
        await using (pipe.ConfigureAwait(false))
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(RequestTimeout);
            try
            {
                var request = await ReadRequestAsync(pipe, deadline.Token).ConfigureAwait(false);
                var reply = await _handler(request, deadline.Token).ConfigureAwait(false);
                await pipe.WriteAsync(Encoding.UTF8.GetBytes(reply + "\n"), deadline.Token).ConfigureAwait(false);
                await pipe.FlushAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidDataException)
            {
                MountLog.ControlFailed(_logger, _pipeName, ex.Message);
            }
        }
    }

    /// <summary>One line, at most <see cref="ControlChannel.MaxRequestLength"/> bytes, read a byte at a time so nothing beyond it is consumed.</summary>
    private static async Task<string> ReadRequestAsync(Stream pipe, CancellationToken cancellationToken)
    {
        var buffer = new byte[ControlChannel.MaxRequestLength];
        var length = 0;
        while (true)
        {
            var read = await pipe.ReadAsync(buffer.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            if (read == 0 || buffer[length] == (byte)'\n')
            {
                return Encoding.UTF8.GetString(buffer, 0, length).Trim();
            }

            if (++length == buffer.Length)
            {
                throw new InvalidDataException("request line too long");
            }
        }
    }
}
