using System.Globalization;
using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.TestSupport.Ganesha;
using DokanNfs.TestSupport.Host;

namespace DokanNfs.Integration.Tests.Client;

/// <summary>
/// What every client test against Ganesha needs: servers started per test (MSTest makes an instance per
/// test), clients with a fresh <see cref="ClientIdentity"/> each, disposed before the servers, and the
/// server logs written out when a test fails.
/// </summary>
public abstract class ClientTestBase(TestContext testContext) : GaneshaTestBase(testContext)
{
    /// <summary>The pseudo path of the single export every test server has.</summary>
    protected const string Export = "/export";

    private readonly List<IAsyncDisposable> _disposables = [];

    /// <summary>The NFS path of <paramref name="relative"/> inside the export.</summary>
    protected static string Nfs(string relative) => NfsPath.Combine(Export, relative);

    /// <summary><paramref name="length"/> bytes, the same for the same seed.</summary>
    protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected override async ValueTask DisposeBeforeServersAsync()
    {
        // Clients (and taps) first, newest first, so nothing talks to a server that is going away.
        for (var i = _disposables.Count - 1; i >= 0; i--)
        {
            try
            {
                await _disposables[i].DisposeAsync();
            }
            catch (Exception ex) when (ex is NfsException or RpcException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                TestContext.WriteLine($"cleanup: {ex.GetType().Name}: {ex.Message}");
            }
        }

        _disposables.Clear();
    }

    /// <summary>
    /// For tests that rename or delete directories in the export behind the server's back after it has
    /// looked in them: Ganesha's dirent cache (MDCACHE Dir_Chunk, 128 by default) keeps answering LOOKUPs
    /// from the old names even with Attr_Expiration_Time = 0; with Dir_Chunk = 0 names are looked up live.
    /// </summary>
    protected static GaneshaOptions LiveNames { get; } = new() { ConfigTransform = static conf => conf + "MDCACHE { Dir_Chunk = 0; }\n" };


    /// <summary>
    /// <paramref name="options"/> (or the defaults) speaking <paramref name="version"/>: what a test run for both NFSv4.0
    /// and NFSv4.1 ([DataRow(NfsVersion.V40)] [DataRow(NfsVersion.V41)]) connects with.
    /// </summary>
    protected static NfsClientOptions Vers(NfsVersion version, NfsClientOptions? options = null) => (options ?? new NfsClientOptions()) with { Version = version };

    /// <summary>A client of <paramref name="server"/> with an identity of its own, disposed at cleanup.</summary>
    protected NfsClient Connect(GaneshaServer server, NfsClientOptions? options = null) => Connect(server.EndPoint, options);

    protected NfsClient Connect(EndPoint endPoint, NfsClientOptions? options = null)
    {
        options ??= new NfsClientOptions();
        if (options.Identity is null)
        {
            options = options with { Identity = ClientIdentity.Create() };
        }

        var client = new NfsClient(endPoint, options);
        _disposables.Add(client);
        return client;
    }

    /// <summary>A tap in front of <paramref name="server"/> that counts the COMPOUNDs going through it.</summary>
    protected RpcTap Tap(GaneshaServer server, bool decodeRequests = false)
    {
        var tap = RpcTap.Start(server.EndPoint, decodeRequests);
        _disposables.Add(tap);
        return tap;
    }

    /// <summary>Registers an open file (or anything) to be disposed at cleanup, before the servers stop.</summary>
    protected T Track<T>(T disposable)
        where T : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    protected async Task<List<NfsDirEntry>> ListAsync(NfsClient client, string path, Bitmap4? attributes = null)
    {
        var entries = new List<NfsDirEntry>();
        await foreach (var entry in client.ReadDirAsync(path, attributes, Ct))
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>The uid and gid of a host file, as the server's file system has them (.NET has no API for it).</summary>
    protected static (int Uid, int Gid) HostOwner(string hostPath)
    {
        var text = HostCommand.Run("stat", "-c", "%u:%g", hostPath).Trim();
        var parts = text.Split(':');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The permission bits of a host file.</summary>
    protected static UnixFileMode HostMode(string hostPath) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("Ganesha tests run on Linux.") : File.GetUnixFileMode(hostPath);

    protected static void SetHostMode(string hostPath, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Ganesha tests run on Linux.");
        }

        File.SetUnixFileMode(hostPath, mode);
    }

    /// <summary>The inode number of a host file: what Ganesha's VFS FSAL reports as fileid.</summary>
    protected static ulong HostInode(string hostPath) =>
        ulong.Parse(HostCommand.Run("stat", "-c", "%i", hostPath).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The bytes a host file really occupies (st_blocks × 512): small for a sparse file.</summary>
    protected static long HostAllocatedBytes(string hostPath) =>
        long.Parse(HostCommand.Run("stat", "-c", "%b", hostPath).Trim(), CultureInfo.InvariantCulture) * 512;
}
