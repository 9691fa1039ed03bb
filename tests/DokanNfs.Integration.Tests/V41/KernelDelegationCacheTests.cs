using System.Text;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Integration.Tests.Client;
using DokanNfs.TestSupport.KernelNfs;

namespace DokanNfs.Integration.Tests.V41;

/// <summary>
/// What a read delegation from Linux knfsd lets the client serve without round trips (issue 10 §6, RFC 8881 §10.4):
/// the file's attributes past acregmax, and its data to re-opens. COMPOUNDs are counted by a tap in front of the
/// guest's relay; a recall by another client's open for write ends both, and the next look goes to the server.
/// </summary>
[TestClass]
public sealed class KernelDelegationCacheTests(TestContext testContext)
{
    private static readonly TimeSpan AcReg = TimeSpan.FromSeconds(1);

    private CancellationToken Ct => testContext.CancellationToken;

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public async Task A_delegated_files_stat_costs_nothing_after_acregmax_and_sees_the_other_clients_change_after_the_recall()
    {
        await using var server = await KernelNfsServer.StartAsync(cancellationToken: Ct);
        await using var other = NewClient(server.EndPoint, delegations: false);
        await WriteAsync(other, "/s.txt", "hello");
        await using var tap = RpcTap.Start(server.EndPoint);
        await using var client = NewClient(tap.EndPoint, delegations: true);
        await using (var file = await client.OpenAsync("/s.txt", OpenRequest.ForRead, Ct))
        {
            Assert.AreEqual(OpenDelegationType4.Read, file.Delegation.Type, server.Console);
        }

        Assert.AreEqual(5UL, (await client.GetAttrAsync("/s.txt", Ct)).Attributes.Size);
        tap.Reset();
        await Task.Delay(AcReg * 1.5, Ct);
        Assert.AreEqual(5UL, (await client.GetAttrAsync("/s.txt", Ct)).Attributes.Size);
        Assert.IsEmpty(tap.Calls, "past acregmax, the delegation keeps the attributes: " + Describe(tap));

        await WriteAsync(other, "/s.txt", "hello, world");
        Assert.AreEqual(1L, client.DelegationsReturned, "the other client's open recalled the delegation");
        tap.Reset();
        Assert.AreEqual(12UL, (await client.GetAttrAsync("/s.txt", Ct)).Attributes.Size, "the stat after the recall asks the server");
        Assert.IsNotEmpty(tap.Calls);
    }

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public async Task A_reopen_under_the_delegation_reads_with_no_READ_and_after_a_recall_the_new_data_is_read()
    {
        await using var server = await KernelNfsServer.StartAsync(cancellationToken: Ct);
        await using var other = NewClient(server.EndPoint, delegations: false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = Pattern(100_000, 1);
        await WriteAsync(other, "/d.bin", first);
        testContext.WriteLine($"written: {clock.Elapsed}");
        await using var tap = RpcTap.Start(server.EndPoint);
        await using var client = NewClient(tap.EndPoint, delegations: true);
        await using (var file = await client.OpenAsync("/d.bin", OpenRequest.ForRead, Ct))
        {
            Assert.AreEqual(OpenDelegationType4.Read, file.Delegation.Type, server.Console);
            CollectionAssert.AreEqual(first, await ReadAllAsync(file));
        }

        testContext.WriteLine($"read: {clock.Elapsed}");
        Assert.IsGreaterThan(0L, client.DelegatedDataBytes, "what was read under the delegation is kept");
        tap.Reset();
        await using (var again = await client.OpenAsync("/d.bin", OpenRequest.ForRead, Ct))
        {
            Assert.IsTrue(again.IsLocalUnderDelegation);
            CollectionAssert.AreEqual(first, await ReadAllAsync(again));
        }

        Assert.IsEmpty(tap.Calls, "re-open and read under the delegation: no OPEN, no READ: " + Describe(tap));

        var second = Pattern(100_000, 2);
        await WriteAsync(other, "/d.bin", second);
        testContext.WriteLine($"recalled: {clock.Elapsed}");
        Assert.AreEqual(1L, client.DelegationsReturned);
        Assert.AreEqual(0L, client.DelegatedDataBytes, "the data went with the delegation");
        tap.Reset();
        await using (var reread = await client.OpenAsync("/d.bin", OpenRequest.ForRead, Ct))
        {
            CollectionAssert.AreEqual(second, await ReadAllAsync(reread));
        }

        Assert.IsNotEmpty(tap.CallsTagged("open"), Describe(tap));
    }

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public async Task After_knfsd_restarts_the_delegation_is_reclaimed_but_the_data_kept_under_the_old_one_is_read_again()
    {
        await using var server = await KernelNfsServer.StartAsync(cancellationToken: Ct);
        await using var other = NewClient(server.EndPoint, delegations: false);
        var data = Pattern(10_000, 3);
        await WriteAsync(other, "/r.bin", data);
        await using var tap = RpcTap.Start(server.EndPoint);
        var log = new DokanNfs.TestSupport.Logging.RecordingLogger();
        await using var client = NewClient(tap.EndPoint, delegations: true, log);
        await using (var file = await client.OpenAsync("/r.bin", OpenRequest.ForRead, Ct))
        {
            Assert.AreEqual(OpenDelegationType4.Read, file.Delegation.Type, server.Console);
            CollectionAssert.AreEqual(data, await ReadAllAsync(file));
        }

        Assert.IsGreaterThan(0L, client.DelegatedDataBytes);
        var generation = client.ClientIdGeneration;

        await server.RestartNfsdAsync(Ct);
        // Any call to the server meets the restart (a stale session and client id): recovery runs, with its reclaims.
        await Assert.ThrowsAsync<NfsException>(async () => await client.GetAttrAsync("/absent", Ct));
        await client.Session!.ReclaimCompletion.WaitAsync(Ct);
        Assert.IsGreaterThan(generation, client.ClientIdGeneration, "the client saw the restart");
        Assert.AreEqual(0L, client.DelegatedDataBytes, "the data went with the old delegation");
        Assert.HasCount(1, log.WithId(2258), "reclaimed with OPEN CLAIM_PREVIOUS naming the delegation type: " + string.Join("; ", log.Events));
        Assert.AreEqual(1, client.Delegations.Count, "held again after the restart");

        tap.Reset();
        await using (var again = await client.OpenAsync("/r.bin", OpenRequest.ForRead, Ct))
        {
            CollectionAssert.AreEqual(data, await ReadAllAsync(again));
        }

        Assert.IsNotEmpty(tap.CallsTagged("read"), "the data of the old delegation was not trusted: read from the server");
    }

    private static NfsClient NewClient(System.Net.IPEndPoint endPoint, bool delegations, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(endPoint, new NfsClientOptions
        {
            Identity = ClientIdentity.Create(),
            Version = NfsVersion.V41,
            Delegations = delegations,
            AcRegMin = AcReg,
            AcRegMax = AcReg,
        }, logger);

    private async Task WriteAsync(NfsClient client, string path, string text) => await WriteAsync(client, path, Encoding.ASCII.GetBytes(text));

    private async Task WriteAsync(NfsClient client, string path, byte[] data)
    {
        var request = new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked, Truncate = true };
        await using var file = await client.OpenAsync(path, request, Ct);
        await file.WriteAsync(0, data, StableHow4.FileSync, Ct);
    }

    private async Task<byte[]> ReadAllAsync(NfsOpenFile file)
    {
        var buffer = new byte[256 * 1024];
        var total = 0;
        while (true)
        {
            var read = await file.ReadAsync(total, buffer.AsMemory(total), Ct);
            if (read == 0)
            {
                return buffer[..total];
            }

            total += read;
        }
    }

    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 31) + seed);
        }

        return data;
    }

    private static string Describe(RpcTap tap) => string.Join("; ", tap.Calls.Select(c => $"{c.Tag}({c.OpCount})"));
}
