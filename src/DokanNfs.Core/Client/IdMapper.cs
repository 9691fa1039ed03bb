using System.Collections.Concurrent;
using System.Globalization;

namespace DokanNfs.Core.Client;

/// <summary>How owners and groups map between NFSv4 strings and numeric ids.</summary>
public sealed record IdMappingOptions
{
    /// <summary>The NFSv4 id-mapping domain: "user@domain" (RFC 7530 §5.9). Ganesha's default is "localdomain".</summary>
    public string Domain { get; init; } = "localdomain";

    /// <summary>Configured user names and their uids.</summary>
    public IReadOnlyDictionary<string, uint> Users { get; init; } = new Dictionary<string, uint>(StringComparer.Ordinal);

    /// <summary>Configured group names and their gids.</summary>
    public IReadOnlyDictionary<string, uint> Groups { get; init; } = new Dictionary<string, uint>(StringComparer.Ordinal);

    /// <summary>The id an owner string maps to when nothing else matches ("nobody").</summary>
    public uint NobodyId { get; init; } = 65534;

    /// <summary>
    /// Send numeric strings ("1000") rather than "name@domain" when setting owners, as RFC 7530 §5.9 allows
    /// with AUTH_SYS; servers then need no name service of their own.
    /// </summary>
    public bool SendNumericIds { get; init; } = true;

    /// <summary>
    /// An optional name-service lookup (e.g. the local passwd database) tried once per distinct unknown
    /// name; its answers are cached like everything else.
    /// </summary>
    public Func<string, bool, uint?>? Resolve { get; init; }
}

/// <summary>
/// Maps owner / owner_group strings to ids and back. Every distinct string is parsed (and, if configured,
/// looked up) once and cached, so listing a directory of thousands of entries owned by a few users costs
/// a few lookups, not one per entry.
/// </summary>
public sealed class IdMapper(IdMappingOptions? options = null)
{
    private readonly IdMappingOptions _options = options ?? new IdMappingOptions();
    private readonly ConcurrentDictionary<string, uint> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, uint> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<uint, string> _userNames = new();
    private readonly ConcurrentDictionary<uint, string> _groupNames = new();
    private long _lookups;

    public IdMappingOptions Options => _options;

    /// <summary>How many strings were actually parsed or looked up (cache misses), for tests and statistics.</summary>
    public long Lookups => Interlocked.Read(ref _lookups);

    public uint UidOf(string owner) => _users.GetOrAdd(owner, static (s, self) => self.Parse(s, isGroup: false), this);

    public uint GidOf(string group) => _groups.GetOrAdd(group, static (s, self) => self.Parse(s, isGroup: true), this);

    /// <summary>The owner string to send for <paramref name="uid"/>.</summary>
    public string OwnerOf(uint uid) => _userNames.GetOrAdd(uid, static (id, self) => self.Format(id, self._options.Users), this);

    /// <summary>The owner_group string to send for <paramref name="gid"/>.</summary>
    public string GroupOf(uint gid) => _groupNames.GetOrAdd(gid, static (id, self) => self.Format(id, self._options.Groups), this);

    private uint Parse(string value, bool isGroup)
    {
        Interlocked.Increment(ref _lookups);
        if (uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
        {
            return numeric;
        }

        var at = value.LastIndexOf('@');
        var name = at >= 0 ? value[..at] : value;
        var domain = at >= 0 ? value[(at + 1)..] : _options.Domain;
        var table = isGroup ? _options.Groups : _options.Users;
        if (table.TryGetValue(value, out var id) || (string.Equals(domain, _options.Domain, StringComparison.OrdinalIgnoreCase) && table.TryGetValue(name, out id)))
        {
            return id;
        }

        // "root@domain" is uid 0 everywhere; servers send it for root-owned files.
        if (name == "root")
        {
            return 0;
        }

        if (uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out numeric))
        {
            return numeric;
        }

        return _options.Resolve?.Invoke(name, isGroup) ?? _options.NobodyId;
    }

    private string Format(uint id, IReadOnlyDictionary<string, uint> table)
    {
        if (!_options.SendNumericIds)
        {
            foreach (var (name, value) in table)
            {
                if (value == id)
                {
                    return name.Contains('@', StringComparison.Ordinal) ? name : $"{name}@{_options.Domain}";
                }
            }
        }

        return id.ToString(CultureInfo.InvariantCulture);
    }
}
