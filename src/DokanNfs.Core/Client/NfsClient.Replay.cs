using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// Version-carrying replay (issue 8 §1–2, after Lustre's version-based recovery): a non-idempotent name call is
// recorded in the replay log with the versions it is based on before it is sent; if the connection dies after it
// may have reached the server, its outcome is resolved from the server's state — applied, moot, safe to replay
// (then sent again behind VERIFY, RFC 7530 §16.35) or in conflict — before new calls on its objects go on.
// NFSv4.0 has no exactly-once semantics (only seqid-bearing calls have a replay cache, RFC 7530 §9.1.8; sessions
// bring it in NFSv4.1, RFC 8881 §2.10.6), so a blind re-send of REMOVE could delete a file another client created
// meanwhile; this never re-sends blindly. Limits: a copy of the first request that the server runs late (after a hard
// mount's call timeout) acts only on the objects the walk found, but a late SETATTR can still land after another
// client's; a RENAME onto a free name cannot VERIFY that the name is still free, so a name created in the instant
// between the check and the replay is replaced. The log is in memory: a client process that dies loses it.
public sealed partial class NfsClient
{
    /// <summary>How many resolutions <see cref="ReplayResolutions"/> keeps, newest last.</summary>
    private const int MaxResolutionsKept = 256;

    /// <summary>How often a call goes again when the name it was based on changed between the walk and the call.</summary>
    private const int MaxNameRaces = 3;

    private static readonly Bitmap4 ProbeDirectoryAttributes = Bitmap4.Of(FAttr4.Type, FAttr4.Change, FAttr4.FileId);

    private readonly ReplayLog _replayLog = new();
    private readonly List<NfsReplayResolution> _replayResolutions = [];

    /// <summary>Calls in the replay log now: sent, or with an outcome being resolved.</summary>
    public int ReplayLogCount => _replayLog.Count;

    /// <summary>Calls whose outcome is unknown now (new calls on their objects wait for them).</summary>
    public int UnresolvedCallCount => _replayLog.UnknownCount;

    /// <summary>How calls whose outcome was unknown were resolved, oldest first (the last 256).</summary>
    public IReadOnlyList<NfsReplayResolution> ReplayResolutions
    {
        get
        {
            lock (_replayResolutions)
            {
                return [.. _replayResolutions];
            }
        }
    }

    internal ReplayLog ReplayLog => _replayLog;

    /// <summary>
    /// Runs one logged call: <paramref name="send"/> sends it (the first time with <c>replay</c> false); when its outcome
    /// becomes unknown (<see cref="RpcConnectionLostException"/>, <see cref="RpcTimeoutException"/>: the retry policy
    /// gives those calls back instead of re-sending them), <paramref name="resolve"/> probes the server — waiting out
    /// the outage as any idempotent call does — and decides. A replay that fails its VERIFY is a conflict; one that
    /// finds the name gone is resolved again (the object moved on between the probe and the replay).
    /// </summary>
    private async ValueTask<T> RunLoggedAsync<T>(
        ReplayEntry entry,
        NfsOpnum4 operation,
        Func<bool, CancellationToken, ValueTask<T>> send,
        Func<CancellationToken, ValueTask<(ReplayVerdict Verdict, string Observed, T? Result)>> resolve,
        CancellationToken cancellationToken)
    {
        _replayLog.Add(entry);
        try
        {
            ReplayVerdict? replaying = null;
            var observed = string.Empty;
            var resolveAgain = false;
            for (var round = 0; ; round++)
            {
                if (!resolveAgain)
                {
                    try
                    {
                        var result = await send(replaying is not null, cancellationToken).ConfigureAwait(false);
                        ReplayLogMessages.Completed(_logger, ServerName, entry.ToString(), DescribeAfter(entry));
                        if (replaying is { } verdict)
                        {
                            Resolved(entry, verdict, observed);
                        }

                        return result;
                    }
                    catch (NfsException ex) when (replaying is not null && ex.Status == NfsStat4.NotSame && ex.Operation == NfsOpnum4.Verify)
                    {
                        // The server checked the versions first and they no longer held: something changed in between.
                        throw Conflict(entry, operation, "it was changed by someone else between the check and the replay (VERIFY: NFS4ERR_NOT_SAME)", observed);
                    }
                    catch (NfsException ex) when (replaying is not null && ex.Status == NfsStat4.NoEnt && ex.Operation == NfsOpnum4.Lookup && round < MaxNameRaces)
                    {
                        resolveAgain = true;
                        continue;
                    }
                    catch (RpcException ex) when (OutcomeUnknown(ex) && !cancellationToken.IsCancellationRequested)
                    {
                        _replayLog.MarkUnknown(entry);
                        ReplayLogMessages.OutcomeUnknown(_logger, ServerName, entry.ToString(), ex.Message);
                    }
                    catch (NfsException ex) when (SessionLostOutcome(ex) && !cancellationToken.IsCancellationRequested)
                    {
                        // NFSv4.1: the server lost the session (a restart) after the call may have run, so its reply
                        // cache cannot answer the re-send; the versions decide, as after a lost connection under 4.0.
                        _replayLog.MarkUnknown(entry);
                        ReplayLogMessages.OutcomeUnknown(_logger, ServerName, entry.ToString(), ex.Message);
                    }
                }

                resolveAgain = false;
                var (decision, found, settled) = await resolve(cancellationToken).ConfigureAwait(false);
                observed = found;
                switch (decision.Decision)
                {
                    case ReplayDecision.AlreadyApplied or ReplayDecision.Moot:
                        Resolved(entry, decision, observed);
                        return settled!;
                    case ReplayDecision.Conflict:
                        throw Conflict(entry, operation, decision.Reason, observed);
                    default:
                        ReplayLogMessages.Replaying(_logger, ServerName, entry.ToString(), decision.Reason);
                        replaying = decision;
                        break;
                }
            }
        }
        finally
        {
            _replayLog.Remove(entry);
        }
    }

