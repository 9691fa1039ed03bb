using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>An object on the drive: its normalized path (the server path, across referrals too) and attributes.</summary>
internal sealed record RemoteNode(string Path, NfsAttributes Attributes)
{
    public NfsFtype4 Type => Attributes.Type ?? NfsFtype4.Reg;

    public bool IsDirectory => Attributes.Type == NfsFtype4.Dir;
}

/// <summary>Small steps on the server that several commands take.</summary>
internal static class Remote
{
    /// <summary>The attributes of <paramref name="path"/>; a trigger point that is not mounted yet is not mounted by this.</summary>
    public static async Task<RemoteNode> GetAttrAsync(INfsFileSystem fs, string path, CancellationToken cancellationToken)
    {
        var normalized = NfsPath.Normalize(path);
        return new RemoteNode(normalized, await fs.GetAttributesAsync(normalized, cancellationToken));
    }

    /// <summary>A directory's entries, sorted by ordinal name so output does not depend on the server's order.</summary>
    public static async Task<List<NfsFsEntry>> ListSortedAsync(INfsFileSystem fs, string path, CancellationToken cancellationToken)
    {
        var entries = new List<NfsFsEntry>();
        await foreach (var entry in fs.ListAsync(path, cancellationToken))
        {
            entries.Add(entry);
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }

    /// <summary>The object at <paramref name="path"/>, or null when nothing is there.</summary>
    public static async Task<RemoteNode?> TryGetAttrAsync(INfsFileSystem fs, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAttrAsync(fs, path, cancellationToken);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.NoEnt)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="path"/> is a referral not mounted yet, as its parent's listing marks it.</summary>
    public static async Task<bool> IsReferralAsync(INfsFileSystem fs, string path, CancellationToken cancellationToken)
    {
        var parts = NfsPath.Split(path);
        if (parts.Length == 0)
        {
            return false;
        }

        await foreach (var entry in fs.ListAsync(NfsPath.Join(parts[..^1]), cancellationToken))
        {
            if (entry.Name == parts[^1])
            {
                return entry.IsTriggerPoint;
            }
        }

        return false;
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
