using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DokanNfs.Core.Client;
using DokanNfs.Core.Rpc;
using DokanNfs.Namespace;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli;

/// <summary>Makes the <see cref="NfsClient"/> a command talks through.</summary>
internal static class ClientFactory
{
    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromSeconds(10);

    private static readonly Lazy<ClientIdentity> Identity = new(LoadIdentity);

    /// <summary>
    /// Test-only: the port referral targets are reached on instead of 2049, so that tests can put a proxy
    /// (or a server that cannot bind 2049) behind a referral. Not an option users are meant to set.
    /// </summary>
    internal const string ReferralPortVariable = "DOKANNFS_REFERRAL_PORT";

    /// <summary>The run's logging (CliRuntime sets it); null: the clients log nothing.</summary>
    public static ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The category the client core logs under.</summary>
    public const string ClientLogCategory = "DokanNfs.Client";

    /// <summary>
    /// The server's whole namespace as a drive whose paths are the server's own paths (mounted at "/"), so
    /// that a command's path is the URL's path and referrals on the way are followed transparently.
    /// </summary>
    public static async Task<RemoteDrive> MountAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var server = new IPEndPoint(await ResolveAsync(settings.Host, cancellationToken), settings.Port);
        var client = Connect(settings, server);
        try
        {
            var options = new NamespaceOptions
            {
                ReferralPort = ReferralPort(),
                ProbeTimeout = settings.Timeout < MaxConnectTimeout ? settings.Timeout : MaxConnectTimeout,

                // One command is one short-lived drive: nothing to harvest.
                IdleExpiry = Timeout.InfiniteTimeSpan,
            };
            var fs = await NamespaceFileSystem.MountAsync(client, server, "/", options, cancellationToken);
            return new RemoteDrive(client, fs);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Resolves the host and makes a client; nothing is sent until the first operation, whose failure to
    /// connect then surfaces as <see cref="RpcConnectException"/>.
    /// </summary>
    public static async Task<NfsClient> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Connect(settings, new IPEndPoint(await ResolveAsync(settings.Host, cancellationToken), settings.Port));
    }

    private static NfsClient Connect(ConnectionSettings settings, IPEndPoint server)
    {
        var options = new NfsClientOptions
        {
            Version = settings.Version,
            Credential = RpcCredential.Sys(settings.Uid, settings.Gid),
            CallTimeout = settings.Timeout,
            ConnectTimeout = settings.Timeout < MaxConnectTimeout ? settings.Timeout : MaxConnectTimeout,
            Identity = Identity.Value,

            // A command is not a mount: it reports a server that stops answering after its timeout.
            Mount = NfsMountType.Soft,
            SoftTimeout = settings.Timeout,
            ServerName = settings.Host,
            WriteBehindBytes = NfsClientOptions.DefaultWriteBehindBytes,

            // The commands are asynchronous throughout: nothing blocks in a reply's continuation.
            InlineReplyContinuations = true,
        };
        return new NfsClient(server, options, LoggerFactory?.CreateLogger(ClientLogCategory));
    }

    public static int ReferralPort()
    {
        var text = Environment.GetEnvironmentVariable(ReferralPortVariable);
        if (string.IsNullOrEmpty(text))
        {
            return NamespaceOptions.NfsPort;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw CliException.BadArguments($"{ReferralPortVariable}={text} is not a port number.");
    }

    public static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
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
