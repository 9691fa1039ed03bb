using DokanNfs.Core.Client;
using DokanNfs.Namespace;

namespace DokanNfs.Cli;

/// <summary>
/// What a file command works on: the server's namespace from its root "/", so drive paths are server
/// paths, with referrals mounted on first access (and the trigger point itself only stat'ed, not mounted).
/// </summary>
internal sealed class RemoteDrive(NfsClient client, NamespaceFileSystem fileSystem) : IAsyncDisposable
{
    public INfsFileSystem FileSystem => fileSystem;

    /// <summary>The mount <paramref name="path"/> is on: the deepest at or above it.</summary>
    public Mount Mount(string path) => fileSystem.Tree.Find(NfsPath.Normalize(path));

    /// <summary>The namespace first (it unmounts referral targets and closes their clients), then the root's client.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await fileSystem.DisposeAsync();
        }
        finally
        {
            await client.DisposeAsync();
        }
    }
}
