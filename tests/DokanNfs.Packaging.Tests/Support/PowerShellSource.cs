using System.Text;
using System.Text.RegularExpressions;

namespace DokanNfs.Packaging.Tests.Support;

/// <summary>A string literal of a script: its value (escapes undone) and whether it was single-quoted.</summary>
internal sealed record PowerShellString(string Value, bool SingleQuoted, int Offset);

/// <summary>One <c>function Verb-Noun { ... }</c> of a script.</summary>
internal sealed record PowerShellFunction(string Name, string Body, string CodeBody)
{
    public string Verb => Name[..Name.IndexOf('-', StringComparison.Ordinal)];

    public string Noun => Name[(Name.IndexOf('-', StringComparison.Ordinal) + 1)..];

    /// <summary>The first &lt;# #&gt; comment of the body: comment-based help, when the function has it.</summary>
    public string? Help
    {
        get
        {
            var start = Body.IndexOf("<#", StringComparison.Ordinal);
            var end = start < 0 ? -1 : Body.IndexOf("#>", start, StringComparison.Ordinal);
            return end < 0 ? null : Body[(start + 2)..end];
        }
    }

    /// <summary>The names of the parameters declared in the function's param( ) block.</summary>
    public IReadOnlyList<string> Parameters
    {
        get
        {
            var match = Regex.Match(CodeBody, @"\bparam\s*\(", RegexOptions.IgnoreCase);
            if (!match.Success)
            {
                return [];
            }

            var open = match.Index + match.Length - 1;
            var block = CodeBody[open..(PowerShellSource.MatchingClose(CodeBody, open) + 1)];
            return [.. Regex.Matches(block, @"\$(\w+)").Select(m => m.Groups[1].Value).Where(n => n is not ("true" or "false" or "null")).Distinct(StringComparer.OrdinalIgnoreCase)];
        }
    }
}

/// <summary>
/// Enough of PowerShell's lexical rules to check a script without PowerShell: comments (# and &lt;# #&gt;),
/// single-quoted strings ('' for a quote), double-quoted strings (` escapes, "" for a quote, $( ) holding
/// code), here-strings, and the brackets (), {} and [] balanced outside them. <see cref="Code"/> is the text
/// with comments and string contents blanked (same length, same line breaks), so searches over it see only
/// code. A script this cannot scan is a <see cref="FormatException"/> naming the line.
/// </summary>
internal sealed class PowerShellSource
{
    private readonly char[] _code;
    private readonly List<PowerShellString> _strings = [];
    private int _position;

    private PowerShellSource(string text)
    {
        Text = text;
        _code = text.ToCharArray();
        ScanCode('\0');
        Code = new string(_code);
    }

    public string Text { get; }

    public string Code { get; }

    public IReadOnlyList<PowerShellString> Strings => _strings;

    public IReadOnlyList<PowerShellFunction> Functions =>
    [
        .. Regex.Matches(Code, @"(?m)^[ \t]*function[ \t]+([A-Za-z]+-[A-Za-z0-9]+)[ \t\r\n]*\{").Select(m =>
        {
            var open = m.Index + m.Length - 1;
            var close = MatchingClose(Code, open);
            return new PowerShellFunction(m.Groups[1].Value, Text[open..(close + 1)], Code[open..(close + 1)]);
        }),
    ];

    public static PowerShellSource Parse(string text) => new(text);

    /// <summary>The index of the bracket closing the one at <paramref name="open"/>, in code where strings are blanked.</summary>
    public static int MatchingClose(string code, int open)
    {
        ArgumentNullException.ThrowIfNull(code);
        var depth = 0;
        for (var i = open; i < code.Length; i++)
        {
            if (code[i] is '(' or '{' or '[')
            {
                depth++;
            }
            else if (code[i] is ')' or '}' or ']' && --depth == 0)
            {
                return i;
            }
        }

        throw new FormatException($"the bracket at offset {open} is not closed");
    }

    private int Line => Text.AsSpan(0, Math.Min(_position, Text.Length)).Count('\n') + 1;

    private char At(int offset) => _position + offset < Text.Length ? Text[_position + offset] : '\0';

