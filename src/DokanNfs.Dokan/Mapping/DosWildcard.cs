using System.Buffers;

namespace DokanNfs.Dokan.Mapping;

/// <summary>
/// Wildcard matching of directory entries as Windows file systems do it: FsRtlIsNameInExpression, specified in
/// MS-FSA §2.1.4.4 ("Algorithm for Determining if a FileName Is in an Expression").
/// </summary>
/// <remarks>
/// <para>
/// The pattern is what NtQueryDirectoryFile received, after Win32 (FindFirstFileEx) translated it: '?' always
/// becomes DOS_QM '&gt;'; a '.' followed by '?' or '*' becomes DOS_DOT '"'; a pattern ending in "*." becomes
/// DOS_STAR '&lt;'; "*.*" becomes "*". So <c>dir foo.*</c> arrives as <c>foo"*</c>, <c>dir *.</c> as <c>&lt;</c>,
/// <c>dir a?c</c> as <c>a&gt;c</c>. Here the wildcards mean (MS-FSA §2.1.4.4, Part 2):
/// </para>
/// <list type="bullet">
/// <item>'*' — any run of characters, the empty one included.</item>
/// <item>'?' — exactly one character.</item>
/// <item>'&lt;' DOS_STAR — any run that does not take the name's last '.'.</item>
/// <item>'&gt;' DOS_QM — one character, except that at a '.' or at the end of the name it matches nothing
/// (and the pattern moves on), so "&gt;&gt;&gt;" takes one to three characters before a dot.</item>
/// <item>'"' DOS_DOT — a '.', or nothing at the end of the name.</item>
/// </list>
/// <para>
/// Part 1's special cases come first: an empty pattern matches only an empty name and an empty name only an
/// empty pattern (so "*" does not match ""), and "*" and "*.*" match every name.
/// </para>
/// <para>
/// The match runs the pattern as an automaton, one state per pattern position, with the set of live states
/// kept in a stack buffer: time is pattern length × name length whatever the stars, and nothing is allocated
/// (patterns longer than 512 characters borrow the buffer from the shared pool).
/// </para>
/// </remarks>
public static class DosWildcard
{
    /// <summary>DOS_STAR (ntifs.h): '*' as Win32 passes it before a final '.'.</summary>
    public const char DosStar = '<';

    /// <summary>DOS_QM (ntifs.h): '?' as Win32 passes it.</summary>
    public const char DosQm = '>';

    /// <summary>DOS_DOT (ntifs.h): '.' before '?' or '*' as Win32 passes it.</summary>
    public const char DosDot = '"';

    private const int StackStates = 513;

    private static readonly SearchValues<char> Wildcards = SearchValues.Create("*?<>\"");

    /// <summary>True when <paramref name="pattern"/> holds any of '*' '?' '&lt;' '&gt;' '"'.</summary>
    public static bool HasWildcards(ReadOnlySpan<char> pattern) => pattern.ContainsAny(Wildcards);

    /// <summary>True when <paramref name="name"/> is in the language of <paramref name="pattern"/> (see the remarks).</summary>
    /// <param name="ignoreCase">Compare letters by their invariant upper case, as NTFS's upcase table does.</param>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name, bool ignoreCase)
    {
        if (pattern.IsEmpty || name.IsEmpty)
        {
            return pattern.IsEmpty && name.IsEmpty;
        }

        if (pattern is "*" or "*.*")
        {
            return true;
        }

        // Part 1: "*" and then no wildcard is "ends with".
        if (pattern[0] == '*' && !HasWildcards(pattern[1..]))
        {
            var tail = pattern[1..];
            return name.Length >= tail.Length && Equal(tail, name[^tail.Length..], ignoreCase);
        }

        // State i: the first i pattern characters have matched; state pattern.Length accepts.
        var states = pattern.Length + 1;
        bool[]? rented = null;
        var buffer = states <= StackStates
            ? stackalloc bool[2 * StackStates]
            : (rented = ArrayPool<bool>.Shared.Rent(2 * states));
        try
        {
            var live = buffer[..states];
            var next = buffer[states..(2 * states)];
            live.Clear();
            live[0] = true;
            var lastDot = name.LastIndexOf('.');
            for (var k = 0; k < name.Length; k++)
            {
                var c = name[k];
                FollowEmptyMoves(pattern, live, c, atEnd: false);
                next.Clear();
                var any = false;
                for (var i = 0; i < pattern.Length; i++)
                {
                    if (live[i] && Consume(pattern[i], c, k == lastDot, ignoreCase) is var to and >= 0)
                    {
                        next[i + to] = true;
                        any = true;
                    }
                }

                if (!any)
                {
                    return false;
                }

                var swap = live;
                live = next;
                next = swap;
            }

            FollowEmptyMoves(pattern, live, '\0', atEnd: true);
            return live[pattern.Length];
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<bool>.Shared.Return(rented);
            }
        }
    }

    // Moves that take no name character; they only go forward, so one pass in order reaches every state.
    private static void FollowEmptyMoves(ReadOnlySpan<char> pattern, Span<bool> live, char c, bool atEnd)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (live[i] && pattern[i] switch
            {
                '*' or DosStar => true,
                DosQm => atEnd || c == '.',
                DosDot => atEnd,
                _ => false,
            })
            {
                live[i + 1] = true;
            }
        }
    }

    // How far the pattern moves when pattern character p takes name character c: 0 stays (a star), 1 moves
    // on, -1 means p cannot take c.
    private static int Consume(char p, char c, bool isLastDot, bool ignoreCase) => p switch
    {
        '*' => 0,
        DosStar => isLastDot ? -1 : 0,
        '?' => 1,
        DosQm => c == '.' ? -1 : 1,
        DosDot => c == '.' ? 1 : -1,
        _ => Same(p, c, ignoreCase) ? 1 : -1,
    };

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));

    private static bool Equal(ReadOnlySpan<char> a, ReadOnlySpan<char> b, bool ignoreCase)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (!Same(a[i], b[i], ignoreCase))
            {
                return false;
            }
        }

        return true;
    }
}
