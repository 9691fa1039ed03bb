using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>The COMMIT write verifier while the server runs: every COMMIT matches its WRITEs, nothing is sent twice.</summary>
[TestClass]
public sealed class WriteVerifierTests(TestContext testContext) : ClientTestBase(testContext)
{
    [TestMethod]
    public async Task Write_verifier_is_stable_while_the_server_runs()
    {
        var server = await StartServerAsync();
        var tap = Tap(server);
        var client = Connect(tap.EndPoint);
        await using var file = await client.OpenAsync(Nfs("v.bin"), new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Guarded }, Ct);

        for (var i = 0; i < 3; i++)
        {
            await file.WriteAsync(i * 4096L, new byte[4096], StableHow4.Unstable, Ct);
            await file.CommitAsync(Ct);
            Assert.AreEqual(0L, file.UncommittedBytes);
        }

        Assert.HasCount(3, tap.CallsTagged("write"), "no WRITE sent twice: every COMMIT matched its WRITE's verifier");
        Assert.HasCount(3, tap.CallsTagged("commit"));
    }
}
