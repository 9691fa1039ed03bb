using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

/// <summary>
/// One OPEN of one file: its open stateid and owner, the data written but not yet committed, and its
/// byte-range locks. I/O is in NfsOpenFile.Io.cs, locks in NfsOpenFile.Locks.cs. Close it exactly once;
/// <see cref="DisposeAsync"/> closes it if the caller did not. Every call on it goes out with the
/// <see cref="Credential"/> it was opened with, whatever <see cref="NfsCallContext"/> holds at the time.
/// </summary>
public sealed partial class NfsOpenFile : IAsyncDisposable
{
    private readonly NfsClient _client;
    private OwnerState _owner;
    private StateId4 _stateId;
    private NfsFh _fileHandle;
    private int _closed;
    private int _openReleased;

    /// <summary>The attributes the CLOSE's own COMPOUND fetched after closing (null: none), for the attribute cache.</summary>
    private NfsAttributes? _afterClose;

    internal NfsOpenFile(NfsClient client, string path, NfsFh fileHandle, OwnerState owner, StateId4 stateId, OpenShareAccess access, OpenShareDeny deny, NfsAttributes attributes, OpenDelegation delegation)
    {
        _client = client;
        _pacer = new ReadAheadPacer(client.Options.ReadAheadMaxChunks);
        Path = path;
        _fileHandle = fileHandle;
        _owner = owner;
        _stateId = stateId;
        Access = access;
        Deny = deny;
        Attributes = attributes;
        Delegation = delegation;
        Credential = owner.Credential;
        NoteSize(attributes);
        InitVersion(attributes);
    }

    public string Path { get; }

    /// <summary>
    /// The principal this file was opened as (its open-owner's): I/O, locks, CLOSE, and the reclaim after a
    /// server restart all go out with it, so a handle keeps acting for the user who opened it.
    /// </summary>
    public RpcCredential Credential { get; }

    /// <summary>
    /// The file's handle. A volatile handle (RFC 7530 §4.2.3) that expires is replaced by the one the path
    /// resolves to again, so this can change while the file is open.
    /// </summary>
    public NfsFh FileHandle => Volatile.Read(ref _fileHandle);

    public OpenShareAccess Access { get; private set; }

    public OpenShareDeny Deny { get; private set; }

    /// <summary>The attributes returned with the OPEN (or the last SETATTR / GETATTR through this handle).</summary>
    public NfsAttributes Attributes { get; private set; }

    public OpenDelegation Delegation { get; }

    public StateId4 StateId => _stateId;

    public OwnerState Owner => _owner;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// Whether the close is over: the open given back (or left to the server). Until then a handle being closed is
    /// still reclaimed after a server restart, so that data its close finds lost can be written again through it
    /// before its CLOSE (NfsOpenFile.CommitClose.cs).
    /// </summary>
    internal bool IsOpenReleased => Volatile.Read(ref _openReleased) != 0;

    /// <summary>GETATTR through the open file's handle.</summary>
    public async ValueTask<NfsAttributes> GetAttrAsync(CancellationToken cancellationToken)
    {
        // The size and times the caller sees include its writes still in flight (write-behind).
        await DrainWritesAsync(cancellationToken).ConfigureAwait(false);
        Attributes = await _client.RunAsync(
            "getattr",
            FileHandle,
            static (ref CompoundEncoder e, NfsFh fh) =>
            {
                e.PutFh(fh);
                e.GetAttr(AttributeRequests.Stat);
            },
            static (ref XdrReader r) =>
            {
                var results = CompoundResults.Begin(ref r);
                results.PutFh(ref r);
                return results.GetAttr(ref r);
            },
            cancellationToken,
            credential: Credential).ConfigureAwait(false);
        NoteSize(Attributes);
        NoteObservedVersion(Attributes);
        return Attributes;
    }

    /// <summary>
    /// SETATTR with this open's stateid (required for size changes, RFC 7530 §16.32), then GETATTR; in the replay log
    /// (issue 8) with the version this handle last knew, so a lost reply is resolved from the file's state, never re-sent blindly.
    /// </summary>
    public async ValueTask<NfsAttributes> SetAttrAsync(SetAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ThrowIfLost();
        await DrainWritesAsync(cancellationToken).ConfigureAwait(false);
        await BeforeIoAsync(cancellationToken).ConfigureAwait(false);
        if (attributes.Size is not null)
        {
            DropReadAheadOfFile();
            // Data written before a size change is committed first (as the Linux client flushes before a
            // truncate): written again after a server restart, it would land after the truncation it preceded.
            await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
        }

        Attributes = await RunIoAsync(
            (fileHandle, stateId, ct) => _client.SetAttrByHandleAsync(fileHandle, stateId, ReplayBasis(fileHandle), attributes, Path, Credential, ct),
            cancellationToken).ConfigureAwait(false);
        NoteSize(Attributes);
        NoteOwnVersion(NfsFileVersion.Of(Attributes), stable: true);
        return Attributes;
    }

