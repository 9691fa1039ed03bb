using System.Net;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Namespace;

public sealed partial class NamespaceFileSystem
{
    private readonly Dictionary<string, Task<Mount>> _grafts = new(StringComparer.Ordinal);
    private int _graftCount;

    /// <summary>How many nested mounts have been grafted (each trigger point once).</summary>
    public int GraftCount => Volatile.Read(ref _graftCount);

    /// <summary>
    /// Mounts the referral <paramref name="moved"/> names, met while working in <paramref name="mount"/>.
    /// Every concurrent first access to one trigger point waits for the same task, so it is mounted once;
    /// a failed attempt is forgotten, so a later access tries again.
    /// </summary>
    private async ValueTask<Mount> GraftAsync(Mount mount, string referralServerPath, FsLocations4? locations, CancellationToken cancellationToken)
    {
        var drivePath = mount.ToDrivePath(referralServerPath)
            ?? throw new NfsReferralException(referralServerPath, $"it lies outside the export {mount.ExportPath} of {mount.Server}");
        Task<Mount> task;
        lock (_grafts)
        {
            if (Tree.MountAt(drivePath) is { } done)
            {
                return done;
            }

            if (!_grafts.TryGetValue(drivePath, out task!))
            {
                // Not the caller's token: other callers wait for the same mount.
                task = Task.Run(() => GraftCoreAsync(mount, drivePath, referralServerPath, locations), CancellationToken.None);
                _grafts.Add(drivePath, task);
            }
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<Mount> GraftCoreAsync(Mount parent, string drivePath, string referralServerPath, FsLocations4? locations)
    {
        try
        {
            // Nested referrals (NamespaceFileSystem.Chains.cs): this point extends the chain that led to its parent.
            var chain = ExtendChain(ChainOf(parent), drivePath, parent.Server, referralServerPath);
            var mounted = await FollowReferralAsync(parent.Server, parent.Client, drivePath, referralServerPath, locations, chain, "", _disposeCts.Token).ConfigureAwait(false);
            _chains[drivePath] = chain;
            Tree.Graft(mounted);
            Interlocked.Increment(ref _graftCount);
            return mounted;
        }
        finally
        {
            lock (_grafts)
            {
                _grafts.Remove(drivePath);
            }
        }
    }

    /// <summary>
    /// <paramref name="chain"/> is the referral points followed so far (extended in place when a target is
    /// itself a referral); <paramref name="below"/> is the part of a chained target's root path beneath the
    /// referral point met there ("" for a point met by an ordinary access).
    /// </summary>
    private async Task<Mount> FollowReferralAsync(EndPoint parentServer, NfsClient? parentClient, string drivePath, string referralServerPath, FsLocations4? locations, List<string> chain, string below, CancellationToken cancellationToken)
    {
        if (locations is null or { Locations.Count: 0 })
        {
            var attrs = parentClient is null ? null : await parentClient.GetReferralAttrAsync(referralServerPath, cancellationToken).ConfigureAwait(false);
            locations = attrs?.FsLocations;
            if (locations is null or { Locations.Count: 0 })
            {
                throw new NfsReferralException(drivePath, $"{parentServer} answered NFS4ERR_MOVED for {referralServerPath} but named no fs_locations");
            }
        }

        // RFC 7530 §8.8: fs_root is the path on this server the locations stand in for. A referral whose
        // fs_root is not the point we met would graft the target somewhere else than the server meant.
        var fsRoot = NfsPath.Join(locations.FsRoot);
        if (fsRoot != NfsPath.Normalize(referralServerPath))
        {
            throw new NfsReferralException(drivePath, $"fs_root {fsRoot} is not the referral point {referralServerPath}");
        }

        // Locations in the server's order, each server of a location in order, each address of a name
        // in the resolver's order (the seed: list of referrals, failover; host name resolution).
        var attempts = new List<string>();
        foreach (var location in locations.Locations)
        {
            foreach (var server in location.Servers)
            {
                // The referral policy before anything else: a refused server is not even resolved.
                if (!_options.ReferralPolicy.AllowsName(server))
                {
                    attempts.Add($"{server}: refused by the referral policy {_options.ReferralPolicy}");
                    continue;
                }

                IReadOnlyList<IPAddress> addresses;
                try
                {
                    addresses = await _options.HostResolver.ResolveAsync(server, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ArgumentException)
                {
                    attempts.Add($"{server}: name not resolved ({ex.Message})");
                    continue;
                }

                if (addresses.Count == 0)
                {
                    attempts.Add($"{server}: name has no addresses");
                }

                foreach (var address in addresses)
                {
                    if (!_options.ReferralPolicy.AllowsAddress(server, address))
                    {
                        attempts.Add($"{server} ({address}): refused by the referral policy {_options.ReferralPolicy}");
                        continue;
                    }

                    var endPoint = new IPEndPoint(address, _options.ReferralPort);
                    var rootPath = NfsPath.Join(NfsPath.Split(location.RootPathString).Concat(NfsPath.Split(below)));
                    var (mount, failure, moved) = await TryLocationAsync(drivePath, server, endPoint, rootPath, cancellationToken).ConfigureAwait(false);
                    if (mount is not null)
                    {
                        return mount;
                    }

                    if (moved is not null)
                    {
                        // The target is itself a referral: follow it from there, one more level of the chain.
                        chain.Add(ExtendChain(chain, drivePath, endPoint, moved.ReferralPath)[^1]);
                        var beneath = NfsPath.Join(NfsPath.Split(rootPath).Skip(NfsPath.Split(moved.ReferralPath).Length));
                        return await FollowReferralAsync(endPoint, null, drivePath, moved.ReferralPath, moved.Locations, chain, beneath, cancellationToken).ConfigureAwait(false);
                    }

                    attempts.Add($"{server} ({endPoint}): {failure}");
                }
            }
        }

        var refusal = $"refused by the referral policy {_options.ReferralPolicy}";
        throw new NfsReferralException(
            drivePath, attempts.Count > 0 && attempts.All(a => a.EndsWith(refusal, StringComparison.Ordinal)) ? $"the referral policy {_options.ReferralPolicy} allows none of its servers" : "no location answered", attempts);
    }

    /// <summary>NULL, then a PUTROOTFH/LOOKUP walk to the location's root path: the first server that answers both is mounted.</summary>
    private async Task<(Mount? Mount, string? Failure, NfsMovedException? Moved)> TryLocationAsync(string drivePath, string server, IPEndPoint endPoint, string rootPath, CancellationToken cancellationToken)
    {
        var client = Tree.GetOrAddClient(endPoint, ep => new NfsClient(ep, InheritedOptions(server)), out var created);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ProbeTimeout);
        string failure;
        NfsMovedException? moved = null;
        try
        {
            if (!await client.NullAsync(timeout.Token).ConfigureAwait(false))
            {
                failure = "NULL call refused";
            }
            else
            {
                var root = await client.ResolveAsync(rootPath, AttributeRequests.Stat, timeout.Token).ConfigureAwait(false);
                if (root.IsDirectory)
                {
                    return (new Mount(drivePath, endPoint, root.Path, client, root.Attributes.Fsid), null, null);
                }

                failure = $"{rootPath} is not a directory";
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            failure = $"no answer within {_options.ProbeTimeout.TotalSeconds:0.#} s";
        }
        catch (NfsMovedException ex)
        {
            // A referral whose target is a referral: the caller follows it (checking the chain).
            moved = ex;
            failure = ex.Message;
        }
        catch (Exception ex) when (ex is RpcException or NfsException or IOException)
        {
            failure = ex.Message;
        }

        if (created && Tree.RemoveUnusedClient(endPoint))
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        return (null, failure, moved);
    }

    /// <summary>The seed's inherited mount properties: a nested mount gets the root mount's options and identity.</summary>
    private NfsClientOptions InheritedOptions(string server) =>
        Tree.Root.Client.Options with { Identity = Tree.Root.Client.Identity, ServerName = server };
}
