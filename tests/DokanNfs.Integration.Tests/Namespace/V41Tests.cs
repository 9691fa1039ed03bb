using DokanNfs.Core.Client;

namespace DokanNfs.Integration.Tests.Namespace;

// The trigger-layer tests again under NFSv4.1 (issue 10 §7): the same tests, the drive root's client (and with it the
// referral targets' clients, which inherit its options) speaking 4.1 to Ganesha.

/// <summary><see cref="ReferralTriggerTests"/> under NFSv4.1.</summary>
[TestClass]
public sealed class ReferralTriggerV41Tests(TestContext testContext) : ReferralTriggerTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}

/// <summary><see cref="NestedReferralTests"/> under NFSv4.1.</summary>
[TestClass]
public sealed class NestedReferralV41Tests(TestContext testContext) : NestedReferralTests(testContext)
{
    protected override NfsVersion Version => NfsVersion.V41;
}
