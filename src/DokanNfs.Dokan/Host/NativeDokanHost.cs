using System.ComponentModel;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DokanNfs.Dokan.Host;

/// <summary>
/// <see cref="IDokanHost"/> over dokan2.dll. Build it first, give it to the <see cref="NfsDokanOperations"/>, and
/// pass both to <see cref="DokanVolume.Mount(NfsDokanOperations, NativeDokanHost?, DokanMountOptions, ILogger?)"/>,
/// which attaches the mounted volume: notifications need its DOKAN_HANDLE and mount point, and are dropped
/// while no volume is attached (before mounting, after unmounting). ResetTimeout and GetRequestorSid work on the
/// DOKAN_FILE_INFO the callback received, which must be the native one (dokan2 finds the request through
/// its DokanContext).
/// </summary>
public sealed class NativeDokanHost : IDokanHost
{
    private readonly ILogger _logger;
    private volatile Attachment? _attachment;

    public NativeDokanHost(ILogger? logger = null) => _logger = logger ?? NullLogger.Instance;

    /// <summary>What notification paths are prefixed with ("N:"); null while no volume is attached.</summary>
    public string? NotificationPrefix => _attachment?.Prefix;

    public unsafe void ResetTimeout(uint milliseconds, ref DOKAN_FILE_INFO info)
    {
        fixed (DOKAN_FILE_INFO* request = &info)
        {
            if (DokanNativeMethods.DokanResetTimeout(milliseconds, request) == 0)
            {
                NativeLog.ResetTimeoutRefused(_logger, milliseconds);
            }
        }
    }

    /// <summary>
    /// DokanOpenRequestorToken (valid inside ZwCreateFile only), then the token's user as a SID string — on
    /// Windows; elsewhere (the tests' stand-in) there is no token to read, and the answer is null.
    /// </summary>
    public unsafe string? GetRequestorSid(ref DOKAN_FILE_INFO info)
    {
        nint token;
        fixed (DOKAN_FILE_INFO* request = &info)
        {
            token = DokanNativeMethods.DokanOpenRequestorToken(request);
        }

        if (token == 0 || token == -1 || !OperatingSystem.IsWindows())
        {
            return null; // INVALID_HANDLE_VALUE: not a create, or Dokan could not open it
        }

        try
        {
            return WindowsToken.UserSid(token);
        }
        catch (Win32Exception e)
        {
            NativeLog.RequestorSidFailed(_logger, e.Message);
            return null;
        }
        finally
        {
            WindowsToken.Close(token);
        }
    }

    public void NotifyCreate(string path, bool isDirectory) => Notify(NotifyKind.Create, path, null, isDirectory, false);

    public void NotifyDelete(string path, bool isDirectory) => Notify(NotifyKind.Delete, path, null, isDirectory, false);

    public void NotifyUpdate(string path) => Notify(NotifyKind.Update, path, null, false, false);

    public void NotifyRename(string oldPath, string newPath, bool isDirectory, bool isInSameDirectory) =>
        Notify(NotifyKind.Rename, oldPath, newPath, isDirectory, isInSameDirectory);

    /// <summary>Binds the host to a mounted volume; one volume per host.</summary>
    internal void Attach(DokanHandle handle, string mountPoint)
    {
        var attachment = new Attachment(handle, DokanMountPath.NotificationPrefix(mountPoint));
        if (Interlocked.CompareExchange(ref _attachment, attachment, null) is { } existing)
        {
            throw new InvalidOperationException($"This NativeDokanHost already serves a volume ({existing.Prefix}); build one host per volume.");
        }
    }

    /// <summary>From now on notifications are dropped (the volume is being unmounted).</summary>
    internal void Detach() => _attachment = null;

    private enum NotifyKind
    {
        Create,
        Delete,
        Update,
        Rename,
    }

    private void Notify(NotifyKind kind, string path, string? newPath, bool isDirectory, bool isInSameDirectory)
    {
        if (_attachment is not { } attached)
        {
            return;
        }

        var full = Full(attached.Prefix, path);
        var handle = attached.Handle;
        int accepted;
        try
        {
            accepted = kind switch
            {
                NotifyKind.Create => DokanNativeMethods.DokanNotifyCreate(handle, full, isDirectory ? 1 : 0),
                NotifyKind.Delete => DokanNativeMethods.DokanNotifyDelete(handle, full, isDirectory ? 1 : 0),
                NotifyKind.Update => DokanNativeMethods.DokanNotifyUpdate(handle, full),
                _ => DokanNativeMethods.DokanNotifyRename(handle, full, Full(attached.Prefix, newPath!), isDirectory ? 1 : 0, isInSameDirectory ? 1 : 0),
            };
        }
        catch (ObjectDisposedException)
        {
            return; // unmounted while the notification was on its way
        }

        if (accepted == 0)
        {
            NativeLog.NotifyRefused(_logger, kind.ToString(), full);
        }
    }

    private static string Full(string prefix, string path) => path.StartsWith('\\') ? prefix + path : prefix + "\\" + path;

    private sealed record Attachment(DokanHandle Handle, string Prefix);
}
