using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.Capture;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Capture;

/// <summary>
/// Runs a scenario that makes a real NFS-Ganesha send every kind of reply the client decodes, records the
/// replies through <see cref="RecordingProxy"/>, and checks that each one decodes cleanly with
/// <see cref="CompoundReplyWalker"/>. The replies are the fixtures of ReplyFuzzTests in DokanNfs.Core.Tests
/// (tests/DokanNfs.Core.Tests/Fixtures/ganesha-replies): with DOKANNFS_CAPTURE_FIXTURES=1 this test
/// rewrites them; otherwise it checks that every committed fixture's step still produces a reply of the
/// same shape, so the fixtures stay what a real server sends.
/// </summary>
[TestClass]
public sealed class GaneshaReplyCaptureTests(TestContext testContext) : GaneshaTestBase(testContext)
{
    private const string RegenerateVariable = "DOKANNFS_CAPTURE_FIXTURES";

    [TestMethod]
    public async Task Every_reply_of_the_scenario_decodes_with_the_walker_and_matches_the_fixtures()
    {
        var server = await Servers.StartAsync(cancellationToken: Ct);
        await using var proxy = RecordingProxy.Start(server.EndPoint);
        await using (var scenario = new CaptureScenario(server, proxy, Ct))
        {
            await scenario.RunAsync();
        }

        var captured = proxy.Replies;
        var fixtures = new List<ReplyFixture>();
        var seen = new HashSet<(string, string)>();
        foreach (var reply in captured)
        {
            // Every reply a real server sent must decode; any exception here is a decoder bug.
            var summary = ReplyDecoding.DecodeRecord(reply.Record).ToString();
            if (seen.Add((reply.Step, summary)))
            {
                fixtures.Add(new ReplyFixture($"{fixtures.Count:D3}-{reply.Step}.bin", reply.Step, summary, reply.Record));
            }
        }

        foreach (var fixture in fixtures)
        {
            TestContext.WriteLine($"{fixture.File}\t{fixture.Record.Length} bytes\t{fixture.Summary}");
        }

        AssertCoversTheClientsOperations(fixtures);
        var directory = FixtureDirectory();
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            ReplyFixtures.Save(
                directory,
                fixtures,
                $"Reply records captured from NFS-Ganesha by GaneshaReplyCaptureTests ({RegenerateVariable}=1 rewrites them).\n"
                + "file<TAB>scenario step<TAB>what CompoundReplyWalker decodes: COMPOUND status: op status, ...");
            return;
        }

