using System.CommandLine;
using System.Text.Json;
using DokanNfs.Cli.Mounting;

namespace DokanNfs.Cli.Commands;

/// <summary>
/// <c>dokannfs unmount MOUNTPOINT</c>: asks the process serving the drive to unmount it (over its control pipe)
/// and waits until it has: exit 0 when it is gone, 3 when nothing of ours is mounted there.
/// </summary>
internal static class UnmountCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static Command Create(ConnectionOptions options)
    {
        var mountPoint = new Argument<string>("mountpoint") { Description = "The drive letter (Z:) or folder to unmount.", HelpName = "MOUNTPOINT" };
        var command = new Command("unmount", "Unmount a drive mapped by 'dokannfs mount', closing its files on the server first.") { mountPoint };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, async (runtime, ct) =>
        {
            var point = MountPoint.Parse(parse.GetValue(mountPoint), "mount point");
            var registry = MountRegistry.Default;
            var entry = registry.Find(point) ?? throw CliException.NotFound($"nothing is mounted at {point}.");
            var reply = await RunningMounts.TryAskAsync(entry, ControlChannel.Unmount, ct)
                ?? throw CliException.Failure($"the mount at {point} (pid {entry.Pid}) does not answer on its control pipe.");
            var answer = Deserialize(reply);
            if (answer is not { Ok: true })
            {
                throw CliException.Failure($"the mount at {point} refused to unmount: {answer?.Error ?? reply}");
            }

            // Closing every open file on the server may take a while; the serving process removes its entry last.
            var deadline = DateTime.UtcNow + MountCommand.UnmountGrace + TimeSpan.FromSeconds(5);
            while (File.Exists(registry.PathOf(entry.Id)) && MountRegistry.IsAlive(entry.Pid, entry.ProcessStart))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new CliException(ExitCodes.Timeout, $"{point} is still unmounting after {(MountCommand.UnmountGrace + TimeSpan.FromSeconds(5)).TotalSeconds:0} s (pid {entry.Pid}).");
                }

                await Task.Delay(PollInterval, ct);
            }

            Console.WriteLine($"Unmounted {point}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static ControlReplyJson? Deserialize(string reply)
    {
        try
        {
            return JsonSerializer.Deserialize(reply, MountJsonContext.Compact.ControlReplyJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
