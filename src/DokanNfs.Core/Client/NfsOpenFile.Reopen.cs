using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

// Opening this handle's file again (for a downgrade): under NFSv4.1 by its filehandle (CLAIM_FH, RFC 8881 §18.16.3),
// so a rename by someone else in between changes nothing; under NFSv4.0 by name in its directory (CLAIM_NULL), where
// a name that now leads to another file ends it with NFS4ERR_STALE.
public sealed partial class NfsOpenFile
{
    /// <summary>An OPEN of this file by <paramref name="owner"/>, which holds it open already: the server merges the two.</summary>
    private async ValueTask<StateId4> ReopenAsync(OwnerState owner, OpenShareAccess access, OpenShareDeny deny, CancellationToken cancellationToken)
    {
        if (_client.Session is not null)
        {
            return (await _client.OpenByFileHandleAsync(owner, FileHandle, access, deny, cancellationToken).ConfigureAwait(false)).StateId;
        }

        var (parent, name) = await _client.ResolveParentAsync(Path, cancellationToken).ConfigureAwait(false);
        var (reopened, reopenedFh, _) = await _client.OpenByNameAsync(
            owner, parent.FileHandle, name, new OpenRequest { Access = access, Deny = deny }, default, Path, cancellationToken).ConfigureAwait(false);
        if (reopenedFh != FileHandle)
        {
            // The name leads to another file now (renamed by someone else): give that open back and stop.
            await CloseStateAsync(owner, reopenedFh, () => reopened.StateId, cancellationToken).ConfigureAwait(false);
            throw new NfsException(NfsStat4.Stale, NfsOpnum4.OpenDowngrade, Path);
        }

        return reopened.StateId;
    }

    /// <summary>An OPEN of this file by a new <paramref name="owner"/>, confirmed: its stateid and the handle it opened.</summary>
    private async ValueTask<(StateId4 StateId, NfsFh FileHandle)> OpenForNewOwnerAsync(
        OwnerState owner, OpenShareAccess access, OpenShareDeny deny, CancellationToken cancellationToken)
    {
        if (_client.Session is not null)
        {
            var byHandle = await _client.OpenByFileHandleAsync(owner, FileHandle, access, deny, cancellationToken).ConfigureAwait(false);
            return (byHandle.StateId, FileHandle);
        }

        var (parent, name) = await _client.ResolveParentAsync(Path, cancellationToken).ConfigureAwait(false);
        var byName = await _client.OpenConfirmedAsync(owner, parent.FileHandle, name, new OpenRequest { Access = access, Deny = deny }, default, Path, cancellationToken).ConfigureAwait(false);
        return (byName.StateId, byName.FileHandle);
    }
}
