# The DokanNfs PowerShell module: map NFSv4 exports as drives and look at them. Every function runs the
# dokannfs command (found as Resolve-DokanNfsCli says) and builds its objects from dokannfs's --json output.
# Windows PowerShell 5.1 and PowerShell 7; ASCII only (5.1 reads files without a byte order mark as ANSI).

. (Join-Path -Path $PSScriptRoot -ChildPath 'DokanNfs.Cli.ps1')

Update-TypeData -TypeName 'DokanNfs.Drive' -DefaultDisplayPropertySet 'MountPoint', 'Url', 'NfsVersion', 'State', 'ProcessId' -Force
Update-TypeData -TypeName 'DokanNfs.ServerStatistics' -DefaultDisplayPropertySet 'MountPoint', 'Server', 'NfsVersion', 'TotalCalls', 'LatencyP50Ms', 'LatencyP99Ms', 'LeaseState' -Force

function Mount-NfsDrive {
    <#
    .SYNOPSIS
    Maps an NFSv4 export as a drive letter or a folder.

    .DESCRIPTION
    Starts `dokannfs mount URL MOUNTPOINT` as a hidden background process and waits until
    `dokannfs list` shows the new mount, then returns it as a DokanNfs.Drive object. The drive stays
    mapped, also after this PowerShell session ends, until Dismount-NfsDrive (or `dokannfs unmount`), or
    until that process ends.

    If dokannfs exits before the drive appears (a bad option, an unreachable server, the Dokan driver
    missing), or the drive has not appeared after -TimeoutSec seconds, the background process is
    stopped and the error carries what dokannfs printed and its exit code
    ($_.Exception.Data.ExitCode; the error category follows it: 2 InvalidArgument, 4 PermissionDenied,
    5 ConnectionError, 6 OperationTimeout, 8 NotInstalled, ...).

    .PARAMETER Url
    The export: nfs://server[:port]/path, server:/path or \\server\path.

    .PARAMETER MountPoint
    A free drive letter (Z, Z: or Z:\) or an empty folder on an NTFS volume.

    .PARAMETER Label
    The volume label Explorer shows (dokannfs mount --label).

    .PARAMETER Version
    The NFS minor version to use: 4.0, 4.1 or auto (-o vers=). Not given: dokannfs's default, auto
    (4.1 if the server speaks it, else 4.0).

    .PARAMETER Port
    The server's TCP port (-o port=); 2049 when not given.

    .PARAMETER Uid
    The AUTH_SYS user id to send for Windows users the identity map does not know (-o uid=).

    .PARAMETER Gid
    The AUTH_SYS group id to send for Windows users the identity map does not know (-o gid=).

    .PARAMETER ReadOnly
    Maps the export read-only (-o ro).

    .PARAMETER Option
    More mount options as dokannfs mount -o takes them: key=value or a bare flag, for example
    'rsize=1048576', 'soft', 'timeo=30', 'caseinsensitive', 'referrals=none'.

    .PARAMETER TimeoutSec
    How long to wait for the drive to appear, in seconds (default 60).

    .EXAMPLE
    Mount-NfsDrive -Url nfs://fileserver/export -MountPoint Z:

    Maps the export /export of fileserver as Z: and returns the mounted drive.

    .EXAMPLE
    Mount-NfsDrive \\fileserver\projects P: -Uid 1000 -Gid 1000 -Option soft, 'timeo=30' -Label Projects

    Maps \\fileserver\projects as P: labelled "Projects", sending uid 1000 and gid 1000 for unmapped users,
    as a soft mount that gives up after 30 seconds of outage.

    .EXAMPLE
    Import-Csv drives.csv | Mount-NfsDrive -WhatIf

    Shows which drives a CSV file with Url and MountPoint columns would map, without mapping them.

    .INPUTS
    Objects with Url and MountPoint properties (and optionally Label).

    .OUTPUTS
    DokanNfs.Drive

    .LINK
    Dismount-NfsDrive

    .LINK
    Get-NfsDrive
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('DokanNfs.Drive')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Url,

        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $MountPoint,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $Label,

        [ValidateSet('4.0', '4.1', 'auto')]
        [string] $Version,

        [ValidateRange(1, 65535)]
        [int] $Port,

        [uint32] $Uid,

        [uint32] $Gid,

        [switch] $ReadOnly,

        [string[]] $Option,

        [ValidateRange(1, 3600)]
        [int] $TimeoutSec = 60
    )

    process {
        $point = ConvertTo-DokanNfsMountPoint -MountPoint $MountPoint
        $options = [System.Collections.Generic.List[string]]::new()
        if ($PSBoundParameters.ContainsKey('Version')) { $options.Add("vers=$Version") }
        if ($PSBoundParameters.ContainsKey('Port')) { $options.Add("port=$Port") }
        if ($PSBoundParameters.ContainsKey('Uid')) { $options.Add("uid=$Uid") }
        if ($PSBoundParameters.ContainsKey('Gid')) { $options.Add("gid=$Gid") }
        if ($ReadOnly) { $options.Add('ro') }
        foreach ($item in $Option) { $options.Add($item) }

        $arguments = @('mount', $Url, $point)
        if ($options.Count -gt 0) { $arguments += @('-o', ($options -join ',')) }
        if ($Label) { $arguments += @('--label', $Label) }

        if (-not $PSCmdlet.ShouldProcess($point, "Mount $Url")) {
            return
        }

        try {
            $cli = Resolve-DokanNfsCli
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }

        # The mount runs in the foreground of its own hidden console; its output goes to two files, read
        # back if it fails. Start-Process hides the window only when it creates a new console (Windows).
        $stdoutPath = [System.IO.Path]::GetTempFileName()
        $stderrPath = [System.IO.Path]::GetTempFileName()
        $start = @{
            FilePath = $cli.FilePath
            ArgumentList = ConvertTo-DokanNfsCommandLine -Arguments (@($cli.Prefix) + $arguments)
            RedirectStandardOutput = $stdoutPath
            RedirectStandardError = $stderrPath
            PassThru = $true
        }
        if (Test-DokanNfsWindows) {
            $start['WindowStyle'] = 'Hidden'
        }
        Write-Verbose -Message ('Starting {0} {1}' -f $start.FilePath, $start.ArgumentList)
        $process = Start-Process @start
        # Without a handle taken now, ExitCode stays empty once the process has exited.
        $null = $process.Handle

        $mounted = $false
        try {
            $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
            while ($true) {
                $drive = Get-DokanNfsDriveList -Cli $cli | Where-Object { $_.ProcessId -eq $process.Id } | Select-Object -First 1
                if ($drive) {
                    $mounted = $true
                    Write-Verbose -Message ("dokannfs mount (process {0}) keeps writing to {1} and {2}" -f $process.Id, $stdoutPath, $stderrPath)
                    $drive
                    return
                }

                if ($process.HasExited -or [datetime]::UtcNow -ge $deadline) {
                    $exited = $process.HasExited
                    if (-not $exited) {
                        Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
                        $null = $process.WaitForExit(5000)
                    }
                    $said = [pscustomobject]@{
                        ExitCode = $process.ExitCode
                        StdOut = Read-DokanNfsOutputFile -Path $stdoutPath
                        StdErr = Read-DokanNfsOutputFile -Path $stderrPath
                    }
                    if ($exited) {
                        $record = ConvertTo-DokanNfsErrorRecord -Message "dokannfs mount of $Url at $point ended before the drive appeared" -ErrorId 'DokanNfs.MountFailed' -TargetObject $point -Result $said
                    }
                    else {
                        $record = ConvertTo-DokanNfsErrorRecord -Message "The drive $point did not appear within $TimeoutSec s; dokannfs mount was stopped" -ErrorId 'DokanNfs.MountTimeout' -Category OperationTimeout -TargetObject $point -Result $said
                    }
                    $PSCmdlet.WriteError($record)
                    return
                }

                Start-Sleep -Milliseconds 250
            }
        }
        finally {
            # Failed, timed out or interrupted (Ctrl+C): leave nothing running behind.
            if (-not $mounted) {
                if (-not $process.HasExited) {
                    Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
                    $null = $process.WaitForExit(5000)
                }
                Remove-Item -LiteralPath $stdoutPath, $stderrPath -Force -ErrorAction SilentlyContinue
            }
        }
    }
}

