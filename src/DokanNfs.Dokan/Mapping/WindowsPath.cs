namespace DokanNfs.Dokan.Mapping;

/// <summary>
/// Paths as Dokan gives them (volume relative, '\' separated, "\" is the root: "\dir\f.txt") and as the trigger
/// layer takes them (drive paths, '/' separated, "/" is the root: "/dir/f.txt"); every component goes through
/// <see cref="WindowsNames"/>.
/// </summary>
public static class WindowsPath
{
    /// <summary>The longest path Windows can name: a UNICODE_STRING holds at most 32767 UTF-16 units.</summary>
    public const int MaxPathLength = 32767;

    /// <summary>
    /// Turns the Dokan path <paramref name="dokanPath"/> into a drive path. Returns <see cref="NtStatus.Success"/>
    /// with <paramref name="nfsPath"/> set, or the NTSTATUS for the first thing wrong (<paramref name="nfsPath"/>
    /// is then empty):
    /// <list type="bullet">
    /// <item><see cref="NtStatus.NameTooLong"/> — longer than <see cref="MaxPathLength"/>.</item>
    /// <item><see cref="NtStatus.ObjectPathSyntaxBad"/> — empty, or not starting with '\' (not volume relative).</item>
    /// <item><see cref="NtStatus.ObjectNameInvalid"/> — an empty component ("\a\\b"), a "." or ".." component,
    /// a character Windows forbids that was not mapped (':' of a named stream "f.txt:s", which this adapter does
    /// not support, wildcards, control characters), '/' or NUL (no exported POSIX name holds them; servers answer
    /// NFS4ERR_BADCHAR, RFC 7530 §13.1.7.1), an unpaired surrogate (NFS names are UTF-8, RFC 7530 §12), or a
    /// component longer than
    /// <paramref name="maxNameLength"/>.</item>
    /// </list>
    /// One trailing '\' after a component is accepted ("\dir\"; Dokan sends it for directories).
    /// A component that ends in '.' or ' ' (possible through "\\?\" paths) is taken as it is.
    /// </summary>
    /// <param name="maxNameLength">
    /// The server's maxname (FATTR4_MAXNAME, RFC 7530 §5.8.2), counted as NFS counts it: bytes of the component's UTF-8
    /// form, after mapping (U+F03A is three bytes in UTF-8, the ':' it becomes is one). 0 means not known:
    /// no limit here, the server's NFS4ERR_NAMETOOLONG decides.
    /// </param>
    public static int TryToNfsPath(ReadOnlySpan<char> dokanPath, uint maxNameLength, out string nfsPath)
    {
        nfsPath = string.Empty;
        if (dokanPath.Length > MaxPathLength)
        {
            return NtStatus.NameTooLong;
        }

        if (dokanPath.Length == 0 || dokanPath[0] != '\\')
        {
            return NtStatus.ObjectPathSyntaxBad;
        }

        if (dokanPath.Length == 1)
        {
            nfsPath = "/";
            return NtStatus.Success;
        }

        var body = dokanPath[1..];
        if (body[^1] == '\\')
        {
            body = body[..^1];
        }

        for (var rest = body; ;)
        {
            var separator = rest.IndexOf('\\');
            var status = CheckComponent(separator < 0 ? rest : rest[..separator], maxNameLength);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (separator < 0)
            {
                break;
            }

            rest = rest[(separator + 1)..];
        }

        // The mapping keeps lengths, so the drive path is '/' plus the body: one allocation.
        nfsPath = string.Create(body.Length + 1, body, static (destination, source) =>
        {
            destination[0] = '/';
            MapComponents(source, destination[1..], '/', static (name, into) => WindowsNames.ToNfs(name, into));
        });
        return NtStatus.Success;
    }

