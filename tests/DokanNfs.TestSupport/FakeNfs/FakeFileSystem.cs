using System.Buffers.Binary;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.TestSupport.FakeNfs;

/// <summary>One object of the fake server's tree. Only touched with the server's lock held.</summary>
internal sealed class FakeNode
{
    public required ulong FileId { get; init; }

    public required NfsFtype4 Type { get; init; }

    public required Fsid4 Fsid { get; init; }

    public string Name { get; set; } = string.Empty;

    /// <summary>The directory holding the node (its first name, for files with several links); null for the root.</summary>
    public FakeNode? Parent { get; set; }

    public SortedDictionary<string, FakeNode>? Children { get; init; }

    public byte[] Data { get; set; } = [];

    public string? LinkTarget { get; init; }

    public SpecData4 RawDev { get; init; }

    public uint Mode { get; set; }

    public string Owner { get; set; } = "0";

    public string OwnerGroup { get; set; } = "0";

    public uint Links { get; set; } = 1;

    /// <summary>The change attribute (RFC 7530 §5.8.1.4): bumped by every change to data, attributes or entries.</summary>
    public ulong Change { get; set; } = 1;

    public NfsTime4 TimeAccess { get; set; }

    public NfsTime4 TimeModify { get; set; }

    public NfsTime4 TimeMetadata { get; set; }

    /// <summary>Part of the filehandle: bumping it makes every handle given out so far expire.</summary>
    public uint Generation { get; set; }

    /// <summary>Set for the root of an absent file system (a referral, RFC 7530 §8.4): where it went.</summary>
    public FsLocations4? Referral { get; set; } // set, not init: FakeNfsServer.MoveAway migrates a file system in use

    /// <summary>The EXCLUSIVE4 verifier the file was created with (RFC 7530 §16.16.5), to recognise a re-sent create.</summary>
    public Verifier4? CreateVerifier { get; set; }

    public bool IsDirectory => Type == NfsFtype4.Dir;

    public bool IsAbsent => Referral is not null;

    public ulong Size => Type switch
    {
        NfsFtype4.Reg => (ulong)Data.Length,
        NfsFtype4.Lnk => (ulong)System.Text.Encoding.UTF8.GetByteCount(LinkTarget ?? string.Empty),
        NfsFtype4.Dir => 4096,
        _ => 0,
    };

    public override string ToString() => $"{Type} {Name} #{FileId}";
}

/// <summary>
/// The fake server's tree: a pseudo root "/" holding the export directory, filehandles that are opaque
/// ids (a magic, the fileid, a generation), and a clock for times.
/// </summary>
internal sealed class FakeFileSystem
{
    private static readonly byte[] HandleMagic = "FKFH"u8.ToArray();

    private readonly Dictionary<ulong, FakeNode> _nodes = [];
    private ulong _nextFileId = 100;

    public FakeFileSystem(FakeNfsServerOptions options)
    {
        Root = NewNode(NfsFtype4.Dir, options.RootFsid, 0x1ED, fileId: 1);
        var export = NewNode(NfsFtype4.Dir, options.ExportFsid, 0x1FF, fileId: 2);
        Attach(Root, options.ExportName, export);
        Root.Links++;
    }

    public FakeNode Root { get; }

    public NfsTime4 Now() => NfsTime4.FromDateTimeOffset(DateTimeOffset.UtcNow);

    public FakeNode NewNode(NfsFtype4 type, Fsid4 fsid, uint mode, string? linkTarget = null, SpecData4 rawDev = default, FsLocations4? referral = null, ulong fileId = 0)
    {
        var now = Now();
        var node = new FakeNode
        {
            FileId = fileId != 0 ? fileId : _nextFileId++,
            Type = type,
            Fsid = fsid,
            Mode = mode,
            Children = type == NfsFtype4.Dir ? new SortedDictionary<string, FakeNode>(StringComparer.Ordinal) : null,
            LinkTarget = linkTarget,
            RawDev = rawDev,
            Referral = referral,
            Links = type == NfsFtype4.Dir ? 2u : 1u,
            TimeAccess = now,
            TimeModify = now,
            TimeMetadata = now,
        };
        _nodes[node.FileId] = node;
        return node;
    }

    /// <summary>Puts <paramref name="child"/> in <paramref name="directory"/> under <paramref name="name"/>.</summary>
    public void Attach(FakeNode directory, string name, FakeNode child)
    {
        directory.Children![name] = child;
        if (child.Parent is null && child != Root)
        {
            child.Parent = directory;
            child.Name = name;
        }

        if (child.IsDirectory)
        {
            directory.Links++;
        }

        Touch(directory, data: true);
    }

    /// <summary>Takes the name away; the node goes when its last link does.</summary>
    public void Detach(FakeNode directory, string name)
    {
        var child = directory.Children![name];
        directory.Children.Remove(name);
        if (child.IsDirectory)
        {
            directory.Links--;
            child.Links = 0;
        }
        else
        {
            child.Links--;
        }

        if (child.Links == 0)
        {
            _nodes.Remove(child.FileId);
        }
        else if (child.Parent == directory && child.Name == name)
        {
            // Another link remains: name the node by one of them.
            var other = _nodes.Values.Where(n => n.Children is not null).SelectMany(d => d.Children!.Where(e => e.Value == child).Select(e => (d, e.Key))).FirstOrDefault();
            (child.Parent, child.Name) = (other.d, other.Key ?? string.Empty);
        }

        Touch(child, data: false);
        Touch(directory, data: true);
    }

    /// <summary>Records a change: the change attribute, ctime, and mtime for data or entries.</summary>
    public void Touch(FakeNode node, bool data)
    {
        var now = Now();
        node.Change++;
        node.TimeMetadata = now;
        if (data)
        {
            node.TimeModify = now;
        }
    }

    /// <summary>The node at an absolute path, or null.</summary>
    public FakeNode? Find(string path)
    {
        var node = Root;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node.Children is null || !node.Children.TryGetValue(part, out var next))
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    public FakeNode Get(string path) => Find(path) ?? throw new ArgumentException($"The fake server has nothing at {path}.", nameof(path));

    public string PathOf(FakeNode node)
    {
        var parts = new List<string>();
        for (var n = node; n.Parent is not null; n = n.Parent)
        {
            parts.Add(n.Name);
        }

        parts.Reverse();
        return "/" + string.Join('/', parts);
    }

    public NfsFh HandleOf(FakeNode node)
    {
        Span<byte> bytes = stackalloc byte[16];
        HandleMagic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[4..], node.FileId);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[12..], node.Generation);
        return new NfsFh(bytes);
    }

    /// <summary>
    /// The node a filehandle names: NFS4ERR_BADHANDLE for bytes that are not one of ours, NFS4ERR_STALE for a
    /// removed object, NFS4ERR_FHEXPIRED for an old generation of a volatile handle (RFC 7530 §4.2.3).
    /// </summary>
    public NfsStat4 Resolve(NfsFh fh, bool volatileHandles, out FakeNode? node)
    {
        node = null;
        var bytes = fh.Bytes;
        if (bytes.Length != 16 || !bytes[..4].SequenceEqual(HandleMagic))
        {
            return NfsStat4.BadHandle;
        }

        if (!_nodes.TryGetValue(BinaryPrimitives.ReadUInt64BigEndian(bytes[4..]), out var found))
        {
            return NfsStat4.Stale;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]) != found.Generation)
        {
            return volatileHandles ? NfsStat4.FhExpired : NfsStat4.Stale;
        }

        node = found;
        return NfsStat4.Ok;
    }
}
