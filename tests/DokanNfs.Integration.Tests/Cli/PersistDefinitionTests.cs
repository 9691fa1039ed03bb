using System.Xml.Linq;
using DokanNfs.Cli.Persist;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>What persist install would hand to Windows, checked here where it cannot be run.</summary>
[TestClass]
public sealed class PersistDefinitionTests
{
    private static readonly XNamespace Ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";

    [TestMethod]
    public void The_logon_task_runs_mount_all_for_this_user_only_without_time_limit()
    {
        var target = new PersistTarget(@"C:\Program Files\DokanNfs\dokannfs.exe", [], @"C:\Program Files\DokanNfs");

        var task = LogonTask.Definition(@"CORP\alice", target).Root!;

        Assert.AreEqual(@"CORP\alice", task.Element(Ns + "Triggers")!.Element(Ns + "LogonTrigger")!.Element(Ns + "UserId")!.Value);
        var principal = task.Element(Ns + "Principals")!.Element(Ns + "Principal")!;
        Assert.AreEqual(@"CORP\alice", principal.Element(Ns + "UserId")!.Value);
        Assert.AreEqual("InteractiveToken", principal.Element(Ns + "LogonType")!.Value);
        Assert.AreEqual("LeastPrivilege", principal.Element(Ns + "RunLevel")!.Value);
        var exec = task.Element(Ns + "Actions")!.Element(Ns + "Exec")!;
        Assert.AreEqual(@"C:\Program Files\DokanNfs\dokannfs.exe", exec.Element(Ns + "Command")!.Value);
        Assert.AreEqual("mount --all", exec.Element(Ns + "Arguments")!.Value);
        Assert.AreEqual(@"C:\Program Files\DokanNfs", exec.Element(Ns + "WorkingDirectory")!.Value);
        Assert.AreEqual("PT0S", task.Element(Ns + "Settings")!.Element(Ns + "ExecutionTimeLimit")!.Value, "a mount runs for the whole session");
        Assert.AreEqual("IgnoreNew", task.Element(Ns + "Settings")!.Element(Ns + "MultipleInstancesPolicy")!.Value);
        Assert.AreEqual(@"\DokanNfs\Mount drives of CORP_alice", LogonTask.TaskName(@"CORP\alice"));
    }

    [TestMethod]
    public void Run_through_the_dotnet_host_the_task_names_the_dll()
    {
        var target = new PersistTarget(@"C:\dotnet\dotnet.exe", [@"C:\tools\dokan nfs\dokannfs.dll"], @"C:\tools\dokan nfs");

        Assert.AreEqual(@"""C:\tools\dokan nfs\dokannfs.dll"" mount --all", target.Arguments("mount", "--all"));
        Assert.AreEqual(@"C:\dotnet\dotnet.exe ""C:\tools\dokan nfs\dokannfs.dll"" mount --all --as-service", target.CommandLine("mount", "--all", "--as-service"));
    }

    [TestMethod]
    [DataRow("plain", "plain")]
    [DataRow("two words", "\"two words\"")]
    [DataRow("", "\"\"")]
    [DataRow(@"C:\dir with space\", @"""C:\dir with space\\""")]
    [DataRow("say \"hi\"", @"""say \""hi\""""")]
    [DataRow(@"a\\""b", @"""a\\\\\""b""")]
    public void Arguments_are_quoted_as_windows_reads_them_back(string argument, string quoted)
    {
        Assert.AreEqual(quoted, PersistTarget.Quote(argument));
    }

    [TestMethod]
    public void The_current_program_is_found()
    {
        var target = PersistTarget.Current();

        // The test host runs under dotnet, so the task would name dotnet and this directory's dokannfs.dll.
        Assert.IsTrue(File.Exists(target.Program), target.Program);
        Assert.IsTrue(Directory.Exists(target.WorkingDirectory), target.WorkingDirectory);
    }
}
