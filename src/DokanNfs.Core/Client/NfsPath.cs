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

    public static string Normalize(string path) => Join(Split(path));

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
        prefix = Normalize(prefix);
        path = Normalize(path);
        return prefix == "/" || path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);
    }
}
