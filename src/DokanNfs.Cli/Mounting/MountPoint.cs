namespace DokanNfs.Cli.Mounting;

/// <summary>
/// Where a drive is mapped: a drive letter, written "Z", "Z:" or "Z:\" and kept as "Z:", or a folder, kept as
/// its full path without a trailing separator. Two mount points are the same when their <see cref="Key"/>s are.
/// </summary>
internal sealed record MountPoint
{
    private MountPoint(string text, bool isDriveLetter)
    {
        Text = text;
        IsDriveLetter = isDriveLetter;
    }

    /// <summary>"Z:" or the folder's full path.</summary>
    public string Text { get; }

    public bool IsDriveLetter { get; }

    /// <summary>
    /// What identifies the mount point: drive letters and, on Windows, folders compare without case (the
    /// file system ignores it there); elsewhere folder paths compare exactly.
    /// </summary>
    public string Key => IsDriveLetter || OperatingSystem.IsWindows() ? Text.ToUpperInvariant() : Text;

    /// <summary>A short name for file names and pipe names: the letter, or a hash of the folder's key.</summary>
    public string FileSafeName => IsDriveLetter
        ? Text[..1].ToUpperInvariant()
        : "dir-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key)))[..16];

    /// <summary>Parses what a user typed; <paramref name="source"/> names it in the error ("mount point", "Mounts:0:MountPoint").</summary>
    public static MountPoint Parse(string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw CliException.BadArguments(source == "mount point"
                ? "a mount point is required: a drive letter (Z:) or an empty folder, after the URL."
                : $"{source}: a mount point is required: a drive letter (Z:) or an empty folder.");
        }

        text = text.Trim();
        if (text.StartsWith('-'))
        {
            throw CliException.BadArguments($"unknown option '{text}'.");
        }

        // "Z", "Z:", "Z:\" and "Z:/" are the drive letter Z.
        if (char.IsAsciiLetter(text[0]) && (text.Length == 1 || (text[1] == ':' && (text.Length == 2 || (text.Length == 3 && text[2] is '\\' or '/')))))
        {
            return new MountPoint(char.ToUpperInvariant(text[0]) + ":", isDriveLetter: true);
        }

        if (text.Length >= 2 && text[1] == ':' && !char.IsAsciiLetter(text[0]))
        {
            throw CliException.BadArguments($"{source}: '{text}' is not a drive letter (A: to Z:) or a folder.");
        }

        if (text.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || text.Contains('*', StringComparison.Ordinal) || text.Contains('?', StringComparison.Ordinal))
        {
            throw CliException.BadArguments($"{source}: '{text}' is not a valid folder path.");
        }

        // A relative folder is taken from the current directory, as any path argument is.
        var full = Path.GetFullPath(text);
        var root = Path.GetPathRoot(full) ?? string.Empty;
        var trimmed = full.Length > root.Length ? full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : full;
        if (trimmed.Length <= root.Length)
        {
            throw CliException.BadArguments($"{source}: '{text}' is the root of a volume; mount at a drive letter or an empty folder.");
        }

        return new MountPoint(trimmed, isDriveLetter: false);
    }

    /// <summary>Parses a mount point written by <see cref="Text"/> (a registry entry's); null when it is not one.</summary>
    public static MountPoint? TryParse(string? text)
    {
        try
        {
            return Parse(text, "mount point");
        }
        catch (CliException)
        {
            return null;
        }
    }

    public bool SameAs(MountPoint other) => other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal);

    public override string ToString() => Text;
}
