using System.CommandLine;

namespace DokanNfs.Cli.Persist;

/// <summary>
/// <c>dokannfs persist install|remove [--service]</c>: starts <c>dokannfs mount --all</c> at logon (a scheduled
/// task for the current user, the default) or at boot (the DokanNfs Windows service, as LocalSystem, which reads
/// the machine configuration file). Windows only; elsewhere a message and exit 1.
/// </summary>
internal static class PersistCommand
{
    public const string NeedsWindows =
        "persist creates a logon scheduled task or a Windows service that runs 'dokannfs mount --all': it needs Windows, and this machine is not Windows.";

    public static Command Create(ConnectionOptions options)
    {
        var command = new Command("persist", "Mount the configured drives (Mounts) at logon with a scheduled task, or at boot with a Windows service.");
        command.Subcommands.Add(Action("install", "Create the logon task (or, with --service, the DokanNfs service) that runs 'dokannfs mount --all'.", install: true, options));
        command.Subcommands.Add(Action("remove", "Delete the logon task (or, with --service, stop and delete the DokanNfs service).", install: false, options));
        return command;
    }

    private static Command Action(string name, string description, bool install, ConnectionOptions options)
    {
        var service = new Option<bool>("--service")
        {
            Description = "The DokanNfs Windows service (automatic start, LocalSystem; needs an elevated prompt) instead of a logon task for this user.",
        };
        var command = new Command(name, description) { service };
        command.SetAction((parse, ct) => ErrorReporter.RunAsync(parse, options, (_, _) =>
        {
            if (!OperatingSystem.IsWindows())
            {
                throw CliException.Failure(NeedsWindows);
            }

            var asService = parse.GetValue(service);
            if (install)
            {
                var target = PersistTarget.Current();
                if (asService)
                {
                    WindowsService.Install(target);
                    Console.WriteLine($"Installed the {WindowsService.Name} service: it runs '{target.CommandLine("mount", "--all")}' at boot (start it now with 'sc start {WindowsService.Name}').");
                }
                else
                {
                    var task = LogonTask.Install(target);
                    Console.WriteLine($"Installed the scheduled task '{task}': it runs '{target.CommandLine("mount", "--all")}' when {LogonTask.CurrentUser} logs on.");
                }

                return Task.FromResult(ExitCodes.Ok);
            }

            if (asService)
            {
                if (!WindowsService.Remove())
                {
                    throw CliException.NotFound($"the {WindowsService.Name} service is not installed.");
                }

                Console.WriteLine($"Removed the {WindowsService.Name} service.");
            }
            else
            {
                if (!LogonTask.Remove(out var task))
                {
                    throw CliException.NotFound($"the scheduled task '{task}' is not installed.");
                }

                Console.WriteLine($"Removed the scheduled task '{task}'.");
            }

            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return command;
    }
}
