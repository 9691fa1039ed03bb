namespace DokanNfs.Core.Client;

/// <summary>Absolute server paths as lists of components ('/' separated; '.' and '..' resolved lexically).</summary>
public static class NfsPath
{
    public static string[] Split(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return [.. parts];
    }

    public static string Join(IEnumerable<string> components) => "/" + string.Join('/', components);

    /// <summary>The path as <see cref="Split"/> and <see cref="Join"/> make it; a path that is already so is returned as it is, without allocating.</summary>
    public static string Normalize(string path) => IsNormal(path) ? path : Join(Split(path));

    /// <summary>
    /// <paramref name="path"/>, at or below <paramref name="from"/>, moved to the same place below <paramref name="to"/>
    /// (all three normal: <see cref="IsNormal"/>): "/d/x/y" from "/d" to "/export" is "/export/x/y". One string at most.
    /// </summary>
    public static string Rebase(string path, string from, string to) =>
        TryRebase(path, from, to, out var rebased)
            ? rebased
            : throw new ArgumentException($"{path} does not lie at or below {from}, or a path is not normal.", nameof(path));

    /// <summary><see cref="Rebase"/>, or false when a path is not normal or <paramref name="path"/> lies outside <paramref name="from"/>.</summary>
    public static bool TryRebase(string path, string from, string to, out string rebased)
    {
        rebased = string.Empty;
        if (!IsNormal(path) || !IsNormal(from) || !IsNormal(to) || !IsAtOrBelowNormal(path, from))
        {
            return false;
        }

        if (path.Length == from.Length)
        {
            rebased = to;
            return true;
        }

        // What lies below from, with its leading '/': from "/" keeps the whole path.
        var below = from.Length == 1 ? path.AsSpan() : path.AsSpan(from.Length);
        rebased = to.Length == 1 ? (below.Length == path.Length ? path : below.ToString()) : string.Concat(to.AsSpan(), below);
        return true;
    }

    /// <summary>
    /// Whether <paramref name="path"/> is already what <see cref="Normalize"/> would make of it ("/" or "/a/b": no empty,
    /// "." or ".." component, no trailing '/'), checked without allocating.
    /// </summary>
    public static bool IsNormal(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        if (path.Length == 1)
        {
            return true;
        }

        var span = path.AsSpan(1);
        while (true)
        {
            var slash = span.IndexOf('/');
            var part = slash < 0 ? span : span[..slash];
            if (part.Length == 0 || part is "." or "..")
            {
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            span = span[(slash + 1)..];
        }
    }

    public static string Combine(string directory, string name) => Normalize(directory.TrimEnd('/') + "/" + name);

    /// <summary>The parent directory and the last component; the root has no parent.</summary>
    public static (string Parent, string Name) SplitLast(string path)
    {
        if (IsNormal(path) && path.Length > 1)
        {
            // Already normal: two slices, no component array.
            var slash = path.LastIndexOf('/');
            return (slash == 0 ? "/" : path[..slash], path[(slash + 1)..]);
        }

        var parts = Split(path);
        if (parts.Length == 0)
        {
            throw new ArgumentException("The root has no parent directory.", nameof(path));
        }

        return (Join(parts[..^1]), parts[^1]);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="prefix"/> or lies below it.</summary>
    public static bool IsAtOrBelow(string path, string prefix)
    {
        return IsAtOrBelowNormal(Normalize(path), Normalize(prefix));
    }

    /// <summary><see cref="IsAtOrBelow"/> of two paths already normal.</summary>
    private static bool IsAtOrBelowNormal(string path, string prefix) =>
        prefix == "/" || path == prefix ||
        (path.Length > prefix.Length && path[prefix.Length] == '/' && path.StartsWith(prefix, StringComparison.Ordinal));
}
