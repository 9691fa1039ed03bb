using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Client;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Cli;

/// <summary>Makes the <see cref="NfsClient"/> a command talks through.</summary>
internal static class ClientFactory
{
    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(10);

    private const string IdentityLockName = "client-uuid.lock";

    private static readonly Lazy<ClientIdentity> Identity = new(LoadIdentity);

    /// <summary>Held open for the life of the process: while it is, the persistent identity is ours alone.</summary>
    private static FileStream? _identityLock;

    /// <summary>
    /// Resolves the host and makes a client; nothing is sent until the first operation, whose failure to
    /// connect then surfaces as <see cref="RpcConnectException"/>.
    /// </summary>
    public static async Task<NfsClient> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var address = await ResolveAsync(settings.Host, cancellationToken);
        var options = new NfsClientOptions
        {
            MinorVersion = settings.MinorVersion,
            Credential = RpcCredential.Sys(settings.Uid, settings.Gid),
            CallTimeout = settings.Timeout,
            ConnectTimeout = settings.Timeout < MaxConnectTimeout ? settings.Timeout : MaxConnectTimeout,
            Identity = Identity.Value,
            ServerName = settings.Host,
        };
        return new NfsClient(new IPEndPoint(address, settings.Port), options);
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return literal;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new CliException(ExitCodes.ConnectionRefused, $"cannot resolve host '{host}': {ex.Message}");
        }

        // Prefer IPv4: NFS servers are far more often listening there than on v6 alone.
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new CliException(ExitCodes.ConnectionRefused, $"cannot resolve host '{host}': no addresses.");
    }

    /// <summary>
    /// The persistent identity, so that the next run releases at once whatever a crashed run left on the
    /// server, held exclusively through a lock file beside it. Two processes must never present the same
    /// id with different boot verifiers: the server takes the second as a reboot of the first and expires
    /// the first's opens mid-copy (seen as NFS4ERR_EXPIRED on CLOSE). So while another dokannfs holds the
    /// identity, and when the state directory cannot be written, this run is a throwaway client instead.
    /// </summary>
    private static ClientIdentity LoadIdentity()
    {
        var directory = ClientIdentity.DefaultStateDirectory;
        try
        {
            Directory.CreateDirectory(directory);

            // FileShare.None is an exclusive flock on Unix and a sharing mode on Windows; it is released
            // when the process exits, however it exits.
            _identityLock = new FileStream(Path.Combine(directory, IdentityLockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return ClientIdentity.LoadOrCreate(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return ClientIdentity.Create();
        }
    }
}
