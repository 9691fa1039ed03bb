using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.FakeServer;
using static DokanNfs.Core.Tests.Rpc.RpcTestSupport;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>RFC 5531 §11 record marking in both directions: replies split many ways, calls split by MaxFragmentSize.</summary>
[TestClass]
public sealed class RpcClientFragmentTests
{
    /// <summary>The call header with AUTH_NONE: xid, CALL, rpcvers, prog, vers, proc, and two empty opaque_auths.</summary>
    private const int CallHeaderSize = 40;

    /// <summary>The reply header of an accepted SUCCESS with an AUTH_NONE verifier.</summary>
    private const int ReplyHeaderSize = 24;

    [TestMethod]
    public async Task Reply_InFragmentsOfZeroAndOneByte_IsReassembled()
    {
        var results = Pattern(1000);
        await using var server = await FakeRpcServer.StartAsync(_ =>
            FakeReply.Success(results).InFragments(0, 1, 0, 1, 1, 2, 3, 0, 5, 8, 13, 0, 21, 1, 0, 100, 1));
        await using var client = NewClient(server);

        CollectionAssert.AreEqual(results, await client.CallBytesAsync([1, 2, 3, 4]).Within(Generous));
    }

    [TestMethod]
    public async Task Reply_WhoseLastFragmentIsEmpty_IsReassembled()
    {
        var results = Pattern(64);
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.Success(results).InFragments(ReplyHeaderSize, 1, 63));
        await using var client = NewClient(server);

        CollectionAssert.AreEqual(results, await client.CallBytesAsync([]).Within(Generous));
    }

    [TestMethod]
    [DataRow(2)]
    [DataRow(7)]
    [DataRow(ReplyHeaderSize + 200)]
    [DataRow(1000)]
    public async Task Reply_InEqualFragments_IsReassembled(int fragments)
    {
        // 224 fragments are one byte each; 1000 fragments leave most of them empty.
        var results = Pattern(200);
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.Success(results).InFragments(fragments));
        await using var client = NewClient(server);

        CollectionAssert.AreEqual(results, await client.CallBytesAsync([]).Within(Generous));
    }

    [TestMethod]
    public async Task Reply_ArrivingOneByteAtATime_IsReassembled()
    {
        // Every header and body is cut between reads, including the four bytes of each fragment header.
        var results = Pattern(100);
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.Success(results).InFragments(5).InChunks(1));
        await using var client = NewClient(server);

        CollectionAssert.AreEqual(results, await client.CallBytesAsync([]).Within(Generous));
    }

    [TestMethod]
    public async Task LargeReply_InLargeFragments_IsReassembled()
    {
        // Fragments far larger than the client's receive buffer take its direct-to-record path.
        var results = Pattern(1_000_000);
        await using var server = await FakeRpcServer.StartAsync(_ => FakeReply.Success(results).InFragments(300_000, 7, 1).InChunks(100_000));
        await using var client = NewClient(server);

        CollectionAssert.AreEqual(results, await client.CallBytesAsync([]).Within(Generous));
    }

    [TestMethod]
    public async Task ManyFragmentedReplies_BackToBack_AreEachReassembled()
    {
        await using var server = await FakeRpcServer.StartAsync(call => FakeReply.Success(call.Args.Span).InFragments(3, 0, 5));
        await using var client = NewClient(server);

        var calls = Enumerable.Range(0, 50).Select(i => client.CallBytesAsync(Pattern(4 * i)).AsTask()).ToArray();
        var replies = await Task.WhenAll(calls).WaitAsync(Generous);

        for (var i = 0; i < replies.Length; i++)
        {
            CollectionAssert.AreEqual(Pattern(4 * i), replies[i]);
        }
    }

    [TestMethod]
    [DataRow(100, 1000)]
    [DataRow(1, 20)]
    [DataRow(7, 64)]
    [DataRow(39, 0)]
    [DataRow(40, 0)]
    [DataRow(64, 24)]
    [DataRow(65, 24)]
    [DataRow(8192, 100_000)]
    public async Task Call_OverMaxFragmentSize_GoesOutInFragments_WhichTheServerReassembles(int maxFragmentSize, int argsLength)
    {
        var args = Pattern(argsLength);
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server, new RpcClientOptions { CallTimeout = Generous, MaxFragmentSize = maxFragmentSize });

        CollectionAssert.AreEqual(args, await client.CallBytesAsync(args).Within(Generous));

        var call = server.Calls.Single();
        var bodyLength = CallHeaderSize + argsLength;
        var expectedCount = (bodyLength + maxFragmentSize - 1) / maxFragmentSize;
        Assert.AreEqual(expectedCount, call.FragmentCount);
        Assert.AreEqual(bodyLength, call.FragmentLengths.Sum());
        Assert.IsTrue(call.FragmentLengths.SkipLast(1).All(length => length == maxFragmentSize), string.Join(",", call.FragmentLengths));
        Assert.AreEqual(bodyLength - ((expectedCount - 1) * maxFragmentSize), call.FragmentLengths[^1]);
        Assert.AreEqual(RpcTestSupport.TestProgram, call.Program);
        Assert.AreEqual(RpcTestSupport.EchoProcedure, call.Procedure);
        CollectionAssert.AreEqual(args, call.Args.ToArray());
        Assert.IsEmpty(server.Errors);
    }

    [TestMethod]
    public async Task ConcurrentFragmentedCalls_DoNotInterleaveTheirFragments()
    {
        await using var server = await FakeRpcServer.StartAsync(Echo);
        await using var client = NewClient(server, new RpcClientOptions { CallTimeout = Generous, MaxFragmentSize = 16 });

        var calls = Enumerable.Range(1, 32).Select(i => client.CallBytesAsync(Pattern(40 * i)).AsTask()).ToArray();
        var replies = await Task.WhenAll(calls).WaitAsync(Generous);

        for (var i = 0; i < replies.Length; i++)
        {
            CollectionAssert.AreEqual(Pattern(40 * (i + 1)), replies[i]);
        }

        Assert.HasCount(32, server.Calls);
        Assert.IsTrue(server.Calls.All(c => c.FragmentCount > 1));
        Assert.IsEmpty(server.Errors);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-1)]
    public void NonPositiveMaxFragmentSize_IsRefused(int maxFragmentSize)
    {
        // Bug fixed: a MaxFragmentSize of 0 made SendRecordAsync loop forever writing empty non-last fragments.
        var options = new RpcClientOptions { MaxFragmentSize = maxFragmentSize };
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RpcClient(UnusedLoopbackEndPoint(), options));
    }
}
