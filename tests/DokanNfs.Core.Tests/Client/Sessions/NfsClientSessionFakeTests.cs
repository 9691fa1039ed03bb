using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Client.Sessions;

/// <summary>
/// <see cref="NfsClient"/> with <see cref="NfsVersion.V41"/> against the scripted NFSv4.1 server: its first call
/// establishes the session, its COMPOUNDs go through it with the decoders NFSv4.0 uses, and a server that forgot the
/// client makes the session take a new client id, run the client's recovery as its reclaim hook, and only then send
/// RECLAIM_COMPLETE.
/// </summary>
[TestClass]
public sealed class NfsClientSessionFakeTests(TestContext testContext)
{
    private readonly List<IAsyncDisposable> _disposables = [];

    private CancellationToken Ct => testContext.CancellationToken;

    [TestCleanup]
    public async Task CleanupAsync()
    {
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            await _disposables[i].DisposeAsync();
        }
    }

    [TestMethod]
    public async Task The_first_call_establishes_the_session_and_every_compound_goes_through_it()
    {
        var (fake, client) = await StartAsync();

        var attributes = await GetRootAsync(client);

        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        Assert.AreEqual(1u, client.MinorVersion);
        Assert.IsNotNull(client.Session);
        Assert.AreEqual(client.Session.ClientId, client.ClientId);
        Assert.AreEqual(1, client.ClientIdGeneration);
        Assert.AreEqual(
            "ExchangeId | CreateSession | Sequence, ReclaimComplete | Sequence, PutRootFh, GetAttr | Sequence, PutRootFh, GetAttr",
            string.Join(" | ", fake.Calls.Select(c => string.Join(", ", c.Ops))));
        Assert.IsFalse(fake.Calls[^1].CacheThis, "a GETATTR needs no cached reply");
    }

    [TestMethod]
    public async Task A_server_that_forgot_the_client_gets_a_new_client_id_the_recovery_then_RECLAIM_COMPLETE()
    {
        var (fake, client) = await StartAsync();
        await GetRootAsync(client);
        var before = client.ClientId;
        var callsBefore = fake.Calls.Count;

        fake.Restart();
        await GetRootAsync(client);
        await client.Session!.ReclaimCompletion.WaitAsync(Ct);

        var after = string.Join(" | ", fake.Calls.Skip(callsBefore).Select(c => $"{string.Join(", ", c.Ops)} {c.Status}"));
        // The lease time read again, the recovery (nothing to reclaim here), RECLAIM_COMPLETE, and only then the request
        // that found the server restarted goes again.
        Assert.AreEqual(
            "Sequence BadSession | CreateSession StaleClientId | ExchangeId Ok | CreateSession Ok | Sequence, PutRootFh, GetAttr Ok"
            + " | Sequence, ReclaimComplete Ok | Sequence, PutRootFh, GetAttr Ok",
            after);
        Assert.AreNotEqual(before, client.ClientId, "the client takes the session's new client id");
        Assert.AreEqual(client.Session.ClientId, client.ClientId);
        Assert.AreEqual(2, client.ClientIdGeneration, "the recovery ran as the session's reclaim hook");
        var recovery = client.RecoveryEvents.Single();
        Assert.StartsWith("the server restarted", recovery.Reason);
        Assert.AreEqual((0, 0, 0, 0), (recovery.OpensReclaimed, recovery.LocksReclaimed, recovery.OpensLost, recovery.LocksLost));
    }

    [TestMethod]
    public async Task Disposing_the_client_destroys_the_session_and_the_client_id()
    {
        var (fake, client) = await StartAsync();
        await GetRootAsync(client);

        await client.DisposeAsync();

        Assert.AreEqual("DestroySession | DestroyClientId", string.Join(" | ", fake.Calls.TakeLast(2).Select(c => string.Join(", ", c.Ops))));
        Assert.AreEqual(0, fake.SessionCount);
    }

    private static ValueTask<NfsAttributes> GetRootAsync(NfsClient client) =>
        client.RunAsync(
            "getattr",
            0,
            static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.GetAttr(Bitmap4.Of(FAttr4.Type));
            },
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutRootFh(ref r);
                return results.GetAttr(ref r);
            },
            CancellationToken.None);

    private async Task<(FakeSessionServer Fake, NfsClient Client)> StartAsync()
    {
        var fake = await FakeSessionServer.StartAsync();
        _disposables.Add(fake);
        var client = new NfsClient(
            fake.EndPoint,
            new NfsClientOptions
            {
                Version = NfsVersion.V41,
                Identity = ClientIdentity.Create(),
                RetryDelayMin = TimeSpan.FromMilliseconds(10),
                RetryDelayMax = TimeSpan.FromMilliseconds(100),
                CallTimeout = TimeSpan.FromSeconds(10),
            });
        _disposables.Add(client);
        return (fake, client);
    }
}
