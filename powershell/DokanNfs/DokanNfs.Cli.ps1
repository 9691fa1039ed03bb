# Private helpers of the DokanNfs module: finding dokannfs, running it, turning its --json output into
# objects and its failures into PowerShell errors. DokanNfs.psm1 dot-sources this file; nothing here is
# exported (the manifest's FunctionsToExport names the public functions).
#
# Keep this file to Windows PowerShell 5.1 syntax and ASCII: 5.1 reads a file without a byte order mark
# in the ANSI code page.

$script:Utf8NoBom = [System.Text.UTF8Encoding]::new($false)

# dokannfs exit codes (README.md, "Using dokannfs"; 8: mount needs Windows and the Dokan driver) and the
# PowerShell error category of each.
$script:ExitCodeCategories = @{
    2 = [System.Management.Automation.ErrorCategory]::InvalidArgument
    3 = [System.Management.Automation.ErrorCategory]::ObjectNotFound
    4 = [System.Management.Automation.ErrorCategory]::PermissionDenied
    5 = [System.Management.Automation.ErrorCategory]::ConnectionError
    6 = [System.Management.Automation.ErrorCategory]::OperationTimeout
    7 = [System.Management.Automation.ErrorCategory]::ProtocolError
    8 = [System.Management.Automation.ErrorCategory]::NotInstalled
}

function Test-DokanNfsWindows {
    # $IsWindows does not exist in Windows PowerShell 5.1; this works in both editions.
    [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT
}

function ConvertTo-DokanNfsErrorRecord {
    # An ErrorRecord for a failure of this module. With -Result (what Invoke-DokanNfsCli returned), the
    # message ends with what dokannfs printed, and the exception carries its exit code in Data.ExitCode.
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)] [string] $Message,
        [Parameter(Mandatory)] [string] $ErrorId,
        [System.Management.Automation.ErrorCategory] $Category = [System.Management.Automation.ErrorCategory]::NotSpecified,
        [object] $TargetObject,
        [object] $Result
    )

    if ($null -ne $Result) {
        $said = ($Result.StdErr + "`n" + $Result.StdOut).Trim()
        $Message = '{0} (dokannfs exit code {1}){2}' -f $Message, $Result.ExitCode, $(if ($said) { ': ' + $said } else { '.' })
        if ($Category -eq [System.Management.Automation.ErrorCategory]::NotSpecified -and $script:ExitCodeCategories.ContainsKey([int]$Result.ExitCode)) {
            $Category = $script:ExitCodeCategories[[int]$Result.ExitCode]
        }
    }

    $exception = [System.InvalidOperationException]::new($Message)
    if ($null -ne $Result) {
        $exception.Data['ExitCode'] = [int]$Result.ExitCode
    }

    [System.Management.Automation.ErrorRecord]::new($exception, $ErrorId, $Category, $TargetObject)
}

function Resolve-DokanNfsCli {
    # Where dokannfs is, in this order: $env:DOKANNFS_CLI (a dokannfs executable, or dokannfs.dll to run
    # with dotnet); beside this module; the installer's folder, $env:ProgramFiles\DokanNfs; PATH.
    # Returns the program to start and the arguments that come before dokannfs's own.
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()

    $name = if (Test-DokanNfsWindows) { 'dokannfs.exe' } else { 'dokannfs' }
    $path = $null
    if ($env:DOKANNFS_CLI) {
        if (-not (Test-Path -LiteralPath $env:DOKANNFS_CLI -PathType Leaf)) {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-DokanNfsErrorRecord -Message "DOKANNFS_CLI names '$env:DOKANNFS_CLI', which is not a file." -ErrorId 'DokanNfs.CliNotFound' -Category ObjectNotFound -TargetObject $env:DOKANNFS_CLI))
        }
        $path = (Resolve-Path -LiteralPath $env:DOKANNFS_CLI).ProviderPath
    }
    else {
        $candidates = @(Join-Path -Path $PSScriptRoot -ChildPath $name)
        if ($env:ProgramFiles) {
            $candidates += Join-Path -Path (Join-Path -Path $env:ProgramFiles -ChildPath 'DokanNfs') -ChildPath $name
        }
        foreach ($candidate in $candidates) {
            if (Test-Path -LiteralPath $candidate -PathType Leaf) {
                $path = $candidate
                break
            }
        }
        if (-not $path) {
            $command = Get-Command -Name 'dokannfs' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            if ($command) {
                $path = $command.Path
            }
        }
    }

    if (-not $path) {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-DokanNfsErrorRecord -Message "dokannfs was not found: install DokanNfs, put dokannfs on PATH, or set DOKANNFS_CLI to its path." -ErrorId 'DokanNfs.CliNotFound' -Category ObjectNotFound))
    }

    if ($path -like '*.dll') {
        $dotnet = Get-Command -Name 'dotnet' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $dotnet) {
            $PSCmdlet.ThrowTerminatingError((ConvertTo-DokanNfsErrorRecord -Message "DOKANNFS_CLI names '$path', a .dll, which needs dotnet on PATH." -ErrorId 'DokanNfs.CliNotFound' -Category ObjectNotFound -TargetObject $path))
        }
        return [pscustomobject]@{ FilePath = $dotnet.Path; Prefix = @($path) }
    }

    [pscustomobject]@{ FilePath = $path; Prefix = @() }
}

