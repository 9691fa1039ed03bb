using DokanNfs.Core.Nfs4;
using DokanNfs.Dokan.Mapping;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Adapter;

// Windows paths → drive paths of the trigger layer (issue 6 §8).
public sealed partial class NfsDokanOperations
{
    /// <summary>
    /// The drive path ("/a/b") of the volume-relative path Dokan gives ("\a\b"): every component through
    /// <see cref="WindowsNames.ToNfs(string)"/>, validated by <see cref="WindowsPath.TryToNfsPath"/>; with
    /// <see cref="DokanAdapterOptions.CaseInsensitive"/>, components that do not exist as spelled are matched
    /// against their directory's names (exact wins; two names differing only in case are an error).
    /// </summary>
    private int ResolvePath(ReadOnlySpan<char> fileName, ref DOKAN_FILE_INFO info, out string path)
    {
        // Over-long components are left to the server (NFS4ERR_NAMETOOLONG → STATUS_OBJECT_NAME_INVALID):
        // maxname is per file system and a referral may lead to another.
        var status = WindowsPath.TryToNfsPath(fileName, 0, out path);
        if (status != NtStatus.Success || !Options.CaseInsensitive || path == "/")
        {
            return status;
        }

        return ResolveCaseInsensitively(ref path, ref info);
    }

    private int ResolveCaseInsensitively(ref string path, ref DOKAN_FILE_INFO info)
    {
        try
        {
            _ = Wait(_fs.GetAttributesAsync(path, Ct), ref info);
            return NtStatus.Success; // spelled exactly as it exists: exact wins
        }
        catch (NfsException e) when (e.Status is NfsStat4.NoEnt)
        {
        }

        var resolved = "/";
        var components = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < components.Length; i++)
        {
            var names = ListNames(resolved, ref info);
            if (names is null)
            {
                break; // the directory is missing; the caller's lookup reports it
            }

            switch (NameMatch.Resolve(names, components[i], out var match))
            {
                case NameMatchResult.Exact or NameMatchResult.CaseInsensitive:
                    components[i] = match!;
                    break;
                case NameMatchResult.Ambiguous:
                    AdapterLog.CallbackError(_logger, "ZwCreateFile", path, NtStatus.ObjectNameCollision, $"'{components[i]}' matches several names that differ only in case");
                    return NtStatus.ObjectNameCollision;
                default:
                    path = "/" + string.Join('/', components);
                    return NtStatus.Success; // not there in any case: as spelled (a create makes it so)
            }

            resolved = WindowsPath.Combine(resolved, components[i]);
        }

        path = "/" + string.Join('/', components);
        return NtStatus.Success;
    }

    private List<string>? ListNames(string directory, ref DOKAN_FILE_INFO info)
    {
        var names = new List<string>();
        var listing = _fs.ListAsync(directory, Ct).GetAsyncEnumerator(Ct);
        try
        {
            while (Wait(listing.MoveNextAsync(), ref info))
            {
                names.Add(listing.Current.Name);
            }

            return names;
        }
        catch (NfsException e) when (e.Status is NfsStat4.NoEnt or NfsStat4.NotDir)
        {
            return null;
        }
        finally
        {
            Wait(listing.DisposeAsync(), ref info);
        }
    }
}
