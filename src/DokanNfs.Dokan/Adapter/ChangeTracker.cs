using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DokanNfs.Core.Client;

namespace DokanNfs.Dokan.Adapter;

/// <summary>
/// What the adapter last saw of objects on the server, so that it can tell Windows when one changed behind its
/// back (issue 6 §11): the change attribute (RFC 7530 §5.8.1.4) of recently queried files, and the names of
/// recently listed directories. Memory is bounded: two least-recently-used tables, of files (a change value
/// each) and of directories (their names, none of them over <see cref="MaxNames"/>); a directory with more
/// names is not tracked. Paths are drive paths ("/a/b", normalized). Thread-safe; the caller notifies Windows
/// from what the methods return, outside the lock.
/// <para>
/// Changes the adapter makes itself are reported with <see cref="Forget"/>, <see cref="Created"/>,
/// <see cref="Removed"/> and <see cref="Renamed"/>, so that they are never announced back: the affected
/// change values are forgotten (the next one seen is recorded silently) and the directories' names are
/// updated in place.
/// </para>
/// </summary>
internal sealed class ChangeTracker
{
    public const int DefaultDirectoryCapacity = 64;
    public const int DefaultFileCapacity = 4096;
    public const int DefaultMaxNames = 20_000;

    private readonly Lock _sync = new();
    private readonly Lru<DirectoryNode> _directories;
    private readonly Lru<FileNode> _files;

    /// <summary>
    /// Paths the adapter is creating, removing or renaming right now (how many calls each). A listing that runs
    /// meanwhile may or may not see such a name, and neither is a change made elsewhere (found by
    /// Scenarios/CopyScenarioTests: robocopy /MT with Explorer refreshing the folder got its own creates announced).
    /// </summary>
    private readonly Dictionary<string, int> _ownInFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ownInFlightBySpan;