    /// <summary>
    /// True for a failure after which the call may or may not have run: the connection died with it in flight, or (hard
    /// mount) no reply came in time. A soft mount's timeout is its answer — the caller asked to be told, not to wait
    /// another soft timeout while the outcome is checked — and is given back as it always was.
    /// </summary>
    private bool OutcomeUnknown(RpcException error) =>
        error is RpcConnectionLostException || (error is RpcTimeoutException && _options.Mount == NfsMountType.Hard);

    private void Resolved(ReplayEntry entry, ReplayVerdict verdict, string observed)
    {
        var basis = entry.DescribeBasis();
        ReplayLogMessages.Resolved(_logger, ServerName, entry.ToString(), verdict.Outcome, verdict.Reason, basis, observed);
        Record(new NfsReplayResolution(DateTimeOffset.UtcNow, entry.Operation, entry.Path, verdict.Outcome, verdict.Reason, basis, observed));
    }

    private NfsReplayConflictException Conflict(ReplayEntry entry, NfsOpnum4 operation, string reason, string observed)
    {
        var basis = entry.DescribeBasis();
        ReplayLogMessages.Conflict(_logger, ServerName, entry.ToString(), reason, basis, observed);
        Record(new NfsReplayResolution(DateTimeOffset.UtcNow, entry.Operation, entry.Path, NfsReplayOutcome.Conflict, reason, basis, observed));
        return new NfsReplayConflictException(entry.Operation, operation, entry.Path, reason, basis, observed);
    }

    private void Record(NfsReplayResolution resolution)
    {
        lock (_replayResolutions)
        {
            if (_replayResolutions.Count == MaxResolutionsKept)
            {
                _replayResolutions.RemoveAt(0);
            }

            _replayResolutions.Add(resolution);
        }
    }

    private static string DescribeAfter(ReplayEntry entry) =>
        string.Join("; ", entry.Objects.Where(o => o.ChangeAfter is not null).Select(o => o.ToString()));

    /// <summary>
    /// What <paramref name="name"/> in the directory <paramref name="directory"/> refers to now: PUTFH; GETATTR; LOOKUP;
    /// GETFH; GETATTR in one COMPOUND, under the retry policy (it is idempotent, so it waits out an outage). A
    /// directory handle that no longer works is reported in the probe, not thrown.
    /// </summary>
    private ValueTask<NameProbe> ProbeNameAsync(NfsFh directory, string directoryPath, string name, CancellationToken cancellationToken)
    {
        var path = NfsPath.Combine(directoryPath, name);
        return RunAsync(
            "replay-probe",
            (directory, name),
            static (ref CompoundEncoder e, (NfsFh Dir, string Name) c) =>
            {
                e.PutFh(c.Dir);
                e.GetAttr(ProbeDirectoryAttributes);
                e.Lookup(c.Name);
                e.GetFh();
                e.GetAttr(AttributeRequests.Stat);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                var status = results.Next(ref r, NfsOpnum4.PutFh);
                if (status is NfsStat4.Stale or NfsStat4.FhExpired or NfsStat4.BadHandle)
                {
                    return new NameProbe(status, null, null, null);
                }

                if (status != NfsStat4.Ok)
                {
                    throw new NfsException(status, NfsOpnum4.PutFh, directoryPath) { OpIndex = 0 };
                }

                var dirVersion = ObjectVersion.Of(results.GetAttr(ref r), directory);
                status = results.Next(ref r, NfsOpnum4.Lookup);
                if (status == NfsStat4.NoEnt)
                {
                    return new NameProbe(NfsStat4.Ok, dirVersion, null, null);
                }

                if (status != NfsStat4.Ok)
                {
                    throw new NfsException(status, NfsOpnum4.Lookup, path) { OpIndex = results.Seen - 1 };
                }

                var fh = results.GetFh(ref r);
                var attrs = results.GetAttr(ref r);
                return new NameProbe(NfsStat4.Ok, dirVersion, ObjectVersion.Of(attrs, fh), attrs);
            },
            cancellationToken);
    }

