using System.Net;

namespace DokanNfs.Namespace;

/// <summary>
/// Turns a server name from fs_locations into addresses (the seed's "host/node name and IP address
/// resolution"). A seam so tests can name hosts that no DNS knows.
/// </summary>
public interface IHostResolver
{
    ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>Address literals as they are; names through <see cref="Dns"/>, every address it returns.</summary>
public sealed class DnsHostResolver : IHostResolver
{
    public static DnsHostResolver Instance { get; } = new();

    public async ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return [address];
        }

        return await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
    }
}