    public ChangeTracker(int directoryCapacity = DefaultDirectoryCapacity, int fileCapacity = DefaultFileCapacity, int maxNames = DefaultMaxNames)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(directoryCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fileCapacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNames);
        _directories = new Lru<DirectoryNode>(directoryCapacity);
        _files = new Lru<FileNode>(fileCapacity);
        _ownInFlightBySpan = _ownInFlight.GetAlternateLookup<ReadOnlySpan<char>>();
        MaxNames = maxNames;
    }

    /// <summary>A directory with more names than this is not tracked (its listing is not remembered).</summary>
    public int MaxNames { get; }

    /// <summary>How many directories' names are held (at most the directory capacity).</summary>
    public int DirectoryCount
    {
        get
        {
            lock (_sync)
            {
                return _directories.Count;
            }
        }
    }

    /// <summary>How many files' change values are held (at most the file capacity).</summary>
    public int FileCount
    {
        get
        {
            lock (_sync)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>
    /// A file's change attribute as just read. True when it differs from the one seen before and the change is not
    /// presumed the adapter's own (<paramref name="own"/>: seen through an open that may write it): notify an update.
    /// </summary>
    public bool ObserveFile(string path, ulong change, bool own)
    {
        lock (_sync)
        {
            var node = _files.Find(path);
            if (node is null)
            {
                _files.Add(new FileNode(path) { Change = change });
                return false;
            }

            if (node.Change == change)
            {
                return false;
            }

            var known = node.Change is not null;
            node.Change = change;
            return known && !own;
        }
    }

    /// <summary>
    /// A directory's change attribute as just read. True when the directory's names are known and its change
    /// moved since they were read and <paramref name="canRelist"/>: list it again (<see cref="BeginListing"/>) to
    /// learn which names appeared or vanished. Directories never listed are not tracked.
    /// </summary>
    public bool ObserveDirectory(string path, ulong change, bool canRelist)
    {
        lock (_sync)
        {
            var node = _directories.Find(path);
            if (node is null)
            {
                return false;
            }

            node.LastSeen = change;
            if (node.Change is null || !node.Baseline)
            {
                node.Change = change;
                return false;
            }

            // Otherwise leave Change as it is: the next listing (or relisting) settles it.
            return node.Change != change && canRelist;
        }
    }

    /// <summary>Starts reading a directory's names; every entry goes through <see cref="Listed"/>, then <see cref="EndListing"/>.</summary>
    public Listing BeginListing(string directory)
    {
        var prefixLength = directory == "/" ? 1 : directory.Length + 1;
        var buffer = ArrayPool<char>.Shared.Rent(prefixLength + 64);
        directory.AsSpan().CopyTo(buffer);
        buffer[prefixLength - 1] = '/';
        lock (_sync)
        {
            var node = _directories.Find(directory);
            if (node is null)
            {
                node = new DirectoryNode(directory);
                _directories.Add(node);
            }

            node.Generation++;
            return new Listing(directory, node, node.Generation, node.LastSeen, buffer, prefixLength);
        }
    }

    /// <summary>One entry of the listing. True when the name is new since the last complete listing: notify a create.</summary>
    public bool Listed(ref Listing listing, string name, bool isDirectory)
    {
        lock (_sync)
        {
            var node = listing.Node;
            if (node is null || node.Evicted)
            {
                return false;
            }

            ref var mark = ref CollectionsMarshal.GetValueRefOrAddDefault(node.Names, name, out var existed);
            mark = new NameMark(isDirectory, listing.Generation);
            if (node.Names.Count > MaxNames)
            {
                // Too big to remember: the directory is dropped, and this listing tracks nothing more.
                _directories.Remove(node.Key);
                listing.Node = null;
                return false;
            }

            return !existed && node.Baseline && !IsOwnInFlight(ref listing, name);
        }
    }

    /// <summary>
    /// A file's change attribute as a listing shows it. True when the file was queried before with another
    /// change value: notify an update. Files not queried before are not added (a listing does not fill the table).
    /// </summary>
    public bool ListedFile(ref Listing listing, string name, ulong change)
    {
        var path = ChildKey(ref listing, name);
        lock (_sync)
        {
            var node = _files.Find(path);
            if (node is null || node.Change == change)
            {
                return false;
            }

            var known = node.Change is not null;
            node.Change = change;
            return known;
        }
    }

    /// <summary>
    /// Ends a listing. When it was complete, the names it did not see are forgotten and returned (notify a delete
    /// for each) — unless this was the directory's first complete listing, which only records. An incomplete
    /// listing (the caller's buffer filled up, or it failed) forgets nothing.
    /// </summary>
    public List<(string Name, bool IsDirectory)>? EndListing(ref Listing listing, bool complete)
    {
        ReturnBuffer(ref listing);
        List<(string Name, bool IsDirectory)>? vanished = null;
        lock (_sync)
        {
            var node = listing.Node;
            listing.Node = null;
            if (node is null || node.Evicted || !complete)
            {
                return null;
            }

            foreach (var (name, mark) in node.Names)
            {
                if (mark.Generation < listing.Generation)
                {
                    _ = node.Names.Remove(name); // allowed while enumerating a Dictionary
                    if (node.Baseline && !(_ownInFlight.Count > 0 && _ownInFlight.ContainsKey(Join(listing.Directory, name))))
                    {
                        (vanished ??= []).Add((name, mark.IsDirectory));
                    }
                }
            }

            node.Baseline = true;
            if (listing.SeenAtStart is { } seen)
            {
                // The names are at least as new as the change value seen before the listing started.
                node.Change = seen;
            }
        }

        return vanished;
    }

    /// <summary>
    /// The adapter starts creating, removing or renaming <paramref name="path"/>: until the returned scope is disposed,
    /// listings neither announce the name appearing nor vanishing (<see cref="Created"/> / <see cref="Removed"/>
    /// then record the outcome silently).
    /// </summary>
    public OwnChange BeginOwnChange(string path)
    {
        lock (_sync)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_ownInFlight, path, out _)++;
        }

        return new OwnChange(this, path);
    }

    private void EndOwnChange(string path)
    {
        lock (_sync)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_ownInFlight, path);
            if (!Unsafe.IsNullRef(ref count) && --count == 0)
            {
                _ = _ownInFlight.Remove(path);
            }
        }
    }

    /// <summary>Under the lock: the listed child <paramref name="name"/> is being created, removed or renamed by the adapter.</summary>
    private bool IsOwnInFlight(ref Listing listing, string name) =>
        _ownInFlight.Count > 0 && _ownInFlightBySpan.ContainsKey(ChildKey(ref listing, name));

    /// <summary>"directory/name" in the listing's buffer (grown when needed): a child's key without allocating one.</summary>
    private static ReadOnlySpan<char> ChildKey(ref Listing listing, string name)
    {
        var length = listing.PrefixLength + name.Length;
        var buffer = listing.Buffer ?? throw new InvalidOperationException("The listing has ended.");
        if (buffer.Length < length)
        {
            var larger = ArrayPool<char>.Shared.Rent(length);
            buffer.AsSpan(0, listing.PrefixLength).CopyTo(larger);
            ReturnBuffer(ref listing);
            listing.Buffer = buffer = larger;
        }

        name.AsSpan().CopyTo(buffer.AsSpan(listing.PrefixLength));
        return buffer.AsSpan(0, length);
    }

    private static string Join(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>The adapter changed <paramref name="path"/> itself (data, size, times, attributes): forget its change value.</summary>
    public void Forget(string path)
    {
        lock (_sync)
        {
            _ = _files.Remove(path);
            if (_directories.Find(path) is { } directory)
            {
                directory.Change = null;
            }
        }
    }

    /// <summary>The adapter created <paramref name="path"/>: its parent's names gain it, silently.</summary>
    public void Created(string path, bool isDirectory)
    {
        var (parent, name) = Split(path);
        lock (_sync)
        {
            RemoveAtOrBelow(path);
            if (parent is not null && _directories.Find(parent) is { } directory)
            {
                directory.Names[name] = new NameMark(isDirectory, directory.Generation);
                directory.Change = null;
            }
        }
    }

    /// <summary>The adapter removed <paramref name="path"/>: its parent's names lose it, silently.</summary>
    public void Removed(string path)
    {
        var (parent, name) = Split(path);
        lock (_sync)
        {
            RemoveAtOrBelow(path);
            if (parent is not null && _directories.Find(parent) is { } directory)
            {
                _ = directory.Names.Remove(name);
                directory.Change = null;
            }
        }
    }

    /// <summary>The adapter renamed <paramref name="from"/> to <paramref name="to"/> (replacing what was there).</summary>
    public void Renamed(string from, string to, bool isDirectory)
    {
        Removed(from);
        Created(to, isDirectory);
    }

    private void RemoveAtOrBelow(string path)
    {
        _ = _files.Remove(path);
        _ = _directories.Remove(path);
        _files.RemoveBelow(path);
        _directories.RemoveBelow(path);
    }

    private static (string? Parent, string Name) Split(string path)
    {
        var parts = NfsPath.Split(path);
        return parts.Length == 0 ? (null, "") : (NfsPath.Join(parts[..^1]), parts[^1]);
    }

    private static void ReturnBuffer(ref Listing listing)
    {
        if (listing.Buffer is { } buffer)
        {
            listing.Buffer = null;
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>One listing in progress (see <see cref="BeginListing"/>).</summary>
    internal struct Listing
    {
        internal Listing(string directory, DirectoryNode node, int generation, ulong? seenAtStart, char[] buffer, int prefixLength)
        {
            Directory = directory;
            Node = node;
            Generation = generation;
            SeenAtStart = seenAtStart;
            Buffer = buffer;
            PrefixLength = prefixLength;
        }

        /// <summary>The directory being listed.</summary>
        internal string Directory { get; }

        /// <summary>Its entry in the table; null once dropped (too many names) or ended.</summary>
        internal DirectoryNode? Node { get; set; }

        internal int Generation { get; }

        internal ulong? SeenAtStart { get; }

        /// <summary>"directory/" followed by room for an entry's name: the key of a child without allocating one.</summary>
        internal char[]? Buffer { get; set; }

        internal int PrefixLength { get; }
    }

    /// <summary>A create, remove or rename of the adapter's own in progress (see <see cref="BeginOwnChange"/>).</summary>
    internal readonly struct OwnChange(ChangeTracker tracker, string path) : IDisposable
    {
        public void Dispose() => tracker?.EndOwnChange(path);
    }

    /// <summary>A name of a directory: whether it is a directory, and the listing that last saw it.</summary>
    internal readonly record struct NameMark(bool IsDirectory, int Generation);

    internal abstract class LruNode(string key)
    {
        public string Key { get; } = key;

        public LruNode? Newer { get; set; }

        public LruNode? Older { get; set; }

        public bool Evicted { get; set; }
    }

    internal sealed class FileNode(string key) : LruNode(key)
    {
        public ulong? Change { get; set; }
    }

    internal sealed class DirectoryNode(string key) : LruNode(key)
    {
        /// <summary>The change value the names are known to be as new as; null when unknown (a change of our own).</summary>
        public ulong? Change { get; set; }

        /// <summary>The change value last read, whether or not the names were read after it.</summary>
        public ulong? LastSeen { get; set; }

        public Dictionary<string, NameMark> Names { get; } = new(StringComparer.Ordinal);

        /// <summary>Counts listings; a name's mark says which one saw it last.</summary>
        public int Generation { get; set; }

        /// <summary>A complete listing was read: names that appear or vanish from now on are changes.</summary>
        public bool Baseline { get; set; }
    }

    /// <summary>A least-recently-used table by path: a dictionary and a list through the nodes, newest first.</summary>
    private sealed class Lru<TNode>
        where TNode : LruNode
    {
        private readonly int _capacity;
        private readonly Dictionary<string, TNode> _nodes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TNode>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
        private LruNode? _newest;
        private LruNode? _oldest;

        public Lru(int capacity)
        {
            _capacity = capacity;
            _bySpan = _nodes.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public int Count => _nodes.Count;

        public TNode? Find(string key) => _nodes.TryGetValue(key, out var node) ? Touch(node) : null;

        public TNode? Find(ReadOnlySpan<char> key) => _bySpan.TryGetValue(key, out var node) ? Touch(node) : null;

        public void Add(TNode node)
        {
            _ = Remove(node.Key);
            _nodes[node.Key] = node;
            Link(node);
            while (_nodes.Count > _capacity && _oldest is { } oldest)
            {
                _ = Remove(oldest.Key);
            }
        }

        public bool Remove(string key)
        {
            if (!_nodes.Remove(key, out var node))
            {
                return false;
            }

            Unlink(node);
            node.Evicted = true;
            return true;
        }

        /// <summary>Removes every key below <paramref name="path"/> (not the path itself). At most the capacity is scanned.</summary>
        public void RemoveBelow(string path)
        {
            List<string>? below = null;
            foreach (var key in _nodes.Keys)
            {
                if (key.Length > path.Length + 1 && key.StartsWith(path, StringComparison.Ordinal) && (path == "/" || key[path.Length] == '/'))
                {
                    (below ??= []).Add(key);
                }
            }

            foreach (var key in below ?? [])
            {
                _ = Remove(key);
            }
        }

        private TNode Touch(TNode node)
        {
            if (!ReferenceEquals(_newest, node))
            {
                Unlink(node);
                Link(node);
            }

            return node;
        }

        private void Link(LruNode node)
        {
            node.Older = _newest;
            node.Newer = null;
            if (_newest is { } newest)
            {
                newest.Newer = node;
            }

            _newest = node;
            _oldest ??= node;
        }

        private void Unlink(LruNode node)
        {
            if (node.Newer is { } newer)
            {
                newer.Older = node.Older;
            }
            else
            {
                _newest = node.Older;
            }

            if (node.Older is { } older)
            {
                older.Newer = node.Newer;
            }
            else
            {
                _oldest = node.Newer;
            }

            node.Newer = node.Older = null;
        }
    }
}
