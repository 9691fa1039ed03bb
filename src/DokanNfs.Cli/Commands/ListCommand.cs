using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DokanNfs.Cli.Mounting;
using DokanNfs.Cli.Output;

namespace DokanNfs.Cli.Commands;

/// <summary><c>dokannfs list [--json]</c>: the drives this user has mapped, nested referral mounts included.</summary>
internal static class ListCommand
{
    public const string NothingMounted = "No NFS drives mounted.";

    public static Command Create(ConnectionOptions options)
    {
        var json = new Option<bool>("--json")
        {
            Description = "Print a JSON array of mounts: mountPoint, url, server, export, options, state, pid, nfsVersion, sessionId, nested [{path, server, export, state, nfsVersion, sessionId}].",
        };
        var command = new Command("list", "Show the mapped NFS drives: server, export, options and state, with the referral mounts inside each.") { json };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async (runtime, ct) =>
        {
            var mounts = await RunningMounts.StatusAsync(MountRegistry.Default, ct);
            await using var output = StdOut.Open();
            if (parse.GetValue(json))
            {
                await output.FlushAsync(ct);
                await JsonSerializer.SerializeAsync(output.BaseStream, mounts, MountJsonContext.Output.ListMountEntryJson, ct);
                await output.BaseStream.WriteAsync("\n"u8.ToArray(), ct);
                return ExitCodes.Ok;
            }

            if (mounts.Count == 0)
            {
                await output.WriteLineAsync(NothingMounted);
                return ExitCodes.Ok;
            }

            var rows = new List<string[]> { new[] { "MOUNT POINT", "SERVER", "EXPORT", "VERS", "STATE", "PID", "OPTIONS" } };
            foreach (var mount in mounts)
            {
                rows.Add([mount.MountPoint, ServerText(mount.Server, mount.Port), mount.Export, VersionText(mount.NfsVersion), mount.State, mount.Pid.ToString(CultureInfo.InvariantCulture), mount.OptionString]);
                foreach (var nested in mount.Nested)
                {
                    rows.Add(["  " + nested.Path, nested.Server, nested.Export, VersionText(nested.NfsVersion), nested.State, string.Empty, "(referral)"]);
                }
            }

            foreach (var line in Table(rows))
            {
                await output.WriteLineAsync(line);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>The version in use, or "-" before a 4.1 or "auto" client has negotiated one.</summary>
    private static string VersionText(string? version) => version ?? "-";

    private static string ServerText(string server, int port) =>
        port is 0 or Core.Nfs4.NfsProgram.DefaultPort ? server : string.Create(CultureInfo.InvariantCulture, $"{server}:{port}");

    /// <summary>Columns padded to their widest cell, two spaces apart; the last column is not padded.</summary>
    internal static IEnumerable<string> Table(List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        return rows.Select(row => string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
    }
}
