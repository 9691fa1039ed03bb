using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.TestSupport.FakeNfs;

namespace DokanNfs.Core.Tests.Client;

/// <summary>Clients of a <see cref="FakeNfsServer"/> with short retry delays, so fault tests run fast.</summary>
internal static class FakeNfsTestSupport
{
    /// <summary>How long a test waits for anything that should happen at once.</summary>
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    public static NfsClientOptions FastOptions { get; } = new()
    {
        ServerName = "fake",
        RetryDelayMin = TimeSpan.FromMilliseconds(10),
        RetryDelayMax = TimeSpan.FromMilliseconds(80),
        RetryBudget = TimeSpan.FromSeconds(20),
        CallTimeout = TimeSpan.FromSeconds(20),
        DirectoryHandleCacheTime = TimeSpan.FromMinutes(5),

        // These tests count and fault the calls of the protocol's mechanics: no attribute or name cache answers in their
        // place (noac), and no READ rides in the OPEN's COMPOUND. The caches have tests of their own (MetadataCacheTests).
        AcRegMin = TimeSpan.Zero,
        AcRegMax = TimeSpan.Zero,
        AcDirMin = TimeSpan.Zero,
        AcDirMax = TimeSpan.Zero,
        OpenReadSize = 0,
    };

    /// <summary>A client of <paramref name="server"/> with an identity of its own.</summary>
    public static NfsClient Connect(FakeNfsServer server, NfsClientOptions? options = null) =>
        new(server.EndPoint, (options ?? FastOptions) with { Identity = ClientIdentity.Create() });

    /// <summary>Opens <paramref name="path"/> and closes it at once: the client then has a confirmed open-owner to reuse.</summary>
    public static async Task WarmUpOwnerAsync(NfsClient client, string path, CancellationToken cancellationToken)
    {
        var file = await client.OpenAsync(path, new OpenRequest { Access = OpenShareAccess.Both, Create = CreateMode4.Unchecked }, cancellationToken);
        await file.CloseAsync(cancellationToken);
    }

    /// <summary>The seqids of the seqid-bearing operations recorded from <paramref name="since"/> on, as "OPEN 3" lines.</summary>
    public static string[] SeqIds(FakeNfsServer server, int since = 0) =>
        [.. server.RecordsSince(since).SelectMany(r => r.Request.Ops).Where(o => o.OwnerSeqId is not null).Select(o => $"{o.Op} {o.OwnerSeqId}")];

    /// <summary>Asserts the fake saw nothing malformed.</summary>
    public static void AssertNoServerErrors(FakeNfsServer server) =>
        Assert.IsEmpty(server.Errors, string.Join(Environment.NewLine, server.Errors));

    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
