using System.Diagnostics;
using System.Security.Cryptography;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>A 256 MiB file up and down, streamed in 4 MiB chunks and compared by SHA-256 on every leg.</summary>
[TestClass]
public sealed class LargeFileTests(TestContext testContext) : ClientTestBase(testContext)
{
    private const int Chunk = 4 * 1024 * 1024;
    private const long Size = 256L * 1024 * 1024;

    [TestMethod]
    public async Task File_of_256_MiB_is_copied_up_and_down_byte_identical()
    {
        var server = await StartServerAsync();
        var client = Connect(server);
        var buffer = new byte[Chunk];
        var stopwatch = Stopwatch.StartNew();

        // Up: chunks from a seeded generator, hashed as they go; the client never holds the whole file.
        byte[] sent;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var random = new Random(256);
            await using var file = await client.OpenAsync(Nfs("big.bin"), new OpenRequest { Access = OpenShareAccess.Write, Create = CreateMode4.Guarded }, Ct);
            for (long offset = 0; offset < Size; offset += Chunk)
            {
                random.NextBytes(buffer);
                hash.AppendData(buffer);
                await file.WriteAsync(offset, buffer, StableHow4.Unstable, Ct);
                Assert.IsLessThanOrEqualTo(NfsOpenFileLimits.MaxUncommittedBytes + Chunk, file.UncommittedBytes, "uncommitted data stays bounded");
            }

            await file.CloseAsync(Ct);
            sent = hash.GetHashAndReset();
        }

        var up = stopwatch.Elapsed;
        var host = server.PathInExport("big.bin");
        Assert.AreEqual(Size, new FileInfo(host).Length);
        byte[] onServer;
        await using (var stream = new FileStream(host, FileMode.Open, FileAccess.Read, FileShare.Read, Chunk))
        {
            onServer = await SHA256.HashDataAsync(stream, Ct);
        }

        CollectionAssert.AreEqual(sent, onServer, "the server's file is what was sent");

        // Down: read in chunks, hashed as they come.
        stopwatch.Restart();
        byte[] received;
        long total = 0;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            await using var file = await client.OpenAsync(Nfs("big.bin"), OpenRequest.ForRead, Ct);
            Assert.AreEqual((ulong)Size, file.Attributes.Size);
            while (true)
            {
                var count = await file.ReadAsync(total, buffer, Ct);
                if (count == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, count);
                total += count;
            }

            received = hash.GetHashAndReset();
        }

        TestContext.WriteLine($"256 MiB up in {up.TotalSeconds:F1} s, down in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.AreEqual(Size, total);
        CollectionAssert.AreEqual(sent, received, "what came down is what went up");
    }
}
