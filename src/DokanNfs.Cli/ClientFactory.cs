using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Client;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Cli;

/// <summary>Makes the <see cref="NfsClient"/> a command talks through.</summary>
internal static class ClientFactory
{
    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(10);

    private static readonly Lazy<ClientIdentity> Identity = new(LoadIdentity);

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

            // A command is not a mount: it reports a server that stops answering after its timeout.
            Mount = NfsMountType.Soft,
            SoftTimeout = settings.Timeout,
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
    /// server; a throwaway one while another process (a mount, another dokannfs) holds it, or when the state
    /// directory cannot be written.
    /// </summary>
    private static ClientIdentity LoadIdentity() => ClientIdentity.AcquireOrCreateEphemeral(ClientIdentity.DefaultStateDirectory);
}