        // The committed fixtures must still be what the scenario produces: same steps, same shapes.
        var committed = ReplyFixtures.Load(directory);
        Assert.IsGreaterThan(0, committed.Count, "no committed fixtures");
        foreach (var fixture in committed)
        {
            Assert.Contains(
                (fixture.Step, fixture.Summary),
                seen,
                $"{fixture.File}: step '{fixture.Step}' no longer yields '{fixture.Summary}'. Rerun with {RegenerateVariable}=1 if the change is intended.");
        }
    }

    private static void AssertCoversTheClientsOperations(List<ReplyFixture> fixtures)
    {
        var all = string.Join('\n', fixtures.Select(f => f.Summary));
        string[] required =
        [
            "SetClientId Ok", "SetClientIdConfirm Ok", "PutRootFh Ok", "PutFh Ok", "Lookup Ok", "GetFh Ok", "GetAttr Ok",
            "ReadDir Ok", "Open Ok", "OpenConfirm Ok", "Read Ok", "Write Ok", "Commit Ok", "SetAttr Ok", "Create Ok",
            "Remove Ok", "Rename Ok", "Link Ok", "ReadLink Ok", "Access Ok", "Lock Ok", "Lock Denied", "LockT Ok",
            "LockT Denied", "LockU Ok", "ReleaseLockOwner Ok", "OpenDowngrade Ok", "Close Ok", "Lookup NoEnt",
            "SaveFh Ok", "RestoreFh Ok", "LookupP Ok", "Renew Ok", "SecInfo Ok", "Verify Ok", "NVerify Same",
        ];
        foreach (var op in required)
        {
            Assert.Contains(op, all, $"no captured reply holds '{op}'");
        }
    }

    /// <summary>tests/DokanNfs.Core.Tests/Fixtures/ganesha-replies in the source tree (found from the build output).</summary>
    private static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DokanNfs.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "DokanNfs.Core.Tests", "Fixtures", "ganesha-replies");
            }
        }

        throw new InvalidOperationException($"No DokanNfs.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The scenario: each step names itself on the proxy, then makes the client do one thing.</summary>
    private sealed class CaptureScenario(GaneshaServer server, RecordingProxy proxy, CancellationToken ct) : IAsyncDisposable
    {
        private const string Root = "/export";

        /// <summary>
        /// Directory handles stay cached for the whole scenario, so every path walk has the same shape on
        /// every run (PUTFH of the cached parent, not PUTROOTFH) however slow the machine.
        /// </summary>
        private static readonly NfsClientOptions Options = new() { DirectoryHandleCacheTime = TimeSpan.FromHours(1) };

        private readonly List<IAsyncDisposable> _owned = [];

        public async Task RunAsync()
        {
            File.WriteAllText(server.PathInExport("hello.txt"), "hello, ganesha\n");
            Directory.CreateDirectory(server.PathInExport("list/sub"));
            for (var i = 0; i < 6; i++)
            {
                File.WriteAllText(server.PathInExport($"list/file-{i}.txt"), new string('x', i * 100));
            }

            File.CreateSymbolicLink(server.PathInExport("list/sym"), "file-1.txt");
            server.MakeReferral("list/away", "127.0.0.9:/export");

            var identity = ClientIdentity.Create();
            var a = Own(new NfsClient(proxy.EndPoint, Options with { Identity = identity }));
            await StepAsync("setclientid", () => a.EnsureClientIdAsync(ct));
            var info = await StepAsync("fsinfo", () => a.GetFsInfoAsync(ct));
            await StepAsync("walk-getattr", () => a.GetAttrAsync($"{Root}/hello.txt", ct));
            await StepAsync("walk-noent", () => ExpectNfsErrorAsync(NfsStat4.NoEnt, () => a.GetAttrAsync($"{Root}/missing.txt", ct)));
            await StepAsync("readdir", () => ListAsync(a.ReadDirAsync($"{Root}/list", cancellationToken: ct)));
            await StepAsync("readdir-fs-locations", () => ListAsync(a.ReadDirAsync($"{Root}/list", AttributeRequests.Stat.With(FAttr4.FsLocations), ct)));
            var paged = Own(new NfsClient(proxy.EndPoint, Options with { Identity = ClientIdentity.Create(), ReadDirMaxCount = 1024 }));
            await StepAsync("readdir-paged", () => ListAsync(paged.ReadDirAsync($"{Root}/list", cancellationToken: ct)));
            await StepAsync("referral-getattr", () => a.GetReferralAttrAsync($"{Root}/list/away", ct));
            await StepAsync("referral-moved", () => ExpectNfsErrorAsync(NfsStat4.Moved, () => a.GetAttrAsync($"{Root}/list/away/inner", ct)));

            await StepAsync("mkdir", () => a.CreateDirectoryAsync($"{Root}/work", null, ct));
            var fileA = await StepAsync("open-create", () => a.OpenAsync($"{Root}/work/data.bin", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, ct));
            var payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789abcdef", 200)));
            await StepAsync("write-unstable", () => fileA.WriteAsync(0, payload, StableHow4.Unstable, ct));
            await StepAsync("commit", () => fileA.CommitAsync(ct));
            await StepAsync("write-filesync", () => fileA.WriteAsync(payload.Length, payload.AsMemory(0, 100), StableHow4.FileSync, ct));
            await StepAsync("read", () => fileA.ReadAsync(0, new byte[8192], ct));
            await StepAsync("setattr-open", () => fileA.SetAttrAsync(new SetAttributes { Mode = 0x1B6 }, ct));
            await StepAsync("getattr-open", () => fileA.GetAttrAsync(ct));
            await StepAsync("access", () => a.AccessAsync($"{Root}/work/data.bin", Access4.Read | Access4.Modify | Access4.Extend | Access4.Execute, ct));
            await StepAsync("lock-new-owner", () => fileA.LockAsync(NfsLockType4.Write, 0, 100, wait: false, ct));
            await StepAsync("lock-existing-owner", () => fileA.LockAsync(NfsLockType4.Read, 200, 50, wait: false, ct));

            var b = Own(new NfsClient(proxy.EndPoint, Options with { Identity = ClientIdentity.Create() }));
            await StepAsync("setclientid-second-client", () => b.EnsureClientIdAsync(ct));
            var fileB = await StepAsync("open-existing-second-client", () => b.OpenAsync($"{Root}/work/data.bin", OpenRequest.ForReadWrite, ct));
            var denied = await StepAsync("lock-denied", () => fileB.LockAsync(NfsLockType4.Write, 10, 10, wait: false, ct));
            Assert.IsNotNull(denied, "the second client's LOCK must be denied");
            Assert.IsNotNull(await StepAsync("lockt-denied", () => fileB.TestLockAsync(NfsLockType4.Write, 0, 10, ct)));
            Assert.IsNull(await StepAsync("lockt-granted", () => fileB.TestLockAsync(NfsLockType4.Write, 5000, 10, ct)));

            // Same client id string, another principal, while the first client holds state: CLID_INUSE
            // (RFC 7530 §16.33.5). Not confirmed, so the first client's record is never replaced.
            var intruder = Own(new NfsClient(proxy.EndPoint, Options with { Identity = identity, Credential = RpcCredential.Sys(1000, 1000) }));
            await StepAsync("setclientid-other-principal", () => RawAsync(
                intruder,
                "setclientid",
                (Verifier: new Verifier4(0x1234), Id: identity.IdFor(intruder.ServerName)),
                static (ref CompoundEncoder e, (Verifier4 Verifier, byte[] Id) s) => e.SetClientId(s.Verifier, s.Id, 0, "tcp", "127.0.0.1.3.4", 1)));

            await StepAsync("locku", () => fileA.UnlockAsync(0, 100, ct));

            await StepAsync("close-with-locks", () => fileA.CloseAsync(ct));
            await StepAsync("close-second-client", () => fileB.CloseAsync(ct));

            var hello = await StepAsync("open-existing", () => a.OpenAsync($"{Root}/hello.txt", OpenRequest.ForRead, ct));
            await StepAsync("read-eof", () => hello.ReadAsync(0, new byte[100], ct));
            await StepAsync("close", () => hello.CloseAsync(ct));
            var exclusive = await StepAsync("open-exclusive", () => a.OpenAsync($"{Root}/work/excl.bin", new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Exclusive }, ct));
            await StepAsync("close-exclusive", () => exclusive.CloseAsync(ct));
            await StepAsync("open-guarded-exists", () => ExpectNfsErrorAsync(NfsStat4.Exist, () => a.OpenAsync($"{Root}/hello.txt", new OpenRequest { Create = CreateMode4.Guarded }, ct)));

            await StepAsync("symlink", () => a.CreateSymlinkAsync($"{Root}/work/link", "data.bin", null, ct));
            await StepAsync("readlink", () => a.ReadLinkAsync($"{Root}/work/link", ct));
            await StepAsync("link", () => a.LinkAsync($"{Root}/work/data.bin", $"{Root}/work/hard.bin", ct));
            await StepAsync("rename", () => a.RenameAsync($"{Root}/work/hard.bin", $"{Root}/work/renamed.bin", ct));
            await StepAsync("remove", () => a.RemoveAsync($"{Root}/work/renamed.bin", ct));
            await StepAsync("remove-notempty", () => ExpectNfsErrorAsync(NfsStat4.NotEmpty, () => a.RemoveAsync($"{Root}/work", ct)));
            await StepAsync("setattr-path", () => a.SetAttrAsync($"{Root}/hello.txt", new SetAttributes { Mode = 0x1A4 }, ct));

            await StepAsync("raw-open-upgrade-downgrade", () => OpenUpgradeDowngradeAsync(a));
            await RawCompoundsAsync(a, info.SupportedAttrs ?? AttributeRequests.Stat);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var owned in _owned)
            {
                await owned.DisposeAsync();
            }
        }

        /// <summary>Operations the client has no method for, sent as raw COMPOUNDs and decoded by the walker.</summary>
        private async Task RawCompoundsAsync(NfsClient a, Bitmap4 supported)
        {
            // Everything the server supports but the write-only time_access_set / time_modify_set (RFC 7530 §5.5).
            var readable = new Bitmap4(supported.Word0, supported.Word1 & ~((1u << (FAttr4.TimeAccessSet - 32)) | (1u << (FAttr4.TimeModifySet - 32))), supported.Word2);
            await StepAsync("raw-getattr-all", () => RawAsync(a, "getattr-all", readable, static (ref CompoundEncoder e, Bitmap4 r) =>
            {
                e.PutRootFh();
                e.Lookup("export");
                e.Lookup("hello.txt");
                e.GetAttr(r);
            }));
            await StepAsync("raw-readdir-all", () => RawAsync(a, "readdir-all", readable.With(FAttr4.RdAttrError), static (ref CompoundEncoder e, Bitmap4 r) =>
            {
                e.PutRootFh();
                e.Lookup("export");
                e.Lookup("list");
                e.ReadDir(0, default, 8192, 65536, r);
            }));
            byte[] directory = [0, 0, 0, (byte)NfsFtype4.Dir];
            await StepAsync("raw-verify", () => RawAsync(a, "verify", directory, static (ref CompoundEncoder e, byte[] type) =>
            {
                e.PutRootFh();
                e.Verify(NfsOpnum4.Verify, Bitmap4.Of(FAttr4.Type), type);
                e.GetFh();
            }));
            await StepAsync("raw-nverify-same", () => RawAsync(a, "nverify", directory, static (ref CompoundEncoder e, byte[] type) =>
            {
                e.PutRootFh();
                e.Verify(NfsOpnum4.NVerify, Bitmap4.Of(FAttr4.Type), type);
                e.GetFh();
            }));
            await StepAsync("raw-savefh-lookupp", () => RawAsync(a, "lookupp", 0, static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.Lookup("export");
                e.SaveFh();
                e.LookupP();
                e.RestoreFh();
                e.GetFh();
            }));
            await StepAsync("raw-renew", () => RawAsync(a, "renew", a.ClientId, static (ref CompoundEncoder e, ulong id) => e.Renew(id)));
            await StepAsync("raw-secinfo", () => RawAsync(a, "secinfo", 0, static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.SecInfo("export");
            }));
            await StepAsync("raw-putpubfh", () => RawAsync(a, "putpubfh", 0, static (ref CompoundEncoder e, int _) =>
            {
                e.BeginOp(NfsOpnum4.PutPubFh);
                e.GetFh();
            }));
            await StepAsync("raw-illegal", () => RawAsync(a, "illegal", 0, static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.BeginOp((NfsOpnum4)99);
            }));
            await StepAsync("raw-delegreturn-bad-stateid", () => RawAsync(a, "delegreturn", 0, static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.Lookup("export");
                e.Lookup("hello.txt");
                e.DelegReturn(new StateId4(1, 0x0102030405060708, 0x090A0B0C));
            }));
            await StepAsync("raw-openattr", () => RawAsync(a, "openattr", 0, static (ref CompoundEncoder e, int _) =>
            {
                e.PutRootFh();
                e.BeginOp(NfsOpnum4.OpenAttr).WriteBool(false);
            }));
            await StepAsync("raw-delegpurge", () => RawAsync(a, "delegpurge", a.ClientId, static (ref CompoundEncoder e, ulong id) => e.BeginOp(NfsOpnum4.DelegPurge).WriteUInt64(id)));
            // A minor version no server speaks, straight on the RPC client (NfsClient speaks 4.0 and 4.1 only).
            await StepAsync("raw-minor-version-mismatch", () => a.Rpc.CallAsync(
                NfsProgram.Program,
                NfsProgram.Version4,
                NfsProgram.ProcCompound,
                new CompoundArgs<int>("minor-9", 9, 0, static (ref CompoundEncoder e, int _) => e.PutRootFh()),
                static (ref XdrReader r) => CompoundReplyWalker.Walk(ref r),
                CancellationToken.None));
        }

        /// <summary>
        /// One open-owner opens work/data.bin for reading, then for both (the server upgrades the same open),
        /// then downgrades to reading (RFC 7530 §16.19) and closes: seqids 0 to 4, by hand.
        /// </summary>
        private async Task OpenUpgradeDowngradeAsync(NfsClient a)
        {
            var owner = new StateOwner4(a.ClientId, "capture-downgrade"u8.ToArray());
            var (first, fh) = await OpenRawAsync(a, owner, 0, OpenShareAccess.Read);
            var stateId = first.StateId;
            var seqid = 1u;
            if (first.NeedsConfirm)
            {
                stateId = await a.AttemptAsync("open_confirm", (fh, stateId, seqid), static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, uint SeqId) c) =>
                {
                    e.PutFh(c.Fh);
                    e.OpenConfirm(c.StateId, c.SeqId);
                }, static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    return results.OpenConfirm(ref r);
                }, ct);
                seqid++;
            }

            var (upgraded, _) = await OpenRawAsync(a, owner, seqid++, OpenShareAccess.Both);
            stateId = await a.AttemptAsync("open_downgrade", (fh, upgraded.StateId, seqid++), static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, uint SeqId) c) =>
            {
                e.PutFh(c.Fh);
                e.OpenDowngrade(c.StateId, c.SeqId, OpenShareAccess.Read, OpenShareDeny.None);
            }, static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutFh(ref r);
                return results.OpenDowngrade(ref r);
            }, ct);
            await a.AttemptAsync("close", (fh, stateId, seqid), static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, uint SeqId) c) =>
            {
                e.PutFh(c.Fh);
                e.Close(c.SeqId, c.StateId);
            }, static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutFh(ref r);
                return results.Close(ref r);
            }, ct);
        }

        private ValueTask<(OpenResult Open, NfsFh Fh)> OpenRawAsync(NfsClient a, StateOwner4 owner, uint seqid, OpenShareAccess access) =>
            a.AttemptAsync("open", (owner, seqid, access), static (ref CompoundEncoder e, (StateOwner4 Owner, uint SeqId, OpenShareAccess Access) c) =>
            {
                e.PutRootFh();
                e.Lookup("export");
                e.Lookup("work");
                e.Open(c.SeqId, c.Access, OpenShareDeny.None, c.Owner, null, null, default, OpenClaim4.ByName("data.bin"));
                e.GetFh();
            }, static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutRootFh(ref r);
                results.Lookup(ref r);
                results.Lookup(ref r);
                var open = results.Open(ref r);
                return (open, results.GetFh(ref r));
            }, ct);

        private static ValueTask<CompoundReplySummary> RawAsync<TState>(NfsClient client, string tag, TState state, CompoundOpsEncoder<TState> ops) =>
            client.AttemptAsync(tag, state, ops, static (ref XdrReader r) => CompoundReplyWalker.Walk(ref r), CancellationToken.None);

        private static async Task ExpectNfsErrorAsync<T>(NfsStat4 status, Func<ValueTask<T>> action)
        {
            var ex = await Assert.ThrowsAsync<NfsException>(async () => await action());
            Assert.AreEqual(status, ex.Status, ex.Message);
        }

        private static async Task ListAsync(IAsyncEnumerable<NfsDirEntry> entries)
        {
            var count = 0;
            await foreach (var entry in entries)
            {
                count++;
            }

            Assert.IsGreaterThan(5, count);
        }

        private NfsClient Own(NfsClient client)
        {
            _owned.Add(client);
            return client;
        }

        private async Task<T> StepAsync<T>(string step, Func<ValueTask<T>> action)
        {
            proxy.Step = step;
            return await action();
        }

        private async Task StepAsync(string step, Func<ValueTask> action)
        {
            proxy.Step = step;
            await action();
        }

        private async Task StepAsync(string step, Func<Task> action)
        {
            proxy.Step = step;
            await action();
        }
    }
}