    /// <summary>
    /// OPEN_DOWNGRADE (RFC 7530 §16.19): give up some access or deny bits without closing. The bits asked for
    /// are first OPENed by this open's owner (the server merges that OPEN into this one), because
    /// OPEN_DOWNGRADE may only name bits of OPENs the owner did.
    /// </summary>
    public async ValueTask DowngradeAsync(OpenShareAccess access, OpenShareDeny deny, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if ((access & ~Access) != 0 || (deny & ~Deny) != 0 || access == OpenShareAccess.None)
        {
            throw new ArgumentException($"{access}/{deny} is not a downgrade of {Access}/{Deny}.", nameof(access));
        }

        if (access == Access && deny == Deny)
        {
            return;
        }

        // WRITEs in flight need the access about to be given up.
        await DrainWritesAsync(cancellationToken).ConfigureAwait(false);

        // The path walks below go out as this file's principal too.
        using var scope = NfsCallContext.Use(Credential);
        if (deny != Deny && !HoldsLocks)
        {
            await ReopenWithNewOwnerAsync(access, deny, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Fix (found by ShareReservationTests.Open_downgrade_gives_up_write_access_and_the_deny_so_another_opener_can_write):
        // OPEN_DOWNGRADE must name exactly the union of the share bits of some of the owner's OPENs of the file
        // (RFC 7530 §16.19.4); Ganesha answers NFS4ERR_INVAL ("share access or deny never seen before")
        // otherwise, and so does Linux nfsd. Every open here has an owner of its own, so a downgrade to bits it
        // never opened with always failed. Now the bits are OPENed by the same owner first.
        _stateId = await ReopenAsync(_owner, access, deny, cancellationToken).ConfigureAwait(false);
        _stateId = await _client.RunOwnerOpAsync(
            _owner,
            seqOpIndex: 1,
            (seqid, ct) => _client.AttemptAsync(
                "open_downgrade",
                (FileHandle, _stateId, seqid, access, deny),
                static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, uint SeqId, OpenShareAccess Access, OpenShareDeny Deny) c) =>
                {
                    e.PutFh(c.Fh);
                    e.OpenDowngrade(c.StateId, c.SeqId, c.Access, c.Deny);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    return results.OpenDowngrade(ref r);
                },
                ct,
                _owner.Credential),
            cancellationToken).ConfigureAwait(false);
        Access = access;
        Deny = deny;
    }

