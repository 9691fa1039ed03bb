using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using static DokanNfs.Cli.Persist.ServiceNativeMethods;

namespace DokanNfs.Cli.Persist;

/// <summary>
/// The "DokanNfs" Windows service: created (auto start, LocalSystem) and deleted through the service control
/// manager, and run — <c>dokannfs mount --all --as-service</c> hands itself to the SCM's dispatcher, reports
/// running, and stops its mounts cleanly on a stop or shutdown control.
/// </summary>
internal static class WindowsService
{
    public const string Name = "DokanNfs";
    public const string DisplayName = "DokanNfs drive mounts";

    /// <summary>How long the SCM is told a stop may take (every mount closes its files on the server first).</summary>
    private static readonly TimeSpan StopWaitHint = TimeSpan.FromSeconds(35);

    [SupportedOSPlatform("windows")]
    public static void Install(PersistTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var manager = OpenManager(ScManagerConnect | ScManagerCreateService);
        try
        {
            var service = CreateService(
                manager, Name, DisplayName, ServiceQueryStatus | ServiceStart, ServiceWin32OwnProcess, ServiceAutoStart, ServiceErrorNormal,
                target.CommandLine("mount", "--all", "--as-service"), null, IntPtr.Zero, null, null, null);
            if (service == IntPtr.Zero)
            {
                throw Error("create the service " + Name, Marshal.GetLastPInvokeError());
            }

            CloseServiceHandle(service);
        }
        finally
        {
            CloseServiceHandle(manager);
        }
    }

    /// <summary>Stops the service if it runs, and deletes it; false when there was none.</summary>
    [SupportedOSPlatform("windows")]
    public static bool Remove()
    {
        var manager = OpenManager(ScManagerConnect);
        try
        {
            var service = OpenService(manager, Name, ServiceStop | ServiceQueryStatus | Delete);
            if (service == IntPtr.Zero)
            {
                var error = Marshal.GetLastPInvokeError();
                return error == ErrorServiceDoesNotExist ? false : throw Error("open the service " + Name, error);
            }

            try
            {
                var status = default(ServiceStatus);
                if (!ControlService(service, ServiceControlStop, ref status) && Marshal.GetLastPInvokeError() is var stopError && stopError != ErrorServiceNotActive)
                {
                    throw Error("stop the service " + Name, stopError);
                }

                if (!DeleteService(service) && Marshal.GetLastPInvokeError() is var deleteError && deleteError != ErrorServiceMarkedForDelete)
                {
                    throw Error("delete the service " + Name, deleteError);
                }
            }
            finally
            {
                CloseServiceHandle(service);
            }

            return true;
        }
        finally
        {
            CloseServiceHandle(manager);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> as the service: blocks in StartServiceCtrlDispatcher (on a thread of its own)
    /// until the body ends, which a stop or shutdown control brings about by cancelling its token.
    /// </summary>
    public static Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("--as-service runs dokannfs under the Windows service control manager; this machine is not Windows.");
        }

        return RunOnWindowsAsync(body, cancellationToken);
    }

    [SupportedOSPlatform("windows")]
    private static Task<int> RunOnWindowsAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = new Host(body, cancellationToken, result);
        var thread = new Thread(host.Dispatch) { IsBackground = true, Name = "service dispatcher" };
        thread.Start();
        return result.Task;
    }

    [SupportedOSPlatform("windows")]
    private static IntPtr OpenManager(uint access)
    {
        var manager = OpenSCManager(null, null, access);
        return manager != IntPtr.Zero ? manager : throw Error("open the service control manager", Marshal.GetLastPInvokeError());
    }

    private static CliException Error(string what, int error) => error switch
    {
        ErrorAccessDenied => new CliException(ExitCodes.PermissionDenied, $"cannot {what}: access denied (run it from an elevated prompt, as an administrator)."),
        ErrorServiceExists => CliException.Failure($"the service {Name} is already installed ('dokannfs persist remove --service' removes it)."),
        _ => CliException.Failure($"cannot {what}: {new Win32Exception(error).Message} (error {error})."),
    };

    /// <summary>The state the SCM callbacks share; its delegates stay referenced while the dispatcher runs.</summary>
    [SupportedOSPlatform("windows")]
    private sealed class Host(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken, TaskCompletionSource<int> result)
    {
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Referenced from fields: the SCM holds only the function pointers, and the delegates must outlive it.
        private ServiceMain? _main;
        private HandlerEx? _handler;
        private IntPtr _status;
        private uint _checkPoint;

        public void Dispatch()
        {
            var main = _main = new ServiceMain(Main);
            var name = Marshal.StringToHGlobalUni(Name);
            try
            {
                ServiceTableEntry[] table =
                [
                    new() { ServiceName = name, ServiceProc = Marshal.GetFunctionPointerForDelegate(main) },
                    default,
                ];
                if (!StartServiceCtrlDispatcher(table))
                {
                    var error = Marshal.GetLastPInvokeError();
                    result.TrySetException(error == ErrorFailedServiceControllerConnect
                        ? CliException.BadArguments("--as-service is for the service control manager: start the service with 'sc start DokanNfs', or run 'dokannfs mount --all'.")
                        : Error("start the service dispatcher", error));
                }

                GC.KeepAlive(main);
            }
            finally
            {
                Marshal.FreeHGlobal(name);
            }
        }

        private void Main(int argc, IntPtr argv)
        {
            var handler = _handler = new HandlerEx(Control);
            _status = RegisterServiceCtrlHandlerEx(Name, handler, IntPtr.Zero);
            Report(ServiceRunning, NoError);
            int code;
            try
            {
                code = body(_stop.Token).GetAwaiter().GetResult();
                result.TrySetResult(code);
            }
            catch (Exception ex)
            {
                code = ExitCodes.Failure;
                result.TrySetException(ex);
            }

            // ServiceMain returns once the service has reported stopped; the dispatcher then returns too.
            Report(ServiceStopped, code == ExitCodes.Ok ? NoError : 1066 /* ERROR_SERVICE_SPECIFIC_ERROR */, (uint)code);
            GC.KeepAlive(handler);
        }

        private uint Control(uint control, uint eventType, IntPtr eventData, IntPtr context)
        {
            switch (control)
            {
                case ServiceControlStop:
                case ServiceControlShutdown:
                    Report(ServiceStopPending, NoError);
                    _stop.Cancel();
                    return NoError;
                case ServiceControlInterrogate:
                    return NoError;
                default:
                    return 120; // ERROR_CALL_NOT_IMPLEMENTED
            }
        }

        private void Report(uint state, int win32ExitCode, uint serviceExitCode = 0)
        {
            var status = new ServiceStatus
            {
                ServiceType = ServiceWin32OwnProcess,
                CurrentState = state,
                ControlsAccepted = state == ServiceRunning ? ServiceAcceptStop | ServiceAcceptShutdown : 0,
                Win32ExitCode = (uint)win32ExitCode,
                ServiceSpecificExitCode = serviceExitCode,
                CheckPoint = state is ServiceStopPending or ServiceStartPending ? ++_checkPoint : 0,
                WaitHint = state == ServiceStopPending ? (uint)StopWaitHint.TotalMilliseconds : 0,
            };
            SetServiceStatus(_status, ref status);
        }
    }
}
