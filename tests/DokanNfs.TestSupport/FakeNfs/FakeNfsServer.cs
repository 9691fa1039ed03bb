using System.Collections.Concurrent;
using System.Net;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;
using DokanNfs.TestSupport.FakeServer;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>
/// A small in-memory NFSv4.0 server on top of <see cref="FakeRpcServer"/>, for faults a real server will not
/// produce on demand. By itself it answers the common path correctly — a pseudo root "/" holding the
/// export, files with bytes, client ids, open-owners with seqid checking and OPEN_CONFIRM, a replay cache,
/// open and lock stateids, a write verifier per boot, restarts with or without a grace period for reclaims
/// (<see cref="Reboot"/>, <see cref="RebootWithGrace"/>) — so an <c>NfsClient</c> mounts it and works. A test
/// then intercepts operations (<see cref="Intercept"/>, <see cref="InterceptEvery"/>,
/// <see cref="InterceptWhere"/>) to fail them with any nfsstat4, answer WRITE / COMMIT with another verifier,
/// shorten a WRITE or READ, hold or drop the reply; and it asserts what the client sent from <see cref="Records"/>
/// and <see cref="Sent{T}"/>, every COMPOUND decoded into typed operations.
/// <code>
/// await using var server = await FakeNfsServer.StartAsync();
/// server.CreateFile("/export/a", "hello"u8);
/// server.Intercept(NfsOpnum4.Commit, FakeNfsFault.WriteVerifier(new Verifier4(42)));
/// </code>
/// </summary>
public sealed class FakeNfsServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<FakeNfsRecord> _records = [];
    private readonly List<FakeNfsRule> _rules = [];
    private readonly List<Deferral> _deferrals = [];
    private readonly Dictionary<NfsOpnum4, int> _occurrences = [];
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly FakeCompoundProcessor _processor;
    private FakeRpcServer? _rpc;
    private Verifier4 _writeVerifier;

    private FakeNfsServer(FakeNfsServerOptions options)
    {
        Options = options;
        FileSystem = new FakeFileSystem(options);
        State = new FakeNfsState(1);
        _writeVerifier = new Verifier4(options.InitialWriteVerifier);
        _processor = new FakeCompoundProcessor(this);
    }

    public FakeNfsServerOptions Options { get; }

    public FakeRpcServer Rpc => _rpc ?? throw new InvalidOperationException("The server is not started.");

    public IPEndPoint EndPoint => Rpc.EndPoint;

    /// <summary>The write verifier of this boot (RFC 7530 §16.36.4).</summary>
    public Verifier4 WriteVerifier
    {
        get
        {
            lock (_lock)
            {
                return _writeVerifier;
            }
        }
    }

    /// <summary>1 for the first boot; <see cref="Reboot"/> increments it.</summary>
    public uint Boot
    {
        get
        {
            lock (_lock)
            {
                return State.Boot;
            }
        }
    }

    /// <summary>How many delegations were given back with DELEGRETURN (FakeNfsServerOptions.GrantReadDelegations).</summary>
    public int DelegationsReturned
    {
        get
        {
            lock (_lock)
            {
                return State.DelegationsReturned;
            }
        }
    }

    /// <summary>Open stateids the server holds now (all clients).</summary>
    public int OpenStateCount
    {
        get
        {
            lock (_lock)
            {
                return State.Opens.Count;
            }
        }
    }

    /// <summary>Malformed requests and script failures: a test that expects a clean run asserts this is empty.</summary>
    public IReadOnlyCollection<Exception> Errors => [.. _errors, .. Rpc.Errors];

    internal FakeFileSystem FileSystem { get; }

    internal FakeNfsState State { get; private set; }

    /// <summary>Starts a server on <paramref name="bindTo"/> (127.0.0.1 on a free port when null).</summary>
    public static async Task<FakeNfsServer> StartAsync(FakeNfsServerOptions? options = null, IPEndPoint? bindTo = null)
    {
        var server = new FakeNfsServer(options ?? new FakeNfsServerOptions());
        server._rpc = await FakeRpcServer.StartAsync(server.HandleAsync, bindTo).ConfigureAwait(false);
        return server;
    }

    // The tree. Paths are absolute ("/export/dir/file"); parents must exist.

    public void CreateDirectory(string path, uint mode = 0x1ED) => Add(path, fs => fs.NewNode(NfsFtype4.Dir, ParentFsid(fs, path), mode));

    public void CreateFile(string path, ReadOnlySpan<byte> content = default, uint mode = 0x1A4)
    {
        var bytes = content.ToArray();
        Add(path, fs =>
        {
            var node = fs.NewNode(NfsFtype4.Reg, ParentFsid(fs, path), mode);
            node.Data = bytes;
            return node;
        });
    }

    public void CreateSymlink(string path, string target) => Add(path, fs => fs.NewNode(NfsFtype4.Lnk, ParentFsid(fs, path), 0x1FF, linkTarget: target));

    /// <summary>
    /// Makes <paramref name="path"/> the root of an absent file system (RFC 7530 §8.4): a LOOKUP of it succeeds,
    /// GETATTR answers only fsid, fs_locations, mounted_on_fileid and rdattr_error (= NFS4ERR_MOVED), and every
    /// other use of it — a LOOKUP below it, a GETATTR of other attributes, READDIR — fails with NFS4ERR_MOVED.
    /// </summary>
    public void AddReferral(string path, FsLocations4 locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        Add(path, fs => fs.NewNode(NfsFtype4.Dir, new Fsid4(0xA8, 0x5E), 0x1ED, referral: locations));
    }

    /// <summary>
    /// Migration (RFC 7530 §8.4.2): the existing file system rooted at <paramref name="path"/> moves away to
    /// <paramref name="locations"/>. Its root becomes absent as with <see cref="AddReferral"/>, and every operation on
    /// an object below it (through a filehandle given out before, e.g. READ of an open file) fails with NFS4ERR_MOVED.
    /// Remove the returned rule (and nothing else) to stop the latter.
    /// </summary>
    public FakeNfsRule MoveAway(string path, FsLocations4 locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        var root = path.TrimEnd('/');
        lock (_lock)
        {
            FileSystem.Get(root).Referral = locations;
        }

        return InterceptWhere(
            c => c.CurrentPath is { } current && current.StartsWith(root + "/", StringComparison.Ordinal) && c.Args.Op is not (NfsOpnum4.PutFh or NfsOpnum4.PutRootFh or NfsOpnum4.PutPubFh or NfsOpnum4.Renew or NfsOpnum4.SetClientId or NfsOpnum4.SetClientIdConfirm),
            FakeNfsFault.Error(NfsStat4.Moved));
    }

    /// <summary>Takes <paramref name="path"/> away, as another client's REMOVE would (the node goes with its last link).</summary>
    public void Remove(string path)
    {
        var (parentPath, name) = SplitLast(path);
        lock (_lock)
        {
            FileSystem.Detach(FileSystem.Get(parentPath), name);
        }
    }

    /// <summary>Replaces the bytes of a regular file, as another client's WRITE would: its change attribute moves.</summary>
    public void WriteFile(string path, ReadOnlySpan<byte> content)
    {
        var bytes = content.ToArray();
        lock (_lock)
        {
            var node = FileSystem.Get(path);
            node.Data = bytes;
            FileSystem.Touch(node, data: true);
        }
    }

    /// <summary>Sets the mode, as another client's SETATTR would: the change attribute moves.</summary>
    public void SetMode(string path, uint mode)
    {
        lock (_lock)
        {
            var node = FileSystem.Get(path);
            node.Mode = mode & 0xFFF;
            FileSystem.Touch(node, data: false);
        }
    }

    /// <summary>The fileid and change attribute of <paramref name="path"/> now, or null when nothing is there.</summary>
    public (ulong FileId, ulong Change, uint Mode)? VersionOf(string path)
    {
        lock (_lock)
        {
            return FileSystem.Find(path) is { } node ? (node.FileId, node.Change, node.Mode) : null;
        }
    }

    public bool Exists(string path)
    {
        lock (_lock)
        {
            return FileSystem.Find(path) is not null;
        }
    }

    /// <summary>The bytes of a regular file.</summary>
    public byte[] ReadFile(string path)
    {
        lock (_lock)
        {
            return [.. FileSystem.Get(path).Data];
        }
    }

    /// <summary>The change attribute of the object at <paramref name="path"/>.</summary>
    public ulong ChangeOf(string path)
    {
        lock (_lock)
        {
            return FileSystem.Get(path).Change;
        }
    }

    /// <summary>
    /// Another client's write, done behind the client under test: <paramref name="bytes"/> at
    /// <paramref name="offset"/> of the file (extending it as needed), with a new change attribute and times.
    /// </summary>
    public void WriteFileElsewhere(string path, int offset, ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            var node = FileSystem.Get(path);
            var data = node.Data;
            if (offset + bytes.Length > data.Length)
            {
                Array.Resize(ref data, offset + bytes.Length);
            }

            bytes.CopyTo(data.AsSpan(offset));
            node.Data = data;
            FileSystem.Touch(node, data: true);
        }
    }

    /// <summary>
    /// What a server crash that lost updates leaves (call it with <see cref="Reboot"/>): the file's bytes and
    /// change attribute as they were at an earlier moment.
    /// </summary>
    public void RollBackFile(string path, ReadOnlySpan<byte> content, ulong change)
    {
        var bytes = content.ToArray();
        lock (_lock)
        {
            var node = FileSystem.Get(path);
            node.Data = bytes;
            node.Change = change;
        }
    }

    /// <summary>The filehandle the server gives out for <paramref name="path"/> now.</summary>
    public NfsFh FileHandleOf(string path)
    {
        lock (_lock)
        {
            return FileSystem.HandleOf(FileSystem.Get(path));
        }
    }

    /// <summary>
    /// Expires every handle of <paramref name="path"/> given out so far (RFC 7530 §4.2.3): their next use fails
    /// with NFS4ERR_FHEXPIRED, and a LOOKUP gives a new one. Only for servers whose fh_expire_type is volatile.
    /// </summary>
    public void ExpireFileHandle(string path)
    {
        if (Options.FhExpireType == FhExpireType.Persistent)
        {
            throw new InvalidOperationException("A server with persistent filehandles (fh_expire_type 0) cannot expire one.");
        }

        lock (_lock)
        {
            FileSystem.Get(path).Generation++;
        }
    }

    /// <summary>
    /// A server restart: a new write verifier (so uncommitted data is known lost, RFC 7530 §16.3.5) and no
    /// client ids, owners or stateids (those of the old boot are stale). The tree stays.
    /// </summary>
    public void Reboot() => Restart(grace: false);

    /// <summary>
    /// A server restart followed by a grace period (RFC 7530 §9.6.2), as <see cref="Reboot"/> otherwise: the
    /// server remembers what each client (by id string) held, and until <see cref="EndGrace"/> accepts exactly
    /// that back — OPEN with CLAIM_PREVIOUS of an open the client had (same file, access and deny), LOCK with
    /// reclaim = true of a range it had locked — and answers any other OPEN or LOCK with NFS4ERR_GRACE. A
    /// reclaim of anything else gets NFS4ERR_RECLAIM_BAD; after grace, reclaims get NFS4ERR_NO_GRACE.
    /// </summary>
    public void RebootWithGrace() => Restart(grace: true);

    /// <summary>Ends the grace period <see cref="RebootWithGrace"/> began: new state may be made again, reclaims are refused.</summary>
    public void EndGrace()
    {
        lock (_lock)
        {
            State.InGrace = false;
            State.Reclaimable.Clear();
        }
    }

    /// <summary>True during the grace period after <see cref="RebootWithGrace"/>.</summary>
    public bool InGrace
    {
        get
        {
            lock (_lock)
            {
                return State.InGrace;
            }
        }
    }

    private void Restart(bool grace)
    {
        lock (_lock)
        {
            State = State.NextBoot(grace);
            _writeVerifier = new Verifier4(_writeVerifier.Value + 1);
        }
    }

    // Interception.

    /// <summary>The <paramref name="occurrence"/>th <paramref name="op"/> from now on gets <paramref name="fault"/>, once.</summary>
    public FakeNfsRule Intercept(NfsOpnum4 op, FakeNfsFault fault, int occurrence = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(occurrence);
        return AddRule(new FakeNfsRule(op, null, fault, occurrence - 1, 1));
    }

    /// <summary>Every <paramref name="op"/> (that <paramref name="where"/> accepts) gets <paramref name="fault"/>, up to <paramref name="times"/> times.</summary>
    public FakeNfsRule InterceptEvery(NfsOpnum4 op, FakeNfsFault fault, Func<FakeNfsOpContext, bool>? where = null, int? times = null) =>
        AddRule(new FakeNfsRule(op, where, fault, 0, times));

    /// <summary>Every operation <paramref name="where"/> accepts gets <paramref name="fault"/>, up to <paramref name="times"/> times.</summary>
    public FakeNfsRule InterceptWhere(Func<FakeNfsOpContext, bool> where, FakeNfsFault fault, int? times = null)
    {
        ArgumentNullException.ThrowIfNull(where);
        return AddRule(new FakeNfsRule(null, where, fault, 0, times));
    }

    /// <summary>
    /// The next <paramref name="times"/> COMPOUNDs <paramref name="where"/> accepts are executed only once
    /// <paramref name="until"/> completes, while later calls go ahead: a server with several worker threads may execute
    /// calls in another order than they arrived (nothing in RPC orders calls that are in flight together).
    /// </summary>
    public void DeferExecution(Func<CompoundRequest, bool> where, Task until, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(where);
        ArgumentNullException.ThrowIfNull(until);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_lock)
        {
            _deferrals.Add(new Deferral(where, until) { Remaining = times });
        }
    }

    public void RemoveRule(FakeNfsRule rule)
    {
        lock (_lock)
        {
            _rules.Remove(rule);
        }
    }

    // What the client sent.

    /// <summary>Every COMPOUND so far, in execution order.</summary>
    public IReadOnlyList<FakeNfsRecord> Records
    {
        get
        {
            lock (_lock)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>How many COMPOUNDs so far: a mark for <see cref="Sent{T}"/> and <see cref="RecordsSince"/>.</summary>
    public int RecordCount
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    public IReadOnlyList<FakeNfsRecord> RecordsSince(int mark)
    {
        lock (_lock)
        {
            return [.. _records.Skip(mark)];
        }
    }

    /// <summary>Every operation of type <typeparamref name="T"/> in the COMPOUNDs from <paramref name="since"/> on, in order.</summary>
    public IReadOnlyList<T> Sent<T>(int since = 0)
        where T : NfsArgOp => [.. RecordsSince(since).SelectMany(r => r.Request.OpsOf<T>())];

    public async ValueTask DisposeAsync()
    {
        if (_rpc is { } rpc)
        {
            await rpc.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal FakeNfsFault? Match(FakeNfsOpContext context)
    {
        FakeNfsFault? fault = null;
        foreach (var rule in _rules)
        {
            if (rule.Offer(context, fault is not null))
            {
                fault = rule.Fault;
            }
        }

        return fault;
    }

    internal int NextOccurrence(NfsOpnum4 op)
    {
        _occurrences.TryGetValue(op, out var count);
        _occurrences[op] = ++count;
        return count;
    }

    internal Verifier4 CurrentWriteVerifier => _writeVerifier;

    internal void RecordError(Exception error) => _errors.Enqueue(error);

    private FakeNfsRule AddRule(FakeNfsRule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    private void Add(string path, Func<FakeFileSystem, FakeNode> create)
    {
        var (parentPath, name) = SplitLast(path);
        lock (_lock)
        {
            var parent = FileSystem.Get(parentPath);
            if (!parent.IsDirectory || parent.Children!.ContainsKey(name))
            {
                throw new ArgumentException($"Cannot create {path}: the parent is not a directory or the name exists.", nameof(path));
            }

            FileSystem.Attach(parent, name, create(FileSystem));
        }
    }

    private static Fsid4 ParentFsid(FakeFileSystem fs, string path) => fs.Get(SplitLast(path).Parent).Fsid;

    private static (string Parent, string Name) SplitLast(string path)
    {
        var trimmed = path.TrimEnd('/');
        var at = trimmed.LastIndexOf('/');
        if (at < 0 || at == trimmed.Length - 1)
        {
            throw new ArgumentException($"{path} is not an absolute path of a name.", nameof(path));
        }

        return (at == 0 ? "/" : trimmed[..at], trimmed[(at + 1)..]);
    }

    private async ValueTask<FakeReply> HandleAsync(ReceivedCall call)
    {
        if (call.Program != NfsProgram.Program)
        {
            return FakeReply.ProgUnavail();
        }

        if (call.Version != NfsProgram.Version4)
        {
            return FakeReply.ProgMismatch(NfsProgram.Version4, NfsProgram.Version4);
        }

        if (call.Procedure == NfsProgram.ProcNull)
        {
            return FakeReply.Success();
        }

        if (call.Procedure != NfsProgram.ProcCompound)
        {
            return FakeReply.ProcUnavail();
        }

        CompoundRequest request;
        try
        {
            request = CompoundRequest.Decode(call.Args.Span);
        }
        catch (XdrException ex)
        {
            RecordError(new InvalidOperationException($"The client sent a malformed COMPOUND: {ex.Message}", ex));
            return FakeReply.GarbageArgs();
        }

        if (TakeDeferral(request) is { } until)
        {
            await until.WaitAsync(call.Connection.Closing).ConfigureAwait(false);
        }

        FakeCompoundOutcome outcome;
        lock (_lock)
        {
            var record = new FakeNfsRecord(_records.Count, call.Connection.Id, call.Xid, request) { AuthSys = call.AuthSys };
            _records.Add(record);
            outcome = _processor.Run(record);
        }

        if (outcome.Hold is { } hold)
        {
            await hold.WaitAsync(call.Connection.Closing).ConfigureAwait(false);
        }

        return outcome.Delivery switch
        {
            FakeNfsFaultKind.NoReply => FakeReply.Never,
            FakeNfsFaultKind.CloseConnection => FakeReply.CloseConnection(),
            _ => FakeReply.Success(outcome.Reply),
        };
    }

    private Task? TakeDeferral(CompoundRequest request)
    {
        lock (_lock)
        {
            foreach (var deferral in _deferrals)
            {
                if (deferral.Remaining > 0 && deferral.Where(request))
                {
                    deferral.Remaining--;
                    return deferral.Until;
                }
            }

            return null;
        }
    }

    private sealed class Deferral(Func<CompoundRequest, bool> where, Task until)
    {
        public Func<CompoundRequest, bool> Where { get; } = where;

        public Task Until { get; } = until;

        public int Remaining { get; set; }
    }
}
