using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace DokanNfs.Dokan.Host;

/// <summary>The user of an access token as a SID string (advapi32): the only Windows-only code of the host.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class WindowsToken
{
    private const int TokenUser = 1; // winnt.h TOKEN_INFORMATION_CLASS
    private const int TokenUserBufferSize = 256; // TOKEN_USER (16 bytes on x64) + a SID of at most SECURITY_MAX_SID_SIZE (68)

    public static string UserSid(nint token)
    {
        var buffer = stackalloc byte[TokenUserBufferSize];
        if (!GetTokenInformation(token, TokenUser, buffer, TokenUserBufferSize, out _))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }

        var sid = *(void**)buffer; // TOKEN_USER.User.Sid, pointing into the buffer
        if (!ConvertSidToStringSidW(sid, out var text))
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }

        try
        {
            return new string(text);
        }
        finally
        {
            LocalFree((nint)text);
        }
    }

    public static void Close(nint handle) => CloseHandle(handle);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool GetTokenInformation(nint tokenHandle, int tokenInformationClass, void* tokenInformation, uint tokenInformationLength, out uint returnLength);

    [LibraryImport("advapi32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool ConvertSidToStringSidW(void* sid, out char* stringSid);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CloseHandle(nint handle);

    [LibraryImport("kernel32.dll")]
    private static partial nint LocalFree(nint memory);
}
