using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using System.Xml.Linq;

namespace DokanNfs.Cli.Persist;

/// <summary>
/// A Task Scheduler task that runs <c>dokannfs mount --all</c> when this user logs on, created and deleted with
/// schtasks.exe from a task definition (Task Scheduler schema 1.2): a logon trigger for this user only, run
/// with their rights (interactive token, least privilege), no time limit, restarted if it fails.
/// </summary>
internal static class LogonTask
{
    private static readonly XNamespace Ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";

    /// <summary>Per user: tasks are machine-wide names, and each user's task mounts that user's drives.</summary>
    public static string TaskName(string user) => @"\DokanNfs\Mount drives of " + user.Replace('\\', '_');

    /// <summary>DOMAIN\user of the current user.</summary>
    public static string CurrentUser => Environment.UserDomainName + "\\" + Environment.UserName;

    /// <summary>The task definition schtasks /XML takes.</summary>
    public static XDocument Definition(string user, PersistTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new XDocument(
            new XDeclaration("1.0", "UTF-16", null),
            new XElement(Ns + "Task", new XAttribute("version", "1.2"),
                new XElement(Ns + "RegistrationInfo",
                    new XElement(Ns + "Description", "Maps the NFS drives of the dokannfs configuration's Mounts list (dokannfs mount --all).")),
                new XElement(Ns + "Triggers",
                    new XElement(Ns + "LogonTrigger",
                        new XElement(Ns + "Enabled", "true"),
                        new XElement(Ns + "UserId", user))),
                new XElement(Ns + "Principals",
                    new XElement(Ns + "Principal", new XAttribute("id", "Author"),
                        new XElement(Ns + "UserId", user),
                        new XElement(Ns + "LogonType", "InteractiveToken"),
                        new XElement(Ns + "RunLevel", "LeastPrivilege"))),
                new XElement(Ns + "Settings",
                    new XElement(Ns + "MultipleInstancesPolicy", "IgnoreNew"),
                    new XElement(Ns + "DisallowStartIfOnBatteries", "false"),
                    new XElement(Ns + "StopIfGoingOnBatteries", "false"),
                    new XElement(Ns + "StartWhenAvailable", "true"),
                    new XElement(Ns + "ExecutionTimeLimit", "PT0S"),
                    new XElement(Ns + "RestartOnFailure",
                        new XElement(Ns + "Interval", "PT1M"),
                        new XElement(Ns + "Count", "999")),
                    new XElement(Ns + "Enabled", "true")),
                new XElement(Ns + "Actions", new XAttribute("Context", "Author"),
                    new XElement(Ns + "Exec",
                        new XElement(Ns + "Command", target.Program),
                        new XElement(Ns + "Arguments", target.Arguments("mount", "--all")),
                        new XElement(Ns + "WorkingDirectory", target.WorkingDirectory)))));
    }

    [SupportedOSPlatform("windows")]
    public static string Install(PersistTarget target)
    {
        var user = CurrentUser;
        var name = TaskName(user);
        var file = Path.Combine(Path.GetTempPath(), $"dokannfs-task-{Guid.NewGuid():N}.xml");
        try
        {
            // schtasks reads the definition as UTF-16, as its declaration says.
            using (var writer = new StreamWriter(file, append: false, Encoding.Unicode))
            {
                Definition(user, target).Save(writer);
            }

            Run("/Create", "/TN", name, "/XML", file, "/F");
        }
        finally
        {
            File.Delete(file);
        }

        return name;
    }

    /// <summary>Deletes the task; false when there was none.</summary>
    [SupportedOSPlatform("windows")]
    public static bool Remove(out string name)
    {
        name = TaskName(CurrentUser);
        try
        {
            Run("/Query", "/TN", name);
        }
        catch (CliException)
        {
            return false;
        }

        Run("/Delete", "/TN", name, "/F");
        return true;
    }

    [SupportedOSPlatform("windows")]
    private static void Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Environment.SystemDirectory, "schtasks.exe"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw CliException.Failure("schtasks.exe did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var detail = (stderr.Trim().Length > 0 ? stderr : stdout.Result).Trim().ReplaceLineEndings(" ");
            throw CliException.Failure($"schtasks {arguments[0]} failed (exit {process.ExitCode}): {detail}");
        }
    }
}
