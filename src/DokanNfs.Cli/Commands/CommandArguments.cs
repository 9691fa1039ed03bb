using System.CommandLine;

namespace DokanNfs.Cli.Commands;

/// <summary>Arguments several commands declare the same way.</summary>
internal static class CommandArguments
{
    public static Argument<string> Url(string name, string description) => new(name)
    {
        Description = description,
        HelpName = name.ToUpperInvariant(),
    };

    /// <summary>The text every command's URL argument is described with.</summary>
    public const string UrlForms = "nfs://host[:port]/path[?port=&uid=&gid=&vers=], host:/path or \\\\host\\path";
}