function Dismount-NfsDrive {
    <#
    .SYNOPSIS
    Unmaps NFS drives that Mount-NfsDrive or dokannfs mount mapped.

    .DESCRIPTION
    Runs `dokannfs unmount MOUNTPOINT` for each mount point: the mount closes its open files on the server
    and its dokannfs process ends. A mount point with nothing mounted is a non-terminating error
    (ObjectNotFound).

    .PARAMETER MountPoint
    The drive letter (Z, Z: or Z:\) or folder to unmap. Takes pipeline input, also by property name, so the
    objects of Get-NfsDrive can be piped in.

    .EXAMPLE
    Dismount-NfsDrive Z:

    Unmaps Z:.

    .EXAMPLE
    Get-NfsDrive | Dismount-NfsDrive -Confirm

    Unmaps every NFS drive, asking before each one.

    .EXAMPLE
    Get-NfsDrive | Where-Object State -ne 'mounted' | Dismount-NfsDrive -WhatIf

    Shows which drives that are not in the mounted state (for example reconnecting) would be unmapped.

    .INPUTS
    System.String, or objects with a MountPoint property (DokanNfs.Drive).

    .OUTPUTS
    None.

    .LINK
    Mount-NfsDrive

    .LINK
    Get-NfsDrive
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string[]] $MountPoint
    )

    begin {
        $cli = $null
    }

    process {
        foreach ($item in $MountPoint) {
            $point = ConvertTo-DokanNfsMountPoint -MountPoint $item
            if (-not $PSCmdlet.ShouldProcess($point, 'Dismount NFS drive')) {
                continue
            }

            if ($null -eq $cli) {
                try {
                    $cli = Resolve-DokanNfsCli
                }
                catch {
                    $PSCmdlet.ThrowTerminatingError($_)
                }
            }

            $result = Invoke-DokanNfsCli -Cli $cli -Arguments @('unmount', $point)
            if ($result.ExitCode -eq 3) {
                $PSCmdlet.WriteError((ConvertTo-DokanNfsErrorRecord -Message "No NFS drive is mounted at $point" -ErrorId 'DokanNfs.NotMounted' -TargetObject $point -Result $result))
            }
            elseif ($result.ExitCode -ne 0) {
                $PSCmdlet.WriteError((ConvertTo-DokanNfsErrorRecord -Message "dokannfs unmount $point failed" -ErrorId 'DokanNfs.UnmountFailed' -TargetObject $point -Result $result))
            }
        }
    }
}

