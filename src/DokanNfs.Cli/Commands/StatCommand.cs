using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DokanNfs.Cli.Output;
using DokanNfs.Core.Nfs4;
using DokanNfs.Namespace;

namespace DokanNfs.Cli.Commands;

/// <summary><c>dokannfs stat [--json] URL</c>: the attributes of one object, as the server reports them.</summary>
internal static class StatCommand
{
    public static Command Create(ConnectionOptions options)
    {
        var url = CommandArguments.Url("url", "The object to describe: " + CommandArguments.UrlForms + ".");
        var json = new Option<bool>("--json") { Description = "Print one JSON object (path, type, size, mode, numlinks, owner, group, fileid, fsid, spaceused, server, mount, atime, mtime, ctime, change)." };
        var command = new Command("stat", "Show the attributes of a file, directory or link on an NFS server.") { url, json };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async ct =>
        {
            var target = options.Resolve(parse, parse.GetValue(url)!);
            await using var drive = await ClientFactory.MountAsync(target.Settings, ct);
            var fs = drive.FileSystem;
            var node = await Remote.GetAttrAsync(fs, target.Path, ct);
            var a = node.Attributes;
            var mount = drive.Mount(node.Path);
            var stat = new StatJson
            {
                Path = node.Path,
                Type = Formats.TypeName(a.Type),
                Size = a.Size,
                Mode = Formats.OctalMode(a.Mode),
                NumLinks = a.NumLinks,
                Owner = a.Owner,
                Group = a.OwnerGroup,
                FileId = a.FileId,
                Fsid = a.Fsid is { } fsid ? string.Create(CultureInfo.InvariantCulture, $"{fsid.Major}:{fsid.Minor}") : null,
                SpaceUsed = a.SpaceUsed,
                Server = mount is null ? null : $"{mount.Server}:{mount.ExportPath}",
                Mount = mount?.DrivePath,
                ATime = Formats.FullTime(a.TimeAccess),
                MTime = Formats.FullTime(a.TimeModify),
                CTime = Formats.FullTime(a.TimeMetadata),
                Change = a.Change,
                Target = a.Type == NfsFtype4.Lnk ? await fs.ReadLinkAsync(node.Path, ct) : null,
            };

            await using var output = StdOut.Open();
            if (parse.GetValue(json))
            {
                await output.FlushAsync(ct);
                await JsonSerializer.SerializeAsync(output.BaseStream, stat, CliJsonContext.Output.StatJson, ct);
                await output.BaseStream.WriteAsync("\n"u8.ToArray(), ct);
                return ExitCodes.Ok;
            }

            (string Label, string Value)[] lines =
            [
                ("path", stat.Path + (stat.Target is { } t ? " -> " + t : string.Empty)),
                ("type", stat.Type),
                ("size", Formats.Number(stat.Size)),
                ("mode", $"{stat.Mode ?? "?"} ({Formats.ModeString(a.Type, a.Mode)})"),
                ("links", Formats.Number(stat.NumLinks)),
                ("owner", stat.Owner ?? "?"),
                ("group", stat.Group ?? "?"),
                ("fileid", Formats.Number(stat.FileId)),
                ("fsid", stat.Fsid ?? "?"),
                ("access", stat.ATime ?? "?"),
                ("modify", stat.MTime ?? "?"),
                ("ctime", stat.CTime ?? "?"),
                ("change", Formats.Number(stat.Change)),
                ("server", stat.Server is null ? "?" : stat.Server + (stat.Mount is "/" or null ? string.Empty : $" (mounted at {stat.Mount})")),
            ];
            foreach (var (label, value) in lines)
            {
                await output.WriteLineAsync(label.PadLeft(6) + ": " + value);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
