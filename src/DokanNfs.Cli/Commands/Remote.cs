using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Cli.Commands;

/// <summary>Small steps on the server that several commands take.</summary>
internal static class Remote
{
    /// <summary>A directory's entries, sorted by ordinal name so output does not depend on the server's order.</summary>
    public static async Task<List<NfsDirEntry>> ListSortedAsync(NfsClient client, string path, CancellationToken cancellationToken)
    {
        var entries = new List<NfsDirEntry>();
        await foreach (var entry in client.ReadDirAsync(path, cancellationToken: cancellationToken))
        {
            entries.Add(entry);
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    /// <summary>The object at <paramref name="path"/>, or null when nothing is there.</summary>
    public static async Task<NfsNode?> TryGetAttrAsync(NfsClient client, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetAttrAsync(path, cancellationToken);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.NoEnt)
        {
            return null;
        }
    }

    /// <summary>The last component of a server path; the root is "/".</summary>
    public static string NameOf(string path)
    {
        var parts = NfsPath.Split(path);
        return parts.Length == 0 ? "/" : parts[^1];
    }

    /// <summary>The error a command about a directory gives for a non-directory, worded like coreutils.</summary>
    public static CliException NotADirectory(string path) => CliException.Failure($"{path}: Not a directory.");
}
