namespace DokanNfs.Dokan.Mapping;

/// <summary>How <see cref="NameMatch.Resolve"/> found the wanted name.</summary>
public enum NameMatchResult
{
    /// <summary>A name equal to the wanted one, ordinal: it wins over any that differ only in case.</summary>
    Exact,

    /// <summary>No exact name, and exactly one that differs only in case.</summary>
    CaseInsensitive,

    /// <summary>No exact name, and several that differ only in case ("Readme" and "README" for "readme").</summary>
    Ambiguous,

    /// <summary>No name equal to the wanted one in any case.</summary>
    NotFound,
}

/// <summary>
/// Case-insensitive lookup on a case-sensitive server: Windows opens "readme.txt" and expects "README.TXT".
/// </summary>
public static class NameMatch
{
    /// <summary>
    /// Finds <paramref name="wanted"/> among <paramref name="names"/> (one directory's entries, NFS form).
    /// <paramref name="match"/> is the entry found for <see cref="NameMatchResult.Exact"/> and
    /// <see cref="NameMatchResult.CaseInsensitive"/>, null otherwise.
    /// </summary>
    /// <remarks>
    /// Case is compared with <see cref="StringComparison.OrdinalIgnoreCase"/>: simple per-character upper-casing,
    /// the same idea as NTFS's upcase table (no culture, no normalization, no multi-character folds).
    /// An ambiguous name is the caller's to report; Windows has no way to say which of two files it meant.
    /// </remarks>
    public static NameMatchResult Resolve(IEnumerable<string> names, string wanted, out string? match)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(wanted);
        match = null;
        string? caseless = null;
        var caselessCount = 0;
        foreach (var name in names)
        {
            if (string.Equals(name, wanted, StringComparison.Ordinal))
            {
                match = name;
                return NameMatchResult.Exact;
            }

            if (string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase))
            {
                caseless = name;
                caselessCount++;
            }
        }

        switch (caselessCount)
        {
            case 0:
                return NameMatchResult.NotFound;
            case 1:
                match = caseless;
                return NameMatchResult.CaseInsensitive;
            default:
                return NameMatchResult.Ambiguous;
        }
    }
}
