using System.Net;
using System.Net.Sockets;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>Help, bad command lines, and servers that cannot be reached: no Ganesha needed.</summary>
[TestClass]
public sealed class CliArgumentTests(TestContext testContext) : CliTestBase(testContext)
{
    private static readonly string[] Commands = ["ping", "ls", "stat", "cat", "cp", "mkdir", "rm", "mv", "ln"];

    [TestMethod]
    public async Task Root_help_lists_every_command_and_the_global_options()
    {
        var result = ExpectOk(await RunAsync("--help"));

        Assert.Contains("Usage:", result.StdOut);
        foreach (var command in Commands)
        {
            Assert.MatchesRegex($@"(?m)^\s+{command} <", result.StdOut, $"the help lists {command}");
        }

        foreach (var option in new[] { "--port", "--uid", "--gid", "--vers", "--timeout", "--verbose" })
        {
            Assert.Contains(option, result.StdOut);
        }
    }

    [TestMethod]
    [DataRow("ping", "<URL>")]
    [DataRow("ls", "--json")]
    [DataRow("ls", "--recursive")]
    [DataRow("ls", "--long")]
    [DataRow("stat", "--json")]
    [DataRow("cat", "<URL>")]
    [DataRow("cp", "--recursive")]
    [DataRow("mkdir", "--parents")]
    [DataRow("rm", "--recursive")]
    [DataRow("mv", "<DEST>")]
    [DataRow("ln", "--symbolic")]
    public async Task Each_command_has_help(string command, string mentions)
    {
        var result = ExpectOk(await RunAsync(command, "--help"));

        Assert.Contains($"dokannfs {command} ", result.StdOut);
        Assert.Contains(mentions, result.StdOut);
        Assert.Contains("--port", result.StdOut, "global options show in every command's help");
    }

    [TestMethod]
    public async Task Unknown_option_is_bad_arguments()
    {
        var result = await RunAsync("ls", "--bogus", "nfs://127.0.0.1/export");

        ExpectExit(2, result);
        Assert.Contains("--bogus", result.StdErr);
        Assert.AreEqual(string.Empty, result.StdOut);
    }

    [TestMethod]
    public async Task Missing_argument_and_missing_command_are_bad_arguments()
    {
        ExpectExit(2, await RunAsync("stat"));
        ExpectExit(2, await RunAsync());
    }

    [TestMethod]
    [DataRow("not-a-location", "is not an NFS location")]
    [DataRow("nfs://", "not a valid nfs:// URL")]
    [DataRow("nfs://host/export?port=99999", "port=99999")]
    [DataRow("nfs://host/export?uid=alice", "uid=alice")]
    [DataRow("nfs://host/export?colour=red", "'colour'")]
    [DataRow("nfs://host/export?vers=4.2", "use 4.0, 4.1 or auto")]
    public async Task Bad_location_is_bad_arguments(string location, string message)
    {
        ExpectError(2, await RunAsync("stat", location), message);
    }

    [TestMethod]
    public async Task Bad_global_option_values_are_bad_arguments()
    {
        ExpectExit(2, await RunAsync("ls", "nfs://127.0.0.1/export", "--port", "0"));
        ExpectExit(2, await RunAsync("ls", "nfs://127.0.0.1/export", "--vers", "3"));
        ExpectExit(2, await RunAsync("ls", "nfs://127.0.0.1/export", "--uid", "-1"));
        ExpectExit(2, await RunAsync("ls", "nfs://127.0.0.1/export", "--timeout", "0"));
    }

    [TestMethod]
    public async Task Cp_needs_exactly_one_nfs_side()
    {
        ExpectError(2, await RunAsync("cp", "/tmp/a", "/tmp/b"), "neither");
        ExpectError(2, await RunAsync("cp", "nfs://h/export/a", "nfs://h/export/b"), "both are NFS locations");
    }

    [TestMethod]
    public async Task Ln_without_s_is_bad_arguments()
    {
        ExpectError(2, await RunAsync("ln", "target", "nfs://127.0.0.1/export/link"), "ln -s");
    }

    [TestMethod]
    public async Task Nothing_listening_is_connection_refused()
    {
        var port = UnusedPort();

        var result = ExpectError(5, await RunAsync("ls", $"nfs://127.0.0.1:{port}/export"), "ConnectionRefused");

        Assert.Contains($"127.0.0.1:{port}", result.StdErr);
    }

    [TestMethod]
    public async Task Verbose_adds_the_stack_trace()
    {
        var result = await RunAsync("ls", $"nfs://127.0.0.1:{UnusedPort()}/export", "--verbose");

        ExpectExit(5, result);
        Assert.Contains("   at ", result.StdErr);
    }

    [TestMethod]
    public async Task A_server_that_never_answers_is_a_timeout()
    {
        // The kernel completes the handshake into the backlog; nobody ever reads the call.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var result = await RunAsync("stat", $"nfs://127.0.0.1:{port}/export", "--timeout", "1");

        ExpectError(6, result, "--timeout");
    }

    [TestMethod]
    public async Task Unknown_host_is_connection_refused()
    {
        ExpectError(5, await RunAsync("ls", "nfs://no-such-host.invalid/export"), "no-such-host.invalid");
    }

    private static int UnusedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