    /// <summary>
    /// A downgrade that drops deny bits: servers that check an owner's new OPEN against the same owner's
    /// deny (NFS-Ganesha 4.3 does) refuse the re-OPEN the OPEN_DOWNGRADE path needs. So a fresh owner OPENs
    /// the file with the smaller bits — which cannot conflict with our wider open — and then the old open
    /// is CLOSEd. Only without locks: they hang off the old open's stateid.
    /// </summary>
    private async ValueTask ReopenWithNewOwnerAsync(OpenShareAccess access, OpenShareDeny deny, CancellationToken cancellationToken)
    {
        var owner = _client.Owners.AcquireOpenOwner(Path, Credential);
        (StateId4 StateId, NfsFh FileHandle) reopened;
        try
        {
            reopened = await OpenForNewOwnerAsync(owner, access, deny, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _client.Owners.ReleaseOpenOwner(owner, Path);
            throw;
        }

        var oldOwner = _owner;
        var oldStateId = _stateId;
        _owner = owner;
        _stateId = reopened.StateId;
        Access = access;
        Deny = deny;
        try
        {
            if (reopened.FileHandle != FileHandle)
            {
                // The name leads to another file now (renamed by someone else): this handle's file is gone from it.
                throw new NfsException(NfsStat4.Stale, NfsOpnum4.OpenDowngrade, Path);
            }
        }
        finally
        {
            await CloseStateAsync(oldOwner, FileHandle, () => oldStateId, cancellationToken).ConfigureAwait(false);
            _client.Owners.ReleaseOpenOwner(oldOwner, FileHandle);
            _client.Owners.ReleaseOpenOwner(oldOwner, Path);
        }
    }

    /// <summary>
    /// Commits written data, releases the locks and the lock-owner, and CLOSEs (RFC 7530 §16.4). The open is
    /// released on our side even if the server refuses: its state is then the server's to expire.
    /// </summary>
    public async ValueTask CloseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        Exception? writeBehindError = null;
        try
        {
            // Every accepted write is answered before COMMIT and CLOSE; one that failed is reported after the CLOSE.
            await SettleWritesAsync(cancellationToken).ConfigureAwait(false);
            writeBehindError = Interlocked.Exchange(ref _writeBehindError, null);

            if (Lost is { } lost)
            {
                if (_openHeldWhileLost)
                {
                    // Only a lock was lost: the reclaimed open and the locks given back are the server's to
                    // release (see ReclaimLocksAsync). Best effort: the handle is already reported lost.
                    try
                    {
                        await ReleaseLocksAsync(cancellationToken).ConfigureAwait(false);
                        await CloseStateAsync(_owner, FileHandle, () => _stateId, cancellationToken).ConfigureAwait(false);
                    }
                    catch (NfsException)
                    {
                    }
                }

                // Otherwise the server holds nothing of ours to release. Data it never committed cannot be
                // written through a lost open: it is kept in a conflict copy, and the error says where.
                if (UncommittedBytes - JournaledBytes > 0)
                {
                    var (copy, local) = await SaveUncommittedOfLostHandleAsync().ConfigureAwait(false);
                    var saved = copy is null ? "could not be saved" : $"were saved to {(local ? "the local file " : string.Empty)}{copy}";
                    throw new NfsStateLostException(lost.Status, NfsOpnum4.Commit, Path, $"{lost.Reason}; {UncommittedBytes - JournaledBytes} bytes written but not committed {saved}");
                }

                return;
            }

            if (IsLocalUnderDelegation && (Access & OpenShareAccess.Write) != 0)
            {
                // Opened for write under a write delegation: its data is committed as at any close, so none is kept
                // only in memory once the handle is gone.
                await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
            }

            if (CloseLocally())
            {
                // Opened under a delegation and never sent to the server (NfsOpenFile.Delegation): nothing to CLOSE.
                return;
            }

            // Data to commit and nothing else to do first: COMMIT and CLOSE in one COMPOUND (NfsOpenFile.CommitClose.cs).
            if (!await TryCommitAndCloseAsync(cancellationToken).ConfigureAwait(false))
            {
                await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
                await ReleaseLocksAsync(cancellationToken).ConfigureAwait(false);

                // An expired volatile handle is refreshed for CLOSE as for I/O (found by FileHandleExpiryTests):
                // otherwise the open would stay on the server until the lease ran out. The stateid is read at
                // each attempt: recovery may have reclaimed the open under a new one.
                if ((Access & OpenShareAccess.Write) != 0)
                {
                    _afterClose = await RunIoAsync((fileHandle, _, ct) => CloseAndGetAttrAsync(fileHandle, ct), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await RunIoAsync((fileHandle, _, ct) => CloseStateAsync(_owner, fileHandle, () => _stateId, ct), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _openReleased, 1);
            DropReadAhead();
            DropUncommitted();
            _client.Unregister(this);
            _client.NoteClosed(this, _afterClose);
            _client.Owners.ReleaseOpenOwner(_owner, FileHandle);
            _client.Owners.ReleaseOpenOwner(_owner, Path);
        }

        // Closed; a write conflict found on the way (or earlier, and not yet reported) is reported now, and so is a
        // write accepted by write-behind that failed.
        ThrowConflictOnce();
        if (writeBehindError is not null)
        {
            Interlocked.CompareExchange(ref _writeBehindError, writeBehindError, null);
            ThrowWriteBehindError();
        }
    }

    public ValueTask DisposeAsync() => CloseAsync(CancellationToken.None);

    /// <summary>CLOSE of one open stateid of an owner; the stateid is read at each attempt.</summary>
    private ValueTask<StateId4> CloseStateAsync(OwnerState owner, NfsFh fileHandle, Func<StateId4> stateId, CancellationToken cancellationToken) =>
        _client.RunOwnerOpAsync(
            owner,
            seqOpIndex: 1,
            (seqid, ct) => _client.AttemptAsync(
                "close",
                (fileHandle, stateId(), seqid),
                static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, uint SeqId) c) =>
                {
                    e.PutFh(c.Fh);
                    e.Close(c.SeqId, c.StateId);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    return results.Close(ref r);
                },
                ct,
                owner.Credential),
            cancellationToken);

    /// <summary>
    /// CLOSE of a handle opened for writing, with a GETATTR of the stat set after it in the same COMPOUND (as the Linux
    /// client sends; RFC 7530 §16.2 and RFC 8881 §18.2 let any operation follow CLOSE, whose current filehandle stays):
    /// the file's attributes as our writes and the close left them, which the attribute cache keeps instead of forgetting
    /// the file (issue 9: a stat or REMOVE right after a create then needs no walk). They are read after the CLOSE, so
    /// close-to-open holds: nothing written through this handle can come after them. A GETATTR that fails (the file's
    /// last link was removed while it was open) leaves the CLOSE done and the attributes unknown (null).
    /// </summary>
    private ValueTask<NfsAttributes?> CloseAndGetAttrAsync(NfsFh fileHandle, CancellationToken cancellationToken) =>
        _client.RunOwnerOpAsync(
            _owner,
            seqOpIndex: 1,
            (seqid, ct) => _client.AttemptAsync(
                "close",
                (fileHandle, _stateId, seqid),
                static (ref CompoundEncoder e, (NfsFh Fh, StateId4 StateId, uint SeqId) c) =>
                {
                    e.PutFh(c.Fh);
                    e.Close(c.SeqId, c.StateId);
                    e.GetAttr(AttributeRequests.Stat);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    _ = results.Close(ref r);
                    return results.Next(ref r, NfsOpnum4.GetAttr) == NfsStat4.Ok ? Fattr4.Decode(ref r) : null;
                },
                ct,
                _owner.Credential),
            cancellationToken);

    public override string ToString() => $"{Path} ({Access}/{Deny}, {_stateId})";
}