    private void ScanCode(char closer)
    {
        var openedOnLine = Line;
        while (_position < Text.Length)
        {
            var c = Text[_position];
            switch (c)
            {
                case '#':
                    Blank(Text.IndexOf('\n', _position) is var eol and >= 0 ? eol : Text.Length);
                    break;
                case '<' when At(1) == '#':
                    var end = Text.IndexOf("#>", _position + 2, StringComparison.Ordinal);
                    Blank(end >= 0 ? end + 2 : throw Error("the <# comment is not closed"));
                    break;
                case '@' when At(1) is '\'' or '"' && IsLineEnd(2):
                    ScanHereString(At(1));
                    break;
                case '\'':
                    ScanSingleQuoted();
                    break;
                case '"':
                    ScanDoubleQuoted();
                    break;
                case '`':
                    _position += 2;
                    break;
                case '(' or '{' or '[':
                    _position++;
                    ScanCode(c switch { '(' => ')', '{' => '}', _ => ']' });
                    _position++;
                    break;
                case ')' or '}' or ']':
                    if (c != closer)
                    {
                        throw Error(closer == '\0' ? $"'{c}' closes nothing" : $"'{c}' where '{closer}' was expected");
                    }

                    return;
                default:
                    _position++;
                    break;
            }
        }

        if (closer != '\0')
        {
            throw new FormatException($"line {openedOnLine}: a bracket opened here is never closed with '{closer}'");
        }
    }

    private void ScanSingleQuoted()
    {
        var start = _position;
        var value = new StringBuilder();
        _position++;
        while (true)
        {
            if (_position >= Text.Length)
            {
                _position = start;
                throw Error("the ' string is not closed");
            }

            if (Text[_position] == '\'')
            {
                if (At(1) != '\'')
                {
                    break;
                }

                value.Append('\'');
                _position += 2;
                continue;
            }

            value.Append(Text[_position++]);
        }

        BlankBetween(start + 1, _position);
        _position++;
        _strings.Add(new PowerShellString(value.ToString(), SingleQuoted: true, start));
    }

    private void ScanDoubleQuoted()
    {
        var start = _position;
        var value = new StringBuilder();
        _position++;
        while (true)
        {
            if (_position >= Text.Length)
            {
                _position = start;
                throw Error("the \" string is not closed");
            }

            var c = Text[_position];
            if (c == '`')
            {
                value.Append(At(1));
                BlankBetween(_position, _position + 2);
                _position += 2;
            }
            else if (c == '"' && At(1) == '"')
            {
                value.Append('"');
                BlankBetween(_position, _position + 2);
                _position += 2;
            }
            else if (c == '"')
            {
                break;
            }
            else if (c == '$' && At(1) == '(')
            {
                // A subexpression: code inside the string, with strings of its own.
                value.Append("$(");
                _position += 2;
                ScanCode(')');
                _position++;
            }
            else
            {
                value.Append(c);
                BlankBetween(_position, _position + 1);
                _position++;
            }
        }

        _position++;
        _strings.Add(new PowerShellString(value.ToString(), SingleQuoted: false, start));
    }

    private void ScanHereString(char quote)
    {
        var start = _position;
        var terminator = "\n" + quote + "@";
        var end = Text.IndexOf(terminator, _position, StringComparison.Ordinal);
        if (end < 0)
        {
            throw Error($"the @{quote} here-string is not closed with {quote}@ at the start of a line");
        }

        var contentStart = Text.IndexOf('\n', _position) + 1;
        _strings.Add(new PowerShellString(Text[contentStart..end].TrimEnd('\r'), quote == '\'', start));
        BlankBetween(_position + 2, end + 1);
        _position = end + terminator.Length;
    }

    private bool IsLineEnd(int offset)
    {
        for (var i = _position + offset; i < Text.Length; i++)
        {
            if (Text[i] == '\n')
            {
                return true;
            }

            if (Text[i] is not (' ' or '\t' or '\r'))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Blanks from the current position to <paramref name="end"/> and moves there.</summary>
    private void Blank(int end)
    {
        BlankBetween(_position, end);
        _position = end;
    }

    private void BlankBetween(int from, int to)
    {
        for (var i = from; i < to && i < _code.Length; i++)
        {
            if (_code[i] is not ('\n' or '\r'))
            {
                _code[i] = ' ';
            }
        }
    }

    private FormatException Error(string message) => new($"line {Line}: {message}");
}
