<#
.SYNOPSIS
  Restore, build, test, publish or package DokanNfs on Windows (or anywhere PowerShell 7 runs).
.DESCRIPTION
  The Windows counterpart of scripts/test.sh and .ci/run, without apt-get. The integration tests start
  NFS-Ganesha servers, so `test` needs ganesha.nfsd on PATH (Linux or WSL); without it they fail with a
  message saying how to install it.
  `installer` publishes, then builds artifacts/DokanNfs-<version>-x64.msi from installer/DokanNfs.wxs with
  the WiX v4 tool (Windows only: dotnet tool install --global wix --version 4.0.4).
.EXAMPLE
  ./build.ps1 test
.EXAMPLE
  ./build.ps1 publish -Configuration Release -Runtime win-x64
.EXAMPLE
  ./build.ps1 installer
#>
[CmdletBinding()]
param(
    [ValidateSet('restore', 'build', 'test', 'publish', 'installer')]
    [string] $Target = 'build',
    [string] $Configuration = 'Release',
    [string] $Runtime = 'win-x64',
    [string] $Output = (Join-Path $PSScriptRoot 'artifacts/publish')
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Target) {
    'restore' { Invoke-Dotnet restore DokanNfs.sln }
    'build' { Invoke-Dotnet build DokanNfs.sln -c $Configuration }
    'test' {
        $log = New-TemporaryFile
        & dotnet test DokanNfs.sln -c $Configuration --blame-hang-timeout 5m 2>&1 | Tee-Object -FilePath $log
        $status = $LASTEXITCODE
        $passed = 0; $failed = 0; $skipped = 0
        foreach ($line in Get-Content $log) {
            if ($line -match '(Passed|Failed)!\s+-\s+Failed:\s*(\d+),\s*Passed:\s*(\d+),\s*Skipped:\s*(\d+)') {
                $failed += [int]$Matches[2]; $passed += [int]$Matches[3]; $skipped += [int]$Matches[4]
            }
        }
        Remove-Item $log
        if ($skipped -gt 0) { Write-Error "$skipped tests were skipped; no test may be skipped." -ErrorAction Continue; $status = 1 }
        if ($passed -eq 0) { Write-Error 'No test ran.' -ErrorAction Continue; $status = 1 }
        Write-Output "$passed passed, $failed failed"
        exit $status
    }
    { $_ -in 'publish', 'installer' } {
        # English resources only: installer/DokanNfs.wxs lists every published file, and dokannfs speaks English.
        Invoke-Dotnet publish src/DokanNfs.Cli/DokanNfs.Cli.csproj -c $Configuration -r $Runtime --self-contained false -p:SatelliteResourceLanguages=en -o $Output
    }
    'installer' {
        if (-not (Get-Command wix -ErrorAction SilentlyContinue)) {
            throw 'The installer needs the WiX v4 tool: dotnet tool install --global wix --version 4.0.4'
        }
        $version = (Select-Xml -Path (Join-Path $PSScriptRoot 'Directory.Build.props') -XPath '//Version').Node.InnerText
        $msi = Join-Path $PSScriptRoot "artifacts/DokanNfs-$version-x64.msi"
        $publishDir = (Resolve-Path -LiteralPath $Output).Path
        & wix build (Join-Path $PSScriptRoot 'installer/DokanNfs.wxs') -arch x64 -d "PublishDir=$publishDir" -d "RepoRoot=$PSScriptRoot" -d "ProductVersion=$version" -o $msi
        if ($LASTEXITCODE -ne 0) { throw "wix build failed with exit code $LASTEXITCODE" }
        Write-Output "Built $msi"
    }
}