    /// <summary>
    /// The Dokan path for the drive path <paramref name="nfsPath"/> ("/" → "\", "/a/b:c" → "\a\b\uF03Ac"), each
    /// component through <see cref="WindowsNames.ToWindows(string)"/>. A trailing '/' is dropped.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="nfsPath"/> does not start with '/'.</exception>
    public static string ToDokanPath(string nfsPath)
    {
        ArgumentNullException.ThrowIfNull(nfsPath);
        if (nfsPath.Length == 0 || nfsPath[0] != '/')
        {
            throw new ArgumentException($"Not a drive path (it must start with '/'): \"{nfsPath}\".", nameof(nfsPath));
        }

        var body = nfsPath.AsSpan(1).TrimEnd('/');
        if (body.IsEmpty)
        {
            return "\\";
        }

        return string.Create(body.Length + 1, body, static (destination, source) =>
        {
            destination[0] = '\\';
            MapComponents(source, destination[1..], '\\', static (name, into) => WindowsNames.ToWindows(name, into));
        });
    }

    /// <summary>The directory holding <paramref name="nfsPath"/>: "/a/b" → "/a", "/a" → "/".</summary>
    /// <exception cref="ArgumentException">The root, which has no parent, or not a drive path.</exception>
    public static string ParentOf(string nfsPath)
    {
        var slash = LastSeparator(nfsPath);
        return slash == 0 ? "/" : nfsPath[..slash];
    }

    /// <summary>The last component of <paramref name="nfsPath"/>: "/a/b" → "b".</summary>
    /// <exception cref="ArgumentException">The root, which has no name, or not a drive path.</exception>
    public static string NameOf(string nfsPath) => nfsPath[(LastSeparator(nfsPath) + 1)..];

    /// <summary>The drive path of <paramref name="nfsName"/> in the directory <paramref name="nfsDirectory"/>.</summary>
    public static string Combine(string nfsDirectory, string nfsName)
    {
        ArgumentNullException.ThrowIfNull(nfsDirectory);
        ArgumentNullException.ThrowIfNull(nfsName);
        return nfsDirectory.EndsWith('/') ? nfsDirectory + nfsName : string.Concat(nfsDirectory, "/", nfsName);
    }

    private static int CheckComponent(ReadOnlySpan<char> component, uint maxNameLength)
    {
        // MS-FSCC §2.1.5 (Pathname): a file name has at least one character; "." and ".." name directories, not files.
        if (component.IsEmpty || component is "." or "..")
        {
            return NtStatus.ObjectNameInvalid;
        }

        var trailingStart = WindowsNames.TrailingStartForNfs(component);
        long utf8Length = 0;
        for (var i = 0; i < component.Length; i++)
        {
            var c = component[i];
            if (c is '\0' or '/' || WindowsNames.IsForbiddenInWindows(c))
            {
                return NtStatus.ObjectNameInvalid;
            }

            if (char.IsHighSurrogate(c) && i + 1 < component.Length && char.IsLowSurrogate(component[i + 1]))
            {
                utf8Length += 4;
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                return NtStatus.ObjectNameInvalid;
            }

            var mapped = WindowsNames.ToNfsChar(c, i >= trailingStart);
            utf8Length += mapped < 0x80 ? 1 : mapped < 0x800 ? 2 : 3;
        }

        return maxNameLength != 0 && utf8Length > maxNameLength ? NtStatus.ObjectNameInvalid : NtStatus.Success;
    }

    private delegate void ComponentMap(ReadOnlySpan<char> name, Span<char> destination);

    // Copies source into destination (same length), separators turned into separatorOut, each component mapped.
    private static void MapComponents(ReadOnlySpan<char> source, Span<char> destination, char separatorOut, ComponentMap map)
    {
        var separatorIn = separatorOut == '/' ? '\\' : '/';
        var offset = 0;
        while (true)
        {
            var rest = source[offset..];
            var separator = rest.IndexOf(separatorIn);
            var component = separator < 0 ? rest : rest[..separator];
            map(component, destination[offset..]);
            if (separator < 0)
            {
                return;
            }

            destination[offset + separator] = separatorOut;
            offset += separator + 1;
        }
    }

    private static int LastSeparator(string nfsPath)
    {
        ArgumentNullException.ThrowIfNull(nfsPath);
        if (nfsPath.Length == 0 || nfsPath[0] != '/')
        {
            throw new ArgumentException($"Not a drive path (it must start with '/'): \"{nfsPath}\".", nameof(nfsPath));
        }

        if (nfsPath == "/")
        {
            throw new ArgumentException("The root has no parent directory and no name.", nameof(nfsPath));
        }

        return nfsPath.LastIndexOf('/');
    }
}
