using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DokanNfs.Cli.Output;
using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs ls [-l] [-R] [-a] [--json] URL</c>: names one per line in ordinal order; -l adds mode, links,
/// owner, group, size and mtime (UTC); -R descends like GNU ls, with a "path:" header per directory.
/// Paths go through the server's namespace, so a URL at or beneath a referral lists the target server's
/// files. In a listing, a referral not mounted yet is a directory marked [referral] (listing its parent
/// does not contact the target), and -R does not descend into it: its contents are on another server.
/// </summary>
internal static class LsCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var url = CommandArguments.Url("url", "The directory or file to list: " + CommandArguments.UrlForms + ".");
        var longFormat = new Option<bool>("--long", "-l") { Description = "Long format: mode, links, owner, group, size, mtime (UTC), name, and -> target for symbolic links." };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "List subdirectories too, each under a 'path:' header." };
        var all = new Option<bool>("--all", "-a") { Description = "Include names that begin with '.'." };
        var json = new Option<bool>("--json") { Description = "Print one JSON array of objects (name, type, size, mode, numlinks, owner, group, mtime, atime, ctime, fileid, referral; path with -R)." };
        var command = new Command("ls", "List a directory on an NFS server.") { url, longFormat, recursive, all, json };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var target = options.Resolve(parse, parse.GetValue(url)!);
            await using var drive = await ClientFactory.MountAsync(target.Settings, ct);
            var fs = drive.FileSystem;
            await using var output = StdOut.Open();
            var lister = new Lister(fs, output, parse.GetValue(longFormat), parse.GetValue(recursive), parse.GetValue(all), parse.GetValue(json));
            return await lister.RunAsync(target.Path, ct);
        }, ct));
        return command;
    }

    /// <summary>One listed object: a directory entry, or the file named on the command line.</summary>
    private sealed record Listed(string Name, string Path, NfsAttributes Attributes, bool Referral, string? Target)
    {
        public NfsFtype4? Type => Referral ? NfsFtype4.Dir : Attributes.Type;
    }

    private sealed class Lister(INfsFileSystem fs, StreamWriter output, bool longFormat, bool recursive, bool all, bool json)
    {
        private readonly List<EntryJson> _json = [];
        private int _exitCode = ExitCodes.Ok;
        private bool _firstSection = true;

        public async Task<int> RunAsync(string path, CancellationToken cancellationToken)
        {
            var node = await Remote.GetAttrAsync(fs, path, cancellationToken);
            if (!node.IsDirectory)
            {
                var single = new Listed(Remote.NameOf(node.Path), node.Path, node.Attributes, false, await TargetOfAsync(node.Path, node.Type, cancellationToken));
                Emit([single], includePath: false);
            }
            else if (!recursive)
            {
                Emit(await ListAsync(node.Path, cancellationToken), includePath: false);
            }
            else
            {
                await ListTreeAsync(node.Path, cancellationToken);
            }

            if (json)
            {
                await output.FlushAsync(cancellationToken);
                await JsonSerializer.SerializeAsync(output.BaseStream, _json, CliJsonContext.Output.ListEntryJson, cancellationToken);
                await output.BaseStream.WriteAsync("\n"u8.ToArray(), cancellationToken);
            }

            return _exitCode;
        }

        /// <summary>GNU ls -R order: a directory's listing, then each subdirectory's, depth first.</summary>
        private async Task ListTreeAsync(string path, CancellationToken cancellationToken)
        {
            List<Listed> entries;
            try
            {
                entries = await ListAsync(path, cancellationToken);
            }
            catch (NfsException ex) when (!_firstSection)
            {
                // Like ls -R: report the directory that cannot be read and go on with the rest.
                var (code, message) = ErrorReporter.Describe(ex, cancellationToken);
                ErrorReporter.Warn(message);
                _exitCode = _exitCode == ExitCodes.Ok ? code : _exitCode;
                return;
            }

            if (!json)
            {
                if (!_firstSection)
                {
                    await output.WriteLineAsync();
                }

                await output.WriteLineAsync(path + ":");
            }

            _firstSection = false;
            Emit(entries, includePath: true);
            foreach (var entry in entries)
            {
                if (entry.Attributes.Type == NfsFtype4.Dir && !entry.Referral)
                {
                    await ListTreeAsync(entry.Path, cancellationToken);
                }
            }
        }

        private async Task<List<Listed>> ListAsync(string path, CancellationToken cancellationToken)
        {
            var listed = new List<Listed>();
            foreach (var entry in await Remote.ListSortedAsync(fs, path, cancellationToken))
            {
                if (!all && entry.Name.StartsWith('.'))
                {
                    continue;
                }

                var entryPath = NfsPath.Combine(path, entry.Name);
                var target = entry.IsTriggerPoint ? null : await TargetOfAsync(entryPath, entry.Attributes.Type, cancellationToken);
                listed.Add(new Listed(entry.Name, entryPath, entry.Attributes, entry.IsTriggerPoint, target));
            }

            return listed;
        }

        /// <summary>A symbolic link's target, read only when it will be shown (-l or --json).</summary>
        private async Task<string?> TargetOfAsync(string path, NfsFtype4? type, CancellationToken cancellationToken)
        {
            if (type != NfsFtype4.Lnk || !(longFormat || json))
            {
                return null;
            }

            try
            {
                return await fs.ReadLinkAsync(path, cancellationToken);
            }
            catch (NfsException)
            {
                // The link went away or cannot be read: list it without a target rather than fail the listing.
                return null;
            }
        }

        private void Emit(List<Listed> entries, bool includePath)
        {
            if (json)
            {
                _json.AddRange(entries.Select(e => ToJson(e, includePath)));
            }
            else if (longFormat)
            {
                WriteLong(entries);
            }
            else
            {
                foreach (var entry in entries)
                {
                    output.WriteLine(entry.Name);
                }
            }
        }

        private void WriteLong(List<Listed> entries)
        {
            var rows = entries.Select(e => new
            {
                Mode = Formats.ModeString(e.Type, e.Attributes.Mode, e.Referral),
                Links = Formats.Number(e.Attributes.NumLinks),
                Owner = e.Attributes.Owner ?? "?",
                Group = e.Attributes.OwnerGroup ?? "?",
                Size = Formats.Number(e.Attributes.Size),
                Time = Formats.ShortTime(e.Attributes.TimeModify),
                e.Name,
                Suffix = e.Referral ? " [referral]" : e.Target is { } t ? " -> " + t : string.Empty,
            }).ToList();
            var links = rows.Count == 0 ? 0 : rows.Max(r => r.Links.Length);
            var owner = rows.Count == 0 ? 0 : rows.Max(r => r.Owner.Length);
            var group = rows.Count == 0 ? 0 : rows.Max(r => r.Group.Length);
            var size = rows.Count == 0 ? 0 : rows.Max(r => r.Size.Length);
            foreach (var r in rows)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{r.Mode} {r.Links.PadLeft(links)} {r.Owner.PadRight(owner)} {r.Group.PadRight(group)} {r.Size.PadLeft(size)} {r.Time} {r.Name}{r.Suffix}"));
            }
        }

        private static EntryJson ToJson(Listed e, bool includePath) => new()
        {
            Path = includePath ? e.Path : null,
            Name = e.Name,
            Type = Formats.TypeName(e.Type),
            Size = e.Attributes.Size,
            Mode = Formats.OctalMode(e.Attributes.Mode),
            NumLinks = e.Attributes.NumLinks,
            Owner = e.Attributes.Owner,
            Group = e.Attributes.OwnerGroup,
            MTime = Formats.FullTime(e.Attributes.TimeModify),
            ATime = Formats.FullTime(e.Attributes.TimeAccess),
            CTime = Formats.FullTime(e.Attributes.TimeMetadata),
            FileId = e.Attributes.FileId,
            Referral = e.Referral,
            Target = e.Target,
        };
    }
}