function Get-NfsDrive {
    <#
    .SYNOPSIS
    Lists the NFS drives mapped on this machine by this user.

    .DESCRIPTION
    Runs `dokannfs list --json` and returns one DokanNfs.Drive object per mount: MountPoint, Url, Server,
    Export, Label, Options (as dokannfs reports them), State (mounting, mounted, reconnecting, ...),
    LastError (why it is not mounted, when it is not), ProcessId (the dokannfs process serving it),
    NfsVersion (4.0 or 4.1; empty until negotiated), SessionId (the NFSv4.1 session; empty under 4.0) and
    Nested (the referral and mirror mounts grafted under it, each with Path, Server, Export, State,
    NfsVersion and SessionId).
    Nothing mapped gives no output.

    .PARAMETER MountPoint
    Only these drive letters or folders. A mount point with nothing mounted is a non-terminating error.

    .EXAMPLE
    Get-NfsDrive

    Lists every NFS drive.

    .EXAMPLE
    Get-NfsDrive Z: | Select-Object -ExpandProperty Nested

    Shows the nested mounts under Z: that referrals to other servers created.

    .EXAMPLE
    Get-NfsDrive | Where-Object Server -eq 'fileserver' | Dismount-NfsDrive

    Unmaps every drive from fileserver.

    .INPUTS
    System.String, or objects with a MountPoint property.

    .OUTPUTS
    DokanNfs.Drive

    .LINK
    Mount-NfsDrive

    .LINK
    Get-NfsStatistics
    #>
    [CmdletBinding()]
    [OutputType('DokanNfs.Drive')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string[]] $MountPoint
    )

    begin {
        try {
            $cli = Resolve-DokanNfsCli
            $drives = @(Get-DokanNfsDriveList -Cli $cli)
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
    }

    process {
        if (-not $MountPoint) {
            $drives
            return
        }

        foreach ($item in $MountPoint) {
            $point = ConvertTo-DokanNfsMountPoint -MountPoint $item
            $found = @($drives | Where-Object { (ConvertTo-DokanNfsMountPoint -MountPoint $_.MountPoint) -eq $point })
            if ($found.Count -eq 0) {
                $PSCmdlet.WriteError((ConvertTo-DokanNfsErrorRecord -Message "No NFS drive is mounted at $point." -ErrorId 'DokanNfs.NotMounted' -Category ObjectNotFound -TargetObject $point))
            }
            $found
        }
    }
}