function ConvertTo-DokanNfsCommandLine {
    # One command line from separate arguments, quoted so that the program's argument parser
    # (CommandLineToArgvW rules, which .NET follows) gives back exactly those arguments: a backslash is
    # literal unless it comes before a quote; 2n backslashes and a quote are n backslashes and the quote
    # ends or starts a quoted part; 2n+1 backslashes and a quote are n backslashes and a literal quote.
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [AllowEmptyString()] [string[]] $Arguments)

    $quoted = foreach ($argument in $Arguments) {
        if ($argument.Length -gt 0 -and $argument -notmatch '[\s"]') {
            $argument
        }
        else {
            $escaped = [regex]::Replace($argument, '(\\*)"', { param($match) $match.Groups[1].Value * 2 + '\"' })
            $escaped = [regex]::Replace($escaped, '(\\+)\z', { param($match) $match.Groups[1].Value * 2 })
            '"' + $escaped + '"'
        }
    }
    $quoted -join ' '
}

function Invoke-DokanNfsCli {
    # Runs dokannfs to the end with no window and returns its exit code, stdout and stderr. Both pipes
    # are read at once: reading one to its end while the child fills the other would deadlock.
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [object] $Cli,
        [Parameter(Mandatory)] [string[]] $Arguments
    )

    $startInfo = [System.Diagnostics.ProcessStartInfo]::new()
    $startInfo.FileName = $Cli.FilePath
    $startInfo.Arguments = ConvertTo-DokanNfsCommandLine -Arguments (@($Cli.Prefix) + $Arguments)
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = $script:Utf8NoBom
    $startInfo.StandardErrorEncoding = $script:Utf8NoBom
    Write-Verbose -Message ('Running {0} {1}' -f $startInfo.FileName, $startInfo.Arguments)

    $process = [System.Diagnostics.Process]::Start($startInfo)
    try {
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; StdOut = $stdout.Result; StdErr = $stderr.Result }
    }
    finally {
        $process.Dispose()
    }
}

function ConvertTo-DokanNfsMountPoint {
    # The form mount points are compared and passed in: a drive letter as "Z:" (from "z", "Z:" or "Z:\"),
    # a folder as a full path without a trailing separator.
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [AllowEmptyString()] [string] $MountPoint)

    if ($MountPoint.Length -eq 0) {
        return $MountPoint
    }
    if ($MountPoint -match '^([A-Za-z])(:[\\/]?)?$') {
        return $Matches[1].ToUpperInvariant() + ':'
    }
    $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($MountPoint)
    $trimmed = $full.TrimEnd([char[]]@([char]'\', [char]'/'))
    if ($trimmed.Length -eq 0) {
        return $full
    }
    $trimmed
}

function Read-DokanNfsOutputFile {
    # What a background dokannfs wrote to a redirected output file; it may still hold the file open for
    # writing, so this open shares read, write and delete. A file that cannot be read gives ''.
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [string] $Path)

    try {
        $stream = [System.IO.FileStream]::new($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]'ReadWrite, Delete')
        $reader = [System.IO.StreamReader]::new($stream, $script:Utf8NoBom)
        try {
            $reader.ReadToEnd()
        }
        finally {
            $reader.Dispose()
        }
    }
    catch {
        ''
    }
}

