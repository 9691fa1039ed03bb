using System.Globalization;
using System.Text;

namespace DokanNfs.Packaging.Tests.Support;

/// <summary>
/// A strict parser for the subset of PowerShell data files (.psd1) a module manifest uses: one hashtable
/// <c>@{ Key = Value }</c> whose entries end at a newline or ';', keys that are names or quoted strings, and
/// values that are single-quoted strings ('' for a quote), double-quoted strings without '$' or '`',
/// $true / $false, integers, <c>@( ... )</c> arrays (elements separated by ',' or newlines), bare comma lists,
/// and nested hashtables; '#' and &lt;# #&gt; comments. Anything else is a <see cref="FormatException"/> naming
/// the line: a manifest that this cannot read is one to simplify, not to guess at.
/// </summary>
/// <remarks>
/// Values come back as string, bool, long, <see cref="IReadOnlyList{T}"/> of values, or a case-insensitive
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/> (PowerShell's hashtable keys are case-insensitive).
/// </remarks>
internal sealed class PowerShellDataFile
{
    private readonly string _text;
    private int _position;

    private PowerShellDataFile(string text) => _text = text;

    private int Line => _text.AsSpan(0, Math.Min(_position, _text.Length)).Count('\n') + 1;

    private char Current => _position < _text.Length ? _text[_position] : '\0';

    private char Next => _position + 1 < _text.Length ? _text[_position + 1] : '\0';

    public static IReadOnlyDictionary<string, object> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new PowerShellDataFile(text);
        parser.SkipTrivia(newlines: true);
        if (parser.Current != '@' || parser.Next != '{')
        {
            throw parser.Error("a data file is one hashtable, starting with '@{'");
        }

        var table = parser.ParseHashtable();
        parser.SkipTrivia(newlines: true);
        return parser._position == text.Length ? table : throw parser.Error("nothing may follow the hashtable");
    }

    private Dictionary<string, object> ParseHashtable()
    {
        _position += 2;
        var table = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipTrivia(newlines: true);
            if (Current == '}')
            {
                _position++;
                return table;
            }

            if (Current == ';')
            {
                _position++;
                continue;
            }

            var keyLine = Line;
            var key = ParseKey();
            SkipTrivia(newlines: false);
            if (Current != '=')
            {
                throw Error($"'=' expected after the key '{key}'");
            }

            _position++;
            SkipTrivia(newlines: true);
            var value = ParseValue(allowCommaList: true);
            if (!table.TryAdd(key, value))
            {
                throw new FormatException($"line {keyLine}: the key '{key}' appears twice");
            }

            SkipTrivia(newlines: false);
            if (Current is not ('\n' or '\r' or ';' or '}'))
            {
                throw Error($"the entry '{key}' must end with a newline, ';' or '}}'");
            }
        }
    }

    private string ParseKey()
    {
        if (Current is '\'' or '"')
        {
            return ParseString();
        }

        var start = _position;
        while (char.IsAsciiLetterOrDigit(Current) || Current == '_')
        {
            _position++;
        }

        return _position > start && !char.IsAsciiDigit(_text[start]) ? _text[start.._position] : throw Error("a key (a name or a quoted string) expected");
    }

    private object ParseValue(bool allowCommaList)
    {
        var first = ParseSingle();
        SkipTrivia(newlines: false);
        if (!allowCommaList || Current != ',')
        {
            return first;
        }

        // 'a', 'b' without @( ): PowerShell's comma operator makes an array.
        var items = new List<object> { first };
        while (Current == ',')
        {
            _position++;
            SkipTrivia(newlines: true);
            items.Add(ParseSingle());
            SkipTrivia(newlines: false);
        }

        return items;
    }

    private object ParseSingle() => Current switch
    {
        '\'' or '"' => ParseString(),
        '@' when Next == '{' => ParseHashtable(),
        '@' when Next == '(' => ParseArray(),
        '$' => ParseBoolean(),
        '-' or (>= '0' and <= '9') => ParseInteger(),
        '\0' => throw Error("a value expected before the end of the file"),
        _ => throw Error($"a value expected, not '{Current}'"),
    };

    private List<object> ParseArray()
    {
        _position += 2;
        var items = new List<object>();
        while (true)
        {
            SkipTrivia(newlines: true);
            if (Current == ')')
            {
                _position++;
                return items;
            }

            if (Current == '@' && Next == '(')
            {
                // @() flattens nested arrays; a manifest has no reason to nest them.
                throw Error("arrays inside arrays are not supported");
            }

            items.Add(ParseSingle());
            SkipTrivia(newlines: false);
            if (Current == ',')
            {
                _position++;
            }
            else if (Current is not ('\n' or '\r' or ')'))
            {
                throw Error("',' , a newline or ')' expected between array elements");
            }
        }
    }

    private bool ParseBoolean()
    {
        foreach (var (word, value) in new[] { ("$true", true), ("$false", false) })
        {
            if (string.Compare(_text, _position, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0
                && !char.IsAsciiLetterOrDigit(_position + word.Length < _text.Length ? _text[_position + word.Length] : ' '))
            {
                _position += word.Length;
                return value;
            }
        }

        throw Error("only $true and $false may start with '$' in a data file");
    }

    private long ParseInteger()
    {
        var start = _position;
        if (Current == '-')
        {
            _position++;
        }

        while (char.IsAsciiDigit(Current))
        {
            _position++;
        }

        return long.TryParse(_text.AsSpan(start, _position - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error("an integer expected");
    }

    private string ParseString()
    {
        var quote = Current;
        var line = Line;
        _position++;
        var value = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw new FormatException($"line {line}: the string is not closed");
            }

            var c = _text[_position];
            if (c == quote)
            {
                if (Next == quote)
                {
                    value.Append(quote);
                    _position += 2;
                    continue;
                }

                _position++;
                return value.ToString();
            }

            if (quote == '"' && (c is '$' or '`'))
            {
                throw Error($"'{c}' in a double-quoted string would be expanded; use single quotes");
            }

            value.Append(c);
            _position++;
        }
    }

    /// <summary>Spaces, tabs, comments, and with <paramref name="newlines"/> also line ends.</summary>
    private void SkipTrivia(bool newlines)
    {
        while (_position < _text.Length)
        {
            var c = Current;
            if (c is ' ' or '\t' || (newlines && c is '\n' or '\r'))
            {
                _position++;
            }
            else if (c == '#')
            {
                while (_position < _text.Length && Current != '\n')
                {
                    _position++;
                }
            }
            else if (c == '<' && Next == '#')
            {
                var end = _text.IndexOf("#>", _position + 2, StringComparison.Ordinal);
                _position = end >= 0 ? end + 2 : throw Error("the <# comment is not closed");
            }
            else
            {
                return;
            }
        }
    }

    private FormatException Error(string message) => new($"line {Line}: {message}");
}
