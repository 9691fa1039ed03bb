using System.Runtime.Versioning;
using DokanNfs.Core.Client;

// The simulator tests again over NFSv4.1 (issue 10 §7): each class here is a test class of the 4.0 run with only
// SimulatorTestBase.Version changed, so both versions run the same tests and neither is a copy. The Native/ classes
// are left out: they test the C stand-in and the interop, which do not depend on the NFS version.
namespace DokanNfs.Dokan.Tests.V41;

[TestClass]
public sealed class ChangeNotificationTests(TestContext testContext) : Info.ChangeNotificationTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class CopyScenarioTests(TestContext testContext) : Scenarios.CopyScenarioTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class CreateDispositionMatrixTests(TestContext testContext) : Create.CreateDispositionMatrixTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class CreateRulesTests(TestContext testContext) : Create.CreateRulesTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class CreateSmokeTests(TestContext testContext) : Simulator.CreateSmokeTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class DeleteDispositionTests(TestContext testContext) : Deletion.DeleteDispositionTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class DeleteOnCloseTests(TestContext testContext) : Create.DeleteOnCloseTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class DeleteOnLastCleanupTests(TestContext testContext) : Create.DeleteOnLastCleanupTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class EditorScenarioTests(TestContext testContext) : Scenarios.EditorScenarioTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class ExplorerScenarioTests(TestContext testContext) : Scenarios.ExplorerScenarioTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class FileInformationTests(TestContext testContext) : Info.FileInformationTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class FileSecurityTests(TestContext testContext) : Security.FileSecurityTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class FindFilesTests(TestContext testContext) : Info.FindFilesTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class KeepAliveTests(TestContext testContext) : Simulator.KeepAliveTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class LockTests(TestContext testContext) : Io.LockTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class MappedFileScenarioTests(TestContext testContext) : Scenarios.MappedFileScenarioTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class MoveFileTests(TestContext testContext) : Deletion.MoveFileTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class OfficeScenarioTests(TestContext testContext) : Scenarios.OfficeScenarioTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class ReadWriteTests(TestContext testContext) : Io.ReadWriteTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class ReferralBrowsingTests(TestContext testContext) : Referrals.ReferralBrowsingTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class RequesterIdentityTests(TestContext testContext) : Identity.RequesterIdentityTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class SetInfoTests(TestContext testContext) : Io.SetInfoTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class ShareModeTests(TestContext testContext) : Create.ShareModeTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class VolumeInformationTests(TestContext testContext) : Info.VolumeInformationTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
[SupportedOSPlatform("linux")]
public sealed class WindowsNameTests(TestContext testContext) : Names.WindowsNameTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

[TestClass]
public sealed class OwnChangesCachedTests(TestContext testContext) : Info.OwnChangesCachedTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}
