using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;
using static DokanNfs.Core.Tests.Client.FakeNfsTestSupport;

namespace DokanNfs.Core.Tests.Client.Callbacks;

/// <summary>
/// NFSv4.0 has no back channel here (SETCLIENTID names no callback address, issue 10 §6.4): a delegation a server grants
/// anyway could never be recalled, so the client takes the OPEN's delegation out of the reply and gives it back at once.
/// </summary>
[TestClass]
public sealed class NoCallbackPathTests(TestContext testContext)
{
    private CancellationToken Ct => testContext.CancellationToken;

    [TestMethod]
    public async Task A_4_0_client_returns_a_delegation_its_OPEN_got_and_never_opens_locally_under_it()
    {
        await using var server = await FakeNfsServer.StartAsync(new FakeNfsServerOptions { GrantReadDelegations = true });
        server.CreateFile("/export/f", "hello"u8);
        await using var client = Connect(server);

        await using (var file = await client.OpenAsync("/export/f", OpenRequest.ForRead, Ct))
        {
            Assert.AreEqual(OpenDelegationType4.Read, file.Delegation.Type, "the OPEN reply's delegation reaches the open file");
            Assert.IsFalse(file.IsLocalUnderDelegation);
        }

        var deadline = Environment.TickCount64 + 20_000;
        while (server.DelegationsReturned == 0 || client.Delegations.Count != 0)
        {
            Assert.IsLessThan(deadline, Environment.TickCount64, "waited in vain for DELEGRETURN");
            await Task.Delay(10, Ct);
        }

        await using (var again = await client.OpenAsync("/export/f", OpenRequest.ForRead, Ct))
        {
            Assert.IsFalse(again.IsLocalUnderDelegation);
        }

        Assert.AreEqual(0L, client.LocalOpens);
        Assert.IsEmpty(server.Errors);
    }
}
