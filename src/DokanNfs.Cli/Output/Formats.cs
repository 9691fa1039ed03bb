using System.Globalization;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Cli.Output;

/// <summary>How attributes are written for people (ls -l, stat) and for scripts (--json).</summary>
internal static class Formats
{
    /// <summary>ls's first column: the type letter, then rwx for owner, group and others with s/S/t/T.</summary>
    public static string ModeString(NfsFtype4? type, uint? mode, bool referral = false)
    {
        var chars = new char[10];
        chars[0] = referral ? 'd' : TypeChar(type);
        if (mode is not { } m)
        {
            chars.AsSpan(1).Fill('?');
            return new string(chars);
        }

        Triplet(chars.AsSpan(1, 3), m >> 6, (m & 0x800) != 0, 's');
        Triplet(chars.AsSpan(4, 3), m >> 3, (m & 0x400) != 0, 's');
        Triplet(chars.AsSpan(7, 3), m, (m & 0x200) != 0, 't');
        return new string(chars);
    }

    public static char TypeChar(NfsFtype4? type) => type switch
    {
        NfsFtype4.Reg => '-',
        NfsFtype4.Dir or NfsFtype4.AttrDir => 'd',
        NfsFtype4.Lnk => 'l',
        NfsFtype4.Blk => 'b',
        NfsFtype4.Chr => 'c',
        NfsFtype4.Sock => 's',
        NfsFtype4.Fifo => 'p',
        _ => '?',
    };

    /// <summary>The type as a word, stable for scripts reading --json.</summary>
    public static string TypeName(NfsFtype4? type) => type switch
    {
        NfsFtype4.Reg => "file",
        NfsFtype4.Dir => "directory",
        NfsFtype4.Lnk => "symlink",
        NfsFtype4.Blk => "block",
        NfsFtype4.Chr => "char",
        NfsFtype4.Sock => "socket",
        NfsFtype4.Fifo => "fifo",
        NfsFtype4.AttrDir => "attrdir",
        NfsFtype4.NamedAttr => "namedattr",
        _ => "unknown",
    };

    /// <summary>The permission bits as an octal string with a leading zero, as chmod takes them ("0755").</summary>
    public static string? OctalMode(uint? mode) =>
        mode is { } m ? "0" + Convert.ToString(m & 0xFFF, 8).PadLeft(3, '0') : null;

    /// <summary>ISO 8601 in UTC to the second, for columns that people read.</summary>
    public static string ShortTime(NfsTime4? time) =>
        time is { } t ? t.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "?";

    /// <summary>ISO 8601 in UTC with the fraction the server gave (to 100 ns), for --json and stat.</summary>
    public static string? FullTime(NfsTime4? time) =>
        time is { } t ? t.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture) : null;

    public static string Number(ulong? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "?";

    public static string Number(uint? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "?";

    /// <summary>Bytes with a binary unit, for the progress bar.</summary>
    public static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }

        return unit == 0
            ? bytes.ToString("0", CultureInfo.InvariantCulture) + " B"
            : bytes.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static void Triplet(Span<char> into, uint bits, bool special, char specialChar)
    {
        into[0] = (bits & 4) != 0 ? 'r' : '-';
        into[1] = (bits & 2) != 0 ? 'w' : '-';
        var execute = (bits & 1) != 0;
        into[2] = special
            ? (execute ? specialChar : char.ToUpperInvariant(specialChar))
            : (execute ? 'x' : '-');
    }
}
