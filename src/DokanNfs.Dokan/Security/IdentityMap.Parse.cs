using System.Collections.Immutable;
using System.Globalization;

namespace DokanNfs.Dokan.Security;

/// <summary>The line format of an identity map.</summary>
public sealed partial record IdentityMap
{
    private const string UserSyntax = "user <SID> = <uid>:<gid>[:<gid>,<gid>,...]";
    private const string GroupSyntax = "group <SID> = <gid>";
    private const string AnonymousSyntax = "anonymous = <uid>:<gid>";
    private const string UnmappedSyntax = "unmapped = refuse|anonymous";

    /// <summary>
    /// Parses one mapping per line; blank lines and lines starting with '#' are skipped, keywords are
    /// case-insensitive:
    /// <code>
    /// user S-1-5-21-1-2-3-1001 = 1001:1001:10,20   # uid:gid[:supplementary gids]
    /// group S-1-5-21-1-2-3-513 = 100
    /// anonymous = 65534:65534
    /// unmapped = refuse                             # or anonymous (the default)
    /// </code>
    /// Throws <see cref="FormatException"/> naming the line and what is wrong with it.
    /// </summary>
    public static IdentityMap Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var users = ImmutableArray.CreateBuilder<UserMapping>();
        var groups = ImmutableArray.CreateBuilder<GroupMapping>();
        var userLines = new Dictionary<Sid, int>();
        var groupLines = new Dictionary<Sid, int>();
        int? anonymousLine = null;
        int? unmappedLine = null;
        uint anonymousUid = DefaultAnonymousId;
        uint anonymousGid = DefaultAnonymousId;
        var policy = UnmappedUserPolicy.Anonymous;

        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = StripComment(rawLine).Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals < 0)
            {
                throw Error(lineNumber, $"expected '<keyword> ... = <value>', got '{line}'");
            }

            var left = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            var keywordEnd = left.IndexOfAny(' ', '\t');
            var keyword = keywordEnd < 0 ? left : left[..keywordEnd];
            var argument = keywordEnd < 0 ? [] : left[keywordEnd..].Trim();

            if (keyword.Equals("user", StringComparison.OrdinalIgnoreCase))
            {
                var sid = ParseSid(lineNumber, argument, UserSyntax);
                if (userLines.TryGetValue(sid, out var first))
                {
                    throw Error(lineNumber, $"the user {sid} is already mapped on line {first}");
                }

                userLines.Add(sid, lineNumber);
                users.Add(new UserMapping(sid, ParseIdentity(lineNumber, value)));
            }
            else if (keyword.Equals("group", StringComparison.OrdinalIgnoreCase))
            {
                var sid = ParseSid(lineNumber, argument, GroupSyntax);
                if (groupLines.TryGetValue(sid, out var first))
                {
                    throw Error(lineNumber, $"the group {sid} is already mapped on line {first}");
                }

                groupLines.Add(sid, lineNumber);
                groups.Add(new GroupMapping(sid, ParseId(lineNumber, value, "gid", GroupSyntax)));
            }
            else if (keyword.Equals("anonymous", StringComparison.OrdinalIgnoreCase))
            {
                ExpectNoArgument(lineNumber, argument, AnonymousSyntax);
                anonymousLine = Once(lineNumber, anonymousLine, "anonymous");
                var colon = value.IndexOf(':');
                if (colon < 0)
                {
                    throw Error(lineNumber, $"expected '{AnonymousSyntax}', got '{line}'");
                }

                anonymousUid = ParseId(lineNumber, value[..colon], "uid", AnonymousSyntax);
                anonymousGid = ParseId(lineNumber, value[(colon + 1)..], "gid", AnonymousSyntax);
            }
            else if (keyword.Equals("unmapped", StringComparison.OrdinalIgnoreCase))
            {
                ExpectNoArgument(lineNumber, argument, UnmappedSyntax);
                unmappedLine = Once(lineNumber, unmappedLine, "unmapped");
                policy = value.Equals("refuse", StringComparison.OrdinalIgnoreCase) ? UnmappedUserPolicy.Refuse
                    : value.Equals("anonymous", StringComparison.OrdinalIgnoreCase) ? UnmappedUserPolicy.Anonymous
                    : throw Error(lineNumber, $"expected '{UnmappedSyntax}', got '{value}'");
            }
            else
            {
                throw Error(lineNumber, $"unknown keyword '{keyword}' (expected user, group, anonymous or unmapped)");
            }
        }

        return new IdentityMap
        {
            Users = users.ToImmutable(),
            Groups = groups.ToImmutable(),
            AnonymousUid = anonymousUid,
            AnonymousGid = anonymousGid,
            UnmappedUserPolicy = policy,
        };
    }

    private static ReadOnlySpan<char> StripComment(ReadOnlySpan<char> line)
    {
        var hash = line.IndexOf('#');
        return hash < 0 ? line : line[..hash];
    }

    private static Sid ParseSid(int lineNumber, ReadOnlySpan<char> argument, string syntax)
    {
        if (argument.IsEmpty)
        {
            throw Error(lineNumber, $"a SID is missing: expected '{syntax}'");
        }

        try
        {
            return Sid.Parse(argument);
        }
        catch (FormatException e)
        {
            throw Error(lineNumber, e.Message.TrimEnd('.'));
        }
    }

    private static NfsIdentity ParseIdentity(int lineNumber, ReadOnlySpan<char> value)
    {
        // uid:gid[:gid,gid,...]
        var firstColon = value.IndexOf(':');
        if (firstColon < 0)
        {
            throw Error(lineNumber, $"expected '{UserSyntax}', got '= {value}'");
        }

        var uid = ParseId(lineNumber, value[..firstColon], "uid", UserSyntax);
        var rest = value[(firstColon + 1)..];
        var secondColon = rest.IndexOf(':');
        var gid = ParseId(lineNumber, secondColon < 0 ? rest : rest[..secondColon], "gid", UserSyntax);
        Span<uint> supplementary = stackalloc uint[Core.Rpc.RpcLimits.MaxAuthSysGids];
        var count = 0;
        if (secondColon >= 0)
        {
            var list = rest[(secondColon + 1)..].Trim();
            foreach (var range in list.Split(','))
            {
                if (list.IsEmpty)
                {
                    break;
                }

                if (count == supplementary.Length)
                {
                    throw Error(lineNumber, $"more than {supplementary.Length} supplementary gids (AUTH_SYS carries at most {supplementary.Length})");
                }

                supplementary[count++] = ParseId(lineNumber, list[range], "supplementary gid", UserSyntax);
            }
        }

        return new NfsIdentity(uid, gid, supplementary[..count]);
    }

    private static uint ParseId(int lineNumber, ReadOnlySpan<char> text, string what, string syntax)
    {
        var trimmed = text.Trim();
        if (!uint.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw Error(lineNumber, $"the {what} '{trimmed}' is not a number from 0 to {uint.MaxValue} (expected '{syntax}')");
        }

        return id;
    }

    private static void ExpectNoArgument(int lineNumber, ReadOnlySpan<char> argument, string syntax)
    {
        if (!argument.IsEmpty)
        {
            throw Error(lineNumber, $"unexpected '{argument}' before '=': expected '{syntax}'");
        }
    }

    private static int Once(int lineNumber, int? earlier, string keyword) =>
        earlier is { } first ? throw Error(lineNumber, $"'{keyword}' is already set on line {first}") : lineNumber;

    private static FormatException Error(int lineNumber, string message) =>
        new(string.Create(CultureInfo.InvariantCulture, $"identity map line {lineNumber}: {message}."));
}