function Get-NfsStatistics {
    <#
    .SYNOPSIS
    Shows per-server call counts, latency, lease state and recovery events of the NFS drives.

    .DESCRIPTION
    Runs `dokannfs stats --json` and returns one DokanNfs.ServerStatistics object per drive and server
    (a drive that follows referrals talks to several): MountPoint, Server, NfsVersion (4.0 or 4.1),
    SessionId (the NFSv4.1 session; empty under 4.0), TotalCalls, Calls (a table of
    operation name to count, READ, WRITE, ...), LatencyP50Ms, LatencyP90Ms and LatencyP99Ms, LeaseState,
    LeaseRenewals, and RecoveryEvents (Time, Kind, Detail: reconnects, server restarts, reclaims).

    .PARAMETER MountPoint
    Only the drives at these drive letters or folders. A mount point with nothing mounted is a
    non-terminating error.

    .EXAMPLE
    Get-NfsStatistics

    Shows the statistics of every server of every NFS drive.

    .EXAMPLE
    Get-NfsDrive Z: | Get-NfsStatistics | Select-Object -ExpandProperty RecoveryEvents

    Lists what recovery the servers behind Z: went through.

    .EXAMPLE
    (Get-NfsStatistics Z:).Calls

    Shows the count of each NFS operation Z: sent.

    .INPUTS
    System.String, or objects with a MountPoint property.

    .OUTPUTS
    DokanNfs.ServerStatistics

    .LINK
    Get-NfsDrive
    #>
    [CmdletBinding()]
    [OutputType('DokanNfs.ServerStatistics')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string[]] $MountPoint
    )

    begin {
        try {
            $cli = Resolve-DokanNfsCli
            $statistics = @(Get-DokanNfsStatisticsList -Cli $cli)
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
    }

    process {
        if (-not $MountPoint) {
            $statistics
            return
        }

        foreach ($item in $MountPoint) {
            $point = ConvertTo-DokanNfsMountPoint -MountPoint $item
            $found = @($statistics | Where-Object { (ConvertTo-DokanNfsMountPoint -MountPoint $_.MountPoint) -eq $point })
            if ($found.Count -eq 0) {
                $PSCmdlet.WriteError((ConvertTo-DokanNfsErrorRecord -Message "No NFS drive is mounted at $point." -ErrorId 'DokanNfs.NotMounted' -Category ObjectNotFound -TargetObject $point))
            }
            $found
        }
    }
}

Export-ModuleMember -Function 'Mount-NfsDrive', 'Dismount-NfsDrive', 'Get-NfsDrive', 'Get-NfsStatistics'
