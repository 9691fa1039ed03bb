using System.Globalization;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

/// <summary>
/// Where an export lives: a server, a port and a path. Parsed from the forms users type:
/// <c>nfs://host[:port]/path[?key=value&amp;…]</c>, <c>host:/path</c> and <c>\\host\path</c>.
/// IPv6 literals go in brackets in the URL form (<c>nfs://[::1]/export</c>).
/// </summary>
public sealed record NfsUrl(string Host, int Port, string Path, IReadOnlyDictionary<string, string> Query)
{
    public static NfsUrl Parse(string text)
    {
        if (TryParse(text, out var url, out var error))
        {
            return url;
        }

        throw new FormatException(error);
    }

    public static bool TryParse(string text, out NfsUrl url, out string error)
    {
        url = null!;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "An NFS location is required: nfs://host/path, host:/path or \\\\host\\path.";
            return false;
        }

        text = text.Trim();
        if (text.StartsWith("nfs://", StringComparison.OrdinalIgnoreCase))
        {
            return TryParseUrl(text, out url, out error);
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            // Without this, "http://x/y" would read as host "http" and path "//x/y".
            error = $"'{text}' uses a scheme other than nfs://.";
            return false;
        }

        if (text.StartsWith(@"\\", StringComparison.Ordinal))
        {
            var rest = text[2..];
            var slash = rest.IndexOf('\\', StringComparison.Ordinal);
            var host = slash < 0 ? rest : rest[..slash];
            var path = slash < 0 ? "/" : rest[slash..].Replace('\\', '/');
            return Make(host, NfsProgram.DefaultPort, path, Empty, text, out url, out error);
        }

        // host:/path — the colon before the first slash separates host and path; [v6]:/path is allowed.
        var colon = text.StartsWith('[') ? text.IndexOf("]:", StringComparison.Ordinal) + 1 : text.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon + 1 < text.Length && text[colon + 1] == '/')
        {
            return Make(text[..colon].Trim('[', ']'), NfsProgram.DefaultPort, text[(colon + 1)..], Empty, text, out url, out error);
        }

        error = $"'{text}' is not an NFS location: use nfs://host[:port]/path, host:/path or \\\\host\\path.";
        return false;
    }

    /// <summary>A path below this one, for walking into a tree.</summary>
    public NfsUrl Append(string child) => this with { Path = Path.TrimEnd('/') + "/" + child.TrimStart('/') };

    public override string ToString()
    {
        var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        var port = Port == NfsProgram.DefaultPort ? string.Empty : ":" + Port.ToString(CultureInfo.InvariantCulture);
        return $"nfs://{host}{port}{Path}";
    }

    private static readonly Dictionary<string, string> Empty = new(StringComparer.OrdinalIgnoreCase);

    private static bool TryParseUrl(string text, out NfsUrl url, out string error)
    {
        url = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not a valid nfs:// URL.";
            return false;
        }

        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            query[key] = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? NfsProgram.DefaultPort : uri.Port;
        if (query.TryGetValue("port", out var p))
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"port={p} is not a TCP port number.";
                return false;
            }
        }

        return Make(uri.Host.Trim('[', ']'), port, Uri.UnescapeDataString(uri.AbsolutePath), query, text, out url, out error);
    }

    private static bool Make(string host, int port, string path, IReadOnlyDictionary<string, string> query, string text, out NfsUrl url, out string error)
    {
        url = null!;
        error = string.Empty;
        if (host.Length == 0)
        {
            error = $"'{text}' names no server.";
            return false;
        }

        path = "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        url = new NfsUrl(host, port, path, query);
        return true;
    }
}
