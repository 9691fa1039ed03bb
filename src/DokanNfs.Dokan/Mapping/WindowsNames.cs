using System.Buffers;

namespace DokanNfs.Dokan.Mapping;

/// <summary>
/// Reversible mapping between NFS name components and Windows name components.
/// </summary>
/// <remarks>
/// <para>
/// An NFS name (UTF-8, RFC 7530 §12; on the POSIX file systems servers export, anything but '/' and NUL)
/// may hold characters that Windows forbids in a component — '\' ':' '*' '?' '"' '&lt;' '&gt;' '|' and
/// U+0001..U+001F (MS-FSCC §2.1.5, Pathname) — or end in dots or spaces, which Win32 strips from every path
/// it is given. Each such character c is shown to Windows as the private-use character U+F000 + c, the
/// convention of Cygwin and of Microsoft's Services for UNIX, so tools that share it agree on names.
/// Forbidden characters are mapped wherever they stand; '.' and ' ' only in the trailing run
/// ("a. b. " → "a. b\uF02E\uF020"), and the names "." and ".." are left alone.
/// </para>
/// <para>
/// The mapping is one UTF-16 unit for one, so a name keeps its length both ways, and both directions return
/// the same string instance when nothing changes: the common name costs a scan and no allocation.
/// </para>
/// <para>
/// <see cref="ToNfs(string)"/> is the exact reverse: U+F001..U+F07F whose low byte is a forbidden character
/// go back anywhere, U+F02E and U+F020 only in the trailing run of such characters (where
/// <see cref="ToWindows(string)"/> puts them: not after a plain '.' or ' ', and not when the result would be
/// "." or ".."); every other private-use character is untouched. Hence ToNfs(ToWindows(n)) == n for every NFS
/// name n that holds none of the mapped private-use characters, and ToWindows(ToNfs(w)) == w for every
/// Windows name w that holds no forbidden character and does not end in '.' or ' '.
/// </para>
/// <para>
/// The one ambiguity: an NFS name that already holds a mapped private-use character — say "a\uF03Ab",
/// written by a client that does not map — is shown to Windows unchanged, and anything Windows does with that
/// name reaches the server as "a:b", a different file (or none). Such a file is listed but cannot be opened
/// from Windows under that name. <see cref="IsUnambiguous"/> finds these names, so a listing can leave them
/// out or log them; nothing in the mapping can fix it without giving up the shared convention.
/// </para>
/// </remarks>
public static class WindowsNames
{
    /// <summary>The base of the private-use block forbidden characters are moved to (U+F000 + c).</summary>
    public const char PrivateUseBase = '\uF000';

