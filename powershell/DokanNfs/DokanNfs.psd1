#
# Module manifest for DokanNfs: map NFSv4 exports as drives from PowerShell.
# The module runs the dokannfs command (installed beside it by the DokanNfs installer); see README.md,
# "PowerShell".
#
@{
  RootModule = 'DokanNfs.psm1'
  ModuleVersion = '0.1.0'
  GUID = '99cb416d-9d2f-4b52-b626-921842aabd67'
  Author = 'DokanNfs developers'
  CompanyName = 'DokanNfs developers'
  Copyright = '(c) DokanNfs developers'
  Description = 'Maps NFSv4 exports as Windows drives through DokanNfs and the Dokan driver: Mount-NfsDrive, Dismount-NfsDrive, Get-NfsDrive, Get-NfsStatistics.'
  PowerShellVersion = '5.1'
  CompatiblePSEditions = @('Desktop', 'Core')
  FunctionsToExport = @('Mount-NfsDrive', 'Dismount-NfsDrive', 'Get-NfsDrive', 'Get-NfsStatistics')
  CmdletsToExport = @()
  VariablesToExport = @()
  AliasesToExport = @()
  FileList = @('DokanNfs.psd1', 'DokanNfs.psm1', 'DokanNfs.Cli.ps1')
  PrivateData = @{
    PSData = @{
      Tags = @('NFS', 'NFSv4', 'Dokan', 'Windows', 'Drive')
    }
  }
}
