using System.Globalization;
using System.Text;
using System.Text.Json;
using DokanNfs.TestSupport.Faults;
using DokanNfs.TestSupport.Ganesha;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>
/// The file commands across a referral: A's "ref" refers to B (127.0.0.N:2049). Where a test must see
/// whether B was contacted, the child reaches B through a counting proxy on B's own address, named by the
/// test-only DOKANNFS_REFERRAL_PORT.
/// </summary>
[TestClass]
public sealed class CliReferralTests(TestContext testContext) : CliTestBase(testContext)
{
    private const string FromB = "bytes that live on B";

    [TestMethod]
    public async Task Ls_of_the_referral_lists_the_target_files()
    {
        var (a, _) = await StartAsync();

        var result = ExpectOk(await RunAsync("ls", Url(a, "ref")));

        Assert.AreEqual("hello.txt\n", result.StdOut.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public async Task Cat_beneath_the_referral_prints_the_target_bytes()
    {
        var (a, _) = await StartAsync();

        var result = ExpectOk(await RunAsync("cat", Url(a, "ref/hello.txt")));

        Assert.AreEqual(FromB, Encoding.UTF8.GetString(result.StdOutBytes));
    }

    [TestMethod]
    public async Task Stat_beneath_the_referral_names_the_target_server_and_the_nested_mount()
    {
        var (a, b) = await StartAsync();

        var plain = ExpectOk(await RunAsync("stat", Url(a, "ref/hello.txt")));
        using var json = JsonDocument.Parse(ExpectOk(await RunAsync("stat", "--json", Url(a, "ref/hello.txt"))).StdOut);

        Assert.Contains($"server: {b.Address}:2049:/export (mounted at /export/ref)\n", plain.StdOut.ReplaceLineEndings("\n"));
        Assert.AreEqual($"{b.Address}:2049:/export", json.RootElement.GetProperty("server").GetString());
        Assert.AreEqual("/export/ref", json.RootElement.GetProperty("mount").GetString());
        using var root = JsonDocument.Parse(ExpectOk(await RunAsync("stat", "--json", Url(a, "a.txt"))).StdOut);
        Assert.AreEqual($"{a.EndPoint}:/export", root.RootElement.GetProperty("server").GetString());
        Assert.AreEqual("/export", root.RootElement.GetProperty("mount").GetString());
    }

    [TestMethod]
    public async Task Stat_of_the_referral_shows_the_synthesized_directory_without_contacting_the_target()
    {
        var (a, b) = await StartAsync();
        await using var proxy = await FaultProxy.StartAsync(b.EndPoint, b.Address, 0, Ct);
        var cli = ThroughProxy(proxy);

        var plain = ExpectOk(await RunAsync(cli, "stat", Url(a, "ref")));
        using var json = JsonDocument.Parse(ExpectOk(await RunAsync(cli, "stat", "--json", Url(a, "ref"))).StdOut);

        Assert.Contains("type: directory", plain.StdOut);
        Assert.Contains("mode: 0555 (dr-xr-xr-x)", plain.StdOut);
        Assert.AreEqual("0555", json.RootElement.GetProperty("mode").GetString());
        Assert.AreEqual("/export/ref", json.RootElement.GetProperty("path").GetString());
        Assert.AreEqual(0, proxy.ConnectionsAccepted, "stat of the point must not contact the target");

        // The same child reaches B through the proxy once it goes beneath the point.
        ExpectOk(await RunAsync(cli, "ls", Url(a, "ref")));
        Assert.AreEqual(1, proxy.ConnectionsAccepted);
    }

    [TestMethod]
    public async Task Ls_long_of_the_parent_marks_the_referral_without_contacting_the_target()
    {
        var (a, b) = await StartAsync();
        await using var proxy = await FaultProxy.StartAsync(b.EndPoint, b.Address, 0, Ct);

        var result = ExpectOk(await RunAsync(ThroughProxy(proxy), "ls", "-l", Url(a)));

        Assert.MatchesRegex(@"(?m)^dr-xr-xr-x .* ref \[referral\]$", result.StdOut);
        Assert.Contains(" a.txt", result.StdOut);
        Assert.AreEqual(0, proxy.ConnectionsAccepted);
    }

    [TestMethod]
    public async Task Files_written_beneath_the_referral_land_on_the_target()
    {
        var (a, b) = await StartAsync();
        var local = Path.Combine(LocalDirectory, "up.txt");
        await File.WriteAllTextAsync(local, "uploaded through A", Ct);

        ExpectOk(await RunAsync("mkdir", Url(a, "ref/newdir")));
        ExpectOk(await RunAsync("cp", local, Url(a, "ref/newdir")));
        ExpectOk(await RunAsync("ln", "-s", "up.txt", Url(a, "ref/newdir/link")));
        ExpectOk(await RunAsync("mv", Url(a, "ref/newdir/up.txt"), Url(a, "ref/newdir/moved.txt")));

        Assert.AreEqual("uploaded through A", await File.ReadAllTextAsync(b.PathInExport("newdir/moved.txt"), Ct));
        Assert.AreEqual("up.txt", new FileInfo(b.PathInExport("newdir/link")).LinkTarget);
        Assert.IsFalse(Directory.Exists(a.PathInExport("ref/newdir")), "nothing was created in A's referral directory");

        ExpectOk(await RunAsync("rm", "-r", Url(a, "ref/newdir")));
        Assert.IsFalse(Directory.Exists(b.PathInExport("newdir")));
    }

    [TestMethod]
    public async Task Rm_r_of_the_referral_point_refuses_and_leaves_the_target_alone()
    {
        var (a, b) = await StartAsync();

        ExpectError(1, await RunAsync("rm", "-r", Url(a, "ref")), "is a referral to another server");

        Assert.IsTrue(File.Exists(b.PathInExport("hello.txt")));
    }

    private async Task<(GaneshaServer A, GaneshaServer B)> StartAsync()
    {
        var b = await StartServerAsync(new GaneshaOptions { AddressMode = GaneshaAddressMode.OwnAddressPort2049 });
        var a = await StartServerAsync();
        await File.WriteAllTextAsync(b.PathInExport("hello.txt"), FromB, Ct);
        await File.WriteAllTextAsync(a.PathInExport("a.txt"), "from A", Ct);
        _ = a.MakeReferral("ref", b.FsLocation);
        return (a, b);
    }

    private CliRunner ThroughProxy(FaultProxy proxy) => new(Cli.StateDirectory)
    {
        Environment = new Dictionary<string, string>
        {
            ["DOKANNFS_REFERRAL_PORT"] = proxy.EndPoint.Port.ToString(CultureInfo.InvariantCulture),
        },
    };
}