    // MS-FSCC §2.1.5 (Pathname): characters never valid in a Windows file name component.
    private static readonly SearchValues<char> ForbiddenInWindows = SearchValues.Create(
        "\\:*?\"<>|\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    // U+F001..U+F07F, where ToWindows puts what it maps. A SearchValues rather than IndexOfAnyInRange: the
    // generic range search boxes until the JIT tiers it up, and this is on every name's path.
    private static readonly SearchValues<char> PrivateUseRange = SearchValues.Create(
        string.Create(0x7F, 0, static (chars, _) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)(PrivateUseBase + 1 + i);
            }
        }));

    /// <summary>True when Windows forbids <paramref name="c"/> anywhere in a name component.</summary>
    public static bool IsForbiddenInWindows(char c) => ForbiddenInWindows.Contains(c);

    /// <summary>The name Windows is shown for <paramref name="nfsName"/>; the same instance when nothing maps.</summary>
    public static string ToWindows(string nfsName)
    {
        ArgumentNullException.ThrowIfNull(nfsName);
        if (!NeedsWindowsMapping(nfsName))
        {
            return nfsName;
        }

        return string.Create(nfsName.Length, nfsName, static (destination, name) => ToWindows(name, destination));
    }

    /// <summary>
    /// Writes the Windows form of <paramref name="nfsName"/> into <paramref name="destination"/> (at least as
    /// long; the mapping keeps the length), e.g. straight into WIN32_FIND_DATAW.cFileName.
    /// </summary>
    public static void ToWindows(ReadOnlySpan<char> nfsName, Span<char> destination)
    {
        if (destination.Length < nfsName.Length)
        {
            throw new ArgumentException("The destination is shorter than the name.", nameof(destination));
        }

        var trailingStart = IsDotOrDotDot(nfsName) ? nfsName.Length : TrailingRunStart(nfsName, '.', ' ');
        for (var i = 0; i < nfsName.Length; i++)
        {
            var c = nfsName[i];
            destination[i] = i >= trailingStart || ForbiddenInWindows.Contains(c) ? (char)(PrivateUseBase + c) : c;
        }
    }

    /// <summary>The NFS name for <paramref name="windowsName"/>; the same instance when nothing maps.</summary>
    public static string ToNfs(string windowsName)
    {
        ArgumentNullException.ThrowIfNull(windowsName);
        if (!NeedsNfsMapping(windowsName))
        {
            return windowsName;
        }

        return string.Create(windowsName.Length, windowsName, static (destination, name) => ToNfs(name, destination));
    }

    /// <summary>The NFS name for the Windows name <paramref name="windowsName"/>, as a new string.</summary>
    public static string ToNfs(ReadOnlySpan<char> windowsName) =>
        string.Create(windowsName.Length, windowsName, static (destination, name) => ToNfs(name, destination));

    /// <summary>Writes the NFS form of <paramref name="windowsName"/> into <paramref name="destination"/>, at least as long.</summary>
    public static void ToNfs(ReadOnlySpan<char> windowsName, Span<char> destination)
    {
        if (destination.Length < windowsName.Length)
        {
            throw new ArgumentException("The destination is shorter than the name.", nameof(destination));
        }

        var trailingStart = TrailingStartForNfs(windowsName);
        for (var i = 0; i < windowsName.Length; i++)
        {
            destination[i] = ToNfsChar(windowsName[i], i >= trailingStart);
        }
    }

    /// <summary>True when <see cref="ToNfs(string)"/> would change <paramref name="windowsName"/>.</summary>
    public static bool NeedsNfsMapping(ReadOnlySpan<char> windowsName)
    {
        // Nearly every name is outside U+F001..U+F07F entirely: one vectorized scan decides.
        var first = windowsName.IndexOfAny(PrivateUseRange);
        if (first < 0)
        {
            return false;
        }

        var trailingStart = TrailingStartForNfs(windowsName);
        for (var i = first; i < windowsName.Length; i++)
        {
            if (IsMappedFromNfs(windowsName[i], i >= trailingStart))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when <see cref="ToWindows(string)"/> would change <paramref name="nfsName"/>.</summary>
    public static bool NeedsWindowsMapping(ReadOnlySpan<char> nfsName) =>
        nfsName.ContainsAny(ForbiddenInWindows)
        || (nfsName.Length > 0 && nfsName[^1] is ('.' or ' ') && !IsDotOrDotDot(nfsName));

    /// <summary>
    /// False when <paramref name="nfsName"/> already holds a mapped private-use character that makes
    /// ToNfs(ToWindows(name)) a different name, so Windows cannot reach this file by the name it is shown
    /// (see the remarks).
    /// </summary>
    public static bool IsUnambiguous(ReadOnlySpan<char> nfsName)
    {
        if (!nfsName.ContainsAny(PrivateUseRange))
        {
            return true;
        }

        // Rare: check the round trip itself rather than restate its rules.
        char[]? rented = null;
        var buffer = nfsName.Length <= 256
            ? stackalloc char[256]
            : (rented = ArrayPool<char>.Shared.Rent(nfsName.Length));
        try
        {
            var windows = buffer[..nfsName.Length];
            ToWindows(nfsName, windows);
            var back = TrailingStartForNfs(windows);
            for (var i = 0; i < windows.Length; i++)
            {
                if (ToNfsChar(windows[i], i >= back) != nfsName[i])
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // One character of a Windows name in NFS form; inTrailingRun: at or after TrailingStartForNfs.
    internal static char ToNfsChar(char c, bool inTrailingRun) =>
        IsMappedFromNfs(c, inTrailingRun) ? (char)(c - PrivateUseBase) : c;

    // A private-use character ToWindows can produce: a forbidden one anywhere, a dot or space in the trailing run.
    private static bool IsMappedFromNfs(char c, bool trailing)
    {
        if (c is < '\uF001' or > '\uF07F')
        {
            return false;
        }

        var original = (char)(c - PrivateUseBase);
        return ForbiddenInWindows.Contains(original) || (trailing && original is ('.' or ' '));
    }

    private static bool IsDotOrDotDot(ReadOnlySpan<char> name) => name is "." or "..";

    // Where ToNfs starts turning U+F02E / U+F020 back into '.' / ' ': the trailing run of them, but only where
    // ToWindows could have made it — not right after a plain '.' or ' ' (ToWindows would have taken those into
    // the run), and not when the result would be "." or ".." (ToWindows leaves those alone; turning a file name
    // into the directory itself or its parent would make it a path step).
    internal static int TrailingStartForNfs(ReadOnlySpan<char> windowsName)
    {
        const char MappedDot = (char)(PrivateUseBase + '.');
        var start = TrailingRunStart(windowsName, MappedDot, (char)(PrivateUseBase + ' '));
        if ((start > 0 && windowsName[start - 1] is ('.' or ' '))
            || (start == 0 && windowsName is [MappedDot] or [MappedDot, MappedDot]))
        {
            return windowsName.Length;
        }

        return start;
    }

    // Index of the first character of the trailing run made of a and b only; the length when there is none.
    private static int TrailingRunStart(ReadOnlySpan<char> name, char a, char b)
    {
        var start = name.Length;
        while (start > 0 && (name[start - 1] == a || name[start - 1] == b))
        {
            start--;
        }

        return start;
    }
}
