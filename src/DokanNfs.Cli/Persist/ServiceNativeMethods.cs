using System.Runtime.InteropServices;

namespace DokanNfs.Cli.Persist;

/// <summary>
/// The few advapi32 service control manager functions dokannfs needs (winsvc.h): create and delete its service,
/// and run as one. Declared here because Microsoft.Extensions.Hosting.WindowsServices and ServiceController are
/// not available; nothing calls these off Windows.
/// </summary>
internal static class ServiceNativeMethods
{
    public const uint ScManagerConnect = 0x0001;
    public const uint ScManagerCreateService = 0x0002;
    public const uint ServiceQueryStatus = 0x0004;
    public const uint ServiceStart = 0x0010;
    public const uint ServiceStop = 0x0020;
    public const uint Delete = 0x00010000;
    public const uint ServiceWin32OwnProcess = 0x00000010;
    public const uint ServiceAutoStart = 0x00000002;
    public const uint ServiceErrorNormal = 0x00000001;

    // dwCurrentState
    public const uint ServiceStopped = 1;
    public const uint ServiceStartPending = 2;
    public const uint ServiceStopPending = 3;
    public const uint ServiceRunning = 4;

    // Controls and what the service accepts.
    public const uint ServiceControlStop = 1;
    public const uint ServiceControlInterrogate = 4;
    public const uint ServiceControlShutdown = 5;
    public const uint ServiceAcceptStop = 0x1;
    public const uint ServiceAcceptShutdown = 0x4;

    // winerror.h
    public const int ErrorAccessDenied = 5;
    public const int ErrorServiceDoesNotExist = 1060;
    public const int ErrorServiceNotActive = 1062;
    public const int ErrorFailedServiceControllerConnect = 1063;
    public const int ErrorServiceExists = 1073;
    public const int ErrorServiceMarkedForDelete = 1072;
    public const int NoError = 0;

    /// <summary>LPSERVICE_MAIN_FUNCTIONW.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Winapi)]
    public delegate void ServiceMain(int argc, IntPtr argv);

    /// <summary>LPHANDLER_FUNCTION_EX.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Winapi)]
    public delegate uint HandlerEx(uint control, uint eventType, IntPtr eventData, IntPtr context);

    /// <summary>SERVICE_STATUS.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ServiceStatus
    {
        public uint ServiceType;
        public uint CurrentState;
        public uint ControlsAccepted;
        public uint Win32ExitCode;
        public uint ServiceSpecificExitCode;
        public uint CheckPoint;
        public uint WaitHint;
    }

    /// <summary>SERVICE_TABLE_ENTRYW: a service name and its ServiceMain; the table ends with an entry of two nulls.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ServiceTableEntry
    {
        public IntPtr ServiceName;
        public IntPtr ServiceProc;
    }

    [DllImport("advapi32.dll", EntryPoint = "OpenSCManagerW", CharSet = CharSet.Unicode, SetLastError = true)]
    public static extern IntPtr OpenSCManager(string? machineName, string? databaseName, uint desiredAccess);

    [DllImport("advapi32.dll", EntryPoint = "CreateServiceW", CharSet = CharSet.Unicode, SetLastError = true)]
    public static extern IntPtr CreateService(
        IntPtr manager,
        string serviceName,
        string displayName,
        uint desiredAccess,
        uint serviceType,
        uint startType,
        uint errorControl,
        string binaryPathName,
        string? loadOrderGroup,
        IntPtr tagId,
        string? dependencies,
        string? serviceStartName,
        string? password);

    [DllImport("advapi32.dll", EntryPoint = "OpenServiceW", CharSet = CharSet.Unicode, SetLastError = true)]
    public static extern IntPtr OpenService(IntPtr manager, string serviceName, uint desiredAccess);

    [DllImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool DeleteService(IntPtr service);

    [DllImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool ControlService(IntPtr service, uint control, ref ServiceStatus status);

    [DllImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool CloseServiceHandle(IntPtr handle);

    [DllImport("advapi32.dll", EntryPoint = "StartServiceCtrlDispatcherW", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool StartServiceCtrlDispatcher([In] ServiceTableEntry[] table);

    [DllImport("advapi32.dll", EntryPoint = "RegisterServiceCtrlHandlerExW", CharSet = CharSet.Unicode, SetLastError = true)]
    public static extern IntPtr RegisterServiceCtrlHandlerEx(string serviceName, HandlerEx handler, IntPtr context);

    [DllImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool SetServiceStatus(IntPtr statusHandle, ref ServiceStatus status);
}
