namespace DokanNfs.Cli;

/// <summary>Distinct exit codes so scripts can tell failures apart.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int BadArguments = 2;
    public const int NotFound = 3;
    public const int PermissionDenied = 4;
    public const int ConnectionRefused = 5;
    public const int Timeout = 6;
    public const int ProtocolError = 7;
}