function ConvertFrom-DokanNfsJson {
    # Parses what a --json command printed; output that is not JSON is an error naming the command.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object] $Result,
        [Parameter(Mandatory)] [string] $Command
    )

    try {
        # Windows PowerShell 5.1 writes a JSON array as one object, 7 element by element: callers foreach.
        ConvertFrom-Json -InputObject $Result.StdOut -ErrorAction Stop
    }
    catch {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-DokanNfsErrorRecord -Message "dokannfs $Command --json printed something that is not JSON: $($_.Exception.Message)" -ErrorId 'DokanNfs.BadJson' -Category InvalidResult -Result $Result))
    }
}

function Get-DokanNfsDriveList {
    # Every mount dokannfs knows of, from `dokannfs list --json`, as DokanNfs.Drive objects.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Cli)

    $result = Invoke-DokanNfsCli -Cli $Cli -Arguments @('list', '--json')
    if ($result.ExitCode -ne 0) {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-DokanNfsErrorRecord -Message 'dokannfs list failed' -ErrorId 'DokanNfs.CliFailed' -Result $result))
    }

    # foreach over $null runs no iteration; @(foreach ...) is an empty array, never @($null).
    foreach ($entry in (ConvertFrom-DokanNfsJson -Result $result -Command 'list')) {
        $nested = @(foreach ($mount in $entry.nested) {
            [pscustomobject]@{
                PSTypeName = 'DokanNfs.NestedMount'
                Path = [string]$mount.path
                Server = [string]$mount.server
                Export = [string]$mount.export
                State = [string]$mount.state
                NfsVersion = [string]$mount.nfsVersion
                SessionId = [string]$mount.sessionId
            }
        })
        [pscustomobject]@{
            PSTypeName = 'DokanNfs.Drive'
            MountPoint = [string]$entry.mountPoint
            Url = [string]$entry.url
            Server = [string]$entry.server
            Export = [string]$entry.export
            Label = [string]$entry.label
            Options = $entry.options
            State = [string]$entry.state
            LastError = [string]$entry.lastError
            ProcessId = [int]$entry.pid
            NfsVersion = [string]$entry.nfsVersion
            SessionId = [string]$entry.sessionId
            Nested = $nested
        }
    }
}

function ConvertTo-DokanNfsTime {
    # PowerShell 7 turns ISO 8601 strings in JSON into DateTime itself; Windows PowerShell 5.1 does not.
    param([object] $Value)

    if ($null -eq $Value -or $Value -is [datetime]) {
        return $Value
    }
    [datetime]::Parse([string]$Value, [System.Globalization.CultureInfo]::InvariantCulture, [System.Globalization.DateTimeStyles]::RoundtripKind)
}

function Get-DokanNfsStatisticsList {
    # One DokanNfs.ServerStatistics object per mount and server, from `dokannfs stats --json`.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Cli)

    $result = Invoke-DokanNfsCli -Cli $Cli -Arguments @('stats', '--json')
    if ($result.ExitCode -ne 0) {
        $PSCmdlet.ThrowTerminatingError((ConvertTo-DokanNfsErrorRecord -Message 'dokannfs stats failed' -ErrorId 'DokanNfs.CliFailed' -Result $result))
    }

    $stats = ConvertFrom-DokanNfsJson -Result $result -Command 'stats'
    foreach ($mount in $stats.mounts) {
        foreach ($server in $mount.servers) {
            $calls = [ordered]@{}
            $total = [long]0
            foreach ($property in $server.calls.PSObject.Properties) {
                $calls[$property.Name] = [long]$property.Value
                $total += [long]$property.Value
            }
            $events = @(foreach ($recovery in $server.recoveryEvents) {
                [pscustomobject]@{
                    PSTypeName = 'DokanNfs.RecoveryEvent'
                    Time = ConvertTo-DokanNfsTime -Value $recovery.time
                    Kind = [string]$recovery.kind
                    Detail = [string]$recovery.detail
                }
            })
            [pscustomobject]@{
                PSTypeName = 'DokanNfs.ServerStatistics'
                MountPoint = [string]$mount.mountPoint
                Server = [string]$server.server
                NfsVersion = [string]$server.nfsVersion
                SessionId = [string]$server.sessionId
                TotalCalls = $total
                Calls = $calls
                LatencyP50Ms = $server.latencyMs.p50
                LatencyP90Ms = $server.latencyMs.p90
                LatencyP99Ms = $server.latencyMs.p99
                LeaseState = [string]$server.lease.state
                LeaseRenewals = [long]$server.lease.renewals
                RecoveryEvents = $events
            }
        }
    }
}