    /// <summary>The object with <paramref name="fileHandle"/> now (PUTFH; GETATTR), or why its handle no longer works.</summary>
    private ValueTask<(NfsStat4 Status, NfsAttributes? Attributes)> ProbeHandleAsync(NfsFh fileHandle, string path, CancellationToken cancellationToken) =>
        RunAsync(
            "replay-probe",
            fileHandle,
            static (ref CompoundEncoder e, NfsFh fh) =>
            {
                e.PutFh(fh);
                e.GetAttr(AttributeRequests.Stat);
            },
            (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.Path = path;
                var status = results.Next(ref r, NfsOpnum4.PutFh);
                if (status is NfsStat4.Stale or NfsStat4.FhExpired or NfsStat4.BadHandle)
                {
                    return (status, (NfsAttributes?)null);
                }

                if (status != NfsStat4.Ok)
                {
                    throw new NfsException(status, NfsOpnum4.PutFh, path) { OpIndex = 0 };
                }

                return (NfsStat4.Ok, results.GetAttr(ref r));
            },
            cancellationToken);

    /// <summary>
    /// The directory holding <paramref name="path"/> and what its last component refers to, in the walk's one COMPOUND:
    /// the walk to the directory, GETATTR, then LOOKUP of the name, GETFH, GETATTR. This is the round trip the call
    /// needed anyway to find its directory; it now also gives the versions the call is based on (issue 8 §1). A name
    /// that does not exist ends the COMPOUND with NFS4ERR_NOENT after the directory's results: the name is free.
    /// New calls on the path wait here while a call on it has an unknown outcome.
    /// </summary>
    internal async ValueTask<NameResolution> ResolveNameAsync(string path, CancellationToken cancellationToken)
    {
        var components = NfsPath.Split(path);
        if (components.Length == 0)
        {
            throw new ArgumentException("The root has no parent directory.", nameof(path));
        }

        await _replayLog.WaitForAsync(NfsPath.Join(components), cancellationToken).ConfigureAwait(false);
        var parent = components[..^1];
        var credential = CallerCredential;
        var (start, skip) = Handles.FindDeepest(credential, parent);
        if (parent.Length - skip >= ComponentsPerWalk)
        {
            // Too deep for one COMPOUND: walk to the directory in pieces, then look at the name.
            var directory = await ResolveAsync(NfsPath.Join(parent), AttributeRequests.Stat, cancellationToken).ConfigureAwait(false);
            return await LookUpNameAsync(directory, components[^1], cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await WalkToNameAsync(components, start, skip, credential, cancellationToken).ConfigureAwait(false);
        }
        catch (NfsException ex) when (start is not null && ex.Status is NfsStat4.FhExpired or NfsStat4.Stale or NfsStat4.BadHandle && ex.OpIndex == 0)
        {
            ClientLog.FileHandleExpired(_logger, ServerName, NfsPath.Join(parent[..skip]));
            Handles.Clear();
            DropMetadataCaches();
            return await WalkToNameAsync(components, null, 0, credential, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<NameResolution> LookUpNameAsync(NfsNode directory, string name, CancellationToken cancellationToken)
    {
        if (!directory.IsDirectory)
        {
            throw new NfsException(NfsStat4.NotDir, NfsOpnum4.Lookup, directory.Path);
        }

        var probe = await ProbeNameAsync(directory.FileHandle, directory.Path, name, cancellationToken).ConfigureAwait(false);
        var path = NfsPath.Combine(directory.Path, name);
        if (!probe.DirectoryUsable)
        {
            throw new NfsException(probe.DirectoryStatus, NfsOpnum4.PutFh, directory.Path);
        }

        var child = probe.Object is { } found ? new NfsNode(path, found.FileHandle!, probe.ObjectAttributes!) : null;
        return new NameResolution(directory, name, path, child, child is null ? NfsStat4.NoEnt : NfsStat4.Ok);
    }

    private async ValueTask<NameResolution> WalkToNameAsync(string[] components, NfsFh? start, int skip, RpcCredential credential, CancellationToken cancellationToken)
    {
        var parent = components[..^1];
        var parentPath = NfsPath.Join(parent);
        var path = NfsPath.Join(components);
        var walk = new PathWalk(start, parent, skip, AttributeRequests.Stat);
        var name = components[^1];
        try
        {
            var (dirFh, dirAttrs, dirs, childStatus, childFh, childAttrs) = await RunAsync(
                "walk",
                (Walk: walk, Name: name),
                static (ref CompoundEncoder e, (PathWalk Walk, string Name) c) =>
                {
                    EncodeWalk(ref e, c.Walk);
                    e.Lookup(c.Name);
                    e.GetFh();
                    e.GetAttr(AttributeRequests.Stat);
                },
                (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.Path = parentPath;
                    var handles = DecodeWalkHandles(ref results, ref r, walk);
                    var attrs = results.GetAttr(ref r);
                    if (attrs.Type is { } type && type != NfsFtype4.Dir)
                    {
                        throw new NfsException(NfsStat4.NotDir, NfsOpnum4.Lookup, parentPath) { OpIndex = results.Seen - 1 };
                    }

                    // The name: its LOOKUP may fail, and that ends the COMPOUND; GETFH of a referral fails with MOVED.
                    results.Path = path;
                    var status = results.Next(ref r, NfsOpnum4.Lookup);
                    if (status != NfsStat4.Ok)
                    {
                        return (handles[^1], attrs, handles, status, (NfsFh?)null, (NfsAttributes?)null);
                    }

                    status = results.Next(ref r, NfsOpnum4.GetFh);
                    if (status != NfsStat4.Ok)
                    {
                        return (handles[^1], attrs, handles, status, null, null);
                    }

                    var fh = NfsFh.Decode(ref r);
                    return (handles[^1], attrs, handles, NfsStat4.Ok, fh, results.GetAttr(ref r));
                },
                cancellationToken,
                credential: credential).ConfigureAwait(false);

            for (var i = 0; i < dirs.Length - 1; i++)
            {
                Handles.Add(credential, NfsPath.Join(parent[..(skip + i + 1)]), dirs[i]);
            }

            Handles.Add(credential, parentPath, dirFh);
            var child = childStatus == NfsStat4.Ok ? new NfsNode(path, childFh!, childAttrs!) : null;
            if (child is { IsDirectory: true })
            {
                Handles.Add(credential, path, child.FileHandle);
            }

            // The same COMPOUND gave the directory's attributes and what the name refers to: the caches learn both.
            var directoryNode = new NfsNode(parentPath, dirFh, dirAttrs);
            CacheWalk(credential, parent, start, skip, dirs, directoryNode, null);
            if (child is not null)
            {
                CacheWalk(credential, components, dirFh, components.Length - 1, [child.FileHandle], child, null);
            }
            else if (childStatus == NfsStat4.NoEnt)
            {
                CacheAbsent(credential, path, dirFh);
            }

            return new NameResolution(new NfsNode(parentPath, dirFh, dirAttrs), name, path, child, childStatus);
        }
        catch (NfsException ex) when (ex.Status == NfsStat4.Moved && ex is not NfsMovedException)
        {
            throw await DescribeMoveAsync(parentPath, parent, walk.ComponentAt(ex.OpIndex), ex.Operation, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// A name resolved for a call that changes it: the directory, the name, and what the name refers to
/// (<see cref="ChildStatus"/> NFS4ERR_NOENT: nothing; another status, e.g. NFS4ERR_MOVED for a referral: unknown).
/// </summary>
internal sealed record NameResolution(NfsNode Parent, string Name, string Path, NfsNode? Child, NfsStat4 ChildStatus)
{
    public ObjectVersion? DirectoryVersion => ObjectVersion.Of(Parent.Attributes, Parent.FileHandle);

    public ObjectVersion? ChildVersion => Child is null ? null : ObjectVersion.Of(Child.Attributes, Child.FileHandle);

    public bool NameIsFree => ChildStatus == NfsStat4.NoEnt;
}
