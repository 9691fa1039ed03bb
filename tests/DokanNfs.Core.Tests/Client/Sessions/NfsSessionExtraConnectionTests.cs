using DokanNfs.Core.Client;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Tests.Client.Sessions;

/// <summary>
/// <see cref="NfsSession.RunOverExtraConnectionAsync"/> (NFSv4.1 read connections) against the scripted server: the
/// first SEQUENCE on a second connection binds it (SP4_NONE), and whatever goes wrong there sends the request again over
/// the session's own connection on the same slot and sequence id.
/// </summary>
[TestClass]
public sealed class NfsSessionExtraConnectionTests(TestContext testContext)
{
    private readonly List<IAsyncDisposable> _disposables = [];
    private readonly List<Exception> _extraFailures = [];

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
    public async Task A_request_over_an_extra_connection_is_answered_there_without_a_BIND_CONN_TO_SESSION()
    {
        var (fake, session, extra) = await StartAsync();
        var own = fake.Calls[^1].Connection;

        var overExtra = await GetAttrOverAsync(session, extra);

        Assert.IsTrue(overExtra, Describe(fake));
        Assert.AreNotEqual(own, fake.Calls[^1].Connection, "sent over the second connection: " + Describe(fake));
        Assert.AreEqual(NfsStat4.Ok, fake.Calls[^1].Status);
        Assert.AreEqual(0L, session.BindCount);
        Assert.IsEmpty(_extraFailures);
    }

    [TestMethod]
    public async Task An_extra_connection_the_server_will_not_bind_is_given_up_and_the_request_goes_over_the_sessions_own()
    {
        var (fake, session, extra) = await StartAsync();
        fake.RequireBinding = true;

        var overExtra = await GetAttrOverAsync(session, extra);

        Assert.IsFalse(overExtra);
        var refused = fake.Calls.First(c => c.Status == NfsStat4.ConnNotBoundToSession);
        var answered = fake.Calls[^1];
        Assert.AreEqual(NfsStat4.Ok, answered.Status, Describe(fake));
        Assert.AreNotEqual(refused.Connection, answered.Connection, "answered over the session's own connection: " + Describe(fake));
        Assert.AreEqual((refused.SlotId, refused.SequenceId), (answered.SlotId, answered.SequenceId), "same slot, same sequence id");
        Assert.AreEqual(NfsStat4.ConnNotBoundToSession, ((NfsException)_extraFailures.Single()).Status);
    }

    [TestMethod]
    public async Task A_reply_lost_on_the_extra_connection_is_asked_for_again_on_the_same_slot_over_the_sessions_own()
    {
        var (fake, session, extra) = await StartAsync();
        fake.DropRepliesAfterRunning(1);

        var overExtra = await GetAttrOverAsync(session, extra);

        Assert.IsFalse(overExtra);
        var last = fake.Calls.TakeLast(3).ToList();
        Assert.AreEqual((last[0].SlotId, last[0].SequenceId), (last[1].SlotId, last[1].SequenceId), "the re-send: " + Describe(fake));
        Assert.AreNotEqual(last[0].Connection, last[1].Connection);
        Assert.AreEqual(NfsStat4.RetryUncachedRep, last[1].Status, "it ran and its reply was not cached (a READ does not ask)");
        Assert.AreEqual((last[0].SequenceId + 1, NfsStat4.Ok), (last[2].SequenceId, last[2].Status), "then again as a new request");
        Assert.IsInstanceOfType<RpcConnectionLostException>(_extraFailures.Single());
    }

    private async Task<bool> GetAttrOverAsync(NfsSession session, RpcClient extra)
    {
        var (attributes, overExtra) = await session.RunOverExtraConnectionAsync(
            extra,
            _extraFailures.Add,
            "getattr",
            0,
            static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.GetAttr(Bitmap4.Of(FAttr4.Type));
            },
            static (ref CompoundResults results, ref XdrReader r) =>
            {
                results.PutRootFh(ref r);
                return results.GetAttr(ref r);
            },
            Ct,
            credential: null);
        Assert.AreEqual(NfsFtype4.Dir, attributes.Type);
        return overExtra;
    }

    private static string Describe(FakeSessionServer fake) => "\n" + string.Join("\n", fake.Calls);

    private async Task<(FakeSessionServer Fake, NfsSession Session, RpcClient Extra)> StartAsync()
    {
        var fake = await FakeSessionServer.StartAsync();
        _disposables.Add(fake);
        var rpcOptions = new RpcClientOptions { CallTimeout = TimeSpan.FromSeconds(10), ReconnectDelayMin = TimeSpan.FromMilliseconds(5) };
        var rpc = new RpcClient(fake.EndPoint, rpcOptions);
        _disposables.Add(rpc);
        var identity = ClientIdentity.Create();
        _disposables.Add(new DisposeOnly(identity));
        var options = new NfsSessionOptions
        {
            Credential = RpcCredential.Sys(0, 0),
            OwnerId = identity.IdFor("fake"),
            Verifier = identity.BootVerifier,
            RetryDelayMin = TimeSpan.FromMilliseconds(5),
            RetryDelayMax = TimeSpan.FromMilliseconds(50),
            RetryBudget = TimeSpan.FromSeconds(20),
            RenewInterval = TimeSpan.FromHours(1),
        };
        var session = await NfsSession.EstablishAsync(rpc, options, null, Ct);
        _disposables.Add(session);
        var extra = new RpcClient(fake.EndPoint, rpcOptions);
        _disposables.Add(extra);
        return (fake, session, extra);
    }

    private sealed class DisposeOnly(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
